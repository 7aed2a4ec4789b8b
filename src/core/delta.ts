import { accessSetsOf } from './access-sets.ts';
import { type Bitset, bitsOf, countBits, countShared, createBitset, hasBit, isEmpty, orInto } from './bitset.ts';
import { type Closures, isPrefix, loginsActingAs, renumbered } from './closure.ts';
import { cachedIn, compareText } from './collections.ts';
import {
  type AccessLevel,
  exposureOf,
  type LatentExposure,
  type ReaderSets,
  type ResourceExposure,
} from './exposure.ts';
import type { DefaultGrant, PrincipalId, Resource, ResourceId } from './model.ts';
import { rowsWidened } from './row-widening.ts';
import type { Snapshot } from './snapshot.ts';

/** How one principal's access to one resource changed. */
export interface AccessChange {
  readonly principal: PrincipalId;
  readonly before: AccessLevel;
  readonly after: AccessLevel;
  /** Readable columns, when the access is `columns`. */
  readonly columnsBefore?: readonly string[];
  readonly columnsAfter?: readonly string[];
}

/** The principals of both sides of a delta, numbered: the index space of its sets. */
export interface PrincipalSpace {
  readonly ids: readonly PrincipalId[];
  readonly indexOf: ReadonlyMap<PrincipalId, number>;
  /** Ids are in code-unit order up to this many. */
  readonly sortedUpTo: number;
}

/**
 * The principals whose access to one resource grew (or shrank), held as a set: counting and
 * combining them costs a few word operations, however many there are; lists are built on demand.
 */
export interface AccessChanges {
  readonly count: number;
  readonly space: PrincipalSpace;
  /** The principals, as indexes of `space`. */
  readonly set: Bitset;
  /** How many principals start from (`before`) or end at (`after`) each access level. */
  levels(side: 'before' | 'after'): Readonly<Record<AccessLevel, number>>;
  /** The principals, sorted by id. */
  principals(): readonly PrincipalId[];
  /** Each change, sorted by principal. */
  list(): readonly AccessChange[];
}

/** Principals who can newly (or no longer) run code that reads the resource with its owner's rights. */
export interface PotentialChange {
  readonly routine: ResourceId;
  readonly principals: readonly PrincipalId[];
}

export interface ResourceDelta {
  /** The resource as it is after the change (as it was, when the change removes it). */
  readonly resource: Resource;
  /** The resource is new, or newly labelled (e.g. a copy of labelled data). */
  readonly created: boolean;
  /** The resource no longer exists, or no longer carries labels. */
  readonly removed: boolean;
  /**
   * Readers whose access grows: none → columns → filtered → full, or more columns, or the same
   * level with rows a changed row policy may now admit (see `row-widening.ts`).
   */
  readonly gained: AccessChanges;
  /** Readers whose access shrinks. */
  readonly lost: AccessChanges;
  readonly potentialGained: readonly PotentialChange[];
  readonly potentialLost: readonly PotentialChange[];
}

/** A default grant whose future readers changed: new ones in `gained`, gone ones in `lost`. */
export interface LatentChange {
  readonly grant: DefaultGrant;
  readonly gained: readonly PrincipalId[];
  readonly lost: readonly PrincipalId[];
  readonly labelledInContainer: number;
}

/** What a change does to who can read labelled data: exposure(after) − exposure(before). */
export interface AccessDelta {
  /** Labelled resources whose readers (or potential readers) changed, by name. */
  readonly resources: readonly ResourceDelta[];
  readonly latent: readonly LatentChange[];
  /** Distinct principals that gain access to at least one labelled resource. */
  readonly principalsGaining: number;
  readonly principalsLosing: number;
  /** Labelled resources with at least one reader gained. */
  readonly resourcesGaining: number;
  /** Labelled resources with any change. */
  readonly resourcesAffected: number;
}

/**
 * The access delta between two snapshots of the same system. Only labelled resources count; a
 * resource that becomes labelled counts as created, with every reader gained.
 */
export function computeDelta(before: Snapshot, after: Snapshot): AccessDelta {
  const was = byResource(exposureOf(before).resources);
  const now = byResource(exposureOf(after).resources);
  const space = spaceOf(before, after);
  const align = aligner(space);
  const resources: ResourceDelta[] = [];
  for (const id of new Set([...was.keys(), ...now.keys()])) {
    const delta = resourceDelta(was.get(id), now.get(id), space, align, before, after);
    if (delta !== undefined) resources.push(delta);
  }
  resources.sort((a, b) => compareText(a.resource.name, b.resource.name));
  const gaining = createBitset(space.ids.length);
  const losing = createBitset(space.ids.length);
  for (const r of resources) {
    orInto(gaining, r.gained.set);
    orInto(losing, r.lost.set);
  }
  return {
    resources,
    latent: latentDelta(exposureOf(before).latent, exposureOf(after).latent),
    principalsGaining: countBits(gaining),
    principalsLosing: countBits(losing),
    resourcesGaining: resources.filter((r) => r.gained.count > 0).length,
    resourcesAffected: resources.length,
  };
}

function byResource(entries: readonly ResourceExposure[]): Map<ResourceId, ResourceExposure> {
  return new Map(entries.map((e) => [e.resource.id, e]));
}

/**
 * The index space of a delta: the principals of the snapshot after the change, then any principal
 * only the snapshot before has. A snapshot derived by edits keeps its parent's numbering and appends
 * new principals, so the sets of both sides are then used as they are.
 */
function spaceOf(before: Snapshot, after: Snapshot): PrincipalSpace {
  const { closures } = accessSetsOf(after);
  const old = accessSetsOf(before).closures;
  const missing = isPrefix(old.ids, closures.ids) ? [] : old.ids.filter((id) => !closures.indexOf.has(id));
  if (missing.length === 0) return closures;
  const ids = [...closures.ids, ...missing];
  return { ids, indexOf: new Map(ids.map((id, i) => [id, i])), sortedUpTo: closures.sortedUpTo };
}

/** Reader sets as sets over the delta's space. */
interface Aligned {
  readonly readers: Bitset;
  readonly allColumns: Bitset;
  readonly full: Bitset;
  readonly columns: readonly string[];
  /** Readers of one column, over the delta's space. */
  columnReaders(column: string): Bitset;
}

/**
 * Aligns reader sets to a delta's space; `none` is the empty set of that space, never written to;
 * `move` renumbers one set over the principals of `sets`.
 */
type Aligner = ((sets: ReaderSets | undefined) => Aligned) & {
  readonly none: Bitset;
  move(sets: ReaderSets, set: Bitset): Bitset;
  /** The indexes of the words of `set` that are not zero, found once per set. */
  wordsOf(set: Bitset): readonly number[];
};

function aligner(space: PrincipalSpace): Aligner {
  const size = space.ids.length;
  const none = createBitset(size);
  const empty: Aligned = { readers: none, allColumns: none, full: none, columns: [], columnReaders: () => none };
  // Sets of one snapshot share its closures; whether their numbering is a prefix of the space's is
  // asked once per closures.
  const prefix = new Map<Closures, boolean>();
  const moveOver = (sets: ReaderSets, set: Bitset): Bitset => {
    const { closures } = sets;
    const same = cachedIn(prefix, closures, () => isPrefix(closures.ids, space.ids));
    return renumbered(set, closures.ids, space, same);
  };
  const align = (sets: ReaderSets | undefined): Aligned => {
    if (sets === undefined) return empty;
    const move = (set: Bitset) => moveOver(sets, set);
    const readers = move(sets.readers);
    const allColumns = sets.allColumns === sets.readers ? readers : move(sets.allColumns);
    const full = sets.full === sets.allColumns ? allColumns : move(sets.full);
    return {
      readers,
      allColumns,
      full,
      columns: sets.columns,
      columnReaders: (column) => move(sets.columnReaders(column)),
    };
  };
  const words = new Map<Bitset, readonly number[]>();
  const wordsOf = (set: Bitset) =>
    cachedIn(words, set, () => {
      const found: number[] = [];
      for (let i = 0; i < set.length; i++) if (set[i] !== 0) found.push(i);
      return found;
    });
  return Object.assign(align, { none, move: moveOver, wordsOf });
}

function resourceDelta(
  old: ResourceExposure | undefined,
  current: ResourceExposure | undefined,
  space: PrincipalSpace,
  align: Aligner,
  before: Snapshot,
  after: Snapshot,
): ResourceDelta | undefined {
  const resource = (current ?? old)?.resource;
  if (resource === undefined) return undefined;
  // Entries a derived exposure kept from its parent are unchanged by construction.
  if (old !== undefined && current !== undefined && old.sets === current.sets && old.potential === current.potential)
    return undefined;
  const was = align(old?.sets);
  const now = align(current?.sets);
  // Sets patched from the old ones differ only for the logins worked out again: when they number
  // principals as the delta does, only the words holding those logins are compared.
  const patched = current?.sets.patchedFrom;
  const changed =
    current !== undefined && patched !== undefined && patched.sets === old?.sets
      ? align.move(current.sets, patched.changed)
      : undefined;
  const words = changed !== undefined && current?.sets.closures.ids === space.ids ? align.wordsOf(changed) : undefined;
  let gained = grown(now, was, align.none, words);
  let lost = grown(was, now, align.none, words);
  // Readers of some columns on both sides may read other columns now.
  const both = someColumnsOnBothSides(was, now, changed);
  if (both !== undefined) {
    // `none` is shared: write into copies.
    if (gained === align.none) gained = align.none.slice();
    if (lost === align.none) lost = align.none.slice();
    for (const column of new Set([...was.columns, ...now.columns])) {
      const from = was.columnReaders(column);
      const to = now.columnReaders(column);
      orInto(gained, inOneOnly(both, to, from));
      orInto(lost, inOneOnly(both, from, to));
    }
  }
  // Readers on both sides whose rows may have widened at the same level count as gaining.
  const nowSets = current?.sets;
  const widened =
    old !== undefined && current !== undefined && nowSets !== undefined
      ? rowsWidened(before, after, current.resource, nowSets.closures)
      : undefined;
  if (widened !== undefined && nowSets !== undefined) {
    const more = inOneOnly(
      inOneOnly(was.readers, now.readers, was.full),
      align.move(nowSets, loginsActingAs(nowSets.closures, widened)),
      align.none,
    );
    if (!isEmpty(more)) {
      if (gained === align.none) gained = align.none.slice();
      orInto(gained, more);
    }
  }
  const potentialGained = potentialDifference(current, old);
  const potentialLost = potentialDifference(old, current);
  if (isEmpty(gained) && isEmpty(lost) && potentialGained.length + potentialLost.length === 0) return undefined;
  return {
    resource,
    created: old === undefined,
    removed: current === undefined,
    gained: accessChanges(gained, space, was, now),
    lost: accessChanges(lost, space, was, now),
    potentialGained,
    potentialLost,
  };
}

/**
 * Principals whose level in `a` is above their level in `b`; `none` itself when there are none.
 * Only the words at `words` are compared when given (every other word is known equal).
 */
function grown(a: Aligned, b: Aligned, none: Bitset, words?: readonly number[]): Bitset {
  let set: Bitset | undefined;
  const { full: aFull, allColumns: aAll, readers: aRead } = a;
  const { full: bFull, allColumns: bAll, readers: bRead } = b;
  const count = words === undefined ? none.length : words.length;
  for (let k = 0; k < count; k++) {
    const i = words === undefined ? k : (words[k] as number);
    const word =
      ((aFull[i] ?? 0) & ~(bFull[i] ?? 0)) | ((aAll[i] ?? 0) & ~(bAll[i] ?? 0)) | ((aRead[i] ?? 0) & ~(bRead[i] ?? 0));
    if (word === 0) continue;
    set ??= none.slice();
    set[i] = word;
  }
  return set ?? none;
}

/** Readers of some columns but not all, on both sides; undefined when there are none. */
function someColumnsOnBothSides(a: Aligned, b: Aligned, within: Bitset | undefined): Bitset | undefined {
  if (a.readers === a.allColumns || b.readers === b.allColumns) return undefined;
  let set: Bitset | undefined;
  for (let i = 0; i < a.readers.length; i++) {
    const word =
      (a.readers[i] ?? 0) &
      ~(a.allColumns[i] ?? 0) &
      (b.readers[i] ?? 0) &
      ~(b.allColumns[i] ?? 0) &
      (within === undefined ? -1 : (within[i] ?? 0));
    if (word === 0) continue;
    set ??= createBitset(a.readers.length * 32);
    set[i] = word;
  }
  return set;
}

/** `scope ∩ has ∖ lacks`. */
function inOneOnly(scope: Bitset, has: Bitset, lacks: Bitset): Bitset {
  const set = scope.slice();
  for (let i = 0; i < set.length; i++) set[i] = (set[i] ?? 0) & (has[i] ?? 0) & ~(lacks[i] ?? 0);
  return set;
}

function accessChanges(set: Bitset, space: PrincipalSpace, was: Aligned, now: Aligned): AccessChanges {
  let indexes: number[] | undefined;
  const sorted = () => {
    if (indexes === undefined) {
      indexes = bitsOf(set);
      if (indexes.some((i) => i >= space.sortedUpTo))
        indexes.sort((a, b) => compareText(space.ids[a] as string, space.ids[b] as string));
    }
    return indexes;
  };
  const levels = new Map<'before' | 'after', Record<AccessLevel, number>>();
  let principals: PrincipalId[] | undefined;
  let list: AccessChange[] | undefined;
  const count = countBits(set);
  return {
    count,
    space,
    set,
    levels(side) {
      return cachedIn(levels, side, () => {
        const sets = side === 'before' ? was : now;
        const full = countShared(set, sets.full);
        const filtered = (sets.allColumns === sets.full ? full : countShared(set, sets.allColumns)) - full;
        const columns =
          (sets.readers === sets.allColumns ? full + filtered : countShared(set, sets.readers)) - full - filtered;
        return { full, filtered, columns, none: count - full - filtered - columns };
      });
    },
    principals() {
      principals ??= sorted().map((i) => space.ids[i] as PrincipalId);
      return principals;
    },
    list() {
      list ??= sorted().map((i) => accessChange(space.ids[i] as PrincipalId, i, was, now));
      return list;
    },
  };
}

function levelAt(sets: Aligned, index: number): AccessLevel {
  if (!hasBit(sets.readers, index)) return 'none';
  if (hasBit(sets.full, index)) return 'full';
  return hasBit(sets.allColumns, index) ? 'filtered' : 'columns';
}

function accessChange(principal: PrincipalId, index: number, was: Aligned, now: Aligned): AccessChange {
  const before = levelAt(was, index);
  const after = levelAt(now, index);
  const columns = (sets: Aligned) => sets.columns.filter((c) => hasBit(sets.columnReaders(c), index));
  return {
    principal,
    before,
    after,
    ...(before === 'columns' ? { columnsBefore: columns(was) } : {}),
    ...(after === 'columns' ? { columnsAfter: columns(now) } : {}),
  };
}

/** Principals with a potential path in `a` that `b` does not give them, per routine. */
function potentialDifference(a: ResourceExposure | undefined, b: ResourceExposure | undefined): PotentialChange[] {
  const had = new Set((b?.potential ?? []).flatMap((p) => p.principals));
  const changes: PotentialChange[] = [];
  for (const path of a?.potential ?? []) {
    const principals = path.principals.filter((p) => !had.has(p));
    if (principals.length > 0) changes.push({ routine: path.routine, principals });
  }
  return changes;
}

function latentDelta(before: readonly LatentExposure[], after: readonly LatentExposure[]): LatentChange[] {
  const key = (g: DefaultGrant) => [g.creator, g.container ?? '', g.kind, g.principal, g.privilege].join('\u0000');
  const old = new Map(before.map((l) => [key(l.grant), l]));
  const current = new Map(after.map((l) => [key(l.grant), l]));
  const changes: LatentChange[] = [];
  for (const k of new Set([...old.keys(), ...current.keys()])) {
    const was = old.get(k);
    const now = current.get(k);
    const entry = (now ?? was) as LatentExposure;
    const had = new Set(was?.principals ?? []);
    const has = new Set(now?.principals ?? []);
    const gained = [...has].filter((p) => !had.has(p));
    const lost = [...had].filter((p) => !has.has(p));
    if (gained.length + lost.length > 0)
      changes.push({ grant: entry.grant, gained, lost, labelledInContainer: entry.labelledInContainer });
  }
  return changes;
}
