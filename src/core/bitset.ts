/**
 * Fixed-size bit sets over principal indexes. The access engine keeps membership closures as
 * bit sets so that "who holds this privilege" is a handful of word-wise ORs, not a graph walk.
 *
 * A set is a plain array of 32-bit words, each held as a signed integer (`x | 0`), not a typed
 * array: V8 keeps such arrays on its own heap as small integers, where a set that lives for one
 * check is freed by the next young-generation collection at no cost. Typed arrays of this size get
 * their memory outside the heap, and the thousands a large check makes pushed V8 into full
 * collections for "external memory pressure" every dozen checks (see docs/benchmarks.md).
 * Every function here stores signed words only, so the arrays stay small-integer arrays.
 */
export type Bitset = number[];

/** Zeroed sets by word count, copied to make new ones (a copy of a packed array stays packed). */
const zeroes = new Map<number, readonly number[]>();

export function createBitset(size: number): Bitset {
  const words = (size + 31) >>> 5;
  let zero = zeroes.get(words);
  if (zero === undefined) {
    const fresh: number[] = [];
    for (let i = 0; i < words; i++) fresh.push(0);
    zero = fresh;
    if (zeroes.size >= 16) zeroes.clear();
    zeroes.set(words, zero);
  }
  return zero.slice();
}

export function fullBitset(size: number): Bitset {
  const set = createBitset(size);
  set.fill(-1);
  const spare = set.length * 32 - size;
  if (spare > 0) set[set.length - 1] = (0xffffffff >>> spare) | 0;
  return set;
}

export function hasBit(set: Bitset, index: number): boolean {
  return ((set[index >>> 5] ?? 0) & (1 << (index & 31))) !== 0;
}

export function setBit(set: Bitset, index: number): void {
  set[index >>> 5] = (set[index >>> 5] ?? 0) | (1 << (index & 31));
}

/** Sets or clears one bit. */
export function assignBit(set: Bitset, index: number, value: boolean): void {
  const word = index >>> 5;
  const bit = 1 << (index & 31);
  set[word] = value ? (set[word] ?? 0) | bit : (set[word] ?? 0) & ~bit;
}

/** `target |= source`, in place. Returns whether `target` changed. */
export function orInto(target: Bitset, source: Bitset): boolean {
  let changed = false;
  for (let i = 0; i < target.length; i++) {
    const before = target[i] ?? 0;
    const after = before | (source[i] ?? 0);
    if (after !== before) {
      target[i] = after;
      changed = true;
    }
  }
  return changed;
}

/** `target &= source`, in place. */
export function andInto(target: Bitset, source: Bitset): void {
  for (let i = 0; i < target.length; i++) target[i] = (target[i] ?? 0) & (source[i] ?? 0);
}

/** Whether every member of `subset` is in `set`. */
export function isSubset(subset: Bitset, set: Bitset): boolean {
  for (let i = 0; i < subset.length; i++) if (((subset[i] ?? 0) & ~(set[i] ?? 0)) !== 0) return false;
  return true;
}

/**
 * `set ∩ other`: `set` itself when it is a subset of `other` (then nothing is allocated; callers
 * must not write to the result), else a new set.
 */
export function intersection(set: Bitset, other: Bitset): Bitset {
  for (let i = 0; i < set.length; i++)
    if (((set[i] as number) & ~(other[i] ?? 0)) !== 0) {
      const both = set.slice();
      for (let j = i; j < both.length; j++) both[j] = (both[j] as number) & (other[j] ?? 0);
      return both;
    }
  return set;
}

/** The members of `set` that `other` lacks, as a new set. */
export function difference(set: Bitset, other: Bitset): Bitset {
  const rest = set.slice();
  andNotInto(rest, other);
  return rest;
}

/** `target &= ~source`, in place. */
export function andNotInto(target: Bitset, source: Bitset): void {
  for (let i = 0; i < target.length; i++) target[i] = (target[i] ?? 0) & ~(source[i] ?? 0);
}

export function equalSets(a: Bitset, b: Bitset): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function isEmpty(set: Bitset): boolean {
  for (let i = 0; i < set.length; i++) if (set[i] !== 0) return false;
  return true;
}

/** Indexes of the set bits, ascending. */
export function bitsOf(set: Bitset): number[] {
  const out: number[] = [];
  for (let w = 0; w < set.length; w++) {
    let word = set[w] ?? 0;
    while (word !== 0) {
      const low = word & -word;
      out.push((w << 5) + 31 - Math.clz32(low));
      word ^= low;
    }
  }
  return out;
}

/** How many bits are set. */
export function countBits(set: Bitset): number {
  let count = 0;
  for (let i = 0; i < set.length; i++) count += bitsIn(set[i] ?? 0);
  return count;
}

/** How many bits `a` and `b` both have. */
export function countShared(a: Bitset, b: Bitset): number {
  let count = 0;
  for (let i = 0; i < a.length; i++) count += bitsIn((a[i] ?? 0) & (b[i] ?? 0));
  return count;
}

function bitsIn(word: number): number {
  let w = word - ((word >>> 1) & 0x55555555);
  w = (w & 0x33333333) + ((w >>> 2) & 0x33333333);
  return (((w + (w >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * Moves the members `from` shares with `set` out of `from`, and returns them; undefined (and
 * nothing allocated) when they share none.
 */
export function takeShared(from: Bitset, set: Bitset): Bitset | undefined {
  let first = -1;
  for (let i = 0; i < from.length; i++)
    if (((from[i] ?? 0) & (set[i] ?? 0)) !== 0) {
      first = i;
      break;
    }
  if (first < 0) return undefined;
  const taken = createBitset(from.length * 32);
  for (let i = first; i < from.length; i++) {
    const shared = (from[i] ?? 0) & (set[i] ?? 0);
    taken[i] = shared;
    from[i] = (from[i] ?? 0) ^ shared;
  }
  return taken;
}

/** A copy of `set` with room for `size` bits (bits beyond the old size clear). */
export function resized(set: Bitset, size: number): Bitset {
  const copy = createBitset(size);
  const words = Math.min(set.length, copy.length);
  for (let i = 0; i < words; i++) copy[i] = set[i] as number;
  const spare = copy.length * 32 - size;
  if (spare > 0 && set.length >= copy.length)
    copy[copy.length - 1] = (copy[copy.length - 1] ?? 0) & (0xffffffff >>> spare);
  return copy;
}
