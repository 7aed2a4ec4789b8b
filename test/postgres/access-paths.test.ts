import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeExposure } from '../../src/core/index.ts';
import { ENGINES, type Scenario } from '../support/scenario.ts';

/**
 * Every read path of reference/postgres-access.md, by hand, on both engines. Each scenario states
 * the expected readers, and checks that Firebreak's model and the database itself both agree.
 */
describe.each(ENGINES)('read paths on $name', (engine) => {
  let session: Awaited<ReturnType<typeof engine.open>>;
  beforeAll(async () => {
    session = await engine.open();
  });
  afterAll(async () => {
    await session.close();
  });

  async function withScenario(sql: string, body: (s: Scenario) => Promise<void>) {
    const scenario = await session.scenario();
    try {
      await scenario.run(sql);
      await body(scenario);
    } finally {
      await scenario.dispose();
    }
  }

  async function expectReaders(s: Scenario, relation: string, expected: Record<string, string>) {
    const snapshot = await s.snapshot();
    expect(s.readers(snapshot, relation)).toEqual(expected);
    expect(await s.observe(relation)).toEqual(expected);
  }

  const base = `
    create schema @hr; grant usage on schema @hr to public;
    create table @hr.emp (id int, email text, salary int);
    insert into @hr.emp values (1, 'a@example.com', 10), (2, 'b@example.com', 20), (3, 'c@example.com', 30);`;

  it('a superuser reads every table and row-level security does not apply to it', async () => {
    await withScenario(
      `${base} create role @root login superuser; create role @alice login;
      alter table @hr.emp enable row level security;`,
      async (s) => {
        await expectReaders(s, '@hr.emp', { root: 'full' });
        const explanation = s.explain(await s.snapshot(), 'root', '@hr.emp');
        expect(explanation.paths[0]?.holding).toEqual({ kind: 'superuser', principal: s.name('root') });
        expect(explanation.paths[0]?.rows.reason).toBe('superuser');
      },
    );
  });

  it('members of pg_read_all_data read every table without a grant or schema USAGE, still under row security', async () => {
    await withScenario(
      `create role @dana login; grant pg_read_all_data to @dana;
      create schema @private; create table @private.t (id int); insert into @private.t values (1), (2), (3);
      create table @private.guarded (id int); insert into @private.guarded values (1), (2), (3);
      alter table @private.guarded enable row level security;`,
      async (s) => {
        await expectReaders(s, '@private.t', { dana: 'full' });
        await expectReaders(s, '@private.guarded', { dana: 'filtered' });
        const path = s.explain(await s.snapshot(), 'dana', '@private.t').paths[0];
        expect(path?.holding?.kind).toBe('blanket');
        expect(path?.gates[0]?.holding.kind).toBe('blanket');
      },
    );
  });

  it('the owner reads through the built-in default ACL and bypasses row security unless it is forced', async () => {
    await withScenario(
      `create role @owner login; create schema @hr; grant usage on schema @hr to @owner;
      create table @hr.open (id int); insert into @hr.open values (1), (2), (3);
      alter table @hr.open owner to @owner; alter table @hr.open enable row level security;
      create table @hr.forced (id int); insert into @hr.forced values (1), (2), (3);
      alter table @hr.forced owner to @owner; alter table @hr.forced enable row level security;
      alter table @hr.forced force row level security;
      create table @hr.revoked (id int); alter table @hr.revoked owner to @owner; revoke select on @hr.revoked from @owner;`,
      async (s) => {
        await expectReaders(s, '@hr.open', { owner: 'full' });
        await expectReaders(s, '@hr.forced', { owner: 'filtered' });
        await expectReaders(s, '@hr.revoked', {});
        const path = s.explain(await s.snapshot(), 'owner', '@hr.open').paths[0];
        expect(path?.holding?.kind === 'grant' && path.holding.grant.implicit).toMatch(/built-in default/);
        expect(path?.rows.reason).toBe('owner');
      },
    );
  });

  it('a member who inherits the owner role bypasses row security like the owner', async () => {
    await withScenario(
      `${base} create role @team; create role @bob login; grant @team to @bob;
      alter table @hr.emp owner to @team; alter table @hr.emp enable row level security;`,
      async (s) => {
        await expectReaders(s, '@hr.emp', { bob: 'full' });
      },
    );
  });

  it('table, column and PUBLIC grants give full, column and everyone access', async () => {
    await withScenario(
      `${base} create role @alice login; create role @bob login; create role @carol login;
      grant select on @hr.emp to @alice; grant select (id, email) on @hr.emp to @bob;
      create table @hr.pub (id int); grant select on @hr.pub to public;`,
      async (s) => {
        await expectReaders(s, '@hr.emp', { alice: 'full', bob: 'columns:id,email' });
        await expectReaders(s, '@hr.pub', { alice: 'full', bob: 'full', carol: 'full' });
      },
    );
  });

  it('SELECT without USAGE on the schema reads nothing, and explain names the missing USAGE', async () => {
    await withScenario(
      `create role @alice login; create schema @hr; create table @hr.emp (id int);
      grant select on @hr.emp to @alice;`,
      async (s) => {
        await expectReaders(s, '@hr.emp', {});
        const explanation = s.explain(await s.snapshot(), 'alice', '@hr.emp');
        expect(explanation.access).toBe('none');
        expect(explanation.missing).toContainEqual(
          expect.objectContaining({ kind: 'gate', privilege: 'USAGE', resource: `schema:${s.name('hr')}` }),
        );
      },
    );
  });

  it('without CONNECT on the database a role reads nothing, and explain names the session check', async () => {
    await withScenario(
      `${base} create role @alice login; create role @bob login;
      revoke connect on database @@db from public; grant connect on database @@db to @bob;
      grant select on @hr.emp to public;`,
      async (s) => {
        await expectReaders(s, '@hr.emp', { bob: 'full' });
        const explanation = s.explain(await s.snapshot(), 'alice', '@hr.emp');
        expect(explanation.missing).toContainEqual(
          expect.objectContaining({ kind: 'gate', privilege: 'CONNECT', checkedAs: 'session' }),
        );
        // On the server, a real login confirms what has_database_privilege told the oracle.
        if (s.logIn !== undefined) {
          expect(await s.logIn('alice')).toMatch(/permission denied for database/);
          expect(await s.logIn('bob')).toBeUndefined();
        }
      },
    );
  });

  it('membership semantics follow the server version: SET ROLE and inheritance are separate paths', async () => {
    const modernSql = `grant @analyst to @bob with inherit false, set true; grant @admin to @carol with inherit true, set false;`;
    const legacySql = `alter role @bob noinherit; grant @analyst to @bob; grant @admin to @carol;`;
    const scenario = await session.scenario();
    try {
      await scenario.run(`${base} create role @analyst; create role @bob login; create role @carol login;
        create role @admin superuser; grant select on @hr.emp to @analyst;
        ${scenario.modern ? modernSql : legacySql}`);
      if (scenario.modern) {
        // bob may become analyst but does not inherit it; carol inherits admin but cannot become it,
        // and the superuser attribute is not inherited.
        await expectReaders(scenario, '@hr.emp', { bob: 'full' });
      } else {
        // Before PG16 every membership allows SET ROLE: carol can become the superuser admin.
        await expectReaders(scenario, '@hr.emp', { bob: 'full', carol: 'full' });
      }
      const path = scenario.explain(await scenario.snapshot(), 'bob', '@hr.emp').paths[0];
      expect(path?.acting).toBe(scenario.name('analyst'));
      expect(path?.actingChain.map((m) => m.group)).toEqual([scenario.name('analyst')]);
    } finally {
      await scenario.dispose();
    }
  });

  it('privileges flow along chains of inheriting memberships', async () => {
    await withScenario(
      `${base} create role @org; create role @dept; create role @team; create role @erin login;
      grant @org to @dept; grant @dept to @team; grant @team to @erin; grant select on @hr.emp to @org;`,
      async (s) => {
        await expectReaders(s, '@hr.emp', { erin: 'full' });
        const holding = s.explain(await s.snapshot(), 'erin', '@hr.emp').paths[0]?.holding;
        expect(holding?.kind === 'grant' && holding.chain.map((m) => m.group)).toEqual([
          s.name('team'),
          s.name('dept'),
          s.name('org'),
        ]);
      },
    );
  });

  it('row security: policies that admit all rows, filtering policies, restrictive policies, BYPASSRLS', async () => {
    await withScenario(
      `${base} create role @alice login; create role @bob login; create role @carol login bypassrls;
      create role @dave login; create role @erin login; grant select on @hr.emp to public;
      alter table @hr.emp enable row level security;
      create policy all_rows on @hr.emp for select to @alice using (true);
      create policy some_rows on @hr.emp for select to @bob using (id > 1);
      create policy dave_all on @hr.emp for select to @dave using (true);
      create policy dave_limit on @hr.emp as restrictive for select to @dave using (id > 1);`,
      async (s) => {
        const expected = { alice: 'full', bob: 'filtered', carol: 'full', dave: 'filtered', erin: 'filtered' };
        await expectReaders(s, '@hr.emp', expected);
        await s.run('alter table @hr.emp disable row level security');
        await expectReaders(s, '@hr.emp', { alice: 'full', bob: 'full', carol: 'full', dave: 'full', erin: 'full' });
      },
    );
  });

  it('a view runs with its owner rights: granted to PUBLIC it exposes a table nobody else may read', async () => {
    await withScenario(
      `${base} create role @owner; create role @nobody; create role @alice login;
      grant select on @hr.emp to @owner;
      create view @hr.by_owner as select id, email from @hr.emp; alter view @hr.by_owner owner to @owner;
      grant select on @hr.by_owner to public;
      create view @hr.by_invoker with (security_invoker = true) as select id, email from @hr.emp;
      alter view @hr.by_invoker owner to @owner; grant select on @hr.by_invoker to public;
      create view @hr.broken as select id from @hr.emp; alter view @hr.broken owner to @nobody;
      grant select on @hr.broken to public;`,
      async (s) => {
        await expectReaders(s, '@hr.by_owner', { alice: 'full' });
        await expectReaders(s, '@hr.by_invoker', {});
        await expectReaders(s, '@hr.broken', {});
        const snapshot = await s.snapshot();
        const viaOwner = s.explain(snapshot, 'alice', '@hr.by_owner').paths[0];
        expect(viaOwner?.derivation?.runsAs).toBe('owner');
        expect(viaOwner?.derivation?.sources[0]?.checker).toBe(s.name('owner'));
        expect(s.explain(snapshot, 'alice', '@hr.broken').missing).toContainEqual(
          expect.objectContaining({ kind: 'source', checker: s.name('nobody') }),
        );
      },
    );
  });

  it('a view owner subject to row security passes the filter on to every reader', async () => {
    await withScenario(
      `${base} create role @owner; create role @alice login; grant select on @hr.emp to @owner;
      alter table @hr.emp enable row level security;
      create policy some_rows on @hr.emp for select to @owner using (id > 1);
      create view @hr.v as select id from @hr.emp; alter view @hr.v owner to @owner; grant select on @hr.v to @alice;`,
      async (s) => {
        const snapshot = await s.snapshot();
        expect(s.readers(snapshot, '@hr.v')).toEqual({ alice: 'filtered' });
        await s.run(`set role @alice`);
        const { rows } = await s.db.query(`select count(*)::int as n from "${s.name('hr')}".v`);
        await s.run('reset role');
        expect(rows).toEqual([{ n: 2 }]);
      },
    );
  });

  it('labels flow from a base column to the views that select it', async () => {
    await withScenario(
      `${base} create view @hr.contacts as select id, email from @hr.emp;
      create view @hr.ids as select id from @hr.emp;`,
      async (s) => {
        const { classify, compileGlob } = await import('../../src/core/index.ts');
        const { readPostgresSnapshot } = await import('../../src/connectors/postgres/index.ts');
        const glob = compileGlob(`${s.name('hr')}.emp.email`);
        if (!glob.ok) throw new Error(glob.error);
        const labelled = classify(await readPostgresSnapshot(s.db, 'lineage'), {
          rules: [{ label: 'contact', glob: glob.value }],
          detectors: false,
        });
        const contacts = labelled.resources.find((r) => r.name === `${s.name('hr')}.contacts`);
        const ids = labelled.resources.find((r) => r.name === `${s.name('hr')}.ids`);
        expect(contacts?.labels).toEqual([
          { name: 'contact', source: { kind: 'lineage', from: `relation:${s.name('hr')}.emp`, column: 'email' } },
        ]);
        expect(contacts?.columns.find((c) => c.name === 'email')?.labels.map((l) => l.name)).toEqual(['contact']);
        expect(ids?.labels).toEqual([]);
      },
    );
  });

  it('a SECURITY DEFINER function that reads a table is a potential path for everyone who may execute it', async () => {
    await withScenario(
      `${base} create role @owner; create role @alice login; create role @bob login;
      grant select on @hr.emp to @owner;
      create function @hr.headcount() returns bigint language sql security definer as $$ select count(*) from @hr.emp $$;
      alter function @hr.headcount() owner to @owner;
      create function @hr.anything(q text) returns void language plpgsql security definer as $$ begin execute q; end $$;
      revoke execute on function @hr.anything(text) from public; grant execute on function @hr.anything(text) to @bob;`,
      async (s) => {
        const exposure = computeExposure(await s.snapshot());
        const entry = exposure.resources.find((e) => e.resource.name === `${s.name('hr')}.emp`);
        const paths = Object.fromEntries(
          (entry?.potential ?? []).map((p) => [
            p.routine,
            p.principals.filter((x) => x.startsWith(s.name(''))).map((x) => x.slice(s.name('').length)),
          ]),
        );
        expect(paths).toEqual({
          [`function:${s.name('hr')}.headcount()`]: ['alice', 'bob'],
          [`function:${s.name('hr')}.anything(q text)`]: ['bob'],
        });
      },
    );
  });

  it('default privileges are reported as latent exposure, and apply to the next table created', async () => {
    await withScenario(
      `create schema @hr; grant usage on schema @hr to public; create role @creator login;
      create role @alice login; grant create on schema @hr to @creator;
      alter default privileges for role @creator in schema @hr grant select on tables to public;`,
      async (s) => {
        const latent = computeExposure(await s.snapshot()).latent.find((l) => l.grant.creator === s.name('creator'));
        expect(latent?.grant).toMatchObject({
          container: `schema:${s.name('hr')}`,
          principal: 'public',
          privilege: 'SELECT',
        });
        expect(latent?.principals).toEqual(expect.arrayContaining([s.name('alice'), s.name('creator')]));
        await s.run('set role @creator; create table @hr.future (id int); reset role');
        await expectReaders(s, '@hr.future', { alice: 'full', creator: 'full' });
      },
    );
  });

  it('the database owner holds the privileges of pg_database_owner', async () => {
    await withScenario(
      `${base} create role @dbo login; alter database @@db owner to @dbo;
      alter table @hr.emp owner to pg_database_owner;`,
      async (s) => {
        await expectReaders(s, '@hr.emp', { dbo: 'full' });
        const holding = s.explain(await s.snapshot(), 'dbo', '@hr.emp').paths[0]?.holding;
        expect(holding?.kind === 'grant' && holding.chain[0]?.implicit).toBe('owner of the current database');
      },
    );
  });

  it('quoted names with spaces, quotes, dots and capitals are read back exactly', async () => {
    const scenario = await session.scenario();
    try {
      const role = `${scenario.name('we')}"ird Name`;
      const schema = `${scenario.name('Mixed')}.Case`;
      const q = (n: string) => `"${n.replaceAll('"', '""')}"`;
      await scenario.run(`create role ${q(role)} login; create schema ${q(schema)}; grant usage on schema ${q(schema)} to ${q(role)};
        create table ${q(schema)}."Odd ""Table""" (id int, "E-mail" text); grant select ("E-mail") on ${q(schema)}."Odd ""Table""" to ${q(role)}`);
      const snapshot = await scenario.snapshot();
      const resource = snapshot.resources.find((r) => r.kind === 'table' && r.path[0] === schema);
      expect(resource?.name).toBe(`${q(schema)}."Odd ""Table"""`);
      expect(resource?.path).toEqual([schema, 'Odd "Table"']);
      const entry = computeExposure(snapshot).resources.find((e) => e.resource.id === resource?.id);
      expect(entry?.readers.filter((r) => r.principal === role)).toEqual([
        { principal: role, access: 'columns', columns: ['E-mail'] },
      ]);
    } finally {
      await scenario.dispose();
    }
  });

  it('a materialized view is read with its own privileges only: its data was copied when it was built', async () => {
    await withScenario(
      `${base} create role @alice login;
      create materialized view @hr.snapshot as select id, email from @hr.emp; grant select on @hr.snapshot to @alice;`,
      async (s) => {
        await expectReaders(s, '@hr.snapshot', { alice: 'full' });
      },
    );
  });

  it('a membership granted twice by different grantors inherits when either grant does (PostgreSQL 16+)', async () => {
    const scenario = await session.scenario();
    try {
      if (scenario.modern) {
        await scenario.run(`${base} create role @grp; create role @granter; create role @member login;
          grant @grp to @granter with admin option; grant select on @hr.emp to @grp;
          grant @grp to @member with inherit false, set false granted by @granter;
          grant @grp to @member with inherit true, set false;`);
        await expectReaders(scenario, '@hr.emp', { member: 'full' });
        const memberships = (await scenario.snapshot()).memberships.filter((m) => m.member === scenario.name('member'));
        expect(memberships.map((m) => [m.grantor, m.inherit])).toEqual(
          expect.arrayContaining([
            ['postgres', true],
            [scenario.name('granter'), false],
          ]),
        );
      } else {
        // Before PG16 a role can hold one membership per group only: nothing to compare.
        await scenario.run(`create role @grp; create role @member login; grant @grp to @member`);
        expect(
          (await scenario.snapshot()).memberships.filter((m) => m.member === scenario.name('member')),
        ).toHaveLength(1);
      }
    } finally {
      await scenario.dispose();
    }
  });
});
