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
  return finishEntry(prepareEntry(record, at), seq, prev);
}

/**
 * An entry's text without its place in the chain: everything but `prev` and `seq`, which only the
 * append transaction knows. Canonical key order puts those two between `kind` and `subject`, so
 * the text is prepared before the chain's lock is taken and finished under it with a splice.
 */
export interface PreparedEntry {
  readonly record: LedgerRecord;
  readonly at: string;
  readonly before: string;
  readonly after: string;
}

export function prepareEntry(record: LedgerRecord, at: string): PreparedEntry {
  const before = canonicalJson({ actor: record.actor, at, data: record.data, kind: record.kind });
  const after = canonicalJson({ subject: record.subject, system: record.system, v: ENTRY_VERSION });
  return { record, at, before: `${before.slice(0, -1)},`, after: `,${after.slice(1)}` };
}

export function finishEntry(prepared: PreparedEntry, seq: number, prev: string): EncodedEntry {
  const text = `${prepared.before}"prev":${JSON.stringify(prev)},"seq":${seq}${prepared.after}`;
  return { entry: { ...prepared.record, seq, at: prepared.at, prev, hash: sha256(text) }, text };
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
  if (!isCanonical(body, text)) return undefined;
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
 * The fields that place an entry in the chain, read straight from its canonical text: verify's
 * hot loop, a million times, without parsing the rest. Sound because in canonical JSON an unescaped
 * `"name":"` can only be a member name (a quote inside a string is escaped), and the top-level
 * members come in a known order: `actor`, `at`, `data`, `kind`, `prev`, `seq`, `subject`, `system`,
 * `v`. So `at` is the first such member, and `kind`, `prev` and `seq` the last ones (only strings
 * follow them). Undefined when the text does not have that shape; the hash check still applies.
 */
export function chainFields(text: string): { at: string; kind: string; prev: string; seq: number } | undefined {
  if (!text.startsWith('{"actor":"') || !text.endsWith(`"v":${ENTRY_VERSION}}`)) return undefined;
  const at = stringAfter(text, text.indexOf('"at":"'), 6);
  const kind = stringAfter(text, text.lastIndexOf('"kind":"'), 8);
  const prevAt = text.lastIndexOf('"prev":"');
  const prev = stringAfter(text, prevAt, 8);
  if (at === undefined || kind === undefined || prev === undefined) return undefined;
  const seqMatch = /^,"seq":(0|[1-9]\d{0,15})[,}]/.exec(
    text.slice(prevAt + 8 + prev.length + 1, prevAt + 8 + prev.length + 26),
  );
  if (seqMatch === null) return undefined;
  return { at, kind, prev, seq: Number(seqMatch[1]) };
}

/** The plain (escape-free) string value starting `offset` characters after `start`. */
function stringAfter(text: string, start: number, offset: number): string | undefined {
  if (start < 0) return undefined;
  const end = text.indexOf('"', start + offset);
  const value = text.slice(start + offset, end);
  return end < 0 || value.includes('\\') ? undefined : value;
}

/**
 * Whether `text` is the canonical form of `value` parsed from it. JSON.parse keeps the text's key
 * order, so the text is canonical when re-serialising gives it back and every object's keys are
 * sorted: the same answer as comparing with canonicalJson, without building a second string tree.
 */
function isCanonical(value: unknown, text: string): boolean {
  if (JSON.stringify(value) === text && keysSorted(value)) return true;
  // Integer-like keys enumerate in numeric order, not text order: decide those the slow way.
  return canonicalJson(value as JsonValue) === text;
}

function keysSorted(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) return value.every(keysSorted);
  let previous: string | undefined;
  for (const key in value) {
    if (previous !== undefined && !(previous < key)) return false;
    previous = key;
    if (!keysSorted((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/**
 * SHA-256 in hex. node:crypto here rather than core's portable implementation: verifying a
 * million entries is the ledger's hot loop, and the two agree (test/core/sha256.test.ts).
 */
export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
