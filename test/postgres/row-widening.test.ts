import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPostgresSnapshot } from '../../src/connectors/postgres/index.ts';
import { interpretSql } from '../../src/connectors/postgres/interpret/index.ts';
import { classify, compileGlob, computeDelta, keepLabels, type Snapshot } from '../../src/core/index.ts';
import { createPglite } from '../support/postgres.ts';

/**
 * A row policy whose condition is not `true` still gives rows: a reader for whom no policy applied
 * saw none. Whether a changed condition admits more rows is not analysed, so any policy that now
 * applies to a reader, changed, or a restrictive one dropped, counts as gaining (the differential
 * suite checks the converse: every reader the database shows more rows is predicted).
 */
let db: PGlite;
let snapshot: Snapshot;

beforeAll(async () => {
  db = await createPglite();
  await db.exec(`
    create role alice login; create role bob login; create role carol login; create role analysts;
    grant analysts to alice;
    create schema hr; grant usage on schema hr to public;
    create table hr.notes (id int, body text); alter table hr.notes enable row level security;
    grant select on hr.notes to analysts; grant select (id) on hr.notes to bob;
    create view hr.notes_view with (security_invoker = true) as select id, body from hr.notes;
    grant select on hr.notes_view to carol, analysts; grant select on hr.notes to carol;
    create table hr.pay (id int, amount int); alter table hr.pay enable row level security;
    grant select on hr.pay to analysts;
    create policy everyone on hr.pay using (true);
    create policy small on hr.pay as restrictive to analysts using (amount < 100);
  `);
  snapshot = await readPostgresSnapshot(db, 'test');
}, 60_000);
afterAll(async () => {
  await db.close();
});

/** Resource → the principals gaining on it, with their levels before and after. */
async function gains(sql: string): Promise<Record<string, string[]>> {
  const result = await interpretSql(snapshot, sql, 'postgres');
  if (!result.ok) throw new Error(result.error.message);
  const glob = compileGlob('hr.*');
  if (!glob.ok) throw new Error(glob.error);
  const rules = { rules: [{ label: 'pii', glob: glob.value }], detectors: false };
  const before = classify(snapshot, rules);
  const delta = computeDelta(before, keepLabels(before, classify(result.after, rules)));
  return Object.fromEntries(
    delta.resources
      .filter((r) => r.gained.count > 0)
      .map((r) => [r.resource.name, r.gained.list().map((c) => `${c.principal} ${c.before}→${c.after}`)]),
  );
}

describe('row policies that may admit more rows', () => {
  it('count a policy with any condition as a gain for the readers it applies to, at their level', async () => {
    expect(await gains('create policy opened on hr.notes for all to public using (1 = 1)')).toEqual({
      'hr.notes': ['alice filtered→filtered', 'bob columns→columns', 'carol filtered→filtered'],
      // The view runs as its invoker: its readers read the table's rows as themselves.
      'hr.notes_view': ['alice filtered→filtered', 'carol filtered→filtered'],
    });
    expect(await gains('create policy bobs on hr.notes for select to bob using (id > 0)')).toEqual({
      'hr.notes': ['bob columns→columns'],
    });
  });

  it('count a changed condition or a dropped restrictive policy, for the roles it held back', async () => {
    expect(await gains('alter policy everyone on hr.pay using (id > 0)')).toEqual({
      'hr.pay': ['alice filtered→filtered'],
    });
    // With the permissive policy admitting every row, alice now reads all of them.
    expect(await gains('drop policy small on hr.pay')).toEqual({ 'hr.pay': ['alice filtered→full'] });
    expect(await gains('alter policy small on hr.pay using (amount < 1000)')).toEqual({
      'hr.pay': ['alice filtered→filtered'],
    });
  });

  it('do not count what only narrows: a new restrictive policy, one that admits nothing, a dropped permissive one', async () => {
    expect(await gains('create policy none on hr.notes using (false)')).toEqual({});
    expect(await gains('create policy tight on hr.pay as restrictive using (id < 10)')).toEqual({});
    expect(await gains('drop policy everyone on hr.pay')).toEqual({});
  });

  it('make an agent that opens rows with USING (1 = 1) a gain the report counts', async () => {
    const opened = await gains(
      'create policy p on hr.notes to analysts using (1 = 1); create policy q on hr.pay to bob using (true)',
    );
    expect(opened['hr.notes']).toEqual(['alice filtered→filtered']);
    // bob has no privilege on hr.pay: a policy alone gives no access.
    expect(opened['hr.pay']).toBeUndefined();
  });
});
