import { andInto, type Bitset, createBitset, hasBit, orInto } from './bitset.ts';
import { type Closures, computeClosures } from './closure.ts';
import type { Gate, Resource, ResourceId } from './model.ts';
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
}

const engines = new WeakMap<Snapshot, AccessSets>();

export function accessSetsOf(snapshot: Snapshot): AccessSets {
  const known = engines.get(snapshot);
  if (known !== undefined) return known;
  const engine = createAccessSets(snapshot);
  engines.set(snapshot, engine);
  return engine;
}

function createAccessSets(snapshot: Snapshot): AccessSets {
  const closures = computeClosures(snapshot);
  const { size, superusers, rowSecurityBypass, everyone, indexOf } = closures;
  const heldByOf = closures.heldBy;

  const blanketByPrivilege = new Map<string, { kinds: ReadonlySet<string>; principal: string }[]>();
  for (const blanket of snapshot.blanketGrants) {
    const list = blanketByPrivilege.get(blanket.privilege) ?? [];
    list.push({ kinds: new Set(blanket.kinds), principal: blanket.principal });
    blanketByPrivilege.set(blanket.privilege, list);
  }

  const holderCache = new Map<string, Bitset>();
  function holders(privilege: string, resource: Resource, column?: string): Bitset {
    const key = `${privilege}\u0000${resource.id}\u0000${column ?? ''}`;
    const cached = holderCache.get(key);
    if (cached !== undefined) return cached;
    let set: Bitset;
    if (column === undefined) {
      set = superusers.slice();
      for (const grant of snapshot.grantsByResource.get(resource.id) ?? [])
        if (grant.privilege === privilege && grant.column === undefined) orInto(set, heldByOf(grant.principal));
      for (const blanket of blanketByPrivilege.get(privilege) ?? [])
        if (blanket.kinds.has(resource.kind)) orInto(set, heldByOf(blanket.principal));
    } else {
      // A grant on the whole resource covers every column; add the column's own grants.
      const whole = holders(privilege, resource);
      const own = (snapshot.grantsByResource.get(resource.id) ?? []).filter(
        (g) => g.privilege === privilege && g.column === column,
      );
      if (own.length === 0) set = whole;
      else {
        set = whole.slice();
        for (const grant of own) orInto(set, heldByOf(grant.principal));
      }
    }
    holderCache.set(key, set);
    return set;
  }

  const gateCache = new Map<string, Bitset>();
  function gateSet(resource: Resource, checkedAs: Gate['checkedAs']): Bitset {
    const key = `${checkedAs}\u0000${resource.id}`;
    const cached = gateCache.get(key);
    if (cached !== undefined) return cached;
    const set = everyone.slice();
    for (const ancestor of ancestorsOf(snapshot, resource))
      if (ancestor.gate?.checkedAs === checkedAs) andInto(set, holders(ancestor.gate.privilege, ancestor));
    gateCache.set(key, set);
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

  /** Acting identities not filtered by the resource's own row security. */
  function ownRowsUnfiltered(resource: Resource): Bitset {
    const security = resource.rowSecurity;
    if (security === undefined || !security.enabled) return everyone;
    const set = rowSecurityBypass.slice();
    if (!security.forced && resource.owner !== undefined) orInto(set, heldByOf(resource.owner));
    const admitted = createBitset(size);
    const restricted = createBitset(size);
    for (const policy of security.policies) {
      if (policy.privileges !== '*' && !policy.privileges.includes(snapshot.readPrivilege)) continue;
      const applies = createBitset(size);
      for (const principal of policy.principals) orInto(applies, heldByOf(principal));
      if (policy.permissive && policy.admitsAllRows) orInto(admitted, applies);
      if (!policy.permissive && !policy.admitsAllRows) orInto(restricted, applies);
    }
    for (let i = 0; i < admitted.length; i++) admitted[i] = (admitted[i] ?? 0) & ~(restricted[i] ?? 0);
    orInto(set, admitted);
    return set;
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

  const resourceCache = new Map<ResourceId, ResourceAccessSets>();
  function forResource(resource: Resource): ResourceAccessSets {
    const cached = resourceCache.get(resource.id);
    if (cached !== undefined) return cached;
    const acting = gateSet(resource, 'acting');
    const derived = derivedSets(resource);
    const rowsFree = ownRowsUnfiltered(resource);
    const byColumn = new Map<string, Bitset>();
    const any = createBitset(size);
    for (const column of resource.columns) {
      const set = holders(snapshot.readPrivilege, resource, column.name).slice();
      andInto(set, acting);
      andInto(set, derived.readable);
      byColumn.set(column.name, set);
      orInto(any, set);
    }
    const allColumns = columnHolders(
      resource,
      resource.columns.map((c) => c.name),
    ).slice();
    andInto(allColumns, acting);
    andInto(allColumns, derived.readable);
    if (resource.columns.length === 0) orInto(any, allColumns);
    const allRows = allColumns.slice();
    andInto(allRows, rowsFree);
    andInto(allRows, derived.unfiltered);
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

  return {
    snapshot,
    closures,
    holders,
    actingGate: (resource) => gateSet(resource, 'acting'),
    sessionGate: (resource) => gateSet(resource, 'session'),
    forResource,
  };
}
