/**
 * A read-only map made of a base map and a few changes on top, so that a snapshot derived by an
 * edit shares its 50,000-entry indexes with the snapshot it came from instead of copying them.
 * Chains are flattened past a small depth, so lookups stay O(1) in practice.
 */
const REMOVED = Symbol('removed');

export class OverlayMap<K, V> implements ReadonlyMap<K, V> {
  readonly #base: ReadonlyMap<K, V>;
  readonly #changes: ReadonlyMap<K, V | typeof REMOVED>;
  readonly #depth: number;
  readonly size: number;

  private constructor(base: ReadonlyMap<K, V>, changes: ReadonlyMap<K, V | typeof REMOVED>, depth: number) {
    this.#base = base;
    this.#changes = changes;
    this.#depth = depth;
    let size = base.size;
    for (const [key, value] of changes) {
      const had = base.has(key);
      if (value === REMOVED) size -= had ? 1 : 0;
      else size += had ? 0 : 1;
    }
    this.size = size;
  }

  /** `base` with `set` entries added or replaced and `removed` keys taken out. */
  static derive<K, V>(base: ReadonlyMap<K, V>, set: ReadonlyMap<K, V>, removed: Iterable<K> = []): ReadonlyMap<K, V> {
    const changes = new Map<K, V | typeof REMOVED>(set);
    for (const key of removed) changes.set(key, REMOVED);
    if (changes.size === 0) return base;
    const depth = base instanceof OverlayMap ? base.#depth + 1 : 1;
    if (depth > 8 || changes.size > base.size / 4) {
      const flat = new Map(base);
      for (const [key, value] of changes) {
        if (value === REMOVED) flat.delete(key);
        else flat.set(key, value);
      }
      return flat;
    }
    return new OverlayMap(base, changes, depth);
  }

  get(key: K): V | undefined {
    const changed = this.#changes.get(key);
    if (changed === REMOVED) return undefined;
    return changed !== undefined ? changed : this.#base.get(key);
  }

  has(key: K): boolean {
    const changed = this.#changes.get(key);
    if (changed === REMOVED) return false;
    return changed !== undefined || this.#base.has(key);
  }

  *entries(): MapIterator<[K, V]> {
    for (const [key, value] of this.#base) if (!this.#changes.has(key)) yield [key, value];
    for (const [key, value] of this.#changes) if (value !== REMOVED) yield [key, value];
  }

  *keys(): MapIterator<K> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: K, map: ReadonlyMap<K, V>) => void): void {
    for (const [key, value] of this.entries()) callback(value, key, this);
  }
}
