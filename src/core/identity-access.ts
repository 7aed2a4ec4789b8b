import { hasBit } from './bitset.ts';
import { type Closures, groupsReached } from './closure.ts';
import { cachedIn } from './collections.ts';
import type { AccessLevel } from './exposure.ts';
import { granteeSet, grantsOn } from './grant-index.ts';
import { type Gate, type PrincipalId, PUBLIC_ID, type Resource, type ResourceId } from './model.ts';
import { ancestorsOf, type Snapshot } from './snapshot.ts';

/**
 * What acting identities can read of one resource, one identity at a time: one principal's bits
 * of the resource's read sets, as answers that allocate nothing (a check asks about every role a
 * changed login can act as, for every labelled resource).
 */
export interface IdentityAccess {
  /**
   * `full` (a bit of `allRows`), `filtered` (of `allColumns` only), `columns` (of `any` only) or
   * `none`.
   */
  level(r: number): AccessLevel;
  /** Whether identity `r` reads column `name` (a bit of `byColumn`). */
  readsColumn(r: number, name: string): boolean;
}

/** Blanket grants (predefined roles) by privilege: the kinds of resource each covers, and to whom. */
export type BlanketsByPrivilege = ReadonlyMap<string, readonly Blanket[]>;

interface Blanket {
  readonly kinds: ReadonlySet<string>;
  readonly principal: PrincipalId;
}

const NO_BLANKETS: readonly Blanket[] = [];

/**
 * The principals whose privileges one identity holds: itself, PUBLIC, and the groups it reaches
 * along inheriting memberships (the identity is in `heldBy(g)` exactly for these `g`), as a set
 * and as a list walked without an iterator.
 */
interface Upward {
  readonly has: ReadonlySet<PrincipalId>;
  readonly list: readonly PrincipalId[];
}

/**
 * The rules of `access-sets.ts` for one acting identity at a time: each function here is one bit
 * of a set the engine builds for every principal at once (holders, gates, row security,
 * derivations, and the read sets of a resource). A change that touches a few logins asks these
 * about their identities instead of building whole sets. A property test checks every answer
 * against the sets on random systems.
 */
export function identityRules(
  snapshot: Snapshot,
  closures: Closures,
  blanketByPrivilege: BlanketsByPrivilege,
): {
  /** What each identity can read of `resource`. */
  access(resource: Resource): IdentityAccess;
  /** Whether each identity passes the gates checked as `checkedAs` above `resource`. */
  gates(resource: Resource, checkedAs: Gate['checkedAs']): (r: number) => boolean;
} {
  const { superusers, rowSecurityBypass, indexOf } = closures;

  /** {@link Upward} of each identity, worked out once. */
  const upwardCache = new Map<number, Upward>();
  const upwardOf = (r: number): Upward =>
    cachedIn(upwardCache, r, () => {
      const start = closures.ids[r] as PrincipalId;
      const has = snapshot.principalById.has(start)
        ? groupsReached(snapshot, start, (edge) => edge.inherit).add(PUBLIC_ID)
        : new Set([PUBLIC_ID]);
      return { has, list: [...has] };
    });

  /** Whether one of `grantees` is among the principals whose privileges identity `r` holds. */
  function heldAmong(grantees: readonly PrincipalId[], r: number): boolean {
    const { has, list } = upwardOf(r);
    if (grantees.length <= 4 * list.length) return grantees.some((principal) => has.has(principal));
    // Many grantees (a schema's USAGE to hundreds of roles), few groups: look the groups up.
    const among = granteeSet(grantees);
    for (let i = 0; i < list.length; i++) if (among.has(list[i] as PrincipalId)) return true;
    return false;
  }

  /** Whether identity `r` holds `privilege` on `resource` (on `column` of it): a bit of `holders` (access-sets.ts). */
  function holdsAt(privilege: string, resource: Resource, column: string | undefined, r: number): boolean {
    if (hasBit(superusers, r)) return true;
    const grants = grantsOn(snapshot, resource);
    if (heldAmong(grants.whole(privilege), r)) return true;
    if (column !== undefined && heldAmong(grants.column(privilege, column), r)) return true;
    const upward = upwardOf(r).has;
    const blankets = blanketByPrivilege.get(privilege) ?? NO_BLANKETS;
    for (let i = 0; i < blankets.length; i++) {
      const blanket = blankets[i] as Blanket;
      if (blanket.kinds.has(resource.kind) && upward.has(blanket.principal)) return true;
    }
    return false;
  }

  /**
   * A bit of `gateSet` (access-sets.ts): identity `r` passes every gate checked as `checkedAs` above
   * `resource`. Resources in one container share the answer.
   */
  const gateAnswers = {
    acting: new Map<ResourceId | undefined, Map<number, boolean>>(),
    session: new Map<ResourceId | undefined, Map<number, boolean>>(),
  };
  function gatesAt(resource: Resource, checkedAs: Gate['checkedAs']): (r: number) => boolean {
    const known = cachedIn(gateAnswers[checkedAs], resource.parent, () => new Map<number, boolean>());
    return (r) => {
      let passes = known.get(r);
      if (passes === undefined) {
        passes = ancestorsOf(snapshot, resource).every(
          (ancestor) =>
            ancestor.gate?.checkedAs !== checkedAs || holdsAt(ancestor.gate.privilege, ancestor, undefined, r),
        );
        known.set(r, passes);
      }
      return passes;
    };
  }

  /** A bit of `columnHolders` (access-sets.ts). */
  function columnHoldsAt(resource: Resource, columns: readonly string[], r: number): boolean {
    if (resource.columns.length === 0) return holdsAt(snapshot.readPrivilege, resource, undefined, r);
    if (columns.length === 0) return resource.columns.some((c) => holdsAt(snapshot.readPrivilege, resource, c.name, r));
    return columns.every((c) => holdsAt(snapshot.readPrivilege, resource, c, r));
  }

  /** A bit of `ownRowsUnfiltered` (access-sets.ts). */
  function rowsFreeAt(resource: Resource, r: number): boolean {
    const security = resource.rowSecurity;
    if (security === undefined || !security.enabled || hasBit(rowSecurityBypass, r)) return true;
    const upward = upwardOf(r).has;
    if (!security.forced && resource.owner !== undefined && upward.has(resource.owner)) return true;
    let admitted = false;
    let restricted = false;
    for (const policy of security.policies) {
      if (policy.privileges !== '*' && !policy.privileges.includes(snapshot.readPrivilege)) continue;
      if (!policy.principals.some((p) => upward.has(p))) continue;
      if (policy.permissive && policy.admitsAllRows) admitted = true;
      if (!policy.permissive && !policy.admitsAllRows) restricted = true;
    }
    return admitted && !restricted;
  }

  /** A bit of `derivedSets` (access-sets.ts). */
  function derivedAt(
    resource: Resource,
    r: number,
    visiting: Set<ResourceId>,
  ): { readable: boolean; unfiltered: boolean } {
    const derivation = resource.derivation;
    if (derivation === undefined || derivation.materialized === true) return { readable: true, unfiltered: true };
    if (visiting.has(resource.id)) return { readable: false, unfiltered: false };
    visiting.add(resource.id);
    const owner = resource.owner === undefined ? -1 : (indexOf.get(resource.owner) ?? -1);
    let readable = true;
    let unfiltered = true;
    for (const source of derivation.sources) {
      const target = snapshot.resourceById.get(source.resource);
      if (target === undefined) continue;
      const nested = derivedAt(target, r, visiting);
      readable &&= nested.readable;
      unfiltered &&= nested.unfiltered;
      const checkedAs = derivation.runsAs === 'invoker' ? r : owner;
      if (checkedAs < 0 || !columnHoldsAt(target, source.columns, checkedAs)) readable = false;
      if (checkedAs < 0 || !rowsFreeAt(target, checkedAs)) unfiltered = false;
    }
    visiting.delete(resource.id);
    return { readable, unfiltered };
  }

  const BOTH = { readable: true, unfiltered: true } as const;

  /** One identity's bits of `forResource` (access-sets.ts)'s sets, for identities asked one at a time. */
  function identityAccess(resource: Resource): IdentityAccess {
    const read = snapshot.readPrivilege;
    const columnGrants = grantsOn(snapshot, resource).hasColumnGrants(read);
    // Without column grants, whoever reads one column reads them all, and no list is needed.
    const names = columnGrants ? resource.columns.map((c) => c.name) : [];
    const passesGates = gatesAt(resource, 'acting');
    const derived = (r: number) => (resource.derivation === undefined ? BOTH : derivedAt(resource, r, new Set()));
    const allColumns = (r: number) =>
      columnGrants ? columnHoldsAt(resource, names, r) : holdsAt(read, resource, undefined, r);
    return {
      level(r) {
        if (!passesGates(r)) return 'none';
        const { readable, unfiltered } = derived(r);
        if (!readable) return 'none';
        if (allColumns(r)) return unfiltered && rowsFreeAt(resource, r) ? 'full' : 'filtered';
        return names.some((name) => holdsAt(read, resource, name, r)) ? 'columns' : 'none';
      },
      readsColumn(r, name) {
        return (
          resource.columns.some((c) => c.name === name) &&
          passesGates(r) &&
          derived(r).readable &&
          (allColumns(r) || (columnGrants && holdsAt(read, resource, name, r)))
        );
      },
    };
  }

  return { access: identityAccess, gates: gatesAt };
}
