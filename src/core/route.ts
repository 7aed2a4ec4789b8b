import { accessSetsOf } from './access-sets.ts';
import {
  andInto,
  andNotInto,
  type Bitset,
  bitsOf,
  countBits,
  createBitset,
  hasBit,
  isEmpty,
  setBit,
  takeShared,
} from './bitset.ts';
import { renumbered } from './closure.ts';
import { compareText } from './collections.ts';
import { memoized, memoKey } from './memo.ts';
import { type Membership, type PrincipalId, PUBLIC_ID, type Resource } from './model.ts';
import type { Snapshot } from './snapshot.ts';

/**
 * The main route by which a reader reads a resource, in a few words: the identity the read runs as,
 * what gives that identity the privilege, and the group it goes through. Cheap enough to compute
 * for every principal a change affects (explainAccess gives every path, with all the evidence).
 */
export interface AccessRoute {
  /** The identity the read runs as: the principal itself, or a role it reaches by SET ROLE. */
  readonly acting: PrincipalId;
  readonly holder:
    | { readonly kind: 'superuser' }
    | { readonly kind: 'grant'; readonly principal: PrincipalId; readonly column?: string }
    | { readonly kind: 'blanket'; readonly principal: PrincipalId; readonly reason: string };
  /** The direct member of the holder that the acting identity inherits through, when not itself. */
  readonly through?: PrincipalId;
}

export function accessRoute(snapshot: Snapshot, principal: PrincipalId, resource: Resource): AccessRoute | undefined {
  const engine = accessSetsOf(snapshot);
  const { closures } = engine;
  const index = closures.indexOf.get(principal);
  if (index === undefined) return undefined;
  const sets = engine.forResource(resource);
  const actAs = closures.actAs(index);
  const pick = (set: Bitset) => actAs.find((role) => hasBit(set, role));
  const acting = pick(sets.allRows) ?? pick(sets.allColumns) ?? pick(sets.any);
  if (acting === undefined) return undefined;
  const actingId = closures.ids[acting] as PrincipalId;
  if (hasBit(closures.superusers, acting)) return { acting: actingId, holder: { kind: 'superuser' } };
  const holds = (holder: PrincipalId) => hasBit(closures.heldBy(holder), acting);
  const grants = (snapshot.grantsByResource.get(resource.id) ?? []).filter(
    (g) => g.privilege === snapshot.readPrivilege,
  );
  // Whole-resource grants first: they explain full access; column grants explain the rest.
  const grant =
    grants.find((g) => g.column === undefined && holds(g.principal)) ?? grants.find((g) => holds(g.principal));
  if (grant !== undefined) {
    const through = throughOf(snapshot, grant.principal, actingId, holds);
    return {
      acting: actingId,
      holder: {
        kind: 'grant',
        principal: grant.principal,
        ...(grant.column === undefined ? {} : { column: grant.column }),
      },
      ...(through === undefined ? {} : { through }),
    };
  }
  const blanket = snapshot.blanketGrants.find(
    (b) => b.privilege === snapshot.readPrivilege && b.kinds.includes(resource.kind) && holds(b.principal),
  );
  if (blanket === undefined) return undefined;
  const through = throughOf(snapshot, blanket.principal, actingId, holds);
  return {
    acting: actingId,
    holder: { kind: 'blanket', principal: blanket.principal, reason: blanket.reason },
    ...(through === undefined ? {} : { through }),
  };
}

function throughOf(
  snapshot: Snapshot,
  holder: PrincipalId,
  acting: PrincipalId,
  holds: (p: PrincipalId) => boolean,
): PrincipalId | undefined {
  if (holder === acting || holder === PUBLIC_ID) return undefined;
  const direct = (snapshot.membersOf.get(holder) ?? []).filter((m) => m.inherit);
  if (direct.some((m) => m.member === acting)) return undefined;
  return direct.find((m) => holds(m.member))?.member;
}

/**
 * Routes for many (principal, resource) pairs: a principal's route on one resource is tried first
 * on the next, and kept when it still holds there (same acting identity with the access, same
 * holder of the privilege), which it does for most of the resources one change exposes.
 */
export function createRouteFinder(
  snapshot: Snapshot,
): (principal: PrincipalId, resource: Resource) => AccessRoute | undefined {
  const engine = accessSetsOf(snapshot);
  const { closures } = engine;
  const last = new Map<PrincipalId, AccessRoute>();
  return (principal, resource) => {
    const previous = last.get(principal);
    if (previous !== undefined && stillHolds(previous)) return previous;
    const route = accessRoute(snapshot, principal, resource);
    if (route !== undefined) last.set(principal, route);
    return route;

    function stillHolds(route: AccessRoute): boolean {
      const acting = closures.indexOf.get(route.acting);
      if (acting === undefined || !hasBit(engine.forResource(resource).allRows, acting)) return false;
      switch (route.holder.kind) {
        case 'superuser':
          return hasBit(closures.superusers, acting);
        case 'blanket': {
          const { principal: holder } = route.holder;
          return snapshot.blanketGrants.some(
            (b) => b.principal === holder && b.privilege === snapshot.readPrivilege && b.kinds.includes(resource.kind),
          );
        }
        case 'grant': {
          // A column grant does not explain reading every column; find the resource's own route.
          const { principal: holder, column } = route.holder;
          return (
            column === undefined &&
            (snapshot.grantsByResource.get(resource.id) ?? []).some(
              (g) => g.principal === holder && g.privilege === snapshot.readPrivilege && g.column === undefined,
            )
          );
        }
      }
    }
  };
}

/** A route without its reader: `acting` is there only when the reader acts as another identity. */
export type RouteShape = Omit<AccessRoute, 'acting'> & { readonly acting?: PrincipalId };

/** Readers of one resource that read it by the same route. */
export interface RouteGroup {
  /** Undefined when Firebreak found no route it can summarise. */
  readonly route: RouteShape | undefined;
  /** The readers, as a set over the snapshot's principal numbering. */
  readonly members: Bitset;
}

/**
 * Groups readers of a resource by the route of their access, giving each the route
 * {@link accessRoute} gives it. Readers who read every row as themselves are grouped a set at a
 * time (superusers, then the holders of each grant in the order accessRoute tries them, then the
 * direct members of the holder they inherit through); readers who read through another identity
 * are traced one by one with `traceOne`, at most `limit` of them, and the rest counted as untraced.
 */
export function groupByRoute(
  snapshot: Snapshot,
  resource: Resource,
  readers: { readonly ids: readonly PrincipalId[]; readonly set: Bitset },
  traceOne: (principal: PrincipalId, resource: Resource) => AccessRoute | undefined,
  limit: number,
): { readonly groups: readonly RouteGroup[]; readonly untraced: number } {
  const engine = accessSetsOf(snapshot);
  const { closures } = engine;
  const sets = engine.forResource(resource);
  const principals = renumbered(readers.set, readers.ids, closures);
  const groups: RouteGroup[] = [];
  const add = (route: RouteShape | undefined, members: Bitset | undefined) => {
    if (members !== undefined && !isEmpty(members)) groups.push({ route, members });
  };
  // Readers acting as themselves: `actAs` starts with the reader, so accessRoute picks it.
  const self = principals.slice();
  andInto(self, sets.allRows);
  add({ holder: { kind: 'superuser' } }, takeShared(self, closures.superusers));
  const grants = (snapshot.grantsByResource.get(resource.id) ?? []).filter(
    (g) => g.privilege === snapshot.readPrivilege,
  );
  const tried = [...grants.filter((g) => g.column === undefined), ...grants.filter((g) => g.column !== undefined)];
  for (const grant of tried) {
    const part = isEmpty(self) ? undefined : takeShared(self, closures.heldBy(grant.principal));
    if (part === undefined) continue;
    const holder = {
      kind: 'grant' as const,
      principal: grant.principal,
      ...(grant.column === undefined ? {} : { column: grant.column }),
    };
    groupThrough(part, grant.principal, holder);
  }
  for (const blanket of snapshot.blanketGrants) {
    if (blanket.privilege !== snapshot.readPrivilege || !blanket.kinds.includes(resource.kind)) continue;
    const part = isEmpty(self) ? undefined : takeShared(self, closures.heldBy(blanket.principal));
    if (part === undefined) continue;
    groupThrough(part, blanket.principal, { kind: 'blanket', principal: blanket.principal, reason: blanket.reason });
  }
  add(undefined, self);

  // Readers acting as another identity: one by one.
  const others = principals.slice();
  andNotInto(others, sets.allRows);
  const traced = new Map<string, { route: RouteShape | undefined; members: Bitset }>();
  let tracedCount = 0;
  for (const index of bitsOf(others)) {
    if (tracedCount >= limit) break;
    tracedCount++;
    const principal = closures.ids[index] as PrincipalId;
    const found = traceOne(principal, resource);
    const route = found === undefined ? undefined : shapeOf(found, principal);
    const key = routeKey(route);
    let group = traced.get(key);
    if (group === undefined) {
      group = { route, members: createBitset(closures.size) };
      traced.set(key, group);
    }
    setBit(group.members, index);
  }
  for (const group of traced.values()) add(group.route, group.members);
  return { groups, untraced: countBits(others) - tracedCount };

  /** Splits readers holding through `holder` by the direct member of it they inherit through. */
  function groupThrough(part: Bitset, holder: PrincipalId, kind: RouteShape['holder']): void {
    if (holder === PUBLIC_ID) {
      add({ holder: kind }, part);
      return;
    }
    const { direct, itself } = directMembers(snapshot, holder);
    add({ holder: kind }, takeShared(part, itself));
    for (const member of direct) {
      if (isEmpty(part)) break;
      add({ holder: kind, through: member }, takeShared(part, closures.heldBy(member)));
    }
    add({ holder: kind }, part);
  }
}

/** A holder's direct members, by the member list they were made from. */
type DirectMembers = WeakMap<
  readonly Membership[],
  { readonly direct: readonly PrincipalId[]; readonly itself: Bitset }
>;

const DIRECT_MEMBERS = memoKey<DirectMembers>('direct members');

/**
 * A holder's direct inheriting members that others can inherit through, in order, and the set of
 * all its direct inheriting members with the holder. Kept per numbering and member list: a snapshot
 * derived by edits shares the lists the edits did not touch.
 */
function directMembers(
  snapshot: Snapshot,
  holder: PrincipalId,
): { readonly direct: readonly PrincipalId[]; readonly itself: Bitset } {
  const { closures } = accessSetsOf(snapshot);
  const members = snapshot.membersOf.get(holder) ?? NO_MEMBERS;
  const known = memoized(closures, DIRECT_MEMBERS, () => new WeakMap());
  let entry = members === NO_MEMBERS ? undefined : known.get(members);
  if (entry === undefined) {
    const direct = members.filter((m) => m.inherit).map((m) => m.member);
    const itself = createBitset(closures.size);
    for (const id of [holder, ...direct]) {
      const index = closures.indexOf.get(id);
      if (index !== undefined) setBit(itself, index);
    }
    // A direct member without inheriting members of its own is in `itself`: only the others are
    // anyone's way through.
    const through = direct.filter((id) => (snapshot.membersOf.get(id) ?? []).some((m) => m.inherit));
    entry = { direct: through, itself };
    if (members !== NO_MEMBERS) known.set(members, entry);
  }
  return entry;
}

const NO_MEMBERS: readonly Membership[] = Object.freeze([]);

/** A key equal for equal route shapes. */
export function routeKey(route: RouteShape | undefined): string {
  if (route === undefined) return '';
  const { holder } = route;
  const detail =
    holder.kind === 'superuser'
      ? ''
      : holder.kind === 'grant'
        ? `${holder.principal}\u0000${holder.column ?? ''}`
        : `${holder.principal}\u0000${holder.reason}`;
  return `${route.acting ?? ''}\u0000${holder.kind}\u0000${detail}\u0000${route.through ?? ''}`;
}

/** The principals of a set over the snapshot's numbering, sorted by id. */
export function principalsIn(snapshot: Snapshot, set: Bitset): PrincipalId[] {
  const { closures } = accessSetsOf(snapshot);
  const indexes = bitsOf(set);
  const ids = indexes.map((i) => closures.ids[i] as PrincipalId);
  return indexes.some((i) => i >= closures.sortedUpTo) ? ids.sort(compareText) : ids;
}

function shapeOf(route: AccessRoute, principal: PrincipalId): RouteShape {
  const { acting, ...rest } = route;
  return acting === principal ? rest : route;
}
