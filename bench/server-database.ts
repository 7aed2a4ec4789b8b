import type pg from 'pg';
import { isRunning } from './cleanup.ts';
import { log } from './progress.ts';

/**
 * The server benchmark's database: small and shaped like a company's, built for the run and
 * dropped at its end. Roles are cluster-wide, so each run names them with its own prefix.
 */
export interface BenchNames {
  /** The database the checked system lives in, and the store's schema in the admin database. */
  readonly database: string;
  readonly storeSchema: string;
  /** Prefix of every role the run creates. */
  readonly rolePrefix: string;
}

const DATABASE_PREFIX = 'fbbench_server_';
const ROLE_PREFIX = 'fbbsrv_';

export function benchNames(pid: number, suffix: string): BenchNames {
  const id = `${pid}_${suffix}`;
  return {
    database: `${DATABASE_PREFIX}${id}`,
    storeSchema: `${DATABASE_PREFIX}${id}`,
    rolePrefix: `${ROLE_PREFIX}${id}_`,
  };
}

export const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

const DEPARTMENTS = ['engineering', 'analytics', 'support', 'finance', 'hr', 'marketing', 'sales', 'ops'] as const;
const TEAMS_PER_DEPARTMENT = 4;
const USERS = 300;
const ANALYTICS_REPORTS = 30;

/** A role of the catalog by its short name (`marketing`, `u042`, `owner`…). */
export type RoleName = (name: string) => string;

export function roleNamer(names: BenchNames): RoleName {
  return (name) => quoteIdent(`${names.rolePrefix}${name}`);
}

/** Roles: 8 departments of 4 teams, 300 users in one team (a tenth in two), service accounts. */
function rolesSql(r: RoleName): string {
  const lines: string[] = [`create role ${r('owner')} nologin`, `create role ${r('readonly')} nologin`];
  const teams: string[] = [];
  for (const department of DEPARTMENTS) {
    lines.push(`create role ${r(department)} nologin`);
    for (let t = 1; t <= TEAMS_PER_DEPARTMENT; t++) {
      const team = `${department}_t${t}`;
      teams.push(team);
      lines.push(`create role ${r(team)} nologin in role ${r(department)}`);
    }
  }
  lines.push(`grant ${r('readonly')} to ${r('analytics')}, ${r('finance')}`);
  for (let i = 1; i <= USERS; i++) {
    const first = teams[i % teams.length] as string;
    const second = i % 10 === 0 ? (teams[(i * 7 + 3) % teams.length] as string) : undefined;
    const groups = [first, ...(second === undefined || second === first ? [] : [second])].map(r).join(', ');
    lines.push(`create role ${r(`u${String(i).padStart(3, '0')}`)} login in role ${groups}`);
  }
  lines.push(
    `create role ${r('service_app')} login`,
    `create role ${r('etl')} login`,
    `create role ${r('dba')} login createrole`,
    `grant ${r('owner')} to ${r('dba')}`,
  );
  return `${lines.join(';\n')};`;
}

/** Schemas and tables, owned by the owner role, with the grants a company would have. */
function objectsSql(r: RoleName): string {
  const schemas = ['app', 'billing', 'hr', 'support', 'marketing', 'analytics'];
  const reports = Array.from(
    { length: ANALYTICS_REPORTS },
    (_, i) => `analytics.report_${String(i + 1).padStart(2, '0')}`,
  );
  return `
    ${schemas.map((s) => `create schema ${s} authorization ${r('owner')}`).join(';\n')};
    set role ${r('owner')};
    create table app.users (id bigint primary key, email text not null, first_name text, last_name text, created_at timestamptz);
    create table app.sessions (id bigint primary key, user_id bigint, ip inet, started_at timestamptz);
    create table app.products (id bigint primary key, title text, price_cents bigint);
    create table app.orders (id bigint primary key, user_id bigint, total_cents bigint, created_at timestamptz);
    create table app.order_items (order_id bigint, product_id bigint, quantity int);
    create table app.events (id bigint primary key, kind text, at timestamptz);
    create table billing.customers (id bigint primary key, email text, iban text, created_at timestamptz);
    create table billing.invoices (id bigint primary key, customer_id bigint, amount_cents bigint, due_on date);
    create table billing.payments (id bigint primary key, invoice_id bigint, card_number text, amount_cents bigint);
    create table billing.refunds (id bigint primary key, payment_id bigint, amount_cents bigint);
    create table hr.employees (id bigint primary key, first_name text, last_name text, ssn text, date_of_birth date, salary numeric, team text);
    create table hr.departments (id bigint primary key, title text);
    create table support.tickets (id bigint primary key, customer_email text, subject text, body text);
    create table support.macros (id bigint primary key, title text, body text);
    create table marketing.leads (id bigint primary key, email text, phone text, source text);
    create table marketing.campaigns (id bigint primary key, title text, budget_cents bigint);
    ${reports.map((t) => `create table ${t} (id bigint primary key, day date, value numeric)`).join(';\n')};
    create view analytics.customer_contacts as select id, email from billing.customers;

    grant usage on schema app to ${r('engineering')}, ${r('support')}, ${r('service_app')};
    grant select on all tables in schema app to ${r('engineering')};
    grant select, insert, update on all tables in schema app to ${r('service_app')};
    grant select on app.users, app.orders to ${r('support')};
    grant usage on schema billing to ${r('finance')}, ${r('service_app')}, ${r('marketing')};
    grant select on all tables in schema billing to ${r('finance')};
    grant select, insert on all tables in schema billing to ${r('service_app')};
    grant usage on schema hr to ${r('hr')};
    grant select on hr.departments to ${r('hr')};
    grant select on hr.employees to ${r('hr_t1')}, ${r('hr_t2')};
    alter table hr.employees enable row level security;
    create policy own_team on hr.employees for select to ${r('hr_t2')} using (team = current_user);
    create policy all_rows on hr.employees for select to ${r('hr_t1')} using (true);
    grant usage on schema support to ${r('support')}, ${r('engineering_t1')};
    grant select, insert, update on all tables in schema support to ${r('support')};
    grant select on support.tickets to ${r('engineering_t1')};
    grant usage on schema marketing to ${r('marketing')}, ${r('sales')};
    grant select on all tables in schema marketing to ${r('marketing')};
    grant select on marketing.leads to ${r('sales')};
    grant usage on schema analytics to ${r('analytics')}, ${r('readonly')}, ${r('etl')}, ${r('sales')};
    grant select on all tables in schema analytics to ${r('readonly')};
    grant insert, update on all tables in schema analytics to ${r('etl')};
    revoke select on analytics.customer_contacts from ${r('readonly')};
    grant select on analytics.customer_contacts to ${r('sales')};
    alter default privileges in schema analytics grant select on tables to ${r('readonly')};
    reset role`;
}

/** Creates the database and its roles, schemas and tables; `url` reaches the new database. */
export async function buildDatabase(admin: pg.Client, connect: () => Promise<pg.Client>, names: BenchNames) {
  const r = roleNamer(names);
  log(`Creating database ${names.database} and roles ${names.rolePrefix}*…`);
  await admin.query(`create database ${quoteIdent(names.database)}`);
  await admin.query(rolesSql(r));
  const db = await connect();
  try {
    await db.query(objectsSql(r));
    await db.query('vacuum analyze');
  } finally {
    await db.end();
  }
}

/** Drops the database, the roles and the store's schema of one run; each step on its own. */
export async function dropRun(admin: pg.Client, names: BenchNames): Promise<void> {
  const attempt = async (what: string, sql: string) => {
    await admin.query(sql).catch((error: unknown) => log(`Could not drop ${what}: ${(error as Error).message}`));
  };
  await attempt(`database ${names.database}`, `drop database if exists ${quoteIdent(names.database)} with (force)`);
  await attempt(`schema ${names.storeSchema}`, `drop schema if exists ${quoteIdent(names.storeSchema)} cascade`);
  const { rows } = await admin.query<{ name: string }>(
    'select rolname::text as name from pg_catalog.pg_roles where starts_with(rolname, $1)',
    [names.rolePrefix],
  );
  if (rows.length > 0)
    await attempt(`roles ${names.rolePrefix}*`, `drop role ${rows.map((row) => quoteIdent(row.name)).join(', ')}`);
}

/** Drops what runs that were killed left behind (their process is gone). */
export async function dropLeftovers(admin: pg.Client): Promise<void> {
  const found = new Map<string, BenchNames>();
  const pidOf = (name: string, prefix: string) => {
    const match = new RegExp(`^${prefix}(\\d+)_([0-9a-f]+)`).exec(name);
    return match === null ? undefined : { pid: Number(match[1]), suffix: match[2] as string };
  };
  const note = (name: string, prefix: string) => {
    const run = pidOf(name, prefix);
    if (run === undefined || run.pid === process.pid || isRunning(run.pid)) return;
    found.set(`${run.pid}_${run.suffix}`, benchNames(run.pid, run.suffix));
  };
  const databases = await admin.query<{ name: string }>(
    'select datname::text as name from pg_catalog.pg_database where starts_with(datname, $1)',
    [DATABASE_PREFIX],
  );
  const schemas = await admin.query<{ name: string }>(
    'select nspname::text as name from pg_catalog.pg_namespace where starts_with(nspname, $1)',
    [DATABASE_PREFIX],
  );
  const roles = await admin.query<{ name: string }>(
    'select rolname::text as name from pg_catalog.pg_roles where starts_with(rolname, $1)',
    [ROLE_PREFIX],
  );
  for (const { name } of [...databases.rows, ...schemas.rows]) note(name, DATABASE_PREFIX);
  for (const { name } of roles.rows) note(name, ROLE_PREFIX);
  for (const [id, names] of found) {
    log(`Dropping what run ${id} left (its process is gone)…`);
    await dropRun(admin, names);
  }
}

/** A change in the mix, with the decision the default policy must give it as an agent's. */
export interface BenchCase {
  readonly id: string;
  readonly name: string;
  readonly sql: string;
  readonly expected: 'allow' | 'deny' | 'review';
}

export function benchCases(names: BenchNames, review: boolean): BenchCase[] {
  const r = roleNamer(names);
  const cases: BenchCase[] = [
    {
      id: 'grant-table',
      name: 'GRANT SELECT on billing.customers (email, iban) to marketing',
      sql: `grant select on billing.customers to ${r('marketing')}`,
      expected: 'deny',
    },
    {
      id: 'query',
      name: 'SELECT joining customers and invoices',
      sql: 'select c.email, sum(i.amount_cents) from billing.customers c join billing.invoices i on i.customer_id = c.id group by c.email',
      expected: 'allow',
    },
    {
      id: 'revoke',
      name: 'REVOKE SELECT on app.users from support',
      sql: `revoke select on app.users from ${r('support')}`,
      expected: 'allow',
    },
    {
      id: 'create-grant',
      name: 'CREATE TABLE (unlabelled), GRANT it to analytics',
      sql: `create table analytics.scratch (id bigint, day date, value numeric); grant select on analytics.scratch to ${r('analytics')}`,
      expected: 'allow',
    },
    {
      id: 'grant-role',
      name: 'GRANT an hr team (reads hr.employees: ssn, salary) to one user',
      sql: `grant ${r('hr_t1')} to ${r('u042')}`,
      expected: 'deny',
    },
  ];
  if (review)
    cases.push({
      id: 'do-block',
      name: 'DO block granting an unlabelled table (opaque: sandbox replay)',
      sql: `do $$ begin execute 'grant select on analytics.report_01 to public'; end $$`,
      expected: 'review',
    });
  return cases;
}
