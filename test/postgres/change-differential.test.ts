import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkChange } from '../support/delta-differential.ts';
import { createPglite, createTestDatabase, dropRoles, uniquePrefix } from '../support/postgres.ts';
import { baseSeed, createRandom } from '../support/random.ts';
import { catalogSql, randomCatalog } from '../support/random-catalog.ts';
import { randomChange } from '../support/random-change.ts';

const CHANGES = Number(process.env.FIREBREAK_DIFF_CHANGES ?? 60);
const seed = baseSeed();

function failure(
  catalogSeed: number,
  script: readonly string[],
  mismatches: readonly string[],
  setup: readonly string[],
): string {
  return [
    `seed ${catalogSeed} (replay with FIREBREAK_SEED=${catalogSeed})`,
    'mismatches:',
    ...mismatches.map((m) => `  ${m}`),
    'change:',
    ...script.map((s) => `  ${s};`),
    'catalog:',
    ...setup.map((s) => `  ${s};`),
  ].join('\n');
}

describe(`random changes on the PostgreSQL server (base seed ${seed})`, () => {
  for (let i = 0; i < CHANGES; i++) {
    const changeSeed = (seed + i) >>> 0;
    it(`change ${i} (seed ${changeSeed}): the predicted delta is what PostgreSQL does`, async () => {
      const prefix = uniquePrefix('fbx');
      const database = await createTestDatabase(`${prefix}db`);
      try {
        const version = await database.client.query(`select current_setting('server_version_num')::int as v`);
        const modern = (version.rows[0] as { v: number }).v >= 160000;
        const random = createRandom(changeSeed);
        const spec = randomCatalog(random, prefix, modern);
        const script = randomChange(random, spec, modern);
        const check = await checkChange(database.client, spec, script, database.name, modern);
        if (check.mismatches.length > 0)
          expect.fail(failure(changeSeed, script, check.mismatches, catalogSql(spec, database.name, modern)));
        expect(check.comparisons).toBeGreaterThan(0);
      } finally {
        await database.drop([prefix]);
      }
    });
  }
});

describe(`random changes on PGlite (base seed ${seed})`, () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await createPglite();
  });
  afterAll(async () => {
    await db.close();
  });
  for (let i = 0; i < CHANGES; i++) {
    const changeSeed = (seed + 7919 + i) >>> 0;
    it(`change ${i} (seed ${changeSeed}): the predicted delta is what PGlite does`, async () => {
      const prefix = uniquePrefix('fbx');
      const random = createRandom(changeSeed);
      const spec = randomCatalog(random, prefix, true);
      const script = randomChange(random, spec, true);
      try {
        const check = await checkChange(db, spec, script, 'postgres', true);
        if (check.mismatches.length > 0)
          expect.fail(failure(changeSeed, script, check.mismatches, catalogSql(spec, 'postgres', true)));
        expect(check.comparisons).toBeGreaterThan(0);
      } finally {
        const { rows } = await db.query<{ nspname: string }>(
          'select nspname from pg_namespace where starts_with(nspname, $1)',
          [prefix],
        );
        for (const row of rows) await db.query(`drop schema "${row.nspname}" cascade`);
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
