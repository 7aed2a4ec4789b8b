import { describe, expect, it } from 'vitest';
import { applyEdits, createSnapshot, fingerprintOf, PUBLIC_ID, type SnapshotData } from '../../src/core/index.ts';
import { buildSnapshot, group, table, user } from '../support/build-snapshot.ts';

const empty: SnapshotData = {
  system: 's',
  source: 'test',
  readPrivilege: 'read',
  principals: [],
  memberships: [],
  resources: [],
  grants: [],
  blanketGrants: [],
  defaultGrants: [],
};

describe('snapshots', () => {
  it('reject dangling references and duplicates, naming the path of each problem', () => {
    const result = createSnapshot({
      ...empty,
      principals: [user('a'), user('a')],
      memberships: [{ member: 'a', group: 'ghost', inherit: true, set: true, admin: false }],
      resources: [table('t', { columns: [{ name: 'c', labels: [] }], parent: 'nowhere' })],
      grants: [{ principal: 'a', privilege: 'read', resource: 't', column: 'missing', grantable: false }],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.map((i) => `${i.code}@${i.path.join('.')}`)).toEqual([
      'duplicate_id@principals.2',
      'unknown_principal@memberships.0.group',
      'unknown_resource@resources.0.parent',
      'unknown_column@grants.0.column',
    ]);
  });

  it('reject a resource that is its own ancestor', () => {
    const result = createSnapshot({ ...empty, resources: [table('a', { parent: 'b' }), table('b', { parent: 'a' })] });
    expect(result.ok === false && result.error.map((i) => i.code)).toEqual(['parent_cycle', 'parent_cycle']);
  });

  it('reject impossible memberships, and edits cannot make them either', () => {
    const impossible = [
      { member: 'a', group: 'a' },
      { member: 'a', group: PUBLIC_ID },
      { member: PUBLIC_ID, group: 'g' },
    ].map((m) => ({ ...m, inherit: true, set: true, admin: false }));
    const principals = [user('a'), group('g')];
    const result = createSnapshot({ ...empty, principals, memberships: impossible });
    expect(result.ok === false && result.error.map((i) => `${i.code}@${i.path.join('.')}`)).toEqual([
      'self_membership@memberships.0',
      'public_membership@memberships.1',
      'public_membership@memberships.2',
    ]);
    const snapshot = buildSnapshot({ principals });
    for (const membership of impossible) {
      const edited = applyEdits(snapshot, [{ kind: 'add-membership', membership }]);
      expect(edited.ok, JSON.stringify(membership)).toBe(false);
    }
    const possible = { member: 'a', group: 'g', inherit: true, set: true, admin: false };
    expect(applyEdits(snapshot, [{ kind: 'add-membership', membership: possible }]).ok).toBe(true);
  });

  it('add PUBLIC, and are frozen', () => {
    const snapshot = buildSnapshot({ principals: [user('a')] });
    expect(snapshot.principalById.get(PUBLIC_ID)?.name).toBe('PUBLIC');
    expect(Object.isFrozen(snapshot)).toBe(true);
    expect(Object.isFrozen(snapshot.principals[0])).toBe(true);
    expect(() => (snapshot.principals as unknown as unknown[]).push(user('b'))).toThrow();
  });

  it('have a fingerprint that ignores listing order and changes with any grant', () => {
    const data = { principals: [user('a'), group('g')], resources: [table('t'), table('u')] };
    const a = buildSnapshot({
      ...data,
      grants: [
        { principal: 'a', privilege: 'read', resource: 't', grantable: false },
        { principal: 'g', privilege: 'read', resource: 'u', grantable: false },
      ],
    });
    const b = buildSnapshot({
      principals: [...data.principals].reverse(),
      resources: [...data.resources].reverse(),
      grants: [
        { principal: 'g', privilege: 'read', resource: 'u', grantable: false },
        { principal: 'a', privilege: 'read', resource: 't', grantable: false },
      ],
    });
    const c = buildSnapshot({
      ...data,
      grants: [{ principal: 'a', privilege: 'read', resource: 't', grantable: true }],
    });
    expect(fingerprintOf(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprintOf(a)).toBe(fingerprintOf(b));
    expect(fingerprintOf(a)).not.toBe(fingerprintOf(c));
  });
});
