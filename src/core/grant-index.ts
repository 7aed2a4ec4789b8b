import type { Grant, PrincipalId, Resource } from './model.ts';
import type { Snapshot } from './snapshot.ts';

/**
 * The grants of one resource arranged for the questions the engine asks of them on every check:
 * who holds a privilege on the whole resource, on one column, on any part of it.
 */
export interface GrantIndex {
  /** Grantees of `privilege` on the whole resource, in grant order, each once. */
  whole(privilege: string): readonly PrincipalId[];
  /** Grantees of `privilege` on `column` alone (not on the whole resource). */
  column(privilege: string, column: string): readonly PrincipalId[];
  /** Whether some grant of `privilege` is on a column. */
  hasColumnGrants(privilege: string): boolean;
  /** Grantees of `privilege` on the whole resource or any column. */
  any(privilege: string): readonly PrincipalId[];
  /** Every grantee of any privilege. */
  readonly grantees: readonly PrincipalId[];
}

interface ByPrivilege {
  readonly whole: PrincipalId[];
  readonly any: PrincipalId[];
  readonly columns: Map<string, PrincipalId[]>;
}

const NONE: readonly PrincipalId[] = Object.freeze([]);
const NO_GRANTS: readonly Grant[] = Object.freeze([]);

/**
 * Kept by list: a snapshot derived by edits shares the grant lists of every resource the edits did
 * not touch, so a check indexes only the lists it changed. Grants come in several shapes (column,
 * grantor, implicit), and reading their fields in the engine's loops was a large part of a check.
 * The values do not reach the keys, so V8's young-generation collector drops both together.
 */
const indexes = new WeakMap<readonly Grant[], GrantIndex>();

/** The index of the grants on `resource`. */
export function grantsOn(snapshot: Snapshot, resource: Resource): GrantIndex {
  return grantIndexOf(snapshot.grantsByResource.get(resource.id) ?? NO_GRANTS);
}

function grantIndexOf(grants: readonly Grant[]): GrantIndex {
  let index = indexes.get(grants);
  if (index === undefined) {
    index = buildIndex(grants);
    indexes.set(grants, index);
  }
  return index;
}

function buildIndex(grants: readonly Grant[]): GrantIndex {
  const privileges = new Map<string, ByPrivilege>();
  const grantees: PrincipalId[] = [];
  const addOnce = (list: PrincipalId[], principal: PrincipalId) => {
    if (!list.includes(principal)) list.push(principal);
  };
  for (const grant of grants) {
    let entry = privileges.get(grant.privilege);
    if (entry === undefined) {
      entry = { whole: [], any: [], columns: new Map() };
      privileges.set(grant.privilege, entry);
    }
    addOnce(entry.any, grant.principal);
    addOnce(grantees, grant.principal);
    if (grant.column === undefined) addOnce(entry.whole, grant.principal);
    else {
      const list = entry.columns.get(grant.column);
      if (list === undefined) entry.columns.set(grant.column, [grant.principal]);
      else addOnce(list, grant.principal);
    }
  }
  return {
    whole: (privilege) => privileges.get(privilege)?.whole ?? NONE,
    column: (privilege, column) => privileges.get(privilege)?.columns.get(column) ?? NONE,
    hasColumnGrants: (privilege) => (privileges.get(privilege)?.columns.size ?? 0) > 0,
    any: (privilege) => privileges.get(privilege)?.any ?? NONE,
    grantees,
  };
}

const sets = new WeakMap<readonly PrincipalId[], ReadonlySet<PrincipalId>>();

/**
 * One of an index's lists of grantees as a set, made once per list (a schema's USAGE to hundreds
 * of roles is asked about by every identity of every check).
 */
export function granteeSet(grantees: readonly PrincipalId[]): ReadonlySet<PrincipalId> {
  let set = sets.get(grantees);
  if (set === undefined) {
    set = new Set(grantees);
    sets.set(grantees, set);
  }
  return set;
}
