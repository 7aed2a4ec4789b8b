import { createHash } from 'node:crypto';
import type { LedgerEntry, LedgerRecord } from '../app/index.ts';
import { canonicalJson, type JsonValue } from '../core/index.ts';

/** The `prev` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** Version of the entry format, inside every entry. */
export const ENTRY_VERSION = 1;

/**
 * An entry as stored: its canonical text (RFC 8785) and that text's SHA-256. The text holds the
 * record, its sequence number, its time and the previous entry's hash, so changing, removing,
 * inserting or moving any entry changes what every later entry links to.
 */
export interface EncodedEntry {
  readonly entry: LedgerEntry;
  readonly text: string;
}

export function encodeEntry(record: LedgerRecord, seq: number, at: string, prev: string): EncodedEntry {
  const body: { [key: string]: JsonValue | undefined } = {
    v: ENTRY_VERSION,
    seq,
    at,
    prev,
    kind: record.kind,
    actor: record.actor,
    system: record.system,
    subject: record.subject,
    data: record.data,
  };
  const text = canonicalJson(body);
  return { entry: { ...record, seq, at, prev, hash: sha256(text) }, text };
}

/** Reads a stored entry back; undefined when its text is not a well-formed canonical entry. */
export function decodeEntry(text: string, hash: string): LedgerEntry | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  if (
    b.v !== ENTRY_VERSION ||
    typeof b.seq !== 'number' ||
    typeof b.at !== 'string' ||
    typeof b.prev !== 'string' ||
    typeof b.kind !== 'string' ||
    typeof b.actor !== 'string' ||
    typeof b.data !== 'object' ||
    b.data === null
  )
    return undefined;
  if (canonicalJson(body as JsonValue) !== text) return undefined;
  return {
    seq: b.seq,
    at: b.at,
    prev: b.prev,
    hash,
    kind: b.kind as LedgerEntry['kind'],
    actor: b.actor,
    ...(typeof b.system === 'string' ? { system: b.system } : {}),
    ...(typeof b.subject === 'string' ? { subject: b.subject } : {}),
    data: b.data as LedgerEntry['data'],
  };
}

/**
 * SHA-256 in hex. node:crypto here rather than core's portable implementation: verifying a
 * million entries is the ledger's hot loop, and the two agree (test/core/sha256.test.ts).
 */
export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
