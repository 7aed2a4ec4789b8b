/**
 * A separate process that appends to a store's ledger, for crash and concurrency tests:
 *
 *   node --import tsx test/support/ledger-writer.ts '{"store": {…StoreOptions}, "tag": "a", "count": 300}'
 *
 * It opens the store, prints `ready`, (with `gate`, waits for a line on stdin,) appends `count` entries (for ever when absent) with
 * `concurrency` appends in flight, and prints `ack SEQ HASH` for each append once the store has
 * acknowledged it (committed), before starting the next. With a count it closes the store (which
 * signs a checkpoint) and prints `done`. Writes to a pipe are synchronous on Linux, so a line the
 * parent has read is an append that was acknowledged before the process died.
 *
 * Tests import only its types (`import type`): importing it would run it.
 */
import type { StoreOptions } from '../../src/store/index.ts';
import { openStore } from '../../src/store/index.ts';

export interface WriterOptions {
  readonly store: StoreOptions;
  /** Written into every entry (`actor` and `data.tag`), to tell writers apart. */
  readonly tag: string;
  readonly count?: number;
  /** Appends in flight at once (default 1). */
  readonly concurrency?: number;
  /** Wait for a line on stdin after `ready` before appending: a start line for several writers. */
  readonly gate?: boolean;
}

function lineOnStdin(): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => {
      if (chunk.includes('\n')) {
        process.stdin.pause();
        resolve();
      }
    });
    process.stdin.once('end', () => reject(new Error('stdin closed before the start line')));
  });
}

async function main(options: WriterOptions): Promise<void> {
  const store = await openStore(options.store);
  process.stdout.write('ready\n');
  if (options.gate === true) await lineOnStdin();
  const count = options.count ?? Number.POSITIVE_INFINITY;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const entry = await store.ledger.append({
        kind: 'decision',
        actor: `agent:${options.tag}`,
        system: 'crash-test',
        data: { tag: options.tag, i, pad: 'x'.repeat(200) },
      });
      process.stdout.write(`ack ${entry.seq} ${entry.hash}\n`);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 1 }, worker));
  await store.close();
  process.stdout.write('done\n');
}

main(JSON.parse(process.argv[2] ?? '{}') as WriterOptions).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
