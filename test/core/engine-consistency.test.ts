import { describe, expect, it } from 'vitest';
import {
  accessOf,
  computeExposure,
  explainAccess,
  type Grant,
  type Membership,
  PUBLIC_ID,
  type Resource,
  type RowPolicy,
} from '../../src/core/index.ts';
import { buildSnapshot, group, table, user } from '../support/build-snapshot.ts';
import { baseSeed, createRandom, type Random } from '../support/random.ts';

/**
 * The bulk engine (exposure) and the per-pair engine (explain) implement the same rules twice, one
 * for speed and one for evidence. On random in-memory systems, including membership cycles that
 * PostgreSQL forbids but other systems allow, they must agree on every principal × resource.
 */
function randomSystem(random: Random) {
  const principals = Array.from({ length: random.int(2, 9) }, (_, i) =>
    random.chance(0.6)
      ? user(`u${i}`, { superuser: random.chance(0.05), bypassRowSecurity: random.chance(0.1) })
      : group(`g${i}`, { superuser: random.chance(0.05) }),
  );
  const ids = principals.map((p) => p.id);
  const memberships: Membership[] = [];
  for (let i = 0; i < random.int(0, ids.length * 2); i++) {
    const member = random.pick(ids);
    const grp = random.pick(ids);
    if (member !== grp)
      memberships.push({ member, group: grp, inherit: random.chance(0.7), set: random.chance(0.5), admin: false });
  }
  const folder: Resource = {
    id: 'f',
    kind: 'folder',
    name: 'f',
    path: ['f'],
    readable: false,
    labels: [],
    columns: [],
    gate: { privilege: 'traverse', checkedAs: random.pick(['session', 'acting'] as const) },
  };
  const columns = ['a', 'b'].map((name) => ({ name, labels: [] }));
  const grantees = [...ids, PUBLIC_ID];
  const policy = (): RowPolicy => ({
    name: `p${random.int(0, 99)}`,
    privileges: random.pick(['*', ['read'], ['write']] as const),
    permissive: random.chance(0.7),
    principals: random.sample(grantees, 2),
    condition: null,
    admitsAllRows: random.chance(0.5),
  });
  const resources: Resource[] = [folder];
  for (let i = 0; i < random.int(1, 4); i++) {
    const rowSecurity = random.chance(0.4)
      ? { enabled: true, forced: random.chance(0.3), policies: Array.from({ length: random.int(0, 2) }, policy) }
      : undefined;
    const derived = i > 0 && random.chance(0.4);
    resources.push(
      table(`f.r${i}`, {
        parent: 'f',
        owner: random.pick(ids),
        columns,
        ...(rowSecurity === undefined || derived ? {} : { rowSecurity }),
        ...(derived
          ? {
              kind: 'view',
              derivation: {
                runsAs: random.pick(['owner', 'invoker'] as const),
                sources: [{ resource: `f.r${random.int(0, i - 1)}`, columns: random.sample(['a', 'b'], 2) }],
              },
            }
          : {}),
        labels: [{ name: 'pii', source: { kind: 'manifest' } }],
      }),
    );
  }
  const grants: Grant[] = [];
  for (const resource of resources)
    for (const principal of random.sample(grantees, 3)) {
      const privilege = resource.id === 'f' ? 'traverse' : 'read';
      const column = resource.id !== 'f' && random.chance(0.3) ? random.pick(['a', 'b']) : undefined;
      grants.push({
        principal,
        privilege,
        resource: resource.id,
        grantable: false,
        ...(column === undefined ? {} : { column }),
      });
    }
  const blanketGrants = random.chance(0.2)
    ? [{ principal: random.pick(ids), privilege: 'read', kinds: ['table'], reason: 'reads everything' }]
    : [];
  return buildSnapshot({ principals, memberships, resources, grants, blanketGrants });
}

describe('exposure and explain agree', () => {
  const seed = baseSeed();
  it(`on 500 random systems (base seed ${seed})`, () => {
    let compared = 0;
    for (let i = 0; i < 500; i++) {
      const snapshot = randomSystem(createRandom((seed + i) >>> 0));
      const exposure = computeExposure(snapshot);
      for (const entry of exposure.resources)
        for (const principal of snapshot.principals) {
          const bulk = entry.readers.find((r) => r.principal === principal.id);
          const single = explainAccess(snapshot, principal.id, entry.resource);
          const context = `seed ${(seed + i) >>> 0}, ${principal.id} on ${entry.resource.id}`;
          expect(single.access, context).toBe(bulk?.access ?? 'none');
          expect(single.columns ?? [], context).toEqual(bulk?.columns ?? []);
          expect(accessOf(snapshot, principal.id, entry.resource)?.access ?? 'none', context).toBe(single.access);
          if (single.access !== 'none') expect(single.paths.length, context).toBeGreaterThan(0);
          else expect(single.missing.length, context).toBeGreaterThan(0);
          compared++;
        }
    }
    expect(compared).toBeGreaterThan(1000);
  });
});
