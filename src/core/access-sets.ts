import {
  andInto,
  andNotInto,
  type Bitset,
  createBitset,
  difference,
  equalSets,
  hasBit,
  intersection,
  isSubset,
  orInto,
} from './bitset.ts';
import { type Closures, computeClosures, deriveClosures } from './closure.ts';
import { cachedIn, groupBy } from './collections.ts';
import { grantsOn } from './grant-index.ts';
import { type BlanketsByPrivilege, type IdentityAccess, identityRules } from './identity-access.ts';
import { changesSince, parentOf } from './lineage.ts';
import { memoized, memoKey, recalled } from './memo.ts';
import type { Gate, PrincipalId, Resource, ResourceId } from './model.ts';
import { ancestorsOf, type Snapshot } from './snapshot.ts';

/**
 * For one resource, the sets of principals (as acting identities) that satisfy each condition of
 * reading it. Readers are then the login principals that can act as a member of these sets.
 */
export interface ResourceAccessSets {
  readonly resource: Resource;
  /** Login identities that pass the gates checked when a session starts (database CONNECT). */
  readonly sessionGate: Bitset;
  /** Acting identities that can read every column (or the whole resource when it has none). */
  readonly allColumns: Bitset;
  /** Subset of `allColumns` that sees every row (no row policy filters them). */
  readonly allRows: Bitset;
  /** Per column, acting identities that can read it. Empty map for resources without columns. */
  readonly byColumn: ReadonlyMap<string, Bitset>;
  /** Acting identities that can read at least one column. */
  readonly any: Bitset;
}

/** A resource's read sets, asked one acting identity at a time. */
export interface AccessProbe extends IdentityAccess {
  /** Whether login `index` passes the gates checked when a session starts. */
  passesSession(index: number): boolean;
}

/**
 * Computes, once per snapshot, which acting identities can read what. This is the bulk form of
 * the rules in `explain.ts`; tests check that the two agree on every pair.
 */
export interface AccessSets {
  readonly snapshot: Snapshot;
  readonly closures: Closures;
  /** Principals holding `privilege` on `resource` (on `column` of it when given). */
  holders(privilege: string, resource: Resource, column?: string): Bitset;
  /** Acting identities that pass every gate checked as the acting identity above `resource`. */
  actingGate(resource: Resource): Bitset;
  /** Login identities that pass every gate checked as the session identity above `resource`. */
  sessionGate(resource: Resource): Bitset;
  /** The read sets of a readable resource. */
  forResource(resource: Resource): ResourceAccessSets;
  /** Acting identities that the resource's own row security does not filter. */
  rowsUnfiltered(resource: Resource): Bitset;
  /**
   * The read sets of a resource for questions about a few identities: the sets themselves when
   * they are at hand, else each identity's bits worked out on their own (by the same rules, tested
   * equal), which costs a few lookups instead of whole sets. A check that changes one role asks
   * this of every labelled resource.
   */
  probe(resource: Resource): AccessProbe;
}

const ENGINE = memoKey<AccessSets>('access sets');

export function accessSetsOf(snapshot: Snapshot): AccessSets {
  return memoized(snapshot, ENGINE, () => createAccessSets(snapshot, reusableParent(snapshot)));
}

/** What a derived snapshot may take from its parent's engine. */
interface Reuse {
  readonly engine: AccessSets;
  /** Closures: the parent's when no principal or membership changed, else derived from them. */
  readonly closures: Closures;
  /** Resources whose own state changed (grants, owner, row security, definition…). */
  readonly touched: ReadonlySet<ResourceId>;
  /** Whether the access sets of untouched resources can be taken as they are. */
  readonly sameClosures: boolean;
  /** Memberships were only added: every group's holders are a superset of the parent's. */
  readonly grown: boolean;
}

/**
 * A snapshot derived by edits reuses its parent's engine: the closures as they are when no
 * principal or membership changed (and then the access sets of every resource the edits cannot
 * affect), or closures derived from them otherwise.
 */
function reusableParent(snapshot: Snapshot): Reuse | undefined {
  const parent = parentOf(snapshot);
  const engine = parent === undefined ? undefined : recalled(parent, ENGINE);
  if (parent === undefined || engine === undefined) return undefined;
  const changes = changesSince(snapshot, parent);
  if (changes === undefined) return undefined;
  const sameClosures = !changes.principals && !changes.memberships;
  return {
    engine,
    closures: sameClosures ? engine.closures : deriveClosures(engine.closures, parent, snapshot, changes),
    touched: changes.resources,
    sameClosures,
    grown: !changes.narrowed,
  };
}

/**
 * Whether a resource's access sets may differ from the parent's: it, one of its containers, or a
 * resource it derives from (at any depth) was touched.
 */
export function affectedFor(snapshot: Snapshot, touched: ReadonlySet<ResourceId>): (resource: Resource) => boolean {
  const memo = new Map<ResourceId, boolean>();
  const affected = (resource: Resource, depth: number): boolean => {
    const known = memo.get(resource.id);
    if (known !== undefined) return known;
    let result = touched.has(resource.id) || depth > 64;
    for (
      let parent = resource.parent;
      !result && parent !== undefined;
      parent = snapshot.resourceById.get(parent)?.parent
    )
      result = touched.has(parent);
    if (!result && resource.derivation !== undefined && resource.derivation.materialized !== true)
      result = resource.derivation.sources.some((s) => {
        const source = snapshot.resourceById.get(s.resource);
        return source === undefined || affected(source, depth + 1);
      });
    memo.set(resource.id, result);
    return result;
  };
  return (resource) => affected(resource, 0);
}

function createAccessSets(snapshot: Snapshot, reuse: Reuse | undefined): AccessSets {
  const closures = reuse?.closures ?? computeClosures(snapshot);
  const isAffected = reuse === undefined || !reuse.sameClosures ? undefined : affectedFor(snapshot, reuse.touched);
  const { size, superusers, rowSecurityBypass, everyone, indexOf } = closures;
  const heldByOf = closures.heldBy;

  const blanketByPrivilege: BlanketsByPrivilege = groupBy(
    snapshot.blanketGrants.map((b) => ({ privilege: b.privilege, kinds: new Set(b.kinds), principal: b.principal })),
    (b) => b.privilege,
  );

  /** By privilege (and column), then by resource: a check asks for one privilege of 500 resources. */
  const holderCache = new Map<string, Map<ResourceId, Bitset>>();
  let bypassSame: boolean | undefined;
  /** The parent engine has the same superusers and the same roles bypassing row security. */
  function sameBypassingRoles(): boolean {
    bypassSame ??=
      parentEngine !== undefined &&
      sameSuperusers &&
      equalSets(rowSecurityBypass, parentEngine.closures.rowSecurityBypass);
    return bypassSame;
  }
  // After a change to memberships, a resource whose grantees' holders did not change keeps the
  // parent's holders (same principals, same superusers).
  // When only holders were added (memberships added, principals made superusers), every holder
  // set is the parent's plus the new superusers and the holders of the groups that changed.
  const parentSuperusers = reuse?.engine.closures.superusers;
  const sameSuperusers = parentSuperusers !== undefined && equalSets(superusers, parentSuperusers);
  const addedSuperusers =
    reuse?.grown === true && parentSuperusers !== undefined && !sameSuperusers && isSubset(parentSuperusers, superusers)
      ? difference(superusers, parentSuperusers)
      : undefined;
  const parentEngine =
    reuse !== undefined &&
    !reuse.sameClosures &&
    closures.size === reuse.engine.closures.size &&
    (sameSuperusers || addedSuperusers !== undefined)
      ? reuse.engine
      : undefined;
  const changedGroups = closures.changedGroups ?? new Set<string>();
  const isChanged = (principal: PrincipalId) => changedGroups.has(principal);
  /** Whether a grant of `privilege` on `resource` (or a blanket grant covering it) names a changed group. */
  function grantsChanged(privilege: string, resource: Resource): boolean {
    if (grantsOn(snapshot, resource).any(privilege).some(isChanged)) return true;
    for (const blanket of blanketByPrivilege.get(privilege) ?? [])
      if (blanket.kinds.has(resource.kind) && changedGroups.has(blanket.principal)) return true;
    return false;
  }
  const sameHolders = (privilege: string, resource: Resource) =>
    parentEngine !== undefined &&
    reuse !== undefined &&
    sameSuperusers &&
    !reuse.touched.has(resource.id) &&
    !grantsChanged(privilege, resource);
  function holders(privilege: string, resource: Resource, column?: string): Bitset {
    const key = column === undefined ? privilege : `${privilege}\u0000${column}`;
    const byResource = cachedIn(holderCache, key, () => new Map<ResourceId, Bitset>());
    const cached = byResource.get(resource.id);
    if (cached !== undefined) return cached;
    if (parentEngine !== undefined && sameHolders(privilege, resource)) {
      const inherited = parentEngine.holders(privilege, resource, column);
      byResource.set(resource.id, inherited);
      return inherited;
    }
    let set: Bitset;
    if (
      column === undefined &&
      parentEngine !== undefined &&
      reuse?.grown === true &&
      !reuse.touched.has(resource.id)
    ) {
      // Same grants, holders only added: the parent's holders, the new superusers and the holders
      // of the groups that changed.
      set = parentEngine.holders(privilege, resource).slice();
      if (addedSuperusers !== undefined) orInto(set, addedSuperusers);
      for (const principal of grantsOn(snapshot, resource).whole(privilege))
        if (changedGroups.has(principal)) orInto(set, heldByOf(principal));
      for (const blanket of blanketByPrivilege.get(privilege) ?? [])
        if (blanket.kinds.has(resource.kind) && changedGroups.has(blanket.principal))
          orInto(set, heldByOf(blanket.principal));
    } else if (column === undefined) {
      set = superusers.slice();
      for (const principal of grantsOn(snapshot, resource).whole(privilege)) orInto(set, heldByOf(principal));
      for (const blanket of blanketByPrivilege.get(privilege) ?? [])
        if (blanket.kinds.has(resource.kind)) orInto(set, heldByOf(blanket.principal));
    } else {
      // A grant on the whole resource covers every column; add the column's own grants.
      const whole = holders(privilege, resource);
      const own = grantsOn(snapshot, resource).column(privilege, column);
      if (own.length === 0) set = whole;
      else {
        set = whole.slice();
        for (const principal of own) orInto(set, heldByOf(principal));
      }
    }
    byResource.set(resource.id, set);
    return set;
  }

  // The gates are those of the containers: resources in one container share them.
  const gateCaches = {
    acting: new Map<ResourceId | undefined, Bitset>(),
    session: new Map<ResourceId | undefined, Bitset>(),
  };
  function gateSet(resource: Resource, checkedAs: Gate['checkedAs']): Bitset {
    const cache = gateCaches[checkedAs];
    let set = cache.get(resource.parent);
    if (set === undefined) {
      set = everyone;
      for (const ancestor of ancestorsOf(snapshot, resource))
        if (ancestor.gate?.checkedAs === checkedAs) set = intersection(holders(ancestor.gate.privilege, ancestor), set);
      cache.set(resource.parent, set);
    }
    return set;
  }

  /** Who holds the read privilege on each of `columns` (any column when the list is empty). */
  function columnHolders(resource: Resource, columns: readonly string[]): Bitset {
    if (resource.columns.length === 0) return holders(snapshot.readPrivilege, resource);
    if (columns.length === 0) {
      const any = createBitset(size);
      for (const column of resource.columns) orInto(any, holders(snapshot.readPrivilege, resource, column.name));
      return any;
    }
    const all = everyone.slice();
    for (const column of columns) andInto(all, holders(snapshot.readPrivilege, resource, column));
    return all;
  }

  /**
   * Acting identities not filtered by the resource's own row security. The parent's set when the
   * resource is untouched and neither its owner nor its policies' roles changed, with the same
   * superusers and bypassing roles.
   */
  const rowsCache = new Map<ResourceId, Bitset>();
  function ownRowsUnfiltered(resource: Resource): Bitset {
    const security = resource.rowSecurity;
    if (security === undefined || !security.enabled) return everyone;
    let set = rowsCache.get(resource.id);
    if (set !== undefined) return set;
    if (parentEngine !== undefined && sameBypassingRoles() && !rowRolesChanged(resource))
      set = parentEngine.rowsUnfiltered(resource);
    else {
      set = rowSecurityBypass.slice();
      if (!security.forced && resource.owner !== undefined) orInto(set, heldByOf(resource.owner));
      const admitted = createBitset(size);
      const restricted = createBitset(size);
      for (const policy of security.policies) {
        if (policy.privileges !== '*' && !policy.privileges.includes(snapshot.readPrivilege)) continue;
        const into =
          policy.permissive && policy.admitsAllRows
            ? admitted
            : !policy.permissive && !policy.admitsAllRows
              ? restricted
              : undefined;
        if (into !== undefined) for (const principal of policy.principals) orInto(into, heldByOf(principal));
      }
      andNotInto(admitted, restricted);
      orInto(set, admitted);
    }
    rowsCache.set(resource.id, set);
    return set;
  }

  function rowRolesChanged(resource: Resource): boolean {
    if (reuse === undefined || reuse.touched.has(resource.id)) return true;
    if (resource.owner !== undefined && changedGroups.has(resource.owner)) return true;
    for (const policy of resource.rowSecurity?.policies ?? [])
      for (const principal of policy.principals) if (changedGroups.has(principal)) return true;
    return false;
  }

  interface SourceSets {
    readonly readable: Bitset;
    readonly unfiltered: Bitset;
  }
  const derivedCache = new Map<ResourceId, SourceSets>();
  const inProgress = new Set<ResourceId>();

  /**
   * What a derivation adds to reading a resource, as sets of acting identities (the current user
   * R): who passes the checks on its sources and, of those, who sees every source row. A source is
   * checked as the owner when the derivation runs as its owner, and otherwise as R itself, even when
   * the derivation is nested inside an owner-run one (PostgreSQL leaves checkAsUser unset for
   * security_invoker views, so their sources are always checked as the current user).
   */
  function derivedSets(resource: Resource): SourceSets {
    const derivation = resource.derivation;
    if (derivation === undefined || derivation.materialized === true)
      return { readable: everyone, unfiltered: everyone };
    const cached = derivedCache.get(resource.id);
    if (cached !== undefined) return cached;
    // A derivation that reaches itself cannot be read (PostgreSQL rejects such view loops).
    if (inProgress.has(resource.id)) return { readable: createBitset(size), unfiltered: createBitset(size) };
    inProgress.add(resource.id);
    const owner = resource.owner === undefined ? -1 : (indexOf.get(resource.owner) ?? -1);
    const readable = everyone.slice();
    const unfiltered = everyone.slice();
    for (const source of derivation.sources) {
      const target = snapshot.resourceById.get(source.resource);
      if (target === undefined) continue;
      const nested = derivedSets(target);
      andInto(readable, nested.readable);
      andInto(unfiltered, nested.unfiltered);
      const holders = columnHolders(target, source.columns);
      const rowsFree = ownRowsUnfiltered(target);
      if (derivation.runsAs === 'invoker') {
        andInto(readable, holders);
        andInto(unfiltered, rowsFree);
      } else {
        if (owner < 0 || !hasBit(holders, owner)) readable.fill(0);
        if (owner < 0 || !hasBit(rowsFree, owner)) unfiltered.fill(0);
      }
    }
    inProgress.delete(resource.id);
    const result = { readable, unfiltered };
    derivedCache.set(resource.id, result);
    return result;
  }

  /**
   * After a change to memberships or attributes: a resource none of whose principals (grantees
   * of it and of its containers, owner, policy roles, predefined roles) had their holders change,
   * with the same superusers and bypassing roles, keeps the parent's sets.
   */
  const sameBypass = sameBypassingRoles();
  const blanketChanged = [...blanketByPrivilege.values()].flat().some((b) => changedGroups.has(b.principal));
  const membershipsMemo = new Map<ResourceId, boolean>();
  /** Whether a resource itself was touched or names a changed principal; containers are asked once. */
  const namesMemo = new Map<ResourceId, boolean>();
  function namesChanged(r: Resource): boolean {
    let names = namesMemo.get(r.id);
    if (names === undefined) {
      names =
        (reuse?.touched.has(r.id) ?? true) ||
        (r.owner !== undefined && changedGroups.has(r.owner)) ||
        grantsOn(snapshot, r).grantees.some(isChanged);
      for (const policy of names ? [] : (r.rowSecurity?.policies ?? []))
        if (policy.principals.some((principal) => changedGroups.has(principal))) names = true;
      namesMemo.set(r.id, names);
    }
    return names;
  }
  function unchangedByMemberships(resource: Resource, depth: number): boolean {
    if (parentEngine === undefined || !sameBypass || blanketChanged || reuse === undefined || depth > 64) return false;
    const known = membershipsMemo.get(resource.id);
    if (known !== undefined) return known;
    // Touched, or naming a changed principal: itself or a container.
    let unchanged = !namesChanged(resource) && !ancestorsOf(snapshot, resource).some(namesChanged);
    if (unchanged && resource.derivation !== undefined && resource.derivation.materialized !== true)
      unchanged = resource.derivation.sources.every((source) => {
        const target = snapshot.resourceById.get(source.resource);
        return target !== undefined && unchangedByMemberships(target, depth + 1);
      });
    membershipsMemo.set(resource.id, unchanged);
    return unchanged;
  }

  const resourceCache = new Map<ResourceId, ResourceAccessSets>();
  function forResource(resource: Resource): ResourceAccessSets {
    const cached = resourceCache.get(resource.id);
    if (cached !== undefined) return cached;
    if (
      reuse !== undefined &&
      ((isAffected !== undefined && !isAffected(resource)) || unchangedByMemberships(resource, 0))
    ) {
      const inherited = reuse.engine.forResource(resource);
      resourceCache.set(resource.id, inherited);
      return inherited;
    }
    const acting = gateSet(resource, 'acting');
    const derived = derivedSets(resource);
    const rowsFree = ownRowsUnfiltered(resource);
    const byColumn = new Map<string, Bitset>();
    let any: Bitset;
    let allColumns: Bitset;
    const columnGrants = grantsOn(snapshot, resource).hasColumnGrants(snapshot.readPrivilege);
    if (!columnGrants) {
      // Whoever reads one column reads them all: one set serves every column. Holders that all
      // pass the gates are the set as it is (shared with the holders' cache, never written to).
      allColumns = intersection(holders(snapshot.readPrivilege, resource), acting);
      if (derived.readable !== everyone) allColumns = intersection(allColumns, derived.readable);
      any = allColumns;
      for (const column of resource.columns) byColumn.set(column.name, allColumns);
    } else {
      any = createBitset(size);
      for (const column of resource.columns) {
        const set = holders(snapshot.readPrivilege, resource, column.name).slice();
        andInto(set, acting);
        andInto(set, derived.readable);
        byColumn.set(column.name, set);
        orInto(any, set);
      }
      allColumns = columnHolders(
        resource,
        resource.columns.map((c) => c.name),
      ).slice();
      andInto(allColumns, acting);
      andInto(allColumns, derived.readable);
      if (resource.columns.length === 0) orInto(any, allColumns);
    }
    // Without row security on it or its sources, whoever reads every column reads every row.
    let allRows = allColumns;
    if (rowsFree !== everyone || derived.unfiltered !== everyone) {
      allRows = allColumns.slice();
      andInto(allRows, rowsFree);
      andInto(allRows, derived.unfiltered);
    }
    const sets: ResourceAccessSets = {
      resource,
      sessionGate: gateSet(resource, 'session'),
      allColumns,
      allRows,
      byColumn,
      any,
    };
    resourceCache.set(resource.id, sets);
    return sets;
  }

  const identities = identityRules(snapshot, closures, blanketByPrivilege);

  function probe(resource: Resource): AccessProbe {
    const known =
      resourceCache.get(resource.id) ??
      (reuse !== undefined &&
      ((isAffected !== undefined && !isAffected(resource)) || unchangedByMemberships(resource, 0))
        ? forResource(resource)
        : undefined);
    if (known !== undefined)
      return {
        passesSession: (index) => hasBit(known.sessionGate, index),
        level: (r) =>
          hasBit(known.allRows, r)
            ? 'full'
            : hasBit(known.allColumns, r)
              ? 'filtered'
              : hasBit(known.any, r)
                ? 'columns'
                : 'none',
        readsColumn: (r, name) => {
          const set = known.byColumn.get(name);
          return set !== undefined && hasBit(set, r);
        },
      };
    const access = identities.access(resource);
    return {
      passesSession: identities.gates(resource, 'session'),
      level: access.level,
      readsColumn: access.readsColumn,
    };
  }

  return {
    snapshot,
    closures,
    holders,
    actingGate: (resource) => gateSet(resource, 'acting'),
    sessionGate: (resource) => gateSet(resource, 'session'),
    forResource,
    rowsUnfiltered: ownRowsUnfiltered,
    probe,
  };
}
