import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Queryable, readPostgresSnapshot } from '../../src/connectors/postgres/index.ts';
import { interpretSql } from '../../src/connectors/postgres/interpret/index.ts';
import { verifyInSandbox } from '../../src/connectors/postgres/sandbox/index.ts';
import {
  type ClassificationRules,
  classify,
  compileGlob,
  computeDelta,
  computeExposure,
  type Resource,
  type Snapshot,
} from '../../src/core/index.ts';
import { createDemoWarehouse, type DemoWarehouse } from '../../src/runtime/demo/create-demo-warehouse.ts';
import { AI_AGENT, DEMO_COMPANY } from '../../src/runtime/demo/warehouse.ts';
import { createPglite, createTestDatabase, dropRoles, uniquePrefix } from '../support/postgres.ts';
import { baseSeed, createRandom } from '../support/random.ts';
import { ADMIN, type CatalogSpec, catalogSql, randomCatalog } from '../support/random-catalog.ts';
import { randomChange } from '../support/random-change.ts';

const PGLITE_CATALOGS = Number(process.env.FIREBREAK_SANDBOX_CATALOGS ?? 30);
const SERVER_CATALOGS = Number(process.env.FIREBREAK_SANDBOX_SERVER_CATALOGS ?? 6);
const CHANGES = Number(process.env.FIREBREAK_SANDBOX_CHANGES ?? 6);
const seed = baseSeed();

function prefixRules(prefix: string): ClassificationRules {
  const glob = compileGlob(`${prefix}*.*`);
  if (!glob.ok) throw new Error(glob.error);
  return { rules: [{ label: 'pii', glob: glob.value }], detectors: false };
}

const inSchemasOf = (prefix: string) => (r: Resource) => r.readable && r.path[0]?.startsWith(prefix) === true;

/** Readers, potential readers through definer functions and latent readers, as comparable text. */
function exposureOf(snapshot: Snapshot, include?: (r: Resource) => boolean): Record<string, string[]> {
  const exposure = computeExposure(snapshot, include === undefined ? {} : { include });
  const summary: Record<string, string[]> = {};
  for (const entry of exposure.resources)
    summary[entry.resource.name] = [
      ...entry.readers.map((r) => `${r.principal}: ${r.access}${r.columns === undefined ? '' : ` ${r.columns}`}`),
      ...entry.potential.map((p) => `through ${p.routine} owned by ${p.owner}: ${p.principals.join(', ')}`),
    ].sort();
  for (const latent of exposure.latent)
    summary[`latent ${latent.grant.creator} ${latent.grant.container ?? '*'} ${latent.grant.principal}`] = [
      ...latent.principals,
    ];
  return summary;
}

/** Builds the snapshot's shadow (an empty change) and reads it back. */
async function shadowOf(snapshot: Snapshot, role: string): Promise<{ after: Snapshot; warnings: readonly string[] }> {
  const outcome = await verifyInSandbox(snapshot, '', role, { timeoutMs: 60_000 });
  if (!outcome.ok) throw new Error(`no shadow: ${outcome.reason}`);
  return outcome;
}

async function expectSameExposure(db: Queryable, spec: CatalogSpec, catalogSeed: number, role: string) {
  const raw = await readPostgresSnapshot(db, 'fidelity');
  const { after, warnings } = await shadowOf(raw, role);
  const rules = prefixRules(spec.prefix);
  const include = inSchemasOf(spec.prefix);
  const expected = exposureOf(classify(raw, rules), include);
  const actual = exposureOf(classify(after, rules), include);
  expect(actual, `seed ${catalogSeed} (replay with FIREBREAK_SEED=${catalogSeed}), warnings: ${warnings}`).toEqual(
    expected,
  );
  expect(Object.keys(expected).length).toBeGreaterThan(0);
  return { raw, after };
}

describe(`the shadow of a random PGlite catalog has the catalog's exposure (base seed ${seed})`, () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await createPglite();
  });
  afterAll(async () => {
    await db.close();
  });
  for (let i = 0; i < PGLITE_CATALOGS; i++) {
    const catalogSeed = (seed + i) >>> 0;
    it(`catalog ${i} (seed ${catalogSeed}) reads back from its shadow with the same readers`, async () => {
      const prefix = uniquePrefix('fbs');
      const spec = randomCatalog(createRandom(catalogSeed), prefix, true);
      try {
        for (const statement of catalogSql(spec, 'postgres', true)) await db.query(statement);
        // Alternate a superuser and a login role of the catalog as the one the empty change runs as.
        const login = spec.roles.at(-1)?.name ?? ADMIN;
        await expectSameExposure(db, spec, catalogSeed, i % 2 === 0 ? ADMIN : login);
      } finally {
        for (const schema of spec.schemas) await db.query(`drop schema if exists "${schema.name}" cascade`);
        for (const role of spec.roles) await db.query(`drop owned by "${role.name}" cascade`).catch(() => {});
        await db.query('grant connect on database postgres to public');
        await dropRoles(db, [prefix]);
      }
    });
  }
});

describe(`the shadow of a random PostgreSQL 15 catalog has the catalog's exposure (base seed ${seed})`, () => {
  for (let i = 0; i < SERVER_CATALOGS; i++) {
    const catalogSeed = (seed + 1000 + i) >>> 0;
    it(`catalog ${i} (seed ${catalogSeed}) keeps its database name, normalised memberships and readers`, async () => {
      const prefix = uniquePrefix('fbs');
      const database = await createTestDatabase(`${prefix}db`);
      try {
        const version = await database.client.query(`select current_setting('server_version_num')::int as v`);
        const modern = (version.rows[0] as { v: number }).v >= 160000;
        const spec = randomCatalog(createRandom(catalogSeed), prefix, modern);
        for (const statement of catalogSql(spec, database.name, modern)) await database.client.query(statement);
        const { raw, after } = await expectSameExposure(database.client, spec, catalogSeed, ADMIN);
        expect(after.facts?.database).toBe(database.name);
        expect(after.resources.find((r) => r.kind === 'database')?.id).toBe(
          raw.resources.find((r) => r.kind === 'database')?.id,
        );
      } finally {
        await database.drop([prefix]);
      }
    });
  }
});

/**
 * Names that need quoting (keywords, quotes, spaces, non-ASCII), kinds beyond tables and views,
 * and definitions that cannot compile in the shadow: a view and a policy that call a function
 * the snapshot does not hold (only SECURITY DEFINER functions are read).
 */
const AWKWARD = `
  create role "Ünïcode ""Reader""" login;
  create role "select" nologin;
  grant "select" to "Ünïcode ""Reader""";
  create schema "select";
  create schema "Weird ""Schema""";
  grant usage on schema "select", "Weird ""Schema""" to "select";
  create table "select"."from" ("User Id" int, "e-mail" text, amount numeric(10,2));
  comment on table "select"."from" is 'Customers [firebreak: pii]';
  grant select ("User Id", "e-mail") on "select"."from" to "select";
  create function public.mask(t text) returns text language sql immutable as $$ select 'x' $$;
  create view "Weird ""Schema"""."masked view" as select "User Id", public.mask("e-mail") as "e-mail" from "select"."from";
  grant select on "Weird ""Schema"""."masked view" to "select";
  alter table "select"."from" enable row level security;
  create policy "own rows" on "select"."from" for select to "select" using (public.mask("e-mail") = 'x');
  create table "select".parts (id int, region text) partition by list (region);
  create table "select".parts_eu partition of "select".parts for values in ('eu');
  comment on table "select".parts is '[firebreak: pii]';
  grant select on "select".parts to "select";
  create sequence "select"."id seq";
  grant usage on sequence "select"."id seq" to "select";
  create materialized view "select".totals as select count("User Id") as n from "select"."from";
  grant select on "select".totals to public;
  create foreign data wrapper dummy;
  create server dummy_server foreign data wrapper dummy;
  create foreign table "select".remote (id int, secret text) server dummy_server;
  comment on foreign table "select".remote is '[firebreak: secret]';
  grant select on "select".remote to "select";
  create function "select".lookup(who text) returns text language plpgsql security definer
    as $$ begin return (select "e-mail" from "select"."from" limit 1); end $$;
  revoke execute on function "select".lookup(text) from public;
  grant execute on function "select".lookup(text) to "Ünïcode ""Reader""";
  create function "select".count_masked() returns bigint language sql security definer
    begin atomic select count(*) from "Weird ""Schema"""."masked view"; end;
  revoke connect on database postgres from public;
  grant connect on database postgres to "Ünïcode ""Reader""";
  alter default privileges in schema "select" grant select on tables to "select";
`;

describe('a catalog with awkward names and definitions the shadow cannot compile', () => {
  it('has a shadow with the same exposure, and warnings that name each stand-in', async () => {
    const db = await createPglite();
    try {
      await db.exec(AWKWARD);
      const before = classify(await readPostgresSnapshot(db, 'awkward'), { rules: [] });
      const { after, warnings } = await shadowOf(before, 'Ünïcode "Reader"');
      expect([...warnings].sort()).toEqual([
        '"Weird ""Schema"""."masked view": its definition did not compile; a stand-in reads the same source columns',
        'policy own rows on select.from: its condition did not compile; it admits no row in the shadow',
      ]);
      const expected = exposureOf(before);
      expect(Object.keys(expected).length).toBeGreaterThan(5);
      expect(exposureOf(classify(after, { rules: [] }))).toEqual(expected);
      const kinds = (s: Snapshot) => s.resources.map((r) => `${r.name} ${r.kind}`).sort();
      expect(kinds(after)).toEqual(kinds(before));
    } finally {
      await db.close();
    }
  });
});

describe('the demo warehouse', () => {
  let warehouse: DemoWarehouse;
  let before: Snapshot;
  beforeAll(async () => {
    warehouse = await createDemoWarehouse();
    before = classify(await readPostgresSnapshot(warehouse.db, 'tidewell'), { rules: [] });
  }, 120_000);
  afterAll(async () => {
    await warehouse.close();
  });

  it('has a shadow with the readers, potential readers and latent readers of every labelled resource', async () => {
    const started = performance.now();
    const { after, warnings } = await shadowOf(before, ADMIN);
    console.log(`demo warehouse: shadow built and read back in ${Math.round(performance.now() - started)} ms`);
    expect(warnings).toEqual([]);
    const expected = exposureOf(before);
    expect(Object.keys(expected).length).toBeGreaterThan(10);
    expect(exposureOf(classify(after, { rules: [] }))).toEqual(expected);
  });

  it('verifies a DO block that hands customer identities to the analysts, AI agent included', async () => {
    const started = performance.now();
    const outcome = await verifyInSandbox(
      before,
      `DO $$ BEGIN EXECUTE format('GRANT SELECT ON %I.%I TO %I', 'identity', 'users', 'analysts'); END $$`,
      DEMO_COMPANY.dba,
    );
    console.log(`demo warehouse: a DO block verified end to end in ${Math.round(performance.now() - started)} ms`);
    if (!outcome.ok) throw new Error(outcome.reason);
    const delta = computeDelta(before, classify(outcome.after, { rules: [] }));
    const users = delta.resources.find((r) => r.resource.name === 'identity.users');
    expect(users?.gained.list().find((c) => c.principal === AI_AGENT)).toMatchObject({
      before: 'columns',
      after: 'full',
    });
  });
});

describe(`an interpretable change verified in the sandbox (base seed ${seed})`, () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await createPglite();
  });
  afterAll(async () => {
    await db.close();
  });
  for (let i = 0; i < CHANGES; i++) {
    const changeSeed = (seed + 7919 + i) >>> 0;
    it(`change ${i} (seed ${changeSeed}) gives the readers the static interpreter predicts`, async () => {
      const prefix = uniquePrefix('fbs');
      const random = createRandom(changeSeed);
      const spec = randomCatalog(random, prefix, true);
      const sql = randomChange(random, spec, true)
        .map((s) => `${s.replaceAll('__DATABASE__', '"postgres"')};`)
        .join('\n');
      try {
        for (const statement of catalogSql(spec, 'postgres', true)) await db.query(statement);
        const before = await readPostgresSnapshot(db, 'fidelity');
        const interpreted = await interpretSql(before, sql, ADMIN);
        if (!interpreted.ok) throw new Error(`not interpreted: ${interpreted.error.message}`);
        const outcome = await verifyInSandbox(before, sql, ADMIN, { timeoutMs: 60_000 });
        if (!outcome.ok) throw new Error(`not verified: ${outcome.reason}`);
        const context = `seed ${changeSeed} (replay with FIREBREAK_SEED=${changeSeed - 7919}), change:\n${sql}`;
        expect(
          outcome.statements.filter((s) => !s.ok),
          context,
        ).toEqual([]);
        const rules = prefixRules(prefix);
        const include = inSchemasOf(prefix);
        expect(exposureOf(classify(outcome.after, rules), include), context).toEqual(
          exposureOf(classify(interpreted.after, rules), include),
        );
      } finally {
        for (const schema of spec.schemas) await db.query(`drop schema if exists "${schema.name}" cascade`);
        const roles = await db.query<{ rolname: string }>(
          'select rolname from pg_roles where starts_with(rolname, $1)',
          [prefix],
        );
        for (const role of roles.rows) await db.query(`drop owned by "${role.rolname}" cascade`);
        await db.query('grant connect on database postgres to public');
        await db.query('alter default privileges revoke all on tables from public');
        await dropRoles(db, [prefix]);
      }
    });
  }
});
