import { performance } from 'node:perf_hooks';
import pg from 'pg';

/**
 * Where the store's append transactions spend their time, seen from the client: every promise-form
 * `pg.Client#query` in this process is timed (the store's pool uses pg.Client), and the statements
 * of each transaction are attributed to phases by their text. Sums, so that figures from several
 * processes add up. Nothing in src/ is changed; the wrapper costs a clock read per statement.
 */
export interface ProbeFigures {
  /** Append transactions committed (one per group-commit batch). */
  readonly txns: number;
  /** Entries they inserted. */
  readonly entries: number;
  /** Checkpoint transactions (they take the same lock). */
  readonly checkpointTxns: number;
  /** Milliseconds, summed over the append transactions. */
  readonly beginMs: number;
  readonly lockWaitMs: number;
  readonly headMs: number;
  readonly insertMs: number;
  readonly commitMs: number;
  readonly otherMs: number;
  /** Whole transactions, begin sent to commit answered. */
  readonly txnMs: number;
  /** From the lock granted to commit answered: the time others could not append. */
  readonly holdMs: number;
  /** The same for the checkpoint transactions. */
  readonly checkpointTxnMs: number;
  readonly checkpointHoldMs: number;
}

export const EMPTY_PROBE: ProbeFigures = {
  txns: 0,
  entries: 0,
  checkpointTxns: 0,
  beginMs: 0,
  lockWaitMs: 0,
  headMs: 0,
  insertMs: 0,
  commitMs: 0,
  otherMs: 0,
  txnMs: 0,
  holdMs: 0,
  checkpointTxnMs: 0,
  checkpointHoldMs: 0,
};

export function addProbes(a: ProbeFigures, b: ProbeFigures): ProbeFigures {
  const sum: Record<string, number> = {};
  for (const key of Object.keys(EMPTY_PROBE) as (keyof ProbeFigures)[]) sum[key] = a[key] + b[key];
  return sum as unknown as ProbeFigures;
}

type Phase = 'begin' | 'lock' | 'head' | 'insert' | 'other';

interface Txn {
  readonly begun: number;
  locked: number | undefined;
  checkpoint: boolean;
  entries: number;
  readonly ms: Record<Phase, number>;
}

export interface Probe {
  reset(): void;
  read(): ProbeFigures;
}

let installed: Probe | undefined;

export function installProbe(): Probe {
  if (installed !== undefined) return installed;
  let totals: Record<keyof ProbeFigures, number> = { ...EMPTY_PROBE };
  const open = new WeakMap<object, Txn>();
  const prototype = pg.Client.prototype as unknown as {
    query(this: object, config: unknown, values?: unknown, callback?: unknown): unknown;
  };
  const original = prototype.query;
  prototype.query = function query(this: object, config: unknown, values?: unknown, callback?: unknown): unknown {
    const started = performance.now();
    const result = original.call(this, config, values, callback);
    if (typeof config !== 'string' || typeof values === 'function' || callback !== undefined) return result;
    if (!(result instanceof Promise)) return result;
    return result.then((value: unknown) => {
      observe(this, config, values, started, performance.now());
      return value;
    });
  };

  function observe(client: object, text: string, values: unknown, started: number, ended: number): void {
    const sql = text.trimStart().toLowerCase();
    if (sql === 'begin') {
      open.set(client, {
        begun: started,
        locked: undefined,
        checkpoint: false,
        entries: 0,
        ms: { begin: ended - started, lock: 0, head: 0, insert: 0, other: 0 },
      });
      return;
    }
    const txn = open.get(client);
    if (txn === undefined) return;
    const ms = ended - started;
    if (sql === 'rollback') {
      open.delete(client);
      return;
    }
    if (sql === 'commit') {
      open.delete(client);
      const hold = txn.locked === undefined ? 0 : ended - txn.locked;
      if (txn.checkpoint) {
        totals.checkpointTxns++;
        totals.checkpointTxnMs += ended - txn.begun;
        totals.checkpointHoldMs += hold;
        return;
      }
      if (txn.entries === 0) return;
      totals.txns++;
      totals.entries += txn.entries;
      totals.beginMs += txn.ms.begin;
      totals.lockWaitMs += txn.ms.lock;
      totals.headMs += txn.ms.head;
      totals.insertMs += txn.ms.insert;
      totals.commitMs += ms;
      totals.otherMs += txn.ms.other;
      totals.txnMs += ended - txn.begun;
      totals.holdMs += hold;
      return;
    }
    if (sql.startsWith('select pg_advisory_xact_lock')) {
      txn.ms.lock += ms;
      txn.locked = ended;
    } else if (sql.includes('.checkpoints')) {
      txn.checkpoint = true;
      txn.ms.other += ms;
    } else if (sql.startsWith('select seq, hash from')) txn.ms.head += ms;
    else if (sql.startsWith('insert into') && sql.includes('.ledger (seq')) {
      txn.ms.insert += ms;
      txn.entries += Array.isArray(values) && Array.isArray(values[0]) ? values[0].length : 0;
    } else txn.ms.other += ms;
  }

  installed = {
    reset() {
      totals = { ...EMPTY_PROBE };
    },
    read: () => ({ ...totals }),
  };
  return installed;
}
