import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { applyEdits, exposureOf, isLazyField, withLazyFields } from '../../src/core/index.ts';
import { buildSnapshot, group, table, user } from '../support/build-snapshot.ts';

// V8's own test of hidden classes (`%HaveSameMap`): the reason lazy fields exist in this form.
setFlagsFromString('--allow-natives-syntax');
const sameHiddenClass = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

describe('lazy fields', () => {
  it('are enumerable fields that JSON and spreads see, computed once when the first is read', () => {
    let runs = 0;
    const entry = withLazyFields({ id: 1 }, ['names', 'count'], () => {
      runs++;
      return { names: ['a', 'b'], count: 2 };
    });
    expect(runs).toBe(0);
    expect(Object.keys(entry)).toEqual(['id', 'names', 'count']);
    expect(entry.count).toBe(2);
    expect(JSON.parse(JSON.stringify(entry))).toEqual({ id: 1, names: ['a', 'b'], count: 2 });
    expect({ ...entry }).toEqual({ id: 1, names: ['a', 'b'], count: 2 });
    expect(runs).toBe(1);
  });

  it('computes each group on its own, and keeps working on a frozen object', () => {
    const read: string[] = [];
    const entry = withLazyFields(
      withLazyFields({}, ['a'], () => {
        read.push('a');
        return { a: 1 };
      }),
      ['b'],
      () => {
        read.push('b');
        return { b: 2 };
      },
    );
    Object.freeze(entry);
    expect(entry.b).toBe(2);
    expect(read).toEqual(['b']);
    expect(entry.a).toBe(1);
    expect(read).toEqual(['b', 'a']);
    expect([isLazyField(entry, 'a'), isLazyField(entry, 'b'), isLazyField({ a: 1 }, 'a')]).toEqual([true, true, false]);
  });

  // A getter made per object would sit in a hidden class of its own, in the old generation, and
  // keep what it closes over alive through every young-generation collection.
  it('give objects whose fields come from different closures one hidden class', () => {
    const make = (value: number) => withLazyFields({ id: value }, ['value'], () => ({ value }));
    expect(sameHiddenClass(make(1), make(2))).toBe(true);
    const perObject = (value: number) => {
      const object = { id: value };
      Object.defineProperty(object, 'value', { enumerable: true, get: () => value });
      return object;
    };
    // The control: the form this replaces does not share.
    expect(sameHiddenClass(perObject(1), perObject(2))).toBe(false);
  });

  it('give snapshots derived by edits, and their exposure entries, one hidden class each', () => {
    const pii = [{ name: 'pii', source: { kind: 'manifest' as const } }];
    const before = buildSnapshot({
      principals: [user('ann'), user('bob'), group('staff')],
      resources: [table('hr.salaries', { labels: pii })],
    });
    const derive = (principal: string) => {
      const after = applyEdits(before, [
        { kind: 'add-grant', grant: { principal, privilege: 'read', resource: 'hr.salaries', grantable: false } },
      ]);
      if (!after.ok) throw new Error(JSON.stringify(after.error));
      return after.value;
    };
    const [one, two] = [derive('ann'), derive('bob')];
    expect(sameHiddenClass(one, two)).toBe(true);
    const [a, b] = [exposureOf(one).resources[0], exposureOf(two).resources[0]];
    if (a === undefined || b === undefined) throw new Error('no exposure entry');
    expect(sameHiddenClass(a, b)).toBe(true);
    expect([a.readers.map((r) => r.principal), b.readers.map((r) => r.principal)]).toEqual([['ann'], ['bob']]);
  });
});
