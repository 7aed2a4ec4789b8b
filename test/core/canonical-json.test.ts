import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/core/index.ts';

describe('canonicalJson (RFC 8785)', () => {
  it('sorts object members by UTF-16 code units and leaves no whitespace', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], '\u00e9': 2, B: { z: 0, y: -1.5 } })).toBe(
      '{"B":{"y":-1.5,"z":0},"a":[true,null,"x"],"b":1,"é":2}',
    );
  });

  it('serialises numbers as ECMAScript does and drops undefined members', () => {
    expect(canonicalJson({ n: 1e21, m: 0.000001, k: undefined, i: 10 })).toBe('{"i":10,"m":0.000001,"n":1e+21}');
  });

  it('refuses values JSON cannot represent', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/non-finite/);
  });

  it('gives equal text for equal values built in different orders', () => {
    expect(canonicalJson({ x: { p: 1, q: 2 }, y: 3 })).toBe(canonicalJson({ y: 3, x: { q: 2, p: 1 } }));
  });
});
