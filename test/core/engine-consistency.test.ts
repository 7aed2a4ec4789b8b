import { describe, expect, it } from 'vitest';
import { loginsActingAs, loginsActingAsHolders } from '../../src/core/closure.ts';
import {
  type AccessDelta,
  type AccessProbe,
  accessOf,
  accessRoute,
  accessSetsOf,
  applyEdits,
  childrenOf,
  computeDelta,
  computeExposure,
  createBitset,
  createRouteFinder,
  type Edit,
  explainAccess,
  exposureOf,
  type Grant,
  groupByRoute,
  hasBit,
  type Membership,
  PUBLIC_ID,
  type Resource,
  type RowPolicy,
  type Snapshot,
  setBit,
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

describe('the walk from holder sets', () => {
  const seed = baseSeed();
  it(`finds the logins the general walk finds, for every set built from grants and gates (base seed ${seed})`, () => {
    let compared = 0;
    for (let i = 0; i < 500; i++) {
      const snapshot = randomSystem(createRandom((seed + i) >>> 0));
      const sets = accessSetsOf(snapshot);
      const { closures } = sets;
      for (const resource of snapshot.resources.filter((r) => r.readable)) {
        const access = sets.forResource(resource);
        const holderSets = [access.any, access.allColumns, ...access.byColumn.values(), sets.actingGate(resource)];
        for (const holders of holderSets) {
          const context = `seed ${(seed + i) >>> 0}, ${resource.id}`;
          expect([...loginsActingAsHolders(closures, holders)], context).toEqual([
            ...loginsActingAs(closures, holders),
          ]);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });
});

describe('one identity at a time', () => {
  const seed = baseSeed();
  it(`gives the bits of the whole read sets, for every identity, resource and column (base seed ${seed})`, () => {
    let compared = 0;
    for (let i = 0; i < 500; i++) {
      const snapshot = randomSystem(createRandom((seed + i) >>> 0));
      const sets = accessSetsOf(snapshot);
      const readable = snapshot.resources.filter((r) => r.readable);
      // Asked before the sets exist, the probe works each identity out on its own.
      const probes = readable.map((resource) => sets.probe(resource));
      for (const [k, resource] of readable.entries()) {
        const whole = sets.forResource(resource);
        const probe = probes[k] as AccessProbe;
        for (let index = 0; index < sets.closures.size; index++) {
          const context = `seed ${(seed + i) >>> 0}, ${sets.closures.ids[index]} on ${resource.id}`;
          const level = hasBit(whole.allRows, index)
            ? 'full'
            : hasBit(whole.allColumns, index)
              ? 'filtered'
              : hasBit(whole.any, index)
                ? 'columns'
                : 'none';
          expect({ session: probe.passesSession(index), level: probe.level(index) }, context).toEqual({
            session: hasBit(whole.sessionGate, index),
            level,
          });
          for (const column of [...resource.columns.map((c) => c.name), 'missing'])
            expect(probe.readsColumn(index, column), `${context}, column ${column}`).toBe(
              hasBit(whole.byColumn.get(column) ?? [], index),
            );
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });
});

/** Edits a random change could make: memberships, attributes, grants, owners, resources. */
function randomEdits(random: Random, snapshot: Snapshot): Edit[] {
  const ids = snapshot.principals.map((p) => p.id);
  const readable = snapshot.resources.filter((r) => r.readable);
  const edits: Edit[] = [];
  for (let i = 0; i < random.int(1, 3); i++) {
    // With nothing readable left, only a resource can be added.
    const roll = readable.length === 0 ? 6 : random.int(0, 9);
    const existing = snapshot.memberships[random.int(0, snapshot.memberships.length - 1)];
    if (roll === 0 && existing !== undefined)
      edits.push({ kind: 'remove-membership', member: existing.member, group: existing.group });
    else if (roll <= 1) {
      const member = random.pick(ids);
      const grp = random.pick(ids);
      if (member !== grp)
        edits.push({
          kind: 'add-membership',
          membership: { member, group: grp, inherit: random.chance(0.7), set: random.chance(0.5), admin: false },
        });
    } else if (roll === 2)
      edits.push({
        kind: 'update-principal',
        principal: random.pick(ids),
        changes: random.chance(0.5) ? { superuser: random.chance(0.5) } : { bypassRowSecurity: random.chance(0.5) },
      });
    else if (roll === 3)
      edits.push({
        kind: 'add-grant',
        grant: {
          principal: random.pick([...ids, PUBLIC_ID]),
          privilege: 'read',
          resource: random.pick(readable).id,
          grantable: false,
        },
      });
    else if (roll === 4) {
      const grant = snapshot.grants[random.int(0, snapshot.grants.length - 1)];
      if (grant !== undefined)
        edits.push({
          kind: 'remove-grant',
          grant: {
            principal: grant.principal,
            privilege: grant.privilege,
            resource: grant.resource,
            ...(grant.column === undefined ? {} : { column: grant.column }),
          },
        });
    } else if (roll === 5)
      edits.push({ kind: 'update-resource', resource: random.pick(readable).id, changes: { owner: random.pick(ids) } });
    else if (roll === 6)
      edits.push({
        kind: 'add-resource',
        resource: table(`f.n${random.int(0, 999_999)}`, {
          parent: 'f',
          owner: random.pick(ids),
          columns: [{ name: 'a', labels: [] }],
          labels: [{ name: 'pii', source: { kind: 'manifest' } }],
        }),
      });
    else if (roll === 7) edits.push({ kind: 'remove-resource', resource: random.pick(readable).id, ifExists: true });
    else if (roll === 8) {
      // A new principal is numbered after the others, and may join a group at once.
      const added = random.chance(0.7) ? user(`n${random.int(0, 999_999)}`) : group(`m${random.int(0, 999_999)}`);
      edits.push({ kind: 'add-principal', principal: added });
      if (random.chance(0.6))
        edits.push({
          kind: 'add-membership',
          membership: {
            member: added.id,
            group: random.pick(ids),
            inherit: random.chance(0.7),
            set: true,
            admin: false,
          },
        });
    } else {
      // Fails when the principal owns something; the edits are then skipped.
      edits.push({ kind: 'remove-principal', principal: random.pick(ids) });
    }
  }
  return edits;
}

/** Every change of a delta as text, with the counts it reports. */
function deltaPairs(delta: AccessDelta): string[] {
  return [
    `gaining ${delta.principalsGaining}, losing ${delta.principalsLosing}, resources ${delta.resourcesGaining}/${delta.resourcesAffected}`,
    ...delta.resources.flatMap((r) => [
      `${r.resource.id}: ${JSON.stringify([r.gained.levels('after'), r.lost.levels('before')])}`,
      ...r.gained.list().map((c) => `+ ${r.resource.id} ${JSON.stringify(c)}`),
      ...r.lost.list().map((c) => `- ${r.resource.id} ${JSON.stringify(c)}`),
    ]),
  ];
}

/** The same state built from scratch, with no parent to take anything from. */
function rebuilt(snapshot: Snapshot): Snapshot {
  const { principals, memberships, resources, grants, blanketGrants, defaultGrants } = snapshot;
  return buildSnapshot({ principals, memberships, resources, grants, blanketGrants, defaultGrants });
}

describe('incremental exposure', () => {
  const seed = baseSeed();
  it(`after random edits equals exposure computed from scratch, on 2,000 systems (base seed ${seed})`, () => {
    let compared = 0;
    for (let i = 0; i < 2000; i++) {
      const random = createRandom((seed + 104729 + i) >>> 0);
      let snapshot = randomSystem(random);
      exposureOf(snapshot);
      // Several rounds: a snapshot derived from a derived one takes from its parent too.
      for (let round = 0; round < 3; round++) {
        const applied = applyEdits(snapshot, randomEdits(random, snapshot));
        if (!applied.ok) continue;
        const previous = snapshot;
        snapshot = applied.value;
        const context = `seed ${(seed + 104729 + i) >>> 0}, round ${round}`;
        const incremental = exposureOf(snapshot).resources.map((e) => [e.resource.id, e.readers]);
        const full = computeExposure(rebuilt(snapshot)).resources.map((e) => [e.resource.id, e.readers]);
        expect(incremental, context).toEqual(full);
        // The delta over the shared numbering equals the delta of two unrelated snapshots.
        expect(deltaPairs(computeDelta(previous, snapshot)), `${context}, delta`).toEqual(
          deltaPairs(computeDelta(rebuilt(previous), rebuilt(snapshot))),
        );
        const fresh = rebuilt(snapshot);
        for (const container of ['f', ...snapshot.resources.map((r) => r.id)])
          expect(childrenOf(snapshot, container), `${context}, children of ${container}`).toEqual(
            childrenOf(fresh, container),
          );
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(3000);
  });
});

describe('route finder', () => {
  const seed = baseSeed();
  it(`gives every reader a route that holds on that resource, reused or not (base seed ${seed})`, () => {
    let routed = 0;
    for (let i = 0; i < 1500; i++) {
      const snapshot = randomSystem(createRandom((seed + 7 + i) >>> 0));
      const { closures, forResource } = accessSetsOf(snapshot);
      const routeOf = createRouteFinder(snapshot);
      for (const resource of snapshot.resources.filter((r) => r.readable))
        for (const principal of snapshot.principals.filter((p) => p.login)) {
          const context = `seed ${(seed + 7 + i) >>> 0}, ${principal.id} on ${resource.id}`;
          // Routes are asked for readers only (the principals a delta names).
          if ((accessOf(snapshot, principal.id, resource)?.access ?? 'none') === 'none') continue;
          const route = routeOf(principal.id, resource);
          const index = closures.indexOf.get(principal.id) ?? -1;
          expect(route, context).toBeDefined();
          if (route === undefined) continue;
          const acting = closures.indexOf.get(route.acting) ?? -1;
          expect([...closures.actAs(index)], context).toContain(acting);
          expect(hasBit(forResource(resource).any, acting), context).toBe(true);
          const holder = route.holder;
          if (holder.kind === 'superuser') expect(hasBit(closures.superusers, acting), context).toBe(true);
          else {
            expect(hasBit(closures.heldBy(holder.principal), acting), context).toBe(true);
            const granted =
              holder.kind === 'grant'
                ? (snapshot.grantsByResource.get(resource.id) ?? []).some(
                    (g) => g.principal === holder.principal && g.privilege === 'read' && g.column === holder.column,
                  )
                : snapshot.blanketGrants.some(
                    (b) => b.principal === holder.principal && b.kinds.includes(resource.kind),
                  );
            expect(granted, context).toBe(true);
          }
          routed++;
        }
    }
    expect(routed).toBeGreaterThan(1500);
  });
});

describe('grouping readers by route', () => {
  const seed = baseSeed();
  it(`gives each reader the route accessRoute gives it, and every reader exactly once (base seed ${seed})`, () => {
    let grouped = 0;
    for (let i = 0; i < 1500; i++) {
      const snapshot = randomSystem(createRandom((seed + 11 + i) >>> 0));
      const { closures } = accessSetsOf(snapshot);
      for (const resource of snapshot.resources.filter((r) => r.readable)) {
        const context = `seed ${(seed + 11 + i) >>> 0}, ${resource.id}`;
        const readers = snapshot.principals.filter(
          (p) => p.login && (accessOf(snapshot, p.id, resource)?.access ?? 'none') !== 'none',
        );
        const set = createBitset(closures.size);
        for (const reader of readers) setBit(set, closures.indexOf.get(reader.id) ?? -1);
        const { groups, untraced } = groupByRoute(
          snapshot,
          resource,
          { ids: closures.ids, set },
          (principal, r) => accessRoute(snapshot, principal, r),
          Number.POSITIVE_INFINITY,
        );
        expect(untraced, context).toBe(0);
        const seen = new Map<string, unknown>();
        for (const group of groups)
          for (let index = 0; index < closures.size; index++)
            if (hasBit(group.members, index)) {
              const id = closures.ids[index] as string;
              expect(seen.has(id), `${context}: ${id} in two groups`).toBe(false);
              seen.set(id, group.route === undefined ? undefined : { acting: id, ...group.route });
            }
        for (const reader of readers) {
          expect(seen.has(reader.id), `${context}: ${reader.id} in no group`).toBe(true);
          expect(seen.get(reader.id), `${context}: route of ${reader.id}`).toEqual(
            accessRoute(snapshot, reader.id, resource),
          );
          grouped++;
        }
        expect(seen.size, context).toBe(readers.length);
      }
    }
    expect(grouped).toBeGreaterThan(1500);
  });
});
