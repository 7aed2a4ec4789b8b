import { describe, expect, it } from 'vitest';
import { describeAnalysis } from '../../src/app/index.ts';
import { applyEdits, computeDelta, type Membership, type Snapshot } from '../../src/core/index.ts';
import { buildSnapshot, group, table, user } from '../support/build-snapshot.ts';

const pii = [{ name: 'pii', source: { kind: 'manifest' as const } }];

/** `analysts` with `members` logins, `ops` alone, and two labelled tables nobody reads yet. */
function system(members: number): Snapshot {
  const analysts = Array.from({ length: members }, (_, i) => user(`a${String(i).padStart(3, '0')}`));
  const memberships: Membership[] = analysts.map((a) => ({
    member: a.id,
    group: 'analysts',
    inherit: true,
    set: true,
    admin: false,
  }));
  return buildSnapshot({
    principals: [group('analysts'), user('ops'), user('admin', { superuser: true }), ...analysts],
    memberships,
    resources: [table('hr.salaries', { labels: pii }), table('hr.reviews', { labels: pii })],
  });
}

function report(before: Snapshot) {
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
  const analysis = { before, after, actingAs: 'admin', statements: [], delta: computeDelta(before, after) };
  return describeAnalysis(analysis, { kind: 'agent', name: 'helper' }, []);
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

  it('summarises routes for the first 200 principals of a resource and still lists every principal', () => {
    const gained = report(system(250)).gained;
    const salaries = gained.find((g) => g.resource === 'hr.salaries');
    expect(salaries?.count).toBe(251);
    expect(salaries?.principals).toHaveLength(251);
    const paths = salaries?.paths ?? [];
    expect(paths.at(-1)?.via).toMatch(/^routes not summarised/);
    expect(paths.at(-1)?.count).toBe(51);
    expect(paths.reduce((sum, p) => sum + p.count, 0)).toBe(251);
    const listed = paths.flatMap((p) => p.principals);
    expect(new Set(listed).size).toBe(251);
    expect(new Set(listed)).toEqual(new Set(salaries?.principals));
    expect(paths.slice(0, -1).every((p) => p.via === 'grant to analysts' || p.via === 'grant to ops')).toBe(true);
  });
});
