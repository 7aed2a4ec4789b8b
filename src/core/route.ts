import { accessSetsOf } from './access-sets.ts';
import { type Bitset, hasBit } from './bitset.ts';
import { type PrincipalId, PUBLIC_ID, type Resource } from './model.ts';
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
