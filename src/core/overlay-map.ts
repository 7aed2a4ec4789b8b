/**
 * A read-only map made of a base map and a few layers of changes on top, so that a snapshot
 * derived by an edit shares its 50,000-entry indexes with the snapshot it came from instead of
 * copying them.
 *
 * A long script derives thousands of maps, each from the last. Layers are kept like the levels of
 * a log-structured merge tree: a new layer is merged into the one below while it is at least a
 * quarter of its size, so layers shrink geometrically upwards and there are few of them (lookups
 * stay cheap), and the layers are folded into a new base once they hold a quarter as many keys as
 * the base (so a copy of the base is paid for by that many changes). Every change is thus copied
 * a logarithmic number of times, whatever the length of the script, and nothing is ever mutated:
 * the maps derived earlier stay as they were.
 */
const REMOVED = Symbol('removed');

type Layer<K, V> = ReadonlyMap<K, V | typeof REMOVED>;

export class OverlayMap<K, V> implements ReadonlyMap<K, V> {
  readonly #base: ReadonlyMap<K, V>;
  /** Oldest first; a key in a newer layer hides it in older ones and in the base. */
  readonly #layers: readonly Layer<K, V>[];
  readonly size: number;

  private constructor(base: ReadonlyMap<K, V>, layers: readonly Layer<K, V>[], size: number) {
    this.#base = base;
    this.#layers = layers;
    this.size = size;
  }

  /**
   * `base` with `set` entries added or replaced and `removed` keys taken out. Iteration gives the
   * entries of `base` in their order, except that the keys set go last, in the order given.
   */
  static derive<K, V>(base: ReadonlyMap<K, V>, set: ReadonlyMap<K, V>, removed: Iterable<K> = []): ReadonlyMap<K, V> {
    const changes = new Map<K, V | typeof REMOVED>(set);
    for (const key of removed) changes.set(key, REMOVED);
    if (changes.size === 0) return base;
    let size = base.size;
    for (const [key, value] of changes) {
      const had = base.has(key);
      if (value === REMOVED) size -= had ? 1 : 0;
      else size += had ? 0 : 1;
    }
    const flat = base instanceof OverlayMap ? (base.#base as ReadonlyMap<K, V>) : base;
    const layers: Layer<K, V>[] =
      base instanceof OverlayMap ? [...(base.#layers as Layer<K, V>[]), changes] : [changes];
    for (let top = layers.length - 1; top > 0; top = layers.length - 1) {
      const newest = layers[top] as Layer<K, V>;
      const below = layers[top - 1] as Layer<K, V>;
      if (newest.size * 4 < below.size) break;
      layers.splice(top - 1, 2, mergeLayers(below, newest));
    }
    const overlay = new OverlayMap(flat, layers, size);
    return (layers[0] as Layer<K, V>).size * 4 > flat.size ? new Map(overlay) : overlay;
  }

  get(key: K): V | undefined {
    for (let i = this.#layers.length - 1; i >= 0; i--) {
      const changed = (this.#layers[i] as Layer<K, V>).get(key);
      if (changed === REMOVED) return undefined;
      if (changed !== undefined) return changed;
    }
    return this.#base.get(key);
  }

  has(key: K): boolean {
    for (let i = this.#layers.length - 1; i >= 0; i--) {
      const changed = (this.#layers[i] as Layer<K, V>).get(key);
      if (changed === REMOVED) return false;
      if (changed !== undefined) return true;
    }
    return this.#base.has(key);
  }

  *entries(): MapIterator<[K, V]> {
    const layers = this.#layers;
    const hidden = (key: K, above: number) => {
      for (let i = above; i < layers.length; i++) if ((layers[i] as Layer<K, V>).has(key)) return true;
      return false;
    };
    for (const [key, value] of this.#base) if (!hidden(key, 0)) yield [key, value];
    for (let i = 0; i < layers.length; i++)
      for (const [key, value] of layers[i] as Layer<K, V>)
        if (value !== REMOVED && !hidden(key, i + 1)) yield [key, value];
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

/** One layer with the changes of `older` then those of `newer`, in the order iteration gives them. */
function mergeLayers<K, V>(older: Layer<K, V>, newer: Layer<K, V>): Layer<K, V> {
  const merged = new Map<K, V | typeof REMOVED>();
  for (const [key, value] of older) if (!newer.has(key)) merged.set(key, value);
  for (const [key, value] of newer) merged.set(key, value);
  return merged;
}
