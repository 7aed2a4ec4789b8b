import { hasBit } from './bitset.ts';
import { type Closures, groupsReached } from './closure.ts';
import { cachedIn } from './collections.ts';
import { type Gate, type PrincipalId, PUBLIC_ID, type Resource, type ResourceId } from './model.ts';
import { ancestorsOf, type Snapshot } from './snapshot.ts';

/** What one acting identity can read of a resource: one principal's bits of its read sets. */
export interface IdentityAccess {
  readonly any: boolean;
  readonly allColumns: boolean;
  readonly allRows: boolean;
  column(name: string): boolean;
}

/** Blanket grants (predefined roles) by privilege: the kinds of resource each covers, and to whom. */
export type BlanketsByPrivilege = ReadonlyMap<
  string,
  readonly { readonly kinds: ReadonlySet<string>; readonly principal: PrincipalId }[]
>;

const NO_ACCESS: IdentityAccess = Object.freeze({
  any: false,
  allColumns: false,
  allRows: false,
  column: () => false,
});

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
  access(resource: Resource): (r: number) => IdentityAccess;
  /** Whether each identity passes the gates checked as `checkedAs` above `resource`. */
  gates(resource: Resource, checkedAs: Gate['checkedAs']): (r: number) => boolean;
} {
  const { superusers, rowSecurityBypass, indexOf } = closures;

  /**
   * The principals whose privileges identity `r` holds: itself, PUBLIC, and the groups it reaches
   * along inheriting memberships (`r` is in `heldBy(g)` exactly for these `g`). Once per identity.
   */
  const upwardCache = new Map<number, ReadonlySet<PrincipalId>>();
  const upwardOf = (r: number): ReadonlySet<PrincipalId> =>
    cachedIn(upwardCache, r, () => {
      const start = closures.ids[r] as PrincipalId;
      if (!snapshot.principalById.has(start)) return new Set([PUBLIC_ID]);
      return groupsReached(snapshot, start, (edge) => edge.inherit).add(PUBLIC_ID);
    });

  /** Grantees of `privilege` on a resource with many grants (a schema's USAGE to hundreds of roles). */
  const granteeSets = new Map<string, ReadonlySet<PrincipalId>>();
  const granteesOf = (privilege: string, resource: Resource): ReadonlySet<PrincipalId> =>
    cachedIn(
      granteeSets,
      `${privilege}\u0000${resource.id}`,
      () =>
        new Set(
          (snapshot.grantsByResource.get(resource.id) ?? [])
            .filter((g) => g.privilege === privilege && g.column === undefined)
            .map((g) => g.principal),
        ),
    );

  /** Whether identity `r` holds `privilege` on `resource` (on `column` of it): a bit of `holders` (access-sets.ts). */
  function holdsAt(privilege: string, resource: Resource, column: string | undefined, r: number): boolean {
    if (hasBit(superusers, r)) return true;
    const upward = upwardOf(r);
    const grants = snapshot.grantsByResource.get(resource.id) ?? [];
    if (column === undefined && grants.length > 4 * upward.size) {
      // Many grants, few groups: look the groups up among the grantees.
      const grantees = granteesOf(privilege, resource);
      for (const principal of upward) if (grantees.has(principal)) return true;
    } else
      for (const grant of grants)
        if (
          grant.privilege === privilege &&
          (grant.column === undefined || grant.column === column) &&
          upward.has(grant.principal)
        )
          return true;
    for (const blanket of blanketByPrivilege.get(privilege) ?? [])
      if (blanket.kinds.has(resource.kind) && upward.has(blanket.principal)) return true;
    return false;
  }

  /**
   * A bit of `gateSet` (access-sets.ts): identity `r` passes every gate checked as `checkedAs` above
   * `resource`. Resources in one container share the answer.
   */
  const gateAnswers = new Map<string, Map<number, boolean>>();
  function gatesAt(resource: Resource, checkedAs: Gate['checkedAs']): (r: number) => boolean {
    const known = cachedIn(gateAnswers, `${checkedAs}\u0000${resource.parent ?? ''}`, () => new Map<number, boolean>());
    return (r) =>
      cachedIn(known, r, () =>
        ancestorsOf(snapshot, resource).every(
          (ancestor) =>
            ancestor.gate?.checkedAs !== checkedAs || holdsAt(ancestor.gate.privilege, ancestor, undefined, r),
        ),
      );
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
    const upward = upwardOf(r);
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

  /** One identity's bits of `forResource` (access-sets.ts)'s sets, for identities asked one at a time. */
  function identityAccess(resource: Resource): (r: number) => IdentityAccess {
    const read = snapshot.readPrivilege;
    const columnGrants = (snapshot.grantsByResource.get(resource.id) ?? []).some(
      (g) => g.privilege === read && g.column !== undefined,
    );
    const names = resource.columns.map((c) => c.name);
    const passesGates = gatesAt(resource, 'acting');
    return (r) => {
      if (!passesGates(r)) return NO_ACCESS;
      const derived =
        resource.derivation === undefined ? { readable: true, unfiltered: true } : derivedAt(resource, r, new Set());
      if (!derived.readable) return NO_ACCESS;
      // Without column grants, whoever reads one column reads them all.
      const allColumns = columnGrants ? columnHoldsAt(resource, names, r) : holdsAt(read, resource, undefined, r);
      const readsColumn = (name: string) =>
        names.includes(name) && (allColumns || (columnGrants && holdsAt(read, resource, name, r)));
      return {
        any: allColumns || (columnGrants && names.some(readsColumn)),
        allColumns,
        allRows: allColumns && derived.unfiltered && rowsFreeAt(resource, r),
        column: readsColumn,
      };
    };
  }

  return { access: identityAccess, gates: gatesAt };
}
