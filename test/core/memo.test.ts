import { describe, expect, it } from 'vitest';
import { memoized, memoKey, recalled, remember, withMemo } from '../../src/core/memo.ts';

describe('memos', () => {
  const LENGTH = memoKey<number>('length');

  it('compute a value once per object and keep it with the object, frozen or not', () => {
    let runs = 0;
    const compute = () => ++runs;
    const one = Object.freeze(withMemo({ name: 'one' }));
    const two = withMemo({ name: 'two' });
    expect([memoized(one, LENGTH, compute), memoized(one, LENGTH, compute)]).toEqual([1, 1]);
    expect(memoized(two, LENGTH, compute)).toBe(2);
    expect(runs).toBe(2);
  });

  it('keep undefined as a value, and are told apart by key', () => {
    const NOTHING = memoKey<undefined>('nothing');
    const object = withMemo({});
    let runs = 0;
    memoized(object, NOTHING, () => {
      runs++;
      return undefined;
    });
    memoized(object, NOTHING, () => {
      runs++;
      return undefined;
    });
    expect(runs).toBe(1);
    expect(recalled(object, LENGTH)).toBeUndefined();
    remember(object, LENGTH, 7);
    expect(recalled(object, LENGTH)).toBe(7);
  });

  it('are invisible to keys, JSON and spreads, so a copy is a new object with no memo', () => {
    const object = withMemo({ name: 'x' });
    remember(object, LENGTH, 1);
    expect(Object.keys(object)).toEqual(['name']);
    expect(JSON.stringify(object)).toBe('{"name":"x"}');
    expect(() => recalled({ ...object }, LENGTH)).toThrow(/without a memo slot/);
  });
});
