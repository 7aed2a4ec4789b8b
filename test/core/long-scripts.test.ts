import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPostgresSnapshot } from '../../src/connectors/postgres/index.ts';
import { interpretSql } from '../../src/connectors/postgres/interpret/index.ts';
import { applyEdits, classify, computeDelta, type Edit, keepLabels, type Snapshot } from '../../src/core/index.ts';
import { changesSince } from '../../src/core/lineage.ts';
import { buildSnapshot, group, table, user } from '../support/build-snapshot.ts';
import { createPglite } from '../support/postgres.ts';

/**
 * A change script derives one snapshot per statement, each from the one before: a script of
 * thousands of statements is a chain of thousands of snapshots, which nothing may walk by
 * recursion, and whose analysis must stay correct at any length.
 */
let db: PGlite;
let snapshot: Snapshot;

beforeAll(async () => {
  db = await createPglite();
  await db.exec(`
    create role alice login; create role bob login; create role analysts; grant analysts to alice;
    create schema hr; create table hr.emp (id int, email text, salary int);
    grant usage on schema hr to bob;
  `);
  snapshot = await readPostgresSnapshot(db, 'test');
}, 60_000);
afterAll(async () => {
  await db.close();
});

const rules = { rules: [], detectors: true };

async function analyse(sql: string) {
  const result = await interpretSql(snapshot, sql, 'postgres');
  if (!result.ok) throw new Error(`${result.error.message} at ${result.error.line}:${result.error.column}`);
  const before = classify(snapshot, rules);
  const after = keepLabels(before, classify(result.after, rules));
  return { result, after, delta: computeDelta(before, after) };
}

const gains = (delta: ReturnType<typeof computeDelta>) =>
  delta.resources.flatMap((r) => r.gained.list().map((c) => `${c.principal} ${r.resource.name}`));

describe('long change scripts', () => {
  it('analyse 5,000 grants of the same privilege as one new reader', async () => {
    const { result, after, delta } = await analyse('GRANT SELECT ON hr.emp TO bob;\n'.repeat(5_000));
    expect(result.statements).toHaveLength(5_000);
    expect(result.statements.every((s) => s.effect === 'edits')).toBe(true);
    expect(result.statements.at(-1)?.line).toBe(5_000);
    expect(gains(delta)).toEqual(['bob hr.emp']);
    // The flat lists of the last snapshot of the chain are built from the first one's.
    expect(after.resources.map((r) => r.id)).toEqual(snapshot.resources.map((r) => r.id));
    expect(result.after.principals).toEqual(snapshot.principals);
    expect(result.after.memberships).toEqual(snapshot.memberships);
    expect(result.after.grants.filter((g) => g.principal === 'bob' && g.resource === 'relation:hr.emp')).toHaveLength(
      1,
    );
  });

  it('analyse 20,000 read-only statements as changing nothing', async () => {
    const { result, delta } = await analyse('SELECT 1;\n'.repeat(20_000));
    expect(result.statements).toHaveLength(20_000);
    expect(result.statements.every((s) => s.effect === 'read-only')).toBe(true);
    expect(result.statements.at(-1)?.line).toBe(20_000);
    expect(result.after).toBe(snapshot);
    expect(gains(delta)).toEqual([]);
  });

  it('analyse 3,000 new roles, then a grant to one of them, as that role gaining access', async () => {
    const roles = Array.from({ length: 3_000 }, (_, i) => `CREATE ROLE temp_${i} LOGIN;`).join('\n');
    const grants = 'GRANT USAGE ON SCHEMA hr TO temp_2999; GRANT SELECT ON hr.emp TO temp_2999;';
    const { result, delta } = await analyse(`${roles}\n${grants}`);
    expect(result.statements).toHaveLength(3_002);
    expect(result.after.principals.slice(-2).map((p) => p.id)).toEqual(['temp_2998', 'temp_2999']);
    expect(result.after.principals).toHaveLength(snapshot.principals.length + 3_000);
    expect(gains(delta)).toEqual(['temp_2999 hr.emp']);
  });
});

describe('a chain of thousands of derived snapshots', () => {
  const base = buildSnapshot({
    principals: [user('u'), group('g')],
    memberships: [{ member: 'u', group: 'g', inherit: true, set: true, admin: false }],
    resources: [table('a'), table('b')],
  });
  const chain = [base];
  // Table t<i> is added by edit i and removed by edit i + 2; every tenth is updated on the way.
  for (let i = 0; i < 6_000; i++) {
    const edits: Edit[] = [{ kind: 'add-resource', resource: table(`t${i}`) }];
    if (i >= 2) edits.push({ kind: 'remove-resource', resource: `t${i - 2}` });
    if (i % 10 === 0) edits.push({ kind: 'update-resource', resource: 'a', changes: { comment: `edit ${i}` } });
    if (i % 1_000 === 0) edits.push({ kind: 'add-principal', principal: user(`v${i}`) });
    const next = applyEdits(chain.at(-1) as Snapshot, edits);
    if (!next.ok) throw new Error(next.error[0]?.message);
    chain.push(next.value);
  }
  const last = chain.at(-1) as Snapshot;

  it('list and index what the edits left, in the order a fresh snapshot would', () => {
    expect(last.resources.map((r) => r.id)).toEqual(['b', 'a', 't5998', 't5999']);
    expect([...last.resourceById.keys()]).toEqual(['b', 'a', 't5998', 't5999']);
    expect(last.resourceById.size).toBe(4);
    expect(last.resourceById.get('a')?.comment).toBe('edit 5990');
    expect(last.resourceById.has('t5997')).toBe(false);
    expect(last.principals.map((p) => p.id)).toEqual([
      ...base.principals.map((p) => p.id),
      'v0',
      'v1000',
      'v2000',
      'v3000',
      'v4000',
      'v5000',
    ]);
    expect(last.memberships).toEqual(base.memberships);
  });

  it('leave every snapshot of the chain as it was derived', () => {
    const middle = chain[3_001] as Snapshot;
    expect(middle.resources.map((r) => r.id)).toEqual(['b', 't2999', 't3000', 'a']);
    expect([...middle.resourceById.keys()]).toEqual(['b', 't2999', 't3000', 'a']);
    expect(middle.resourceById.get('a')?.comment).toBe('edit 3000');
    expect(middle.principalById.has('v4000')).toBe(false);
  });

  it('still tell what changed since any ancestor', () => {
    const changes = changesSince(last, chain[5_990] as Snapshot);
    expect(changes?.principals).toBe(false);
    expect([...(changes?.resources ?? [])].sort()).toEqual(
      ['a', ...Array.from({ length: 12 }, (_, i) => `t${5_988 + i}`)].sort(),
    );
    expect(changesSince(last, base)?.principals).toBe(true);
  });
});
