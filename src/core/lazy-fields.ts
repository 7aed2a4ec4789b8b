/**
 * Enumerable own properties whose values are computed when one of them is first read: JSON output,
 * spreads and `Object.keys` see them as fields, and an object that nobody reads in full never pays
 * for them (a change exposing 500 tables to 2,000 people names a million pairs; a decision needs
 * the counts only).
 *
 * The getters are shared: one function per property name for every object, reading the object's
 * own state. V8 keeps an accessor's functions in the object's hidden class, and hidden classes live
 * in the old generation. A getter made per object (a closure passed to `Object.defineProperty`, or
 * an object literal's `get`) is therefore referenced from the old generation, and the
 * young-generation collector, which takes the whole old generation as live, kept each such getter,
 * everything its closure reaches, and so every set a check computed, alive through every
 * collection: it copied and promoted megabytes per check (docs/benchmarks.md). Shared getters sit
 * in hidden classes that every such object shares.
 */

/** One group of fields computed together, and its values once computed. */
interface Group {
  compute: (() => object) | undefined;
  value: Readonly<Record<string, unknown>> | undefined;
}

const STATE = Symbol('firebreak.lazy-fields');

type Holder = { readonly [STATE]?: Map<string, Group> };

const getters = new Map<string, () => unknown>();

function getterOf(key: string): () => unknown {
  let getter = getters.get(key);
  if (getter === undefined) {
    getter = function (this: Holder): unknown {
      const group = this[STATE]?.get(key);
      if (group === undefined) return undefined;
      if (group.value === undefined) {
        group.value = (group.compute as () => Readonly<Record<string, unknown>>)();
        group.compute = undefined;
      }
      return group.value[key];
    };
    getters.set(key, getter);
  }
  return getter;
}

/** Whether `key` of `object` is a field defined by {@link withLazyFields}. */
export function isLazyField(object: object, key: string): boolean {
  return (object as Holder)[STATE]?.has(key) === true;
}

/**
 * Defines `keys` on `object` as enumerable fields read from `compute()`, which runs once, when the
 * first of them is read. Call it before freezing `object`; it may be called more than once with
 * different keys.
 */
export function withLazyFields<T extends object, L extends object>(
  object: T,
  keys: readonly (keyof L & string)[],
  compute: () => L,
): T & Readonly<L> {
  let state = (object as Holder)[STATE];
  if (state === undefined) {
    state = new Map();
    Object.defineProperty(object, STATE, { value: state });
  }
  const group: Group = { compute, value: undefined };
  for (const key of keys) {
    state.set(key, group);
    Object.defineProperty(object, key, { enumerable: true, get: getterOf(key) });
  }
  return object as T & Readonly<L>;
}
