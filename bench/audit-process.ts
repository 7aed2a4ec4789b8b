import { type ChildProcess, fork } from 'node:child_process';
import type { StoreOptions } from '../dist/store/index.js';
import type { ProbeFigures } from './audit-probe.ts';
import type { LoadOptions, LoadResult } from './audit-workload.ts';

/**
 * The audit benchmark's child processes (bench/audit-child.ts): a writer with its own store, as a
 * separate Firebreak process sharing the server would have, or a verifier, so that the peak RSS
 * measured is that of a process that only opens the store and verifies it.
 */
export type ChildTask =
  | {
      readonly mode: 'append';
      readonly store: StoreOptions;
      readonly seed: number;
      readonly warmup: number;
      readonly load: LoadOptions;
    }
  | { readonly mode: 'verify'; readonly store: StoreOptions; readonly label: string };

export interface AppendOutcome extends LoadResult {
  readonly mode: 'append';
  /** Client-side phases of the append transactions (server stores only). */
  readonly probe: ProbeFigures | undefined;
}

export interface VerifyOutcome {
  readonly mode: 'verify';
  readonly ms: number;
  readonly ok: boolean;
  readonly entries: number;
  readonly checkpoints: number;
  readonly findings: readonly string[];
  /** Resident set size once the store was open, before verifying. */
  readonly rssAfterOpenBytes: number;
  readonly peakRssBytes: number;
  readonly peakHeapUsedBytes: number;
}

export type ChildOutcome = AppendOutcome | VerifyOutcome;

export type ParentMessage = { readonly type: 'go' };
export type ChildMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly outcome: ChildOutcome }
  | { readonly type: 'error'; readonly message: string };

export interface Child<T extends ChildOutcome> {
  readonly pid: number | undefined;
  /** Resolves when the store is open (and warmed up): the child waits for {@link go}. */
  readonly ready: Promise<void>;
  go(): void;
  /** Resolves with the outcome once the child has closed its store and exited. */
  readonly outcome: Promise<T>;
  /** Ends this child (by its own handle) if it still runs. */
  kill(): void;
}

const running = new Set<ChildProcess>();

/** Ends the children still running, e.g. when the benchmark fails or is interrupted. */
export function killChildren(): void {
  for (const child of running) child.kill('SIGTERM');
  running.clear();
}

/** Starts a child (same node options as this process, so tsx is loaded); its output goes to stderr. */
export function startChild<T extends ChildOutcome>(task: ChildTask): Child<T> {
  const child = fork(new URL('./audit-child.ts', import.meta.url), [JSON.stringify(task)], {
    stdio: ['ignore', 2, 2, 'ipc'],
  });
  running.add(child);
  let markReady: () => void = () => {};
  let fail: (error: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    fail = reject;
  });
  let result: ChildOutcome | undefined;
  let failure: string | undefined;
  child.on('message', (message: ChildMessage) => {
    if (message.type === 'ready') markReady();
    else if (message.type === 'result') result = message.outcome;
    else failure = message.message;
  });
  const outcome = new Promise<T>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      running.delete(child);
      const error = new Error(
        `audit ${task.mode} child ${child.pid ?? '?'} ${failure !== undefined ? `failed: ${failure}` : `exited (${signal ?? code}) without a result`}`,
      );
      fail(error);
      if (result !== undefined && code === 0) resolve(result as T);
      else reject(error);
    });
  });
  // Whoever awaits `ready` sees the failure; `outcome` is awaited later, so do not let it go unhandled.
  outcome.catch(() => {});
  return {
    pid: child.pid,
    ready,
    go: () => child.send({ type: 'go' } satisfies ParentMessage),
    outcome,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}
