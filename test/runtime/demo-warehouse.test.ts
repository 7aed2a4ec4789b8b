import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPostgresSnapshot } from '../../src/connectors/postgres/index.ts';
import {
  accessOf,
  accessSetsOf,
  classify,
  computeExposure,
  type Exposure,
  hasBit,
  labelNamesOf,
  PUBLIC_ID,
  type Resource,
  type Snapshot,
} from '../../src/core/index.ts';
import { createDemoWarehouse, type DemoWarehouse } from '../../src/runtime/demo/create-demo-warehouse.ts';
import {
  AI_AGENT,
  CUSTOMER_LOOKUP_VIEW,
  DEMO_COMPANY,
  demoWarehouseSql,
  ENGINEERING_LOGIN_COUNT,
  ENGINEERING_TEAMS,
  GROUPS,
  LEADS_DEFINER_FUNCTION,
  METRICS_TABLES,
  OWNER_ROLES,
  PII_TABLES,
  PUBLIC_DEFINER_FUNCTION,
  SAMPLE_PEOPLE,
  SERVICE_ACCOUNTS,
} from '../../src/runtime/demo/warehouse.ts';

let warehouse: DemoWarehouse;
let snapshot: Snapshot;
let exposure: Exposure;

async function classifiedSnapshot(db: PGlite): Promise<Snapshot> {
  return classify(await readPostgresSnapshot(db, 'tidewell'), { rules: [] });
}

beforeAll(async () => {
  warehouse = await createDemoWarehouse();
  snapshot = await classifiedSnapshot(warehouse.db);
  exposure = computeExposure(snapshot);
}, 120_000);
afterAll(async () => {
  await warehouse.close();
});

const relation = (s: Snapshot, name: string): Resource => {
  const resource = s.resources.find((r) => r.name === name);
  if (resource === undefined) throw new Error(`no resource named ${name}`);
  return resource;
};
const routine = (name: string) =>
  snapshot.resources.find((r) => r.kind === 'function' && r.name.startsWith(`${name}(`));
const access = (principal: string, name: string, s = snapshot) => accessOf(s, principal, relation(s, name))?.access;
const exposureOf = (name: string) => exposure.resources.find((r) => r.resource.name === name);

function engineeringLogins(s: Snapshot): string[] {
  const { closures } = accessSetsOf(s);
  if (!closures.indexOf.has(GROUPS.engineering)) throw new Error('no engineering role');
  const members = closures.heldBy(GROUPS.engineering);
  return closures.ids.filter((_, i) => hasBit(members, i) && hasBit(closures.logins, i));
}

async function asRole<T>(db: PGlite, role: string, body: () => Promise<T>): Promise<T> {
  await db.exec(`set role "${role}"`);
  try {
    return await body();
  } finally {
    await db.exec('reset role');
  }
}

describe('the demo warehouse', () => {
  it('is generated identically on every call, with every role name quoted', () => {
    const first = demoWarehouseSql();
    expect(demoWarehouseSql()).toEqual(first);
    expect(first).toContain(`CREATE ROLE "${SAMPLE_PEOPLE.engineer}" LOGIN IN ROLE "${ENGINEERING_TEAMS[0]?.name}"`);
    expect(first.filter((s) => s.startsWith('CREATE ROLE ') && !s.startsWith('CREATE ROLE "'))).toEqual([]);
  });

  it('has exactly 2,113 engineers, who belong to engineering only through team roles', async () => {
    const engineers = engineeringLogins(snapshot);
    expect(engineers).toHaveLength(ENGINEERING_LOGIN_COUNT);
    expect(new Set(engineers)).toEqual(new Set(DEMO_COMPANY.engineers.map((p) => p.login)));
    const { rows } = await warehouse.db.query<{ n: number }>(
      `select count(*)::int4 as n from pg_roles r
        where r.rolcanlogin and not r.rolsuper and pg_has_role(r.oid, $1, 'MEMBER')`,
      [GROUPS.engineering],
    );
    expect(rows[0]?.n).toBe(ENGINEERING_LOGIN_COUNT);
    const direct = snapshot.membersOf.get(GROUPS.engineering) ?? [];
    expect(direct.every((m) => snapshot.principalById.get(m.member)?.login === false)).toBe(true);
  });

  it('labels exactly the 14 designed tables pii, and no engineer can read any of them', () => {
    const piiTables = snapshot.resources.filter((r) => r.kind === 'table' && labelNamesOf(r).includes('pii'));
    expect(piiTables.map((r) => r.name).sort()).toEqual([...PII_TABLES].sort());
    const engineers = new Set(engineeringLogins(snapshot));
    for (const name of PII_TABLES) {
      const readers = exposureOf(name)?.readers ?? [];
      expect(readers.length).toBeGreaterThan(0);
      expect(readers.filter((r) => engineers.has(r.principal))).toEqual([]);
      expect(access(SAMPLE_PEOPLE.engineer, name)).toBeUndefined();
    }
  });

  it('lets every engineer read the metrics tables in full, and labels none of their columns', () => {
    const metrics = computeExposure(snapshot, { include: (r) => METRICS_TABLES.includes(r.name) });
    expect(metrics.resources).toHaveLength(METRICS_TABLES.length);
    const engineers = engineeringLogins(snapshot);
    for (const { resource, readers } of metrics.resources) {
      expect(labelNamesOf(resource)).toEqual([]);
      const full = new Set(readers.filter((r) => r.access === 'full').map((r) => r.principal));
      expect(engineers.every((e) => full.has(e))).toBe(true);
    }
  });

  it('shows customer emails to support through a view that runs as app_owner, not to engineers', async () => {
    const view = relation(snapshot, CUSTOMER_LOOKUP_VIEW);
    expect(view.derivation?.runsAs).toBe('owner');
    expect(view.owner).toBe(OWNER_ROLES.app);
    expect(view.columns.find((c) => c.name === 'email')?.labels.map((l) => l.name)).toEqual(['pii']);
    expect(access(SAMPLE_PEOPLE.supportAgent, CUSTOMER_LOOKUP_VIEW)).toBe('full');
    expect(access(SAMPLE_PEOPLE.engineer, CUSTOMER_LOOKUP_VIEW)).toBeUndefined();
    const { rows } = await warehouse.db.query<{ direct: boolean }>(
      `select has_table_privilege($1, 'identity.users', 'SELECT') as direct`,
      [SAMPLE_PEOPLE.supportAgent],
    );
    expect(rows[0]?.direct).toBe(false);
  });

  it('filters support tickets by team for agents, but not for leads or the support portal', async () => {
    expect(access(SAMPLE_PEOPLE.supportAgent, 'support.tickets')).toBe('filtered');
    expect(access(SAMPLE_PEOPLE.supportLead, 'support.tickets')).toBe('full');
    expect(access(SERVICE_ACCOUNTS.supportPortal, 'support.tickets')).toBe('full');
    const count = (role: string) =>
      asRole(warehouse.db, role, async () => {
        const { rows } = await warehouse.db.query<{ n: number }>('select count(*)::int4 as n from support.tickets');
        return rows[0]?.n;
      });
    expect(await count(SAMPLE_PEOPLE.supportAgent)).toBe(1);
    expect(await count(SAMPLE_PEOPLE.supportLead)).toBe(3);
  });

  it('lets analysts and the AI agent read only id, country and created_at of identity.users', () => {
    for (const principal of [SAMPLE_PEOPLE.analyst, AI_AGENT]) {
      const reader = accessOf(snapshot, principal, relation(snapshot, 'identity.users'));
      expect(reader).toEqual({ principal, access: 'columns', columns: ['id', 'country', 'created_at'] });
    }
  });

  it('reports the PUBLIC definer function as a potential path to identity.users for every login', () => {
    const fn = routine(PUBLIC_DEFINER_FUNCTION);
    expect(snapshot.grantsByResource.get(fn?.id ?? '')).toContainEqual(
      expect.objectContaining({ principal: PUBLIC_ID, privilege: 'EXECUTE' }),
    );
    const path = exposureOf('identity.users')?.potential.find((p) => p.routine === fn?.id);
    expect(path?.principals).toEqual(expect.arrayContaining([SAMPLE_PEOPLE.engineer, AI_AGENT]));
  });

  it('keeps the careful definer function executable by support leads and not by PUBLIC', () => {
    const fn = routine(LEADS_DEFINER_FUNCTION);
    const executors = (snapshot.grantsByResource.get(fn?.id ?? '') ?? []).map((g) => g.principal);
    expect(executors).toContain(GROUPS.supportLeads);
    expect(executors).not.toContain(PUBLIC_ID);
  });

  it('reports latent exposure: future metrics tables for engineering, future payments tables for PUBLIC', () => {
    const metrics = exposure.latent.find((l) => l.grant.container === 'schema:metrics');
    expect(metrics?.grant).toMatchObject({ creator: OWNER_ROLES.etl, principal: GROUPS.engineering });
    expect(metrics?.principals).toHaveLength(ENGINEERING_LOGIN_COUNT);
    const payments = exposure.latent.find((l) => l.grant.container === 'schema:payments');
    expect(payments?.grant).toMatchObject({ creator: OWNER_ROLES.app, principal: PUBLIC_ID });
    expect(payments?.labelledInContainer).toBe(3);
    expect(payments?.principals).toContain(AI_AGENT);
    expect(payments?.principals).not.toContain(SAMPLE_PEOPLE.engineer);
  });

  it('lets data_platform read every pii table through pg_read_all_data, row security still applying', () => {
    for (const name of PII_TABLES)
      expect(access(SAMPLE_PEOPLE.dataPlatform, name)).toBe(name === 'support.tickets' ? 'filtered' : 'full');
    expect(access(SERVICE_ACCOUNTS.etl, 'hr.compensation')).toBe('full');
  });

  it('lets the break-glass security engineer read identity documents only after SET ROLE pii_readers', async () => {
    expect(access(SAMPLE_PEOPLE.breakGlass, 'identity.identity_documents')).toBe('full');
    const { rows } = await warehouse.db.query<{ direct: boolean }>(
      `select has_table_privilege($1, 'identity.identity_documents', 'SELECT') as direct`,
      [SAMPLE_PEOPLE.breakGlass],
    );
    expect(rows[0]?.direct).toBe(false);
  });

  it('takes CREATE on schema public and TEMPORARY on the database away from PUBLIC', () => {
    const publicGrants = snapshot.grants.filter((g) => g.principal === PUBLIC_ID);
    expect(publicGrants.filter((g) => g.resource === 'schema:public').map((g) => g.privilege)).toEqual(['USAGE']);
    expect(publicGrants.filter((g) => g.resource.startsWith('database:')).map((g) => g.privilege)).toEqual(['CONNECT']);
  });

  // Runs last: it changes the warehouse.
  it('exposes all 14 pii tables to all 2,113 engineers once engineering joins pg_read_all_data', async () => {
    await warehouse.db.exec(`grant "pg_read_all_data" to "${GROUPS.engineering}"`);
    const after = await classifiedSnapshot(warehouse.db);
    const engineers = engineeringLogins(after);
    for (const name of PII_TABLES) {
      const readers = new Set(
        computeExposure(after, { include: (r) => r.name === name }).resources[0]?.readers.map((r) => r.principal),
      );
      expect(engineers.filter((e) => readers.has(e))).toHaveLength(ENGINEERING_LOGIN_COUNT);
    }
  });
});

describe('a demo warehouse in a data directory', () => {
  it('is built once and reused when opened again', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'firebreak-demo-'));
    try {
      const first = await createDemoWarehouse({ dataDir });
      await first.db.exec(`comment on role "${AI_AGENT}" is 'still here'`);
      await first.close();
      const second = await createDemoWarehouse({ dataDir });
      const { rows } = await second.db.query<{ comment: string | null }>(
        `select shobj_description(oid, 'pg_authid') as comment from pg_roles where rolname = $1`,
        [AI_AGENT],
      );
      await second.close();
      expect(rows[0]?.comment).toBe('still here');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
