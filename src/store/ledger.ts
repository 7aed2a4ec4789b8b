import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Checkpoint, Ledger, LedgerEntry, LedgerKind, LedgerRecord } from '../app/index.ts';
import { canonicalJson, FirebreakError } from '../core/index.ts';
import { decodeEntry, finishEntry, GENESIS_HASH, type PreparedEntry, prepareEntry, sha256 } from './ledger-entry.ts';
import type { SigningKey } from './ledger-key.ts';
import type { SqlClient, SqlExecutor } from './sql-client.ts';
import { verifyLedger } from './verify-ledger.ts';

/**
 * One unit of work that is recorded: `prepare` runs inside the append transaction, after the
 * chain's lock is taken, and says what to record (if anything), what else to write in the same
 * transaction, and what the caller gets back.
 */
export interface LedgerWork<T> {
  /** The record, when it is known before the transaction: its text is then prepared outside the lock. */
  readonly record?: LedgerRecord;
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
    const at = options.clock().toISOString();
    const early = batch.map((queued) =>
      queued.work.record === undefined ? undefined : prepareEntry(queued.work.record, at),
    );
    const written = await client.transaction(async (tx) => {
      // One chain for every process sharing the store: appends serialise on this lock, so sequence
      // numbers have no gaps and each entry links to the one committed before it.
      await tx.query('select pg_advisory_xact_lock(hashtext($1))', [lockName]);
      const head = (await tx.query<EntryRow>(`select seq, hash from ${s}.ledger order by seq desc limit 1`))[0];
      let seq = head === undefined ? 0 : Number(head.seq);
      let prev = head?.hash ?? GENESIS_HASH;
      const results: { queued: Queued; prepared: Prepared<unknown>; entry?: LedgerEntry }[] = [];
      const rows = { seq: [] as number[], kind: [] as string[], hash: [] as string[], entry: [] as string[] };
      for (const [index, queued] of batch.entries()) {
        const prepared = await queued.work.prepare(tx);
        if (prepared.record === undefined) {
          results.push({ queued, prepared });
          continue;
        }
        const text = early[index]?.record === prepared.record ? early[index] : prepareEntry(prepared.record, at);
        const encoded = finishEntry(text as PreparedEntry, ++seq, prev);
        prev = encoded.entry.hash;
        await prepared.commit?.(tx, encoded.entry);
        rows.seq.push(seq);
        rows.kind.push(encoded.entry.kind);
        rows.hash.push(encoded.entry.hash);
        rows.entry.push(encoded.text);
        results.push({ queued, prepared, entry: encoded.entry });
      }
      if (rows.seq.length > 0)
        await tx.query(
          `insert into ${s}.ledger (seq, at, kind, hash, entry)
           select seq, $2::timestamptz, kind, hash, entry
             from unnest($1::bigint[], $3::text[], $4::text[], $5::text[]) as t(seq, kind, hash, entry)`,
          [rows.seq, at, rows.kind, rows.hash, rows.entry],
        );
      return { results, head: seq };
    });
    if (written.results.some((r) => r.entry !== undefined)) appendedSince = true;
    // The entries are committed whatever happens to the checkpoint; a refusal to sign shows up in
    // verify, and close() reports it.
    await maybeCheckpoint(written.head).catch(() => {});
    for (const { queued, prepared, entry } of written.results) {
      try {
        queued.resolve(prepared.outcome(entry));
      } catch (error) {
        queued.reject(error);
      }
    }
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

  function startDrain(): void {
    flushing = drain().finally(() => {
      flushing = undefined;
      // Work queued after drain() saw an empty queue, but before this ran, would wait forever.
      if (queue.length > 0) startDrain();
    });
  }

  function run<T>(work: LedgerWork<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (flushing === undefined) startDrain();
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
    if (isDue(head, last)) await checkpoint({ ifDue: true });
  }

  function isDue(head: number, last: { seq: number; at: number }): boolean {
    return (
      head - last.seq >= options.checkpointEvery || options.clock().getTime() - last.at >= options.checkpointIntervalMs
    );
  }

  async function checkpoint(options_: { ifDue?: boolean } = {}): Promise<Checkpoint | undefined> {
    // Most of the chain since the last signature is checked before taking the lock, so that the
    // appends of other processes wait only for the few entries added meanwhile.
    const verified = await extendsAnchor(client, undefined);
    const signed = await client.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock(hashtext($1))', [lockName]);
      const head = (await tx.query<EntryRow>(`select seq, hash from ${s}.ledger order by seq desc limit 1`))[0];
      const latest = (
        await tx.query<{ seq: string; at: Date }>(`select seq, at from ${s}.checkpoints order by seq desc limit 1`)
      )[0];
      if (latest !== undefined) lastCheckpoint = { seq: Number(latest.seq), at: new Date(latest.at).getTime() };
      if (head === undefined || (latest !== undefined && Number(latest.seq) >= Number(head.seq))) return undefined;
      // Another process may have signed meanwhile: sign only when it is still due.
      if (options_.ifDue === true && lastCheckpoint !== undefined && !isDue(Number(head.seq), lastCheckpoint))
        return undefined;
      await extendsAnchor(tx, { from: verified, to: Number(head.seq) });
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

  /**
   * Refuses to sign a head that does not extend what was signed before: the entry at the trusted
   * anchor (the witness kept beside the key, or the latest correctly signed checkpoint) must still
   * be there with its hash, and every entry from it to the head must link. Otherwise someone
   * rewrote the chain, and signing it would launder the rewrite. Without `range`, checks from the
   * anchor to the current head; returns the last entry checked.
   */
  async function extendsAnchor(
    db: SqlExecutor,
    range: { from: { seq: number; hash: string }; to: number } | undefined,
  ): Promise<{ seq: number; hash: string }> {
    const refuse = (why: string): never => {
      throw new FirebreakError(
        'source_error',
        `refusing to sign a ledger checkpoint: ${why}; run firebreak audit verify`,
      );
    };
    let from = range?.from;
    if (from === undefined) {
      const anchor = await trustedAnchor(db);
      if (anchor !== undefined) {
        const at = (await db.query<EntryRow>(`select hash from ${s}.ledger where seq = $1`, [anchor.seq]))[0];
        if (at?.hash !== anchor.hash) refuse(`entry ${anchor.seq} is not the entry signed before`);
      }
      from = anchor ?? { seq: 0, hash: GENESIS_HASH };
    }
    const to = range?.to ?? Number.MAX_SAFE_INTEGER;
    let { seq: last, hash: prev } = from;
    for (;;) {
      const rows = await db.query<EntryRow>(
        `select seq, hash, entry from ${s}.ledger where seq > $1 and seq <= $2 order by seq limit 5000`,
        [last, to],
      );
      for (const row of rows) {
        const entry = decodeEntry(row.entry, row.hash);
        const seq = Number(row.seq);
        if (seq !== last + 1 || entry?.seq !== seq || entry.prev !== prev || sha256(row.entry) !== row.hash)
          refuse(`entry ${seq} does not extend the chain signed before`);
        last = seq;
        prev = row.hash;
      }
      if (rows.length < 5000) break;
    }
    if (range !== undefined && last !== range.to) refuse(`entries before ${range.to} are missing`);
    return { seq: last, hash: prev };
  }

  async function trustedAnchor(tx: SqlExecutor): Promise<{ seq: number; hash: string } | undefined> {
    const rows = await tx.query<{ seq: string; at: Date; hash: string; key: string; signature: string }>(
      `select seq, at, hash, key, signature from ${s}.checkpoints order by seq desc limit 10`,
    );
    const stored = rows.find((row) => {
      const body = { at: new Date(row.at).toISOString(), hash: row.hash, key: row.key, seq: Number(row.seq) };
      return options.trusted.verify(row.key, canonicalJson(body), row.signature);
    });
    const witness = readWitness(options.witnessPath);
    const candidates = [
      ...(stored === undefined ? [] : [{ seq: Number(stored.seq), hash: stored.hash }]),
      ...(witness === undefined ? [] : [{ seq: witness.seq, hash: witness.hash }]),
    ];
    return candidates.sort((a, b) => b.seq - a.seq)[0];
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
    append: (record) => run({ record, prepare: async () => ({ record, outcome: (entry) => entry as LedgerEntry }) }),
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
