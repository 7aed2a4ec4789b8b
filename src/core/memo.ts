/**
 * Values computed once per object (a snapshot, its closures) and kept exactly as long as the object
 * lives, in a slot the object itself holds.
 *
 * Not a `WeakMap` keyed by the object: V8's young-generation collector (the scavenger) keeps an
 * entry of a `WeakMap` alive when its value reaches its key, as an engine reaches its snapshot. A
 * check derives a snapshot, computes megabytes of sets for it and drops it; held in such entries,
 * all of it survived every scavenge and was promoted to the old generation, so each scavenge that
 * landed in a check copied tens of megabytes (see docs/benchmarks.md). A memo the snapshot holds
 * dies with the snapshot in whichever generation it is collected.
 */

/** Names one memoised value and its type. Make one per kind of value, at module level. */
export interface MemoKey<T> {
  readonly description: string;
  /** Type only: never set. */
  readonly value?: T;
}

export function memoKey<T>(description: string): MemoKey<T> {
  return Object.freeze({ description });
}

const SLOT = Symbol('firebreak.memo');

type Slot = Map<MemoKey<unknown>, unknown>;

/**
 * Gives `object` its memo slot (not enumerable: spreads, JSON and freezing skip it). Call it on a
 * new object before freezing it; a frozen object keeps a working memo.
 */
export function withMemo<T extends object>(object: T): T {
  Object.defineProperty(object, SLOT, { value: new Map() satisfies Slot });
  return object;
}

function slotOf(owner: object): Slot {
  const slot = (owner as { readonly [SLOT]?: Slot })[SLOT];
  // Every owner is built by a constructor that calls withMemo; an owner without a slot is a bug.
  if (slot === undefined) throw new Error('internal error: object built without a memo slot');
  return slot;
}

/** The value of `key` for `owner`, computed the first time it is asked for and kept with `owner`. */
export function memoized<T>(owner: object, key: MemoKey<T>, compute: () => T): T {
  const slot = slotOf(owner);
  if (slot.has(key)) return slot.get(key) as T;
  const value = compute();
  slot.set(key, value);
  return value;
}

/** The value kept for `key`, if any. */
export function recalled<T>(owner: object, key: MemoKey<T>): T | undefined {
  return slotOf(owner).get(key) as T | undefined;
}

/** Keeps `value` for `key` with `owner`, replacing what was kept. */
export function remember<T>(owner: object, key: MemoKey<T>, value: T): void {
  slotOf(owner).set(key, value);
}
