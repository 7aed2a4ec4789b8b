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

describe('row security', () => {
  const table = (rowSecurity: string) => `
    system: s
    principals: [{ name: owner }, { name: alice }, { name: bob }, { name: ops, kind: service, bypassRowSecurity: true }]
    resources:
      - name: orders
        kind: table
        owner: owner
        rowSecurity: ${rowSecurity}
    grants: [{ principal: public, resource: orders }]
  `;

  it('enabled without policies filters everyone except the owner and principals that bypass it', () => {
    expect(readersOf(snapshotOf(table('{ policies: [] }')), 'orders')).toEqual([
      { principal: 'alice', access: 'filtered' },
      { principal: 'bob', access: 'filtered' },
      { principal: 'ops', access: 'full' },
      { principal: 'owner', access: 'full' },
    ]);
  });

  it('forced row security filters the owner too', () => {
    expect(readersOf(snapshotOf(table('{ forced: true }')), 'orders')).toContainEqual({
      principal: 'owner',
      access: 'filtered',
    });
  });

  it('disabled row security filters nobody', () => {
    const readers = readersOf(snapshotOf(table('{ enabled: false }')), 'orders');
    expect(readers?.every((r) => r.access === 'full')).toBe(true);
  });

  it('a permissive policy that admits all rows unfilters its principals unless a restrictive policy applies', () => {
    const snapshot = snapshotOf(
      table(`
          policies:
            - { name: all-for-alice, principals: [alice, bob], admitsAllRows: true }
            - { name: only-open, principals: [bob], permissive: false, condition: status = 'open' }
            - { name: writes-only, principals: [public], privileges: [write], admitsAllRows: true }`),
    );
    expect(readersOf(snapshot, 'orders')).toEqual([
      { principal: 'alice', access: 'full' },
      { principal: 'bob', access: 'filtered' },
      { principal: 'ops', access: 'full' },
      { principal: 'owner', access: 'full' },
    ]);
    expect(explainAccess(snapshot, 'bob', resource(snapshot, 'orders')).paths[0]?.rows).toEqual({
      filtered: true,
      reason: 'policies',
      policies: ['all-for-alice', 'only-open'],
    });
  });
});

describe('resources', () => {
  it('a resource that contains others is not readable unless it says so, and one that does not is', () => {
    const snapshot = snapshotOf(`
      system: s
      principals: [{ name: alice }]
      resources:
        - { name: lake, kind: bucket, labels: [pii] }
        - { name: lake.raw, kind: bucket, parent: lake, labels: [pii], readable: true }
        - { name: lake.raw.events, kind: object, parent: lake.raw, labels: [pii] }
        - { name: lake.tmp, kind: object, parent: lake, labels: [pii], readable: false }
      grants: [{ principal: alice, resource: lake }, { principal: alice, resource: lake.raw }]
    `);
    expect(snapshot.resources.map((r) => [r.name, r.readable])).toEqual([
      ['lake', false],
      ['lake.raw', true],
      ['lake.raw.events', true],
      ['lake.tmp', false],
    ]);
    expect(computeExposure(snapshot).resources.map((e) => [e.resource.name, e.readers.length])).toEqual([
      ['lake.raw', 1],
      ['lake.raw.events', 0],
    ]);
  });

  it('a derivation run as the invoker needs the reader to hold the read privilege on its sources', () => {
    const snapshot = snapshotOf(`
      system: s
      principals: [{ name: alice }, { name: bob }]
      resources:
        - { name: orders, kind: table, columns: [id, card] }
        - name: order_cards
          kind: view
          columns: [card]
          derivation: { runsAs: invoker, sources: [{ resource: orders, columns: [card] }] }
      grants:
        - { principal: alice, resource: order_cards }
        - { principal: bob, resource: order_cards }
        - { principal: bob, resource: orders, column: card }
    `);
    expect(readersOf(snapshot, 'order_cards')).toEqual([{ principal: 'bob', access: 'full' }]);
  });

  it('a system name given by the caller takes precedence over the one in the file', () => {
    const result = parseManifest('system: from-file', { format: 'yaml', system: 'from-config' });
    expect(result.ok && result.value.system).toBe('from-config');
  });

  it('the same manifest written as JSON gives the same snapshot as YAML', () => {
    const manifest = {
      system: 's',
      principals: [{ name: 'alice' }],
      resources: [{ name: 'db.t', kind: 'table', columns: ['id', { name: 'email', labels: ['pii'] }] }],
      grants: [{ principal: 'alice', resource: 'db.t', column: 'email' }],
    };
    const json = parseManifest(JSON.stringify(manifest), { format: 'json' });
    if (!json.ok) throw new Error(json.error[0]?.message);
    expect(fingerprintOf(json.value)).toBe(
      fingerprintOf(
        snapshotOf(`
          system: s
          principals: [{ name: alice }]
          resources: [{ name: db.t, kind: table, columns: [id, { name: email, labels: [pii] }] }]
          grants: [{ principal: alice, resource: db.t, column: email }]
        `),
      ),
    );
  });
});
