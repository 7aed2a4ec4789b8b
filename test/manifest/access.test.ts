import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/connectors/manifest/index.ts';
import { computeExposure, explainAccess, fingerprintOf, type Resource, type Snapshot } from '../../src/core/index.ts';

function snapshotOf(yaml: string): Snapshot {
  const result = parseManifest(yaml, { format: 'yaml' });
  if (!result.ok) throw new Error(result.error.map((i) => i.message).join('\n'));
  return result.value;
}

const resource = (snapshot: Snapshot, name: string): Resource => {
  const found = snapshot.resources.find((r) => r.name === name);
  if (found === undefined) throw new Error(`no resource ${name}`);
  return found;
};

/** Readers of one resource, whether or not it carries labels. */
const readersOf = (snapshot: Snapshot, name: string) =>
  computeExposure(snapshot, { include: (r) => r.name === name }).resources[0]?.readers;

describe('grants and PUBLIC', () => {
  it('a grant to public makes every login principal a reader, and nobody who cannot log in', () => {
    const snapshot = snapshotOf(`
      system: s
      principals: [{ name: alice }, { name: ci, kind: service }, { name: old, login: false }, { name: team, kind: group }]
      resources: [{ name: notes, kind: document, labels: [secret] }]
      grants: [{ principal: public, resource: notes }]
    `);
    expect(readersOf(snapshot, 'notes')).toEqual([
      { principal: 'alice', access: 'full' },
      { principal: 'ci', access: 'full' },
    ]);
  });

  it('a grant of another privilege than the read privilege gives no read access', () => {
    const snapshot = snapshotOf(`
      system: s
      principals: [{ name: alice }]
      resources: [{ name: notes, kind: document }]
      grants: [{ principal: alice, privilege: write, resource: notes }]
    `);
    expect(readersOf(snapshot, 'notes')).toEqual([]);
  });

  it('the read privilege can be renamed, and grants without a privilege use it', () => {
    const snapshot = snapshotOf(`
      system: s
      readPrivilege: view
      principals: [{ name: alice }, { name: bob }]
      resources: [{ name: notes, kind: document }]
      grants: [{ principal: alice, resource: notes }, { principal: bob, privilege: read, resource: notes }]
    `);
    expect(snapshot.grants.map((g) => [g.principal, g.privilege])).toEqual([
      ['alice', 'view'],
      ['bob', 'read'],
    ]);
    expect(readersOf(snapshot, 'notes')).toEqual([{ principal: 'alice', access: 'full' }]);
  });

  it('a column grant gives exactly the granted columns, and a whole-resource grant all of them', () => {
    const snapshot = snapshotOf(`
      system: s
      principals: [{ name: alice }, { name: bob }, { name: carol }]
      resources: [{ name: people, kind: table, columns: [id, name, email] }]
      grants:
        - { principal: alice, resource: people, column: email }
        - { principal: bob, resource: people, columns: [name, id] }
        - { principal: carol, resource: people }
    `);
    expect(readersOf(snapshot, 'people')).toEqual([
      { principal: 'alice', access: 'columns', columns: ['email'] },
      { principal: 'bob', access: 'columns', columns: ['id', 'name'] },
      { principal: 'carol', access: 'full' },
    ]);
  });

  it('a superuser reads everything, past every gate, without any grant', () => {
    const snapshot = snapshotOf(`
      system: s
      principals: [{ name: root, superuser: true }, { name: alice }]
      resources:
        - { name: vault, kind: bucket, gate: { privilege: enter, checkedAs: session } }
        - { name: vault.keys, kind: object, parent: vault, rowSecurity: { policies: [] } }
    `);
    expect(readersOf(snapshot, 'vault.keys')).toEqual([{ principal: 'root', access: 'full' }]);
  });

  it('a blanket grant reaches every resource of the listed kinds and no other', () => {
    const snapshot = snapshotOf(`
      system: s
      principals: [{ name: auditor }]
      resources: [{ name: a, kind: dataset }, { name: b, kind: report }]
      blanketGrants: [{ principal: auditor, kinds: [dataset] }]
    `);
    expect(readersOf(snapshot, 'a')).toEqual([{ principal: 'auditor', access: 'full' }]);
    expect(readersOf(snapshot, 'b')).toEqual([]);
    expect(snapshot.blanketGrants[0]?.reason).toBe('blanket grant in the manifest');
  });
});

describe('memberships', () => {
  const teams = `
    system: s
    principals: [{ name: alice }, { name: bob }, { name: carol }]
    groups: [{ name: ops }]
    memberships:
      - { member: alice, group: ops }
      - { member: bob, group: ops, inherit: false }
      - { member: carol, group: ops, inherit: false, set: true }
    resources: [{ name: logs, kind: dataset }]
    grants: [{ principal: ops, resource: logs }]
  `;

  it('a member inherits the group grant by default; without inheritance only switching to the group reads', () => {
    const snapshot = snapshotOf(teams);
    expect(readersOf(snapshot, 'logs')).toEqual([
      { principal: 'alice', access: 'full' },
      { principal: 'carol', access: 'full' },
    ]);
    expect(explainAccess(snapshot, 'carol', resource(snapshot, 'logs')).paths[0]?.acting).toBe('ops');
    expect(explainAccess(snapshot, 'bob', resource(snapshot, 'logs')).missing).toMatchObject([
      { kind: 'privilege', acting: ['bob'], grantees: ['ops'] },
    ]);
  });

  it('the groups shorthand makes the same memberships as the memberships list', () => {
    const shorthand = snapshotOf(`
      system: s
      principals: [{ name: alice }, { name: bob }, { name: carol }]
      groups:
        - { name: ops, members: [alice, { name: bob, inherit: false }, { name: carol, inherit: false, set: true }] }
      resources: [{ name: logs, kind: dataset }]
      grants: [{ principal: ops, resource: logs }]
    `);
    expect(fingerprintOf(shorthand)).toBe(fingerprintOf(snapshotOf(teams)));
  });

  it('membership cycles are accepted and inheritance follows them', () => {
    const snapshot = snapshotOf(`
      system: s
      principals: [{ name: alice }]
      groups: [{ name: a, members: [alice, b] }, { name: b, members: [a] }]
      resources: [{ name: logs, kind: dataset }]
      grants: [{ principal: b, resource: logs }]
    `);
    expect(readersOf(snapshot, 'logs')).toEqual([{ principal: 'alice', access: 'full' }]);
  });
});

describe('gates', () => {
  const bucket = (checkedAs: string) => `
    system: s
    principals: [{ name: alice }, { name: bob }]
    groups: [{ name: ops, members: [{ name: alice, inherit: false, set: true }, bob] }]
    resources:
      - { name: b, kind: bucket, gate: { privilege: traverse, checkedAs: ${checkedAs} } }
      - { name: b.data, kind: object, parent: b }
    grants:
      - { principal: ops, privilege: traverse, resource: b }
      - { principal: ops, resource: b.data }
  `;

  it('a gate checked as the acting identity is passed by the group the reader switches to', () => {
    expect(readersOf(snapshotOf(bucket('acting')), 'b.data')).toEqual([
      { principal: 'alice', access: 'full' },
      { principal: 'bob', access: 'full' },
    ]);
  });

  it('a gate checked as the session identity must be held by the login itself, through inheritance', () => {
    const snapshot = snapshotOf(bucket('session'));
    expect(readersOf(snapshot, 'b.data')).toEqual([{ principal: 'bob', access: 'full' }]);
    expect(explainAccess(snapshot, 'alice', resource(snapshot, 'b.data')).missing).toEqual([
      {
        kind: 'gate',
        acting: 'alice',
        resource: 'bucket:b',
        privilege: 'traverse',
        checkedAs: 'session',
        grantees: ['ops'],
      },
    ]);
  });

  it('a gate written as a plain privilege is checked as the acting identity, and blocks readers without it', () => {
    const snapshot = snapshotOf(`
      system: s
      principals: [{ name: alice }]
      resources: [{ name: f, kind: folder, gate: traverse }, { name: f.doc, kind: file, parent: f }]
      grants: [{ principal: alice, resource: f.doc }]
    `);
    expect(resource(snapshot, 'f').gate).toEqual({ privilege: 'traverse', checkedAs: 'acting' });
    expect(readersOf(snapshot, 'f.doc')).toEqual([]);
    expect(explainAccess(snapshot, 'alice', resource(snapshot, 'f.doc')).missing).toEqual([
      { kind: 'gate', acting: 'alice', resource: 'folder:f', privilege: 'traverse', checkedAs: 'acting', grantees: [] },
      { kind: 'privilege', acting: ['alice'], resource: 'file:f.doc', privilege: 'read', grantees: ['alice'] },
    ]);
  });
});
