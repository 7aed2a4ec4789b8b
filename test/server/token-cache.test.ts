import { describe, expect, it } from 'vitest';
import type { TokenRecord } from '../../src/app/index.ts';
import { cachedAuthentication } from '../../src/server/token-cache.ts';

const record = (name: string): TokenRecord =>
  ({ id: name, name, role: 'agent', createdAt: '2026-11-26T00:00:00.000Z' }) as TokenRecord;

/** A store lookup that counts how often it is asked, and knows the tokens in `live`. */
function lookup(live: Set<string>) {
  const asked: string[] = [];
  return {
    asked,
    authenticate: async (token: string) => {
      asked.push(token);
      return live.has(token) ? record(token) : undefined;
    },
  };
}

describe('cached token checks', () => {
  it('asks the store once per token within the window, and again after it', async () => {
    const live = new Set(['a', 'b']);
    const store = lookup(live);
    let now = 0;
    const check = cachedAuthentication(store.authenticate, 1_000, () => now);
    expect((await check('a'))?.name).toBe('a');
    now = 999;
    expect((await check('a'))?.name).toBe('a');
    expect((await check('b'))?.name).toBe('b');
    expect(store.asked).toEqual(['a', 'b']);
    live.delete('a');
    now = 1_001;
    expect(await check('a')).toBeUndefined();
    expect(store.asked).toEqual(['a', 'b', 'a']);
  });

  it('never remembers a refusal: an unknown token reaches the store every time', async () => {
    const store = lookup(new Set());
    const check = cachedAuthentication(store.authenticate, 1_000, () => 0);
    expect(await check('x')).toBeUndefined();
    expect(await check('x')).toBeUndefined();
    expect(store.asked).toEqual(['x', 'x']);
  });

  it('asks every time when the window is 0', async () => {
    const store = lookup(new Set(['a']));
    const check = cachedAuthentication(store.authenticate, 0, () => 0);
    await check('a');
    await check('a');
    expect(store.asked).toEqual(['a', 'a']);
  });

  it('forgets the oldest token when it holds too many', async () => {
    const tokens = Array.from({ length: 1_001 }, (_, i) => `t${i}`);
    const store = lookup(new Set(tokens));
    const check = cachedAuthentication(store.authenticate, 1_000, () => 0);
    for (const token of tokens) await check(token);
    await check('t1000');
    await check('t1');
    await check('t0');
    expect(store.asked.slice(1_001)).toEqual(['t0']);
  });
});
