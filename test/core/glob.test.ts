import { describe, expect, it } from 'vitest';
import { compileGlob } from '../../src/core/index.ts';

function matches(pattern: string, name: string[]): boolean {
  const glob = compileGlob(pattern);
  if (!glob.ok) throw new Error(glob.error);
  return glob.value.matches(name);
}

describe('globs over dotted names', () => {
  it('match one segment per dot, * within a segment', () => {
    expect(matches('hr.*', ['hr', 'salaries'])).toBe(true);
    expect(matches('hr.*', ['hr', 'salaries', 'amount'])).toBe(false);
    expect(matches('hr.*', ['finance', 'salaries'])).toBe(false);
    expect(matches('*.*.email', ['public', 'users', 'email'])).toBe(true);
    expect(matches('*.user*', ['app', 'user_profiles'])).toBe(true);
  });

  it('let ** span any number of segments, none included', () => {
    expect(matches('finance.**', ['finance'])).toBe(true);
    expect(matches('finance.**', ['finance', 'cards', 'number'])).toBe(true);
    expect(matches('**.email', ['a', 'b', 'email'])).toBe(true);
    expect(matches('**.email', ['a', 'b', 'phone'])).toBe(false);
  });

  it('support ?, character sets, negated sets and escapes', () => {
    expect(matches('t?', ['t1'])).toBe(true);
    expect(matches('t?', ['t12'])).toBe(false);
    expect(matches('t[0-3]', ['t2'])).toBe(true);
    expect(matches('t[!0-3]', ['t2'])).toBe(false);
    expect(matches('a\\.b.c', ['a.b', 'c'])).toBe(true);
    expect(matches('a.b', ['a.b'])).toBe(false);
  });

  it('are case-sensitive like quoted identifiers and treat regex characters literally', () => {
    expect(matches('HR.*', ['hr', 'x'])).toBe(false);
    expect(matches('a+b.(x)', ['a+b', '(x)'])).toBe(true);
    expect(matches('a+b', ['aab'])).toBe(false);
  });

  it('reject malformed patterns with a reason', () => {
    expect(compileGlob('')).toEqual({ ok: false, error: 'empty glob' });
    expect(compileGlob('hr..x')).toMatchObject({ ok: false, error: expect.stringMatching(/empty segment/) });
    expect(compileGlob('hr.[ab')).toMatchObject({ ok: false, error: expect.stringMatching(/unclosed/) });
    expect(compileGlob('hr\\')).toMatchObject({ ok: false, error: expect.stringMatching(/backslash/) });
  });
});
