import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/core/index.ts';
import { chainFields, decodeEntry, encodeEntry, GENESIS_HASH, sha256 } from '../../src/store/ledger-entry.ts';

const record = {
  kind: 'decision' as const,
  actor: 'agent:helper',
  system: 'warehouse',
  subject: '0902241d-6378-4c73-a8af-f3f8995327fd',
  data: { decision: 'deny', labels: ['pii', 'secret'], nested: { b: 1, a: 'é\u2028"' }, '10': 1, '9': 2 },
};

describe('ledger entries', () => {
  it('are the canonical JSON (RFC 8785) of the record and its place in the chain, hashed', () => {
    const { entry, text } = encodeEntry(record, 7, '2026-11-26T15:49:19.370Z', GENESIS_HASH);
    expect(text).toBe(canonicalJson({ v: 1, seq: 7, at: '2026-11-26T15:49:19.370Z', prev: GENESIS_HASH, ...record }));
    expect(entry).toEqual({
      ...record,
      seq: 7,
      at: '2026-11-26T15:49:19.370Z',
      prev: GENESIS_HASH,
      hash: sha256(text),
    });
    expect(decodeEntry(text, entry.hash)).toEqual(entry);
  });

  it('leave out absent system and subject, as canonical JSON leaves out undefined members', () => {
    const { text } = encodeEntry({ kind: 'ledger.opened', actor: 'firebreak', data: {} }, 1, 'T', GENESIS_HASH);
    expect(text).toBe(
      `{"actor":"firebreak","at":"T","data":{},"kind":"ledger.opened","prev":"${GENESIS_HASH}","seq":1,"v":1}`,
    );
  });

  it('read back only when the text is exactly canonical', () => {
    const { entry, text } = encodeEntry(record, 2, 'T', GENESIS_HASH);
    expect(decodeEntry(text.replace('"seq":2', '"seq":2.0'), entry.hash)).toBeUndefined();
    expect(decodeEntry(` ${text}`, entry.hash)).toBeUndefined();
    expect(decodeEntry(text.replace('{"actor"', '{"v":1,"actor"').replace(',"v":1}', '}'), entry.hash)).toBeUndefined();
    expect(decodeEntry('{"v":1}', entry.hash)).toBeUndefined();
    expect(decodeEntry('not json', entry.hash)).toBeUndefined();
  });

  it('give up their place in the chain without parsing, even when their data imitates it', () => {
    const tricky = [
      { prev: 'f'.repeat(64), seq: 99, kind: 'decision', at: 'then', v: 1 },
      { text: '"prev":"abc","seq":5,' },
      { nested: [{ '"kind":"x"': '"at":"y"' }] },
      {},
    ];
    for (const [i, data] of tricky.entries())
      for (const extra of [{}, { system: '"prev":"x"', subject: 'a"b' }]) {
        const { entry, text } = encodeEntry(
          { kind: 'approval.voted', actor: 'user:"at":"', data, ...extra },
          i + 1,
          'T',
          'c'.repeat(64),
        );
        expect(chainFields(text)).toEqual({ at: 'T', kind: 'approval.voted', prev: 'c'.repeat(64), seq: i + 1 });
        expect(decodeEntry(text, entry.hash)).toMatchObject({ seq: i + 1, prev: 'c'.repeat(64) });
      }
    expect(chainFields('{"v":1}')).toBeUndefined();
    const { text } = encodeEntry(record, 3, 'T', GENESIS_HASH);
    expect(chainFields(`${text} `)).toBeUndefined();
    expect(chainFields(text.replace('"seq":3', '"seq":03'))).toBeUndefined();
  });
});
