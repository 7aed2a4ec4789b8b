import { canonicalJson, type JsonValue } from './canonical-json.ts';
import { groupBy } from './collections.ts';
import { withLazyFields } from './lazy-fields.ts';
import { type MemoKey, memoized, memoKey, recalled, remember, withMemo } from './memo.ts';
import {
  type Grant,
  type Membership,
  type Principal,
  type PrincipalId,
  PUBLIC_ID,
  type Resource,
  type ResourceId,
  type SnapshotData,
} from './model.ts';
import { err, type Issue, ok, type Result } from './result.ts';
import { sha256Hex } from './sha256.ts';

/**
 * One system's access state at one instant: validated, frozen, indexed. Build it with
 * {@link createSnapshot}; derive a changed one by building a new snapshot, never by mutation.
 */
export interface Snapshot extends SnapshotData {
  readonly principalById: ReadonlyMap<PrincipalId, Principal>;
  readonly resourceById: ReadonlyMap<ResourceId, Resource>;
  /** Grants per resource, table-level and column-level together. */
  readonly grantsByResource: ReadonlyMap<ResourceId, readonly Grant[]>;
  /** Edges leaving each member. */
  readonly membershipsOf: ReadonlyMap<PrincipalId, readonly Membership[]>;
  /** Edges arriving at each group. */
  readonly membersOf: ReadonlyMap<PrincipalId, readonly Membership[]>;
}

const PUBLIC_PRINCIPAL: Principal = {
  id: PUBLIC_ID,
  name: 'PUBLIC',
  login: false,
  superuser: false,
  bypassRowSecurity: false,
};

/**
 * Validates references (every principal, resource and column named exists; ids are unique) and
 * returns a frozen snapshot. PUBLIC is added when the data does not list it.
 */
export function createSnapshot(data: SnapshotData): Result<Snapshot, readonly Issue[]> {
  const issues: Issue[] = [];
  const principals = data.principals.some((p) => p.id === PUBLIC_ID)
    ? data.principals
    : [PUBLIC_PRINCIPAL, ...data.principals];

  const principalById = indexUnique(principals, (p) => p.id, 'principals', issues);
  const resourceById = indexUnique(data.resources, (r) => r.id, 'resources', issues);
  const needPrincipal = (id: PrincipalId, path: readonly (string | number)[]) => {
    if (!principalById.has(id)) issues.push({ code: 'unknown_principal', path, message: `unknown principal "${id}"` });
  };
  const needResource = (id: ResourceId, path: readonly (string | number)[]) => {
    if (!resourceById.has(id)) issues.push({ code: 'unknown_resource', path, message: `unknown resource "${id}"` });
  };

  data.memberships.forEach((m, i) => {
    needPrincipal(m.member, ['memberships', i, 'member']);
    needPrincipal(m.group, ['memberships', i, 'group']);
    const problem = membershipProblem(m);
    if (problem !== undefined) issues.push({ ...problem, path: ['memberships', i] });
  });

  data.resources.forEach((r, i) => {
    if (r.parent !== undefined) needResource(r.parent, ['resources', i, 'parent']);
    if (r.owner !== undefined) needPrincipal(r.owner, ['resources', i, 'owner']);
    r.derivation?.sources.forEach((s, j) => {
      needResource(s.resource, ['resources', i, 'derivation', 'sources', j, 'resource']);
    });
    if (r.routine !== undefined && r.routine.reads !== 'any')
      r.routine.reads.forEach((id, j) => {
        needResource(id, ['resources', i, 'routine', 'reads', j]);
      });
    r.rowSecurity?.policies.forEach((p, j) => {
      p.principals.forEach((id, k) => {
        needPrincipal(id, ['resources', i, 'rowSecurity', 'policies', j, 'principals', k]);
      });
    });
  });
  checkParentCycles(data.resources, resourceById, issues);

  data.grants.forEach((g, i) => {
    needPrincipal(g.principal, ['grants', i, 'principal']);
    const resource = resourceById.get(g.resource);
    if (resource === undefined) needResource(g.resource, ['grants', i, 'resource']);
    else if (g.column !== undefined && !resource.columns.some((c) => c.name === g.column))
      issues.push({
        code: 'unknown_column',
        path: ['grants', i, 'column'],
        message: `resource "${resource.name}" has no column "${g.column}"`,
      });
  });
  data.blanketGrants.forEach((g, i) => {
    needPrincipal(g.principal, ['blanketGrants', i, 'principal']);
  });
  data.defaultGrants.forEach((g, i) => {
    needPrincipal(g.creator, ['defaultGrants', i, 'creator']);
    needPrincipal(g.principal, ['defaultGrants', i, 'principal']);
    if (g.container !== undefined) needResource(g.container, ['defaultGrants', i, 'container']);
  });
  if (issues.length > 0) return err(issues);

  const snapshot: Snapshot = {
    ...data,
    principals,
    principalById,
    resourceById,
    grantsByResource: groupBy(data.grants, (g) => g.resource),
    membershipsOf: groupBy(data.memberships, (m) => m.member),
    membersOf: groupBy(data.memberships, (m) => m.group),
  };
  return ok(deepFreeze(withMemo(snapshot)));
}

/** What makes a membership impossible whatever else the snapshot holds. */
export function membershipProblem(m: Membership): { code: string; message: string } | undefined {
  if (m.member === m.group) return { code: 'self_membership', message: `"${m.member}" cannot be a member of itself` };
  if (m.group === PUBLIC_ID) return { code: 'public_membership', message: 'everyone belongs to PUBLIC implicitly' };
  if (m.member === PUBLIC_ID)
    return { code: 'public_membership', message: `PUBLIC cannot be a member of "${m.group}": grant to PUBLIC instead` };
  return undefined;
}

/**
 * The same snapshot with relabelled resources: labels (of resources and columns) may differ, ids
 * and references may not, so nothing else needs validating or indexing again. Classification
 * uses it to avoid rebuilding a snapshot of 50,000 tables for a label change.
 */
export function withLabels(snapshot: Snapshot, resources: readonly Resource[]): Snapshot {
  if (resources.length !== snapshot.resources.length || resources.some((r, i) => r.id !== snapshot.resources[i]?.id))
    throw new Error('withLabels needs the same resources in the same order');
  const frozen = resources.map((resource) => deepFreeze(resource));
  return Object.freeze(
    withMemo({
      ...snapshot,
      resources: Object.freeze(frozen),
      resourceById: new Map(frozen.map((r) => [r.id, r])),
    }),
  );
}

type ListName = 'resources' | 'principals' | 'memberships';

/**
 * A list of a snapshot derived by edits, as its base's list with the edits' changes applied.
 * `apply` receives the base's items in order, keyed by id (a membership by itself), and adds,
 * replaces or deletes entries: a replaced key keeps its place, a new one goes last. Without
 * `apply`, the list is the base's.
 */
export interface ListStep<T> {
  readonly base: Snapshot;
  readonly apply?: (items: Map<unknown, T>) => void;
}

/** A list given as it is, as a function that builds it when first read, or as a step from a base's. */
type Lazy<T> = readonly T[] | (() => readonly T[]) | ListStep<T>;

/**
 * Freezes a snapshot derived from another by edits or relabelling. Its flat lists of grants,
 * resources, principals and memberships are built only if someone asks for them (engines use the
 * indexes), and the new objects in it must already be frozen by whoever made them: nothing old is
 * walked again.
 */
export function freezeDerived(
  fields: Omit<Snapshot, 'grants' | 'resources' | 'principals' | 'memberships'> & {
    readonly resources: Lazy<Resource>;
    readonly principals: Lazy<Principal>;
    readonly memberships: Lazy<Membership>;
  },
): Snapshot {
  const { resources, principals, memberships, ...rest } = fields;
  const snapshot = withMemo({ ...rest } as Snapshot);
  lazyList(snapshot, 'grants', () => [...fields.grantsByResource.values()].flat());
  lazyList(snapshot, 'resources', resources);
  lazyList(snapshot, 'principals', principals);
  lazyList(snapshot, 'memberships', memberships);
  Object.freeze(fields.defaultGrants);
  return Object.freeze(snapshot);
}

/** Steps not yet turned into lists, per list; a snapshot forgets its step once its list is built. */
const PENDING: { readonly [K in ListName]: MemoKey<ListStep<unknown>> } = {
  resources: memoKey('pending resources'),
  principals: memoKey('pending principals'),
  memberships: memoKey('pending memberships'),
};

const ITEM_KEY: { readonly [K in ListName]: (item: never) => unknown } = {
  resources: (r: Resource) => r.id,
  principals: (p: Principal) => p.id,
  memberships: (m: Membership) => m,
};

/** Defines `snapshot[key]` as `list`, frozen; built on first read when `list` is a function or a step. */
function lazyList<K extends ListName | 'grants'>(snapshot: Snapshot, key: K, list: Lazy<Snapshot[K][number]>) {
  if (Array.isArray(list)) {
    Object.defineProperty(snapshot, key, { enumerable: true, value: Object.freeze(list) });
    return;
  }
  if (typeof list === 'function') {
    // The function returns a new array or an already frozen one.
    withLazyFields(snapshot, [key], () => ({ [key]: Object.freeze(list()) }));
    return;
  }
  if (key === 'grants') throw new Error('internal error: grants are never derived by steps');
  const name = key as ListName;
  remember(snapshot, PENDING[name], list as ListStep<unknown>);
  withLazyFields(snapshot, [key], () => {
    const built = Object.freeze(listAfterSteps(snapshot, name));
    remember(snapshot, PENDING[name], undefined);
    return { [key]: built };
  });
}

/**
 * Builds a list by walking up to the nearest snapshot whose list needs no step, then applying the
 * steps down from there: in a loop, not by recursion, because a script of 20,000 statements
 * derives a chain of 20,000 snapshots, and once, not per snapshot of the chain, so that the cost
 * is the size of the list plus that of the changes.
 */
function listAfterSteps(snapshot: Snapshot, name: ListName): readonly unknown[] {
  const applies: ((items: Map<unknown, unknown>) => void)[] = [];
  let current = snapshot;
  for (let step = recalled(current, PENDING[name]); step !== undefined; step = recalled(current, PENDING[name])) {
    if (step.apply !== undefined) applies.push(step.apply);
    current = step.base;
  }
  const base: readonly unknown[] = current[name];
  if (applies.length === 0) return base;
  const keyOf = ITEM_KEY[name] as (item: unknown) => unknown;
  const items = new Map(base.map((item) => [keyOf(item), item]));
  for (let i = applies.length - 1; i >= 0; i--) applies[i]?.(items);
  return [...items.values()];
}

const FINGERPRINT = memoKey<string>('fingerprint');

/**
 * SHA-256 over the canonical JSON of the snapshot's content, independent of the order in which
 * the connector listed things. Equal fingerprints mean equal access state. Computed once, on demand.
 */
export function fingerprintOf(snapshot: Snapshot): string {
  return memoized(snapshot, FINGERPRINT, () => {
    const sorted = (items: readonly unknown[]) => items.map((item) => canonicalJson(item as JsonValue)).sort();
    const content = {
      system: snapshot.system,
      source: snapshot.source,
      readPrivilege: snapshot.readPrivilege,
      facts: snapshot.facts ?? {},
      principals: sorted(snapshot.principals),
      memberships: sorted(snapshot.memberships),
      resources: sorted(snapshot.resources),
      grants: sorted(snapshot.grants),
      blanketGrants: sorted(snapshot.blanketGrants),
      defaultGrants: sorted(snapshot.defaultGrants),
    };
    return sha256Hex(canonicalJson(content));
  });
}

/** The chain of parents of a resource, nearest first, excluding the resource itself. */
export function ancestorsOf(snapshot: Snapshot, resource: Resource): Resource[] {
  const chain: Resource[] = [];
  let parentId = resource.parent;
  while (parentId !== undefined) {
    const parent = snapshot.resourceById.get(parentId);
    if (parent === undefined) break;
    chain.push(parent);
    parentId = parent.parent;
  }
  return chain;
}

function indexUnique<T, K>(items: readonly T[], key: (item: T) => K, path: string, issues: Issue[]): Map<K, T> {
  const index = new Map<K, T>();
  items.forEach((item, i) => {
    const k = key(item);
    if (index.has(k)) issues.push({ code: 'duplicate_id', path: [path, i], message: `duplicate id "${String(k)}"` });
    else index.set(k, item);
  });
  return index;
}

function checkParentCycles(
  resources: readonly Resource[],
  byId: ReadonlyMap<ResourceId, Resource>,
  issues: Issue[],
): void {
  resources.forEach((resource, i) => {
    const seen = new Set<ResourceId>([resource.id]);
    let parentId = resource.parent;
    while (parentId !== undefined) {
      if (seen.has(parentId)) {
        issues.push({
          code: 'parent_cycle',
          path: ['resources', i, 'parent'],
          message: `"${resource.id}" is its own ancestor`,
        });
        return;
      }
      seen.add(parentId);
      parentId = byId.get(parentId)?.parent;
    }
  });
}

/** Freezes a value and everything in it; already frozen parts are skipped. */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  if (value instanceof Map) {
    for (const item of value.values()) deepFreeze(item);
  } else {
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return Object.freeze(value);
}
