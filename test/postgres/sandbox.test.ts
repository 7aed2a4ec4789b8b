import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readPostgresSnapshot } from '../../src/connectors/postgres/index.ts';
import { shadowSql, verifyInSandbox } from '../../src/connectors/postgres/sandbox/index.ts';
import { classify, computeDelta, type Snapshot } from '../../src/core/index.ts';
import { createPglite } from '../support/postgres.ts';

/**
 * A small HR catalog: `agent` (the role changes run as) belongs to the owner of `hr.salaries`,
 * so it may grant on it; `bob` may use the schema but reads nothing yet.
 */
const CATALOG = `
  create role agent login;
  create role bob login;
  create role hr_owner nologin;
  grant hr_owner to agent;
  create schema hr authorization hr_owner;
  grant usage on schema hr to bob, agent;
  create table hr.salaries (id int, employee text, salary numeric);
  alter table hr.salaries owner to hr_owner;
  comment on column hr.salaries.salary is 'Yearly pay [firebreak: financial]';
`;

let before: Snapshot;

beforeAll(async () => {
  const db = await createPglite();
  try {
    await db.exec(CATALOG);
    before = await readPostgresSnapshot(db, 'hr');
  } finally {
    await db.close();
  }
});

async function verified(sql: string, role = 'agent') {
  const outcome = await verifyInSandbox(before, sql, role, { timeoutMs: 60_000 });
  if (!outcome.ok) throw new Error(`the sandbox gave no answer: ${outcome.reason}`);
  return outcome;
}

const grantsTo = (snapshot: Snapshot, principal: string) =>
  snapshot.grants
    .filter((g) => g.principal === principal && g.resource === 'relation:hr.salaries')
    .map((g) => g.privilege);

describe('replaying a change in the sandbox', () => {
  it('shows a grant made by a DO block in the after-snapshot, and the delta shows the new reader', async () => {
    const outcome = await verified(`DO $$ BEGIN EXECUTE 'GRANT SELECT ON hr.salaries TO bob'; END $$`);
    expect(outcome.statements).toEqual([{ index: 1, ok: true }]);
    expect(grantsTo(outcome.after, 'bob')).toEqual(['SELECT']);
    const delta = computeDelta(classify(before, { rules: [] }), classify(outcome.after, { rules: [] }));
    const salaries = delta.resources.find((r) => r.resource.name === 'hr.salaries');
    expect(salaries?.gained.list()).toEqual([{ principal: 'bob', before: 'none', after: 'full' }]);
  });

  it('stops a DO block that loops forever at the timeout and gives no answer', async () => {
    const started = performance.now();
    const outcome = await verifyInSandbox(before, 'DO $$ BEGIN LOOP END LOOP; END $$', 'agent', { timeoutMs: 8_000 });
    expect(outcome).toEqual({ ok: false, reason: 'the sandbox did not finish within 8000 ms; it was stopped' });
    expect(performance.now() - started).toBeLessThan(9_500);
  });

  it('reports COPY … TO PROGRAM as a failed statement, and runs no command on the host', async () => {
    const marker = join(tmpdir(), `firebreak-sandbox-${randomBytes(6).toString('hex')}`);
    const outcome = await verified(
      `COPY (SELECT 1) TO PROGRAM 'touch ${marker}'; COPY (SELECT 1) TO '${marker}'; GRANT SELECT ON hr.salaries TO bob`,
      'postgres',
    );
    expect(outcome.statements[0]).toEqual({
      index: 1,
      ok: false,
      error: `could not execute command "touch ${marker}": Success`,
    });
    // COPY to a file writes into PGlite's in-memory file system, not the host's.
    expect(outcome.statements.slice(1)).toEqual([
      { index: 2, ok: true },
      { index: 3, ok: true },
    ]);
    expect(existsSync(marker)).toBe(false);
  });

  it('goes on after a statement fails, as psql does without ON_ERROR_STOP', async () => {
    const outcome = await verified('GRANT SELECT ON hr.missing TO bob; GRANT SELECT ON hr.salaries TO bob');
    expect(outcome.statements).toEqual([
      { index: 1, ok: false, error: 'relation "hr.missing" does not exist' },
      { index: 2, ok: true },
    ]);
    expect(grantsTo(outcome.after, 'bob')).toEqual(['SELECT']);
  });

  it('rolls back a transaction the change leaves open, and says so', async () => {
    const outcome = await verified('BEGIN; GRANT SELECT ON hr.salaries TO bob');
    expect(outcome.statements.every((s) => s.ok)).toBe(true);
    expect(outcome.warnings).toContain(
      'the change leaves a transaction open; the shadow rolled it back, as ending the session would',
    );
    expect(grantsTo(outcome.after, 'bob')).toEqual([]);
  });

  it('keeps a role that is not a superuser from becoming one, however it asks', async () => {
    const outcome = await verified(`
      RESET SESSION AUTHORIZATION;
      SET SESSION AUTHORIZATION postgres;
      DO $$ BEGIN PERFORM set_config('session_authorization', 'postgres', false); END $$;
      DISCARD ALL;
      ALTER ROLE bob NOLOGIN;
      CREATE ROLE sneaky SUPERUSER LOGIN;
      SET ROLE hr_owner;
      GRANT SELECT ON hr.salaries TO bob`);
    expect(outcome.statements.map((s) => s.ok)).toEqual([true, false, false, true, false, false, true, true]);
    expect(outcome.statements[1]?.error).toBe('permission denied to set session authorization "postgres"');
    expect(outcome.after.principalById.get('bob')?.login).toBe(true);
    expect(outcome.after.principalById.has('sneaky')).toBe(false);
    expect(grantsTo(outcome.after, 'bob')).toEqual(['SELECT']);
  });

  it('lets a superuser switch the session authorization, as PostgreSQL does', async () => {
    const outcome = await verified(
      'SET SESSION AUTHORIZATION agent; GRANT SELECT ON hr.salaries TO bob; RESET SESSION AUTHORIZATION; CREATE ROLE auditor LOGIN',
      'postgres',
    );
    expect(outcome.statements.every((s) => s.ok)).toBe(true);
    expect(outcome.after.grants.find((g) => g.principal === 'bob' && g.privilege === 'SELECT')?.grantor).toBe(
      'hr_owner',
    );
    expect(outcome.after.principalById.get('auditor')?.login).toBe(true);
  });

  it('gives no answer for a change that does not parse, or a role the snapshot does not have', async () => {
    const syntax = await verifyInSandbox(before, 'GRANT SELECT ON hr.salaries TO bob;\nGRANT SELECT ON', 'agent');
    expect(syntax).toEqual({ ok: false, reason: 'syntax error at line 2, column 16: syntax error at end of input' });
    expect(await verifyInSandbox(before, 'SELECT 1', 'nobody')).toEqual({
      ok: false,
      reason: 'role "nobody" does not exist in the snapshot',
    });
  });

  it('reads the shadow back without the role the shadow itself runs as', async () => {
    const outcome = await verified('SELECT 1');
    expect(outcome.after.principals.map((p) => p.id).sort()).toEqual(before.principals.map((p) => p.id).sort());
    expect(outcome.after.facts?.bootstrapSuperuser).toBe('postgres');
    expect(outcome.after.resources.map((r) => r.id).sort()).toEqual(before.resources.map((r) => r.id).sort());
  });
});

describe('the SQL of a shadow', () => {
  it('quotes every name, keywords included, and spells out every membership option', () => {
    const sql = shadowSql(before);
    expect(sql).toContain('CREATE TABLE "hr"."salaries" ("id" integer, "employee" text, "salary" numeric)');
    expect(sql).toContain('GRANT "hr_owner" TO "agent" WITH INHERIT true, SET true, ADMIN false');
    expect(sql).toContain(`COMMENT ON COLUMN "hr"."salaries"."salary" IS 'Yearly pay [firebreak: financial]'`);
    expect(sql).toContain('GRANT USAGE ON SCHEMA "hr" TO "bob"');
  });
});
