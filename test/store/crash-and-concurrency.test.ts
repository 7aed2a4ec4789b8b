import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { LedgerEntry, Store } from '../../src/app/index.ts';
import type { WriterOptions } from '../support/ledger-writer.ts';
import { DRIVERS, type StoreTarget, storeTarget } from '../support/store.ts';

/**
 * The ledger under the failures a single process cannot stage: a writer killed in the middle of
 * its appends, and several processes appending to one store at once. The writers are separate
 * Node processes (test/support/ledger-writer.ts) that report every acknowledged append.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WRITER = fileURLToPath(new URL('../support/ledger-writer.ts', import.meta.url));

interface Writer {
  readonly child: ChildProcess;
  /** seq → hash of every append the writer reported as acknowledged. */
  readonly acks: Map<number, string>;
  readonly lines: string[];
  stderr(): string;
  /** Resolves once `done` holds after a line of output; rejects if the writer exits first. */
  until(done: () => boolean, timeoutMs?: number): Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const writers: Writer[] = [];

function startWriter(options: WriterOptions): Writer {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, JSON.stringify(options)], {
    cwd: ROOT,
    stdio: [options.gate === true ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  const acks = new Map<number, string>();
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let errors = '';
  let pending = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    pending += chunk;
    const complete = pending.split('\n');
    pending = complete.pop() ?? '';
    for (const line of complete) {
      lines.push(line);
      const ack = /^ack (\d+) ([0-9a-f]{64})$/.exec(line);
      if (ack !== null) acks.set(Number(ack[1]), ack[2] as string);
    }
    for (const waiter of waiters) waiter();
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    errors += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      for (const waiter of waiters) waiter();
    });
  });
  const writer: Writer = {
    child,
    acks,
    lines,
    stderr: () => errors,
    exited,
    until(done, timeoutMs = 45_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (done()) finish();
          else if (child.exitCode !== null || child.signalCode !== null)
            finish(new Error(`writer ${options.tag} exited (${child.exitCode ?? child.signalCode}): ${errors}`));
        };
        const timer = setTimeout(
          () => finish(new Error(`writer ${options.tag} timed out after ${lines.length} lines: ${errors}`)),
          timeoutMs,
        );
        const finish = (error?: Error) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (error === undefined) resolve();
          else reject(error);
        };
        waiters.add(check);
        check();
      });
    },
  };
  writers.push(writer);
  return writer;
}

let target: StoreTarget | undefined;
let store: Store | undefined;

afterEach(async () => {
  for (const writer of writers.splice(0)) {
    if (writer.child.exitCode === null && writer.child.signalCode === null) writer.child.kill('SIGKILL');
    await writer.exited;
  }
  await store?.close();
  store = undefined;
  await target?.cleanup();
  target = undefined;
});

/** Every entry, in order. */
async function readAll(opened: Store): Promise<LedgerEntry[]> {
  const all: LedgerEntry[] = [];
  for (;;) {
    const page = await opened.ledger.read({ after: all.at(-1)?.seq ?? 0, limit: 10_000 });
    if (page.length === 0) return all;
    all.push(...page);
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe.each(DRIVERS)('a writer killed mid-stream on %s', (driver) => {
  it('leaves a chain that verifies, holding every append it acknowledged; the next open takes over its lock', async () => {
    target = storeTarget(driver);
    // Made (and, for PGlite, its cluster copied in) by this process first: entry 1, signed.
    await (await target.open()).close();
    const writer = startWriter({ store: target.options, tag: 'doomed', concurrency: 4 });
    await writer.until(() => writer.acks.size >= 100);
    expect(writer.child.kill('SIGKILL')).toBe(true);
    expect(await writer.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(writer.lines).not.toContain('done');

    if (driver === 'pglite') {
      // The dead process's lock is still there; the store must take it over, not refuse.
      const lock = join(target.options.directory ?? '', 'firebreak-store.lock');
      expect(existsSync(lock)).toBe(true);
      expect(readFileSync(lock, 'utf8')).toBe(String(writer.child.pid));
    }
    store = await target.open();
    const report = await store.ledger.verify();
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
    const head = report.head?.seq ?? 0;
    const acknowledged = Math.max(...writer.acks.keys());
    expect(head).toBeGreaterThanOrEqual(acknowledged);
    expect(report.entries).toBe(head);
    // Nothing the dead writer appended was signed: it never reached a checkpoint.
    expect(report).toMatchObject({ latestCheckpoint: { seq: 1 }, unsigned: head - 1 });

    const entries = await readAll(store);
    expect(entries.map((e) => e.seq)).toEqual(range(1, head));
    const hashes = new Map(entries.map((e) => [e.seq, e.hash]));
    for (const [seq, hash] of writer.acks) expect(hashes.get(seq), `acknowledged entry ${seq}`).toBe(hash);

    // The chain goes on from where the writer died, and is signed on close.
    const next = await store.ledger.append({ kind: 'incident.opened', actor: 'firebreak', data: { after: 'crash' } });
    expect(next.seq).toBe(head + 1);
    expect(next.prev).toBe(hashes.get(head));
    await store.close();
    store = await target.open();
    expect(await store.ledger.verify()).toMatchObject({ ok: true, entries: head + 1, unsigned: 0, findings: [] });
  });
});

describe('two writer processes on one PostgreSQL store', () => {
  it('append 300 entries each, concurrently, into one valid chain: 1 + 600 entries, seqs contiguous', async () => {
    target = storeTarget('postgres');
    const options = target.options;
    // Both start on an empty schema without a key: they race to create the key, migrate and
    // write the first entry too. Once both are open, one start line sets them appending together.
    const pair = ['a', 'b'].map((tag) => startWriter({ store: options, tag, count: 300, concurrency: 4, gate: true }));
    for (const writer of pair) await writer.until(() => writer.lines.includes('ready'));
    for (const writer of pair) writer.child.stdin?.end('go\n');
    for (const writer of pair) {
      const exit = await writer.exited;
      expect(exit, writer.stderr()).toEqual({ code: 0, signal: null });
      expect(writer.lines.at(-1)).toBe('done');
      expect(writer.acks.size).toBe(300);
    }

    store = await target.open();
    const report = await store.ledger.verify();
    expect(report).toMatchObject({ ok: true, entries: 601, head: { seq: 601 }, unsigned: 0, findings: [] });
    const entries = await readAll(store);
    expect(entries.map((e) => e.seq)).toEqual(range(1, 601));
    expect(entries[0]?.kind).toBe('ledger.opened');
    for (let i = 1; i < entries.length; i++) expect(entries[i]?.prev).toBe(entries[i - 1]?.hash);

    // Every acknowledged append is where its writer was told it is, and no seq was given twice.
    const [a, b] = pair as [Writer, Writer];
    expect([...a.acks.keys()].filter((seq) => b.acks.has(seq))).toEqual([]);
    expect([...a.acks.keys(), ...b.acks.keys()].sort((x, y) => x - y)).toEqual(range(2, 601));
    const hashes = new Map(entries.map((e) => [e.seq, e.hash]));
    for (const writer of pair) for (const [seq, hash] of writer.acks) expect(hashes.get(seq)).toBe(hash);
    // They did append at the same time: the chain alternates between them, not one block each.
    const switches = entries.slice(2).filter((e, i) => e.data.tag !== entries[i + 1]?.data.tag).length;
    expect(switches).toBeGreaterThan(1);
    for (const tag of ['a', 'b'])
      expect(
        entries
          .filter((e) => e.data.tag === tag)
          .map((e) => Number(e.data.i))
          .sort((x, y) => x - y),
      ).toEqual(range(0, 299));
  });
});
