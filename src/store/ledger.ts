import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Checkpoint, Ledger, LedgerEntry, LedgerKind, LedgerRecord } from '../app/index.ts';
import { canonicalJson, FirebreakError } from '../core/index.ts';
import { decodeEntry, encodeEntry, GENESIS_HASH } from './ledger-entry.ts';
import type { SigningKey } from './ledger-key.ts';
import type { SqlClient, SqlExecutor } from './sql-client.ts';
import { verifyLedger } from './verify-ledger.ts';

/**
 * One unit of work that is recorded: `prepare` runs inside the append transaction, after the
 * chain's lock is taken, and says what to record (if anything), what else to write in the same
 * transaction, and what the caller gets back.
 */
export interface LedgerWork<T> {
  prepare(tx: SqlExecutor): Promise<Prepared<T>>;
}

export interface Prepared<T> {
  readonly record?: LedgerRecord;
  commit?(tx: SqlExecutor, entry: LedgerEntry): Promise<void>;
  /** Runs after the transaction committed; may throw to refuse (the refusal is recorded already). */
  outcome(entry: LedgerEntry | undefined): T;
}

export interface LedgerOptions {
  readonly client: SqlClient;
  /** The quoted schema name. */
  readonly schema: string;
  readonly key: SigningKey;
  /** Where the latest checkpoint this installation signed is kept, outside the store. */
  readonly witnessPath: string;
  readonly trusted: { verify(id: string, text: string, signature: string): boolean };
  readonly clock: () => Date;
  /** Sign a checkpoint after this many entries… */
  readonly checkpointEvery: number;
  /** …or when the latest checkpoint is older than this. */
  readonly checkpointIntervalMs: number;
}

export interface LedgerWriter extends Ledger {
  run<T>(work: LedgerWork<T>): Promise<T>;
  /** Signs what this process appended and waits for pending appends. */
  close(): Promise<void>;
}

/** Entries written in one transaction at most: group commit under load. */
const MAX_BATCH = 500;

interface Queued {
  readonly work: LedgerWork<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface EntryRow {
  seq: string | number;
  at: Date | string;
  kind: string;
  hash: string;
  entry: string;
}

export function createLedger(options: LedgerOptions): LedgerWriter {
  const { client, schema: s, key } = options;
  const lockName = `firebreak.ledger.${s}`;
  const queue: Queued[] = [];
  let flushing: Promise<void> | undefined;
  let lastCheckpoint: { seq: number; at: number } | undefined;
  let appendedSince = false;

  async function runBatch(batch: readonly Queued[]): Promise<void> {
    const written = await client.transaction(async (tx) => {
      // One chain for every process sharing the store: appends serialise on this lock, so sequence
      // numbers have no gaps and each entry links to the one committed before it.
      await tx.query('select pg_advisory_xact_lock(hashtext($1))', [lockName]);
      const head = (await tx.query<EntryRow>(`select seq, hash from ${s}.ledger order by seq desc limit 1`))[0];
      let seq = head === undefined ? 0 : Number(head.seq);
      let prev = head?.hash ?? GENESIS_HASH;
      const at = options.clock().toISOString();
      const results: { queued: Queued; prepared: Prepared<unknown>; entry?: LedgerEntry }[] = [];
      const rows = {
        seq: [] as number[],
        at: [] as string[],
        kind: [] as string[],
        hash: [] as string[],
        entry: [] as string[],
      };
      for (const queued of batch) {
        const prepared = await queued.work.prepare(tx);
        if (prepared.record === undefined) {
          results.push({ queued, prepared });
          continue;
        }
        const encoded = encodeEntry(prepared.record, ++seq, at, prev);
        prev = encoded.entry.hash;
        await prepared.commit?.(tx, encoded.entry);
        rows.seq.push(seq);
        rows.at.push(at);
        rows.kind.push(encoded.entry.kind);
        rows.hash.push(encoded.entry.hash);
        rows.entry.push(encoded.text);
        results.push({ queued, prepared, entry: encoded.entry });
      }
      if (rows.seq.length > 0)
        await tx.query(
          `insert into ${s}.ledger (seq, at, kind, hash, entry)
           select * from unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[])`,
          [rows.seq, rows.at, rows.kind, rows.hash, rows.entry],
        );
      return { results, head: seq };
    });
    if (written.results.some((r) => r.entry !== undefined)) appendedSince = true;
    for (const { queued, prepared, entry } of written.results) {
      try {
        queued.resolve(prepared.outcome(entry));
      } catch (error) {
        queued.reject(error);
      }
    }
    await maybeCheckpoint(written.head);
  }

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      try {
        await runBatch(batch);
      } catch (error) {
        if (batch.length === 1) batch[0]?.reject(error);
        // One failing piece of work must not sink the others: retry each alone.
        else
          for (const queued of batch)
            await runBatch([queued]).catch((alone: unknown) => {
              queued.reject(alone);
            });
      }
    }
  }

  function run<T>(work: LedgerWork<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (flushing === undefined)
        flushing = drain().finally(() => {
          flushing = undefined;
        });
    });
  }

  async function latestCheckpoint(): Promise<{ seq: number; at: number } | undefined> {
    if (lastCheckpoint === undefined) {
      const row = (
        await client.query<{ seq: string; at: Date }>(`select seq, at from ${s}.checkpoints order by seq desc limit 1`)
      )[0];
      lastCheckpoint = row === undefined ? { seq: 0, at: 0 } : { seq: Number(row.seq), at: new Date(row.at).getTime() };
    }
    return lastCheckpoint;
  }

  async function maybeCheckpoint(head: number): Promise<void> {
    const last = await latestCheckpoint();
    if (last === undefined) return;
    const due =
      head - last.seq >= options.checkpointEvery || options.clock().getTime() - last.at >= options.checkpointIntervalMs;
    if (due) await checkpoint();
  }

  async function checkpoint(): Promise<Checkpoint | undefined> {
    const signed = await client.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock(hashtext($1))', [lockName]);
      const head = (await tx.query<EntryRow>(`select seq, hash from ${s}.ledger order by seq desc limit 1`))[0];
      const latest = (await tx.query<{ seq: string }>(`select seq from ${s}.checkpoints order by seq desc limit 1`))[0];
      if (head === undefined || (latest !== undefined && Number(latest.seq) >= Number(head.seq))) return undefined;
      const body = { at: options.clock().toISOString(), hash: head.hash, key: key.id, seq: Number(head.seq) };
      const cp: Checkpoint = { ...body, signature: key.sign(canonicalJson(body)) };
      await tx.query(
        `insert into ${s}.checkpoints (seq, at, hash, key, signature) values ($1, $2, $3, $4, $5) on conflict (seq) do nothing`,
        [cp.seq, cp.at, cp.hash, cp.key, cp.signature],
      );
      return cp;
    });
    if (signed !== undefined) {
      lastCheckpoint = { seq: signed.seq, at: Date.parse(signed.at) };
      writeWitness(options.witnessPath, signed);
    }
    appendedSince = false;
    return signed;
  }

  async function read(query: { after?: number; limit?: number; kind?: LedgerKind } = {}) {
    const limit = Math.min(Math.max(1, query.limit ?? 100), 10_000);
    const rows = await client.query<EntryRow>(
      `select seq, hash, entry from ${s}.ledger where seq > $1 and ($2::text is null or kind = $2) order by seq limit $3`,
      [query.after ?? 0, query.kind ?? null, limit],
    );
    return rows.map(decodeRow);
  }

  return {
    run,
    append: (record) => run({ prepare: async () => ({ record, outcome: (entry) => entry as LedgerEntry }) }),
    read,
    async tail(count) {
      const rows = await client.query<EntryRow>(`select seq, hash, entry from ${s}.ledger order by seq desc limit $1`, [
        Math.min(Math.max(1, count), 10_000),
      ]);
      return rows.map(decodeRow).reverse();
    },
    checkpoint: async () => {
      await flushing;
      return checkpoint();
    },
    verify: (progress) =>
      verifyLedger({
        client,
        schema: s,
        trusted: options.trusted,
        witness: readWitness(options.witnessPath),
        progress,
      }),
    async close() {
      while (flushing !== undefined) await flushing;
      if (appendedSince) await checkpoint();
    },
  };
}

/** An entry read back; one that is not well-formed is never shown as if it were. */
function decodeRow(row: EntryRow): LedgerEntry {
  const entry = decodeEntry(row.entry, row.hash);
  if (entry === undefined)
    throw new FirebreakError(
      'source_error',
      `ledger entry ${String(row.seq)} is not a well-formed entry; run firebreak audit verify`,
    );
  return entry;
}

/** Keeps the highest checkpoint this installation has signed, replacing the file atomically. */
function writeWitness(path: string, checkpoint: Checkpoint): void {
  const current = readWitness(path);
  if (current !== undefined && current.seq >= checkpoint.seq) return;
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(checkpoint)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

export function readWitness(path: string): Checkpoint | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Checkpoint;
    return typeof parsed.seq === 'number' && typeof parsed.hash === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}
