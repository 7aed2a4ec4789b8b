/** A small seeded PRNG (mulberry32) so that every random catalog can be replayed from its seed. */
export interface Random {
  readonly seed: number;
  next(): number;
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  sample<T>(items: readonly T[], max: number): T[];
}

export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    seed,
    next,
    int,
    chance: (p) => next() < p,
    pick: (items) => items[int(0, items.length - 1)] as (typeof items)[number],
    sample: (items, max) => {
      const pool = [...items];
      const out = [];
      const count = int(0, Math.min(max, pool.length));
      for (let i = 0; i < count; i++) out.push(pool.splice(int(0, pool.length - 1), 1)[0] as (typeof items)[number]);
      return out;
    },
  };
}

/** A seed from the environment (to replay a failure) or a fresh one. */
export function baseSeed(): number {
  const fromEnv = process.env.FIREBREAK_SEED;
  if (fromEnv !== undefined && fromEnv !== '') return Number.parseInt(fromEnv, 10) >>> 0;
  return Math.floor(Math.random() * 2 ** 32) >>> 0;
}
