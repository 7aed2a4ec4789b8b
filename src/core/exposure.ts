import { type AccessProbe, accessSetsOf, affectedFor, type ResourceAccessSets } from './access-sets.ts';
import {
  andInto,
  assignBit,
  type Bitset,
  bitsOf,
  createBitset,
  equalSets,
  hasBit,
  isEmpty,
  resized,
} from './bitset.ts';
import { type Closures, loginsActingAs, loginsActingAsHolders } from './closure.ts';
import { cachedIn, compareText } from './collections.ts';
import { withLazyFields } from './lazy-fields.ts';
import { changesSince, parentOf } from './lineage.ts';
import { memoized, memoKey } from './memo.ts';
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

/**
 * The readers of one resource as sets over the login indexes of a snapshot's closures: cheap to
 * compare, count and combine. `full` ⊆ `allColumns` ⊆ `readers`.
 */
export interface ReaderSets {
  /** The index space of the sets. */
  readonly closures: Closures;
  /** Logins that read something. */
  readonly readers: Bitset;
  /** Readers of every column: `filtered` or `full`. */
  readonly allColumns: Bitset;
  /** Readers of every column and every row: `full`. */
  readonly full: Bitset;
  /** The resource's columns. */
  readonly columns: readonly string[];
  /** Readers of one column (empty for a column the resource does not have), computed on first use. */
  columnReaders(column: string): Bitset;
  /**
   * For sets patched from a parent snapshot's: those sets, and the logins whose access was worked
   * out again. Every other login reads exactly what it read there, column by column.
   */
  readonly patchedFrom?: { readonly sets: ReaderSets; readonly changed: Bitset };
}

export interface ResourceExposure {
  readonly resource: Resource;
  readonly sets: ReaderSets;
  /** Every reader, sorted by principal id; built from `sets` on first use. */
  readonly readers: readonly Reader[];
  readonly potential: readonly PotentialPath[];
}

/** An exposure entry whose list of readers is built from its sets when first read. */
function exposureEntry(resource: Resource, sets: ReaderSets, potential: readonly PotentialPath[]): ResourceExposure {
  return withLazyFields({ resource, sets, potential }, ['readers'], () => ({ readers: listReaders(sets) }));
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
      return exposureEntry(
        resource,
        readerSetsOf(sets.closures, access),
        routines.length === 0 ? NO_PATHS : potentialPaths(snapshot, access, routines),
      );
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

const EXPOSURE = memoKey<Exposure>('exposure');

/**
 * The exposure of every labelled resource of a snapshot, computed once per snapshot: a warm
 * snapshot answers many checks. A snapshot derived by edits that changed no principal and no
 * membership recomputes only the resources the edits can affect, and keeps the rest.
 */
export function exposureOf(snapshot: Snapshot): Exposure {
  return memoized(snapshot, EXPOSURE, () => derivedExposure(snapshot) ?? computeExposure(snapshot));
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
  const levels = levelCache(closures.size);
  for (const resource of labelledResources(snapshot, changes.resources, previous)) {
    const old = previousById.get(resource.id);
    const untouched = old !== undefined && !affected(resource);
    if (untouched && !closuresChanged && !routinesChanged) {
      resources.push(old.resource === resource ? old : exposureEntry(resource, old.sets, old.potential));
      continue;
    }
    let access: ResourceAccessSets | undefined;
    const accessSets = () => {
      access ??= sets.forResource(resource);
      return access;
    };
    // Few changed logins: compute theirs and keep the rest; many: walking is cheaper. Not for a
    // resource read through its owner's rights: when the owner's holdings change, every reader's
    // access changes with them, whether or not the reader's own memberships did.
    const patch =
      closuresChanged && changedLogins !== undefined && changedCount <= PATCH_LIMIT && !readsWithOwnerRights(resource);
    const readerSets =
      !untouched || (closuresChanged && !patch)
        ? readerSetsOf(closures, accessSets())
        : patch
          ? patchReaderSets(closures, levels.of(sets.probe(resource)), accessSets, old.sets, changedLogins)
          : old.sets;
    let potential =
      untouched && !closuresChanged && !routinesChanged
        ? old.potential
        : routines.length === 0
          ? NO_PATHS
          : potentialPaths(snapshot, accessSets(), routines);
    // The parent's list when equal: the delta then skips an unchanged resource at once.
    if (old !== undefined && potential !== old.potential && samePotential(potential, old.potential))
      potential = old.potential;
    resources.push(
      old !== undefined && old.sets === readerSets && old.potential === potential && old.resource === resource
        ? old
        : exposureEntry(resource, readerSets, potential),
    );
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
 * Keeps each acting identity's level for the resource asked about last: logins that can act as the
 * same groups ask about them again. One array for every resource of a patch, cleared between them.
 */
function levelCache(size: number): { of(probe: AccessProbe): AccessProbe } {
  let known: Uint8Array | undefined;
  const asked: number[] = [];
  return {
    of(probe) {
      known ??= new Uint8Array(size);
      const levels = known;
      for (const r of asked) levels[r] = 0;
      asked.length = 0;
      return {
        passesSession: probe.passesSession,
        readsColumn: probe.readsColumn,
        level(r) {
          const rank = levels[r] ?? 0;
          if (rank > 0) return ACCESS_LEVELS[rank - 1] as AccessLevel;
          const level = probe.level(r);
          levels[r] = RANK[level] + 1;
          asked.push(r);
          return level;
        },
      };
    },
  };
}

/**
 * The parent's reader sets, with the access of the changed logins computed again (asking only
 * their identities, not building the resource's sets). The parent's sets themselves when none of
 * them reads differently, so that the delta skips the resource at once.
 */
function patchReaderSets(
  closures: Closures,
  probe: AccessProbe,
  access: () => ResourceAccessSets,
  previous: ReaderSets,
  changed: Bitset,
): ReaderSets {
  const updates: { index: number; reader: Reader | undefined }[] = [];
  for (const index of bitsOf(changed)) {
    const reader = readerAt(closures, probe, previous.columns, index);
    if (!sameReader(readerIn(previous, index), reader)) updates.push({ index, reader });
  }
  if (updates.length === 0) return previous;
  // The parent's sets coincide when every reader reads every column (or row); they still do when
  // no update reads fewer.
  const readers = resized(previous.readers, closures.size);
  const allColumns =
    previous.allColumns === previous.readers && updates.every((u) => u.reader?.access !== 'columns')
      ? readers
      : resized(previous.allColumns, closures.size);
  const full =
    previous.full === previous.allColumns && updates.every((u) => u.reader?.access !== 'filtered')
      ? allColumns
      : resized(previous.full, closures.size);
  for (const { index, reader } of updates) {
    assignBit(readers, index, reader !== undefined);
    if (allColumns !== readers)
      assignBit(allColumns, index, reader?.access === 'filtered' || reader?.access === 'full');
    if (full !== allColumns) assignBit(full, index, reader?.access === 'full');
  }
  return readerSets(closures, access, {
    columns: previous.columns,
    readers,
    allColumns,
    full,
    patchedFrom: { sets: previous, changed },
  });
}

function sameReader(a: Reader | undefined, b: Reader | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
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

const ROUTINES = memoKey<readonly Resource[]>('routines');

/** Code that reads with its owner's rights; a derived snapshot updates its parent's list. */
function routinesOf(snapshot: Snapshot): readonly Resource[] {
  return memoized(snapshot, ROUTINES, () => {
    const parent = parentOf(snapshot);
    const changes = parent === undefined ? undefined : changesSince(snapshot, parent);
    const isRoutine = (r: Resource | undefined): r is Resource =>
      r?.routine !== undefined && r.routine.runsAs === 'owner';
    return parent === undefined || changes === undefined
      ? snapshot.resources.filter(isRoutine)
      : [
          ...routinesOf(parent).filter((r) => !changes.resources.has(r.id)),
          ...[...changes.resources].map((id) => snapshot.resourceById.get(id)).filter(isRoutine),
        ];
  });
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
  return readerAt(
    sets.closures,
    sets.probe(resource),
    resource.columns.map((c) => c.name),
    index,
  );
}

/**
 * The reader sets of one resource. The logins that can act as someone who reads anything, every
 * column, or every row are found by walking `set` edges backwards from those acting identities.
 */
function readerSetsOf(closures: Closures, access: ResourceAccessSets): ReaderSets {
  const sets = () => access;
  const columns = access.resource.columns.map((c) => c.name);
  if (isEmpty(access.any)) {
    const none = createBitset(closures.size);
    return readerSets(closures, sets, { columns, readers: none, allColumns: none, full: none });
  }
  const readers = loginsActingAsHolders(closures, access.any);
  andInto(readers, access.sessionGate);
  // Without column grants or row security the three sets coincide: walk once.
  const allColumns = equalSets(access.allColumns, access.any)
    ? readers
    : within(loginsActingAsHolders(closures, access.allColumns), readers);
  const full = equalSets(access.allRows, access.allColumns)
    ? allColumns
    : within(loginsActingAs(closures, access.allRows), readers);
  return readerSets(closures, sets, { columns, readers, allColumns, full });
}

function within(set: Bitset, bounds: Bitset): Bitset {
  andInto(set, bounds);
  return set;
}

/** Reader sets; the resource's access sets are asked for (built, when they are not yet) only for column readers. */
function readerSets(
  closures: Closures,
  accessSets: () => ResourceAccessSets,
  sets: Omit<ReaderSets, 'closures' | 'columnReaders'>,
): ReaderSets {
  const { columns, readers, allColumns, full, patchedFrom } = sets;
  const byColumn = new Map<string, Bitset>();
  const columnReaders = (column: string) =>
    cachedIn(byColumn, column, () => {
      const access = accessSets();
      const acting = access.byColumn.get(column);
      if (acting === undefined) return createBitset(closures.size);
      return acting === access.allColumns ? allColumns : within(loginsActingAsHolders(closures, acting), readers);
    });
  return patchedFrom === undefined
    ? { closures, columns, readers, allColumns, full, columnReaders }
    : { closures, columns, readers, allColumns, full, columnReaders, patchedFrom };
}

/** The reader at one login index of the sets' closures, or undefined when it reads nothing. */
export function readerIn(sets: ReaderSets, index: number): Reader | undefined {
  if (!hasBit(sets.readers, index)) return undefined;
  const principal = sets.closures.ids[index] as PrincipalId;
  if (hasBit(sets.full, index)) return { principal, access: 'full' };
  if (hasBit(sets.allColumns, index)) return { principal, access: 'filtered' };
  return { principal, access: 'columns', columns: sets.columns.filter((c) => hasBit(sets.columnReaders(c), index)) };
}

/** Every reader in the sets, sorted by principal id. */
function listReaders(sets: ReaderSets): Reader[] {
  const { closures } = sets;
  const readers = bitsOf(sets.readers).map((index) => readerIn(sets, index) as Reader);
  // Principals added by a change are numbered after the others: their readers need sorting in.
  return closures.sortedUpTo < closures.size ? readers.sort((a, b) => compareText(a.principal, b.principal)) : readers;
}

/** The reader at login `index` (undefined when it reads nothing), from what each identity it can act as reads. */
function readerAt(
  closures: Closures,
  probe: AccessProbe,
  columns: readonly string[],
  index: number,
): Reader | undefined {
  if (!hasBit(closures.logins, index) || !probe.passesSession(index)) return undefined;
  const principal = closures.ids[index] as PrincipalId;
  let filtered = false;
  let partial: number[] | undefined;
  const roles = closures.actAs(index);
  for (let i = 0; i < roles.length; i++) {
    const role = roles[i] as number;
    const level = probe.level(role);
    if (level === 'full') return { principal, access: 'full' };
    if (level === 'filtered') filtered = true;
    else if (level === 'columns') {
      partial ??= [];
      partial.push(role);
    }
  }
  if (filtered) return { principal, access: 'filtered' };
  if (partial === undefined) return undefined;
  const some = partial;
  return { principal, access: 'columns', columns: columns.filter((c) => some.some((r) => probe.readsColumn(r, c))) };
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
      labelledInContainer:
        grant.container === undefined
          ? labelledWhereCreatorCreates(snapshot, grant.creator, labelledByContainer)
          : (labelledByContainer.get(grant.container) ?? 0),
    });
  }
  return latent;
}

/**
 * A default grant without a schema applies to what its creator makes in any schema: the labelled
 * resources of every schema the creator may create in (owns, holds CREATE on, or as a superuser).
 */
function labelledWhereCreatorCreates(
  snapshot: Snapshot,
  creator: PrincipalId,
  labelledByContainer: ReadonlyMap<ResourceId, number>,
): number {
  const sets = accessSetsOf(snapshot);
  const index = sets.closures.indexOf.get(creator);
  if (index === undefined) return 0;
  let count = 0;
  for (const [id, labelled] of labelledByContainer) {
    const container = snapshot.resourceById.get(id);
    if (container === undefined) continue;
    const owns = container.owner !== undefined && hasBit(sets.closures.heldBy(container.owner), index);
    if (owns || hasBit(sets.holders('CREATE', container), index)) count += labelled;
  }
  return count;
}

/** Ids of the login principals that pass `sessionGate` and can act as some member of `acting`, sorted. */
function loginIdsActingAs(closures: Closures, acting: Bitset, sessionGate: Bitset): PrincipalId[] {
  const logins = loginsActingAsHolders(closures, acting);
  andInto(logins, sessionGate);
  const ids = bitsOf(logins).map((index) => closures.ids[index] as PrincipalId);
  return closures.sortedUpTo < closures.size ? ids.sort(compareText) : ids;
}
