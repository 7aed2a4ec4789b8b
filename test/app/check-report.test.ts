import { describe, expect, it } from 'vitest';
import { decideChange, describeAnalysis, type RouteBudget } from '../../src/app/index.ts';
import { applyEdits, compilePolicy, computeDelta, type Membership, type Snapshot } from '../../src/core/index.ts';
import { buildSnapshot, group, table, user } from '../support/build-snapshot.ts';

const pii = [{ name: 'pii', source: { kind: 'manifest' as const } }];

/**
 * `analysts` with `members` logins, `ops` alone, and two labelled tables nobody reads yet. Members
 * inherit the group's privileges, or (`inherit: false`) read only after SET ROLE analysts.
 */
function system(members: number, inherit = true): Snapshot {
  const analysts = Array.from({ length: members }, (_, i) => user(`a${String(i).padStart(3, '0')}`));
  const memberships: Membership[] = analysts.map((a) => ({
    member: a.id,
    group: 'analysts',
    inherit,
    set: true,
    admin: false,
  }));
  return buildSnapshot({
    principals: [group('analysts'), user('ops'), user('admin', { superuser: true }), ...analysts],
    memberships,
    resources: [table('hr.salaries', { labels: pii }), table('hr.reviews', { labels: pii })],
  });
}

function analysed(before: Snapshot) {
  const read = (principal: string, resource: string) => ({
    kind: 'add-grant' as const,
    grant: { principal, privilege: 'read', resource, grantable: false },
  });
  const applied = applyEdits(before, [
    read('analysts', 'hr.salaries'),
    read('ops', 'hr.salaries'),
    read('analysts', 'hr.reviews'),
  ]);
  if (!applied.ok) throw new Error(JSON.stringify(applied.error));
  const after = applied.value;
  return { before, after, actingAs: 'admin', statements: [], delta: computeDelta(before, after) };
}

function report(before: Snapshot, budget?: RouteBudget) {
  return describeAnalysis(analysed(before), { kind: 'agent', name: 'helper' }, [], budget);
}

describe('the check report', () => {
  it('groups the principals gaining access by route, largest group first', () => {
    const gained = report(system(3)).gained;
    expect(gained.map((g) => [g.resource, g.count])).toEqual([
      ['hr.salaries', 4],
      ['hr.reviews', 3],
    ]);
    expect(gained[0]?.paths).toEqual([
      { via: 'grant to analysts', principals: ['a000', 'a001', 'a002'], count: 3 },
      { via: 'grant to ops', principals: ['ops'], count: 1 },
    ]);
    expect(gained[0]?.access).toEqual({ full: 4, filtered: 0, columns: 0, none: 0 });
  });

  it('traces every route when the budget allows and still lists every principal', () => {
    const salaries = report(system(250)).gained.find((g) => g.resource === 'hr.salaries');
    expect(salaries?.count).toBe(251);
    expect(salaries?.untraced).toBe(0);
    expect(salaries?.paths.map((p) => [p.via, p.count])).toEqual([
      ['grant to analysts', 250],
      ['grant to ops', 1],
    ]);
  });

  it('groups readers acting as themselves whatever their number, without tracing each', () => {
    const salaries = report(system(250), { pairs: 1, perResource: 1 }).gained.find((g) => g.resource === 'hr.salaries');
    expect(salaries?.untraced).toBe(0);
    expect(salaries?.paths.map((p) => [p.via, p.count])).toEqual([
      ['grant to analysts', 250],
      ['grant to ops', 1],
    ]);
    expect(salaries?.paths[0]?.principals).toHaveLength(250);
  });

  it('traces readers who act as another identity one by one, sharing the budget between resources', () => {
    // 2 resources share 300 traces: 150 each, raised to the per-resource floor of 200.
    const gained = report(system(250, false), { pairs: 300, perResource: 200 }).gained;
    const salaries = gained.find((g) => g.resource === 'hr.salaries');
    const reviews = gained.find((g) => g.resource === 'hr.reviews');
    expect(salaries?.principals).toHaveLength(251);
    expect(salaries?.untraced).toBe(50);
    expect(reviews?.untraced).toBe(50);
    const paths = salaries?.paths ?? [];
    expect(paths.map((p) => [p.via, p.count])).toEqual([
      ['SET ROLE analysts → grant to analysts', 200],
      ['grant to ops', 1],
    ]);
    const listed = paths.flatMap((p) => p.principals);
    expect(new Set(listed).size).toBe(201);
    expect(listed.every((p) => salaries?.principals.includes(p))).toBe(true);
    // With a larger budget the per-resource share grows past the floor.
    const roomy = report(system(250, false), { pairs: 1_000, perResource: 200 }).gained;
    expect(roomy.map((g) => g.untraced)).toEqual([0, 0]);
  });

  it('serialises the lazily built principal lists', () => {
    const gained = JSON.parse(JSON.stringify(report(system(3)).gained));
    expect(gained[0].principals).toEqual(['a000', 'a001', 'a002', 'ops']);
    expect(gained[0].paths[0].principals).toEqual(['a000', 'a001', 'a002']);
  });

  it('gives the policy each resource, its counts and its principals, when a rule asks', () => {
    const analysis = analysed(system(3));
    const policy = compilePolicy({
      version: 1,
      default: 'allow',
      rules: [
        {
          name: 'salaries-to-many',
          when: "delta.gained.exists(g, g.resource == 'hr.salaries' && g.count > 3 && g.labels.hasAny(['pii']))",
          decision: 'deny',
          message: '{{delta.gained[0].principals}} would read {{delta.gained[0].resource}}',
        },
      ],
    });
    if (!policy.ok) throw new Error(JSON.stringify(policy.error));
    const decision = decideChange(
      policy.value,
      analysis,
      describeAnalysis(analysis, { kind: 'agent', name: 'helper' }, []),
      'test',
    );
    expect(decision.decision).toBe('deny');
    expect(decision.reasons.map((r) => r.message)).toEqual(['a000, a001, a002, ops would read hr.salaries']);
  });
});
