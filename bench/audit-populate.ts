import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { Checkpoint, LedgerRecord } from '../dist/app/index.js';
import { canonicalJson } from '../dist/core/index.js';
import { encodeEntry } from '../dist/store/ledger-entry.js';
import { loadOrCreateSigningKey } from '../dist/store/ledger-key.js';
import { createRecords } from './audit-workload.ts';
import { createProgress } from './progress.ts';

/** Runs one statement with bound parameters and returns its rows (pg or PGlite). */
export type Sql = <Row>(text: string, params?: readonly unknown[]) => Promise<readonly Row[]>;

/** Rows per INSERT when building the chain directly. */
export const POPULATE_BATCH = 5_000;

/**
 * Grows a store's chain to `total` entries by inserting rows built here, as the store would have
 * written them: each entry encoded with the store's own `encodeEntry`, linked to the one before,
 * and a checkpoint signed with the store's key every `checkpointEvery` entries (the witness file
 * is updated as the store does). The store must exist (openStore wrote its first entry) and be
 * closed. Each INSERT carries {@link POPULATE_BATCH} rows; the next batch is encoded while the
 * server stores the previous one.
 */
export async function populateChain(
  sql: Sql,
  options: {
    readonly schema: string;
    readonly keyPath: string;
    readonly total: number;
    readonly checkpointEvery: number;
    readonly seed: number;
    readonly label: string;
  },
): Promise<{ readonly checkpoints: number }> {
  const s = options.schema;
  const key = loadOrCreateSigningKey(options.keyPath);
  const head = (
    await sql<{ seq: string; hash: string }>(`select seq, hash from ${s}.ledger order by seq desc limit 1`)
  )[0];
  if (head === undefined) throw new Error(`the store in ${s} has no first entry`);
  let seq = Number(head.seq);
  let prev = head.hash;
  // A pool of records, each appended with its own subject: generating a fresh one per entry
  // would cost more than encoding it.
  const next = createRecords(options.seed);
  const pool: LedgerRecord[] = Array.from({ length: 2_000 }, next);
  let time = Date.now();
  let checkpoints = 0;
  let latest: Checkpoint | undefined;
  const progress = createProgress(`building the chain (${options.label})`, options.total - seq);
  let storing: Promise<unknown> = Promise.resolve();
  while (seq < options.total) {
    const count = Math.min(POPULATE_BATCH, options.total - seq);
    const rows = {
      seq: [] as number[],
      at: [] as string[],
      kind: [] as string[],
      hash: [] as string[],
      entry: [] as string[],
    };
    const signed = { seq: [] as number[], at: [] as string[], hash: [] as string[], signature: [] as string[] };
    for (let i = 0; i < count; i++) {
      // Entries of one group-commit batch share their time: about 40 per 5 ms.
      if (seq % 40 === 0) time += 5;
      const at = new Date(time).toISOString();
      const record = pool[seq % pool.length] as LedgerRecord;
      const encoded = encodeEntry({ ...record, subject: randomUUID() }, ++seq, at, prev);
      prev = encoded.entry.hash;
      rows.seq.push(seq);
      rows.at.push(at);
      rows.kind.push(encoded.entry.kind);
      rows.hash.push(prev);
      rows.entry.push(encoded.text);
      if (seq % options.checkpointEvery === 0 || seq === options.total) {
        const body = { at, hash: prev, key: key.id, seq };
        latest = { ...body, signature: key.sign(canonicalJson(body)) };
        signed.seq.push(seq);
        signed.at.push(at);
        signed.hash.push(prev);
        signed.signature.push(latest.signature);
      }
    }
    await storing;
    storing = sql(
      `with signed as (
         insert into ${s}.checkpoints (seq, at, hash, key, signature)
         select seq, at, hash, $6, signature from unnest($7::bigint[], $8::timestamptz[], $9::text[], $10::text[]) as c(seq, at, hash, signature)
       )
       insert into ${s}.ledger (seq, at, kind, hash, entry)
       select * from unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[])`,
      [
        rows.seq,
        rows.at,
        rows.kind,
        rows.hash,
        rows.entry,
        key.id,
        signed.seq,
        signed.at,
        signed.hash,
        signed.signature,
      ],
    );
    checkpoints += signed.seq.length;
    progress.advance(count);
  }
  await storing;
  progress.done();
  // The store keeps the latest checkpoint it signed outside the database; verify checks it.
  if (latest !== undefined)
    writeFileSync(`${options.keyPath}.checkpoint`, `${JSON.stringify(latest)}\n`, { mode: 0o600 });
  return { checkpoints };
}
