import { accessSetsOf, affectedFor, type ResourceAccessSets } from './access-sets.ts';
import { andInto, type Bitset, bitsOf, equalSets, hasBit, isEmpty } from './bitset.ts';
import { type Closures, loginsActingAs } from './closure.ts';
import { compareText } from './collections.ts';
import { changesSince, parentOf } from './lineage.ts';
import type { DefaultGrant, PrincipalId, Resource, ResourceId } from './model.ts';
import type { Snapshot } from './snapshot.ts';

/** How much of a resource a reader can see, weakest first. */
export const ACCESS_LEVELS = ['none', 'columns', 'filtered', 'full'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];
export type ReadAccess = Exclude<AccessLevel, 'none'>;

/** Orders access levels: negative when `a` gives less than `b`. */
export function compareAccess(a: AccessLevel, b: AccessLevel): number {
  return RANK[a] - RANK[b];
}

const RANK: Readonly<Record<AccessLevel, number>> = { none: 0, columns: 1, filtered: 2, full: 3 };

/**
 * A login principal that can read a resource. `full`: every row and column; `filtered`: every
 * column but row security applies; `columns`: only the listed columns.
 */
export interface Reader {
  readonly principal: PrincipalId;
  readonly access: ReadAccess;
  readonly columns?: readonly string[];
}

/** Principals that can invoke code which reads the resource with its owner's privileges. */
export interface PotentialPath {
  readonly routine: ResourceId;
  readonly owner: PrincipalId;
  readonly principals: readonly PrincipalId[];
}

export interface ResourceExposure {
  readonly resource: Resource;
  readonly readers: readonly Reader[];
  readonly potential: readonly PotentialPath[];
}

/** A default grant that will expose resources not yet created, and to whom. */
export interface LatentExposure {
  readonly grant: DefaultGrant;
  readonly principals: readonly PrincipalId[];
  /** Labelled resources already in the container: the kind of data future resources will hold. */
  readonly labelledInContainer: number;
}

export interface Exposure {
  readonly system: string;
  readonly resources: readonly ResourceExposure[];
  readonly latent: readonly LatentExposure[];
}

export interface ExposureOptions {
  /** Which resources to report; by default every readable resource that carries a label. */
  readonly include?: (resource: Resource) => boolean;
}

const isLabelledReadable = (resource: Resource) =>
  resource.readable && (resource.labels.length > 0 || resource.columns.some((c) => c.labels.length > 0));

/**
 * Exposure of each sensitive resource: every login principal that can read it, how much, and the
 * code paths that could read it for others; plus latent exposure from default grants.
 */
export function computeExposure(snapshot: Snapshot, options: ExposureOptions = {}): Exposure {
  const include = options.include ?? isLabelledReadable;
  const sets = accessSetsOf(snapshot);
  const routines = routinesOf(snapshot);
  const resources = snapshot.resources
    .filter(include)
    .sort((a, b) => compareText(a.name, b.name))
    .map((resource) => {
      const access = sets.forResource(resource);
      return {
        resource,
        readers: readersOf(sets.closures, access),
        potential: routines.length === 0 ? NO_PATHS : potentialPaths(snapshot, access, routines),
      };
    });
  return {
    system: snapshot.system,
    resources,
    latent:
      snapshot.defaultGrants.length === 0
        ? []
        : latentExposure(
            snapshot,
            options.include === undefined
              ? resources.map((r) => r.resource)
              : snapshot.resources.filter(isLabelledReadable),
          ),
  };
}

const exposures = new WeakMap<Snapshot, Exposure>();

/**
 * The exposure of every labelled resource of a snapshot, computed once per snapshot: a warm
 * snapshot answers many checks. A snapshot derived by edits that changed no principal and no
 * membership recomputes only the resources the edits can affect, and keeps the rest.
 */
export function exposureOf(snapshot: Snapshot): Exposure {
  let exposure = exposures.get(snapshot);
  if (exposure === undefined) {
    exposure = derivedExposure(snapshot) ?? computeExposure(snapshot);
    exposures.set(snapshot, exposure);
  }
  return exposure;
}

function derivedExposure(snapshot: Snapshot): Exposure | undefined {
  const parent = parentOf(snapshot);
  if (parent === undefined) return undefined;
  const changes = changesSince(snapshot, parent);
  if (changes === undefined) return undefined;
  const previous = exposureOf(parent);
  const sets = accessSetsOf(snapshot);
  const { closures } = sets;
  // After a change to principals or memberships, only the logins that reach a touched principal
  // can read differently; everyone else keeps the parent's answer.
  const closuresChanged = changes.principals || changes.memberships;
  const changedLogins = closures.changedLogins;
  if (closuresChanged && changedLogins === undefined) return undefined;
  const previousById = new Map(previous.resources.map((e) => [e.resource.id, e]));
  const changedCount = changedLogins === undefined ? 0 : bitsOf(changedLogins).length;
  const affected = affectedFor(snapshot, changes.resources);
  const routines = routinesOf(snapshot);
  // A routine that changed can read anything; then every potential path is computed again.
  const readsWithOwnerRights = ownerRightsTest(snapshot);
  const routinesChanged = [...changes.resources].some(
    (id) => parent.resourceById.get(id)?.routine !== undefined || snapshot.resourceById.get(id)?.routine !== undefined,
  );
  const resources: ResourceExposure[] = [];
  for (const resource of labelledResources(snapshot, changes.resources, previous)) {
    const old = previousById.get(resource.id);
    const untouched = old !== undefined && !affected(resource);
    if (untouched && !closuresChanged && !routinesChanged) {
      resources.push(old.resource === resource ? old : { ...old, resource });
      continue;
    }
    const access = sets.forResource(resource);
    // Few changed logins: compute theirs and keep the rest; many: walking is cheaper. Not for a
    // resource read through its owner's rights: when the owner's holdings change, every reader's
    // access changes with them, whether or not the reader's own memberships did.
    const patch =
      closuresChanged && changedLogins !== undefined && changedCount <= PATCH_LIMIT && !readsWithOwnerRights(resource);
    const readers =
      !untouched || (closuresChanged && !patch)
        ? readersOf(closures, access)
        : patch
          ? patchReaders(closures, access, old.readers, changedLogins)
          : old.readers;
    let potential =
      untouched && !closuresChanged && !routinesChanged
        ? old.potential
        : routines.length === 0
          ? NO_PATHS
          : potentialPaths(snapshot, access, routines);
    // The parent's list when equal: the delta then skips an unchanged resource at once.
    if (old !== undefined && potential !== old.potential && samePotential(potential, old.potential))
      potential = old.potential;
    resources.push({ resource, readers, potential });
  }
  resources.sort((a, b) => compareText(a.resource.name, b.resource.name));
  const containersTouched = [...changes.resources].some(
    (id) => snapshot.resourceById.get(id)?.readable === false || parent.resourceById.get(id)?.readable === false,
  );
  const latent =
    closuresChanged || changes.defaultGrants || containersTouched
      ? latentExposure(
          snapshot,
          resources.map((r) => r.resource),
        )
      : previous.latent;
  return { system: snapshot.system, resources, latent };
}

/** Whether reading a resource checks its sources as a derivation's owner, at any depth. */
function ownerRightsTest(snapshot: Snapshot): (resource: Resource) => boolean {
  const memo = new Map<ResourceId, boolean>();
  const test = (resource: Resource, depth: number): boolean => {
    const known = memo.get(resource.id);
    if (known !== undefined) return known;
    const derivation = resource.derivation;
    let result = false;
    if (derivation !== undefined && derivation.materialized !== true)
      result =
        derivation.runsAs === 'owner' ||
        depth > 64 ||
        derivation.sources.some((s) => {
          const source = snapshot.resourceById.get(s.resource);
          return source !== undefined && test(source, depth + 1);
        });
    memo.set(resource.id, result);
    return result;
  };
  return (resource) => test(resource, 0);
}

const NO_PATHS: readonly PotentialPath[] = Object.freeze([]);

/** Above this many changed logins, readers are computed afresh rather than patched. */
const PATCH_LIMIT = 64;

/**
 * The parent's readers, with the access of the changed logins computed again. The parent's array
 * itself when none of them reads differently, so that the delta skips the resource at once.
 */
function patchReaders(
  closures: Closures,
  access: ResourceAccessSets,
  previous: readonly Reader[],
  changed: Bitset,
): readonly Reader[] {
  // Readers are sorted by principal: find each changed login's old entry by binary search.
  const replaced = new Map<number, Reader | undefined>();
  const inserted: Reader[] = [];
  for (const index of bitsOf(changed)) {
    const id = closures.ids[index] as PrincipalId;
    const at = findReader(previous, id);
    const reader = readerAt(closures, access, index);
    if (at < 0) {
      if (reader !== undefined) inserted.push(reader);
    } else if (!sameReader(previous[at] as Reader, reader)) replaced.set(at, reader);
  }
  if (replaced.size === 0 && inserted.length === 0) return previous;
  inserted.sort((a, b) => compareText(a.principal, b.principal));
  // Merge the kept entries (in order) with the inserted ones (in order).
  const merged: Reader[] = [];
  let next = 0;
  for (let i = 0; i < previous.length; i++) {
    const entry = replaced.has(i) ? replaced.get(i) : previous[i];
    if (entry === undefined) continue;
    while (next < inserted.length && compareText((inserted[next] as Reader).principal, entry.principal) < 0)
      merged.push(inserted[next++] as Reader);
    merged.push(entry);
  }
  while (next < inserted.length) merged.push(inserted[next++] as Reader);
  return merged;
}

function findReader(readers: readonly Reader[], id: PrincipalId): number {
  let low = 0;
  let high = readers.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const principal = (readers[middle] as Reader).principal;
    if (principal === id) return middle;
    if (principal < id) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

function sameReader(a: Reader, b: Reader | undefined): boolean {
  return (
    b !== undefined &&
    a.access === b.access &&
    (a.columns ?? []).length === (b.columns ?? []).length &&
    (a.columns ?? []).every((c, i) => b.columns?.[i] === c)
  );
}

/** Potential paths with the same routines and principals, in the same order. */
function samePotential(a: readonly PotentialPath[], b: readonly PotentialPath[]): boolean {
  return (
    a.length === b.length &&
    a.every((p, i) => {
      const q = b[i] as PotentialPath;
      return (
        p.routine === q.routine &&
        p.owner === q.owner &&
        p.principals.length === q.principals.length &&
        p.principals.every((x, j) => q.principals[j] === x)
      );
    })
  );
}

const routineLists = new WeakMap<Snapshot, readonly Resource[]>();

/** Code that reads with its owner's rights; a derived snapshot updates its parent's list. */
function routinesOf(snapshot: Snapshot): readonly Resource[] {
  let routines = routineLists.get(snapshot);
  if (routines === undefined) {
    const parent = parentOf(snapshot);
    const changes = parent === undefined ? undefined : changesSince(snapshot, parent);
    const isRoutine = (r: Resource | undefined): r is Resource =>
      r?.routine !== undefined && r.routine.runsAs === 'owner';
    routines =
      parent === undefined || changes === undefined
        ? snapshot.resources.filter(isRoutine)
        : [
            ...routinesOf(parent).filter((r) => !changes.resources.has(r.id)),
            ...[...changes.resources].map((id) => snapshot.resourceById.get(id)).filter(isRoutine),
          ];
    routineLists.set(snapshot, routines);
  }
  return routines;
}

function labelledResources(snapshot: Snapshot, touched: ReadonlySet<ResourceId>, previous: Exposure): Resource[] {
  const found = new Map<ResourceId, Resource>();
  for (const entry of previous.resources) {
    const current = snapshot.resourceById.get(entry.resource.id);
    if (current !== undefined && isLabelledReadable(current)) found.set(current.id, current);
  }
  for (const id of touched) {
    const current = snapshot.resourceById.get(id);
    if (current !== undefined && isLabelledReadable(current)) found.set(id, current);
  }
  return [...found.values()];
}

/** Access of one principal to one resource, by the same rules as {@link computeExposure}. */
export function accessOf(snapshot: Snapshot, principal: PrincipalId, resource: Resource): Reader | undefined {
  const sets = accessSetsOf(snapshot);
  const index = sets.closures.indexOf.get(principal);
  if (index === undefined) return undefined;
  return readerAt(sets.closures, sets.forResource(resource), index);
}

/**
 * Readers of one resource. The sets of logins that can act as someone who reads all rows, all
 * columns, or anything are found by walking `set` edges backwards from those acting identities;
 * only logins that read some columns and nothing more need their own roles scanned.
 */
function readersOf(closures: Closures, access: ResourceAccessSets): Reader[] {
  const readers: Reader[] = [];
  if (isEmpty(access.any)) return readers;
  const candidates = loginsActingAs(closures, access.any);
  andInto(candidates, access.sessionGate);
  // Without column grants or row security the three sets coincide: walk once.
  const filtered = equalSets(access.allColumns, access.any) ? candidates : loginsActingAs(closures, access.allColumns);
  const full = equalSets(access.allRows, access.allColumns) ? filtered : loginsActingAs(closures, access.allRows);
  for (const index of bitsOf(candidates)) {
    const principal = closures.ids[index] as PrincipalId;
    if (hasBit(full, index)) readers.push({ principal, access: 'full' });
    else if (hasBit(filtered, index)) readers.push({ principal, access: 'filtered' });
    else {
      const reader = readerAt(closures, access, index);
      if (reader !== undefined) readers.push(reader);
    }
  }
  // Principals added by a change are numbered after the others: their readers need sorting in.
  return closures.sortedUpTo < closures.size ? readers.sort((a, b) => compareText(a.principal, b.principal)) : readers;
}

function readerAt(closures: Closures, access: ResourceAccessSets, index: number): Reader | undefined {
  if (!hasBit(closures.logins, index) || !hasBit(access.sessionGate, index)) return undefined;
  const actAs = closures.actAs(index);
  let filtered = false;
  let partial = false;
  for (const role of actAs) {
    if (!hasBit(access.any, role)) continue;
    if (hasBit(access.allRows, role)) return { principal: closures.ids[index] as PrincipalId, access: 'full' };
    if (hasBit(access.allColumns, role)) filtered = true;
    else partial = true;
  }
  const principal = closures.ids[index] as PrincipalId;
  if (filtered) return { principal, access: 'filtered' };
  if (!partial) return undefined;
  const columns = [...access.byColumn]
    .filter(([, set]) => actAs.some((role) => hasBit(set, role)))
    .map(([name]) => name);
  return { principal, access: 'columns', columns };
}

function potentialPaths(
  snapshot: Snapshot,
  access: ResourceAccessSets,
  routines: readonly Resource[],
): PotentialPath[] {
  const sets = accessSetsOf(snapshot);
  const { closures } = sets;
  const paths: PotentialPath[] = [];
  for (const routine of routines) {
    const reads = routine.routine?.reads;
    if (reads === undefined || routine.owner === undefined) continue;
    if (reads !== 'any' && !reads.includes(access.resource.id)) continue;
    const owner = closures.indexOf.get(routine.owner);
    if (owner === undefined || !hasBit(access.any, owner)) continue;
    const invokers = sets.holders(routine.routine?.invokePrivilege ?? '', routine).slice();
    andInto(invokers, sets.actingGate(routine));
    const principals = loginIdsActingAs(closures, invokers, sets.sessionGate(routine));
    if (principals.length > 0) paths.push({ routine: routine.id, owner: routine.owner, principals });
  }
  return paths;
}

/** Default grants' future readers; `labelled` are the snapshot's labelled readable resources. */
function latentExposure(snapshot: Snapshot, labelled: readonly Resource[]): LatentExposure[] {
  const sets = accessSetsOf(snapshot);
  const { closures } = sets;
  const labelledByContainer = new Map<ResourceId, number>();
  for (const resource of labelled)
    if (resource.parent !== undefined)
      labelledByContainer.set(resource.parent, (labelledByContainer.get(resource.parent) ?? 0) + 1);
  const latent: LatentExposure[] = [];
  for (const grant of snapshot.defaultGrants) {
    if (grant.privilege !== snapshot.readPrivilege) continue;
    const future: Resource = {
      id: `${grant.container ?? '*'}\u0000future`,
      kind: grant.kind,
      name: 'future',
      path: [],
      readable: true,
      labels: [],
      columns: [],
      ...(grant.container === undefined ? {} : { parent: grant.container }),
    };
    const acting = closures.heldBy(grant.principal).slice();
    andInto(acting, sets.actingGate(future));
    latent.push({
      grant,
      principals: loginIdsActingAs(closures, acting, sets.sessionGate(future)),
      labelledInContainer: grant.container === undefined ? 0 : (labelledByContainer.get(grant.container) ?? 0),
    });
  }
  return latent;
}

/** Ids of the login principals that pass `sessionGate` and can act as some member of `acting`, sorted. */
function loginIdsActingAs(closures: Closures, acting: Bitset, sessionGate: Bitset): PrincipalId[] {
  const logins = loginsActingAs(closures, acting);
  andInto(logins, sessionGate);
  const ids = bitsOf(logins).map((index) => closures.ids[index] as PrincipalId);
  return closures.sortedUpTo < closures.size ? ids.sort(compareText) : ids;
}
