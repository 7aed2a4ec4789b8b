import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideChange, describeAnalysis } from '../../src/app/index.ts';
import { readPostgresSnapshot } from '../../src/connectors/postgres/index.ts';
import { interpretSql } from '../../src/connectors/postgres/interpret/index.ts';
import { classify, compileGlob, computeDelta, keepLabels, type Snapshot } from '../../src/core/index.ts';
import { defaultPolicy } from '../../src/runtime/index.ts';
import { createPglite } from '../support/postgres.ts';

/**
 * Default privileges without IN SCHEMA apply to what their creator makes in any schema: the
 * labelled data already in the schemas it may create in tells how likely the next table holds some.
 */
let db: PGlite;
let snapshot: Snapshot;

beforeAll(async () => {
  db = await createPglite();
  await db.exec(`
    create role etl; create role eng login;
    create schema hr authorization etl; create table hr.a (id int); create table hr.b (id int);
    alter table hr.a owner to etl; alter table hr.b owner to etl;
    create schema ops; grant create on schema ops to etl; create table ops.c (id int);
    create schema misc; create table misc.d (id int);
  `);
  snapshot = await readPostgresSnapshot(db, 'test');
}, 60_000);
afterAll(async () => {
  await db.close();
});

async function check(sql: string) {
  const result = await interpretSql(snapshot, sql, 'postgres');
  if (!result.ok) throw new Error(result.error.message);
  const glob = compileGlob('*.*');
  if (!glob.ok) throw new Error(glob.error);
  const rules = { rules: [{ label: 'pii', glob: glob.value }], detectors: false };
  const before = classify(snapshot, rules);
  const after = keepLabels(before, classify(result.after, rules));
  const analysis = {
    before,
    after,
    actingAs: 'postgres',
    statements: [],
    delta: computeDelta(before, after),
  };
  const actor = { kind: 'agent' as const, name: 'helper' };
  const decision = decideChange(await defaultPolicy(), analysis, describeAnalysis(analysis, actor, []), 'postgres');
  return { latent: analysis.delta.latent, decision: decision.decision };
}

describe('default privileges in every schema', () => {
  it('count the labelled resources of the schemas the creator owns or may create in', async () => {
    const { latent, decision } = await check('alter default privileges for role etl grant select on tables to eng');
    expect(latent.map((l) => [l.grant.container, l.gained, l.labelledInContainer])).toEqual([[undefined, ['eng'], 3]]);
    expect(decision).toBe('deny');
  });

  it('count none for a creator who may create nowhere that holds labelled data', async () => {
    const { latent, decision } = await check(
      'create role loner; alter default privileges for role loner grant select on tables to eng',
    );
    expect(latent.map((l) => l.labelledInContainer)).toEqual([0]);
    expect(decision).toBe('allow');
  });
});
