/**
 * A child process of the audit benchmark (started by bench/audit-process.ts, never by hand): opens
 * its own store, says it is ready, waits for the go, appends or verifies, reports, closes.
 * Progress goes to stderr; stdout is the parent's stderr too.
 */
import { performance } from 'node:perf_hooks';
import type { Store } from '../dist/app/index.js';
import { openStore } from '../dist/store/index.js';
import { installProbe, type Probe } from './audit-probe.ts';
import type { ChildMessage, ChildOutcome, ChildTask, ParentMessage } from './audit-process.ts';
import { createRecords, runLoad } from './audit-workload.ts';
import { collectGarbage, trackMemory } from './measure.ts';
import { createProgress, log } from './progress.ts';

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    process.send?.(message, undefined, {}, (error) => (error === null ? resolve() : reject(error)));
  });
}

function waitForGo(): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (message: ParentMessage) => {
      if (message.type !== 'go') return;
      process.off('message', onMessage);
      resolve();
    };
    process.on('message', onMessage);
  });
}

async function append(store: Store, task: Extract<ChildTask, { mode: 'append' }>, probe: Probe | undefined) {
  const next = createRecords(task.seed);
  if (task.warmup > 0)
    await runLoad((r) => store.ledger.append(r), next, { ...task.load, limit: task.warmup, seconds: 60 });
  await send({ type: 'ready' });
  await waitForGo();
  probe?.reset();
  const result = await runLoad((r) => store.ledger.append(r), next, task.load);
  return { mode: 'append' as const, ...result, probe: probe?.read() };
}

async function verify(store: Store, task: Extract<ChildTask, { mode: 'verify' }>) {
  collectGarbage();
  const rssAfterOpenBytes = process.memoryUsage.rss();
  await send({ type: 'ready' });
  await waitForGo();
  const memory = trackMemory();
  let progress: ReturnType<typeof createProgress> | undefined;
  let checked = 0;
  const started = performance.now();
  const report = await store.ledger.verify((done, total) => {
    progress ??= createProgress(`verifying (${task.label})`, total);
    progress.advance(done - checked);
    checked = done;
  });
  const ms = performance.now() - started;
  log(`  verifying (${task.label}): ${report.entries.toLocaleString('en-US')} entries in ${(ms / 1000).toFixed(1)} s`);
  const figures = memory.stop();
  return {
    mode: 'verify' as const,
    ms,
    ok: report.ok,
    entries: report.entries,
    checkpoints: report.checkpoints,
    findings: report.findings.slice(0, 5).map((f) => `${f.code} at ${f.seq}: ${f.message}`),
    rssAfterOpenBytes,
    peakRssBytes: figures.peakRssBytes,
    peakHeapUsedBytes: figures.peakHeapUsedBytes,
  };
}

// A parent that went away cannot send the go: do not hold the store open forever.
let finished = false;
process.once('disconnect', () => {
  if (!finished) process.exit(1);
});

async function main(): Promise<void> {
  const task = JSON.parse(process.argv[2] ?? '') as ChildTask;
  const probe = task.mode === 'append' && task.store.url !== undefined ? installProbe() : undefined;
  const store = await openStore(task.store);
  let outcome: ChildOutcome;
  try {
    outcome = task.mode === 'append' ? await append(store, task, probe) : await verify(store, task);
  } finally {
    await store.close();
  }
  await send({ type: 'result', outcome });
  finished = true;
  process.disconnect();
}

try {
  await main();
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${error instanceof Error ? (error.stack ?? message) : message}\n`);
  await send({ type: 'error', message }).catch(() => {});
  process.exitCode = 1;
  finished = true;
  if (process.connected) process.disconnect();
}
