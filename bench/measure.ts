import { performance } from 'node:perf_hooks';

/** Runs `fn` and returns its value with the wall-clock time it took, in milliseconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - start };
}

/** Synchronous form of {@link timed}. */
export function timedSync<T>(fn: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = fn();
  return { value, ms: performance.now() - start };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Full collection between measurements, when node runs with --expose-gc (`npm run bench` does). */
export function collectGarbage(): void {
  globalThis.gc?.();
}

export interface MemoryPeak {
  /** Records the current usage; call it where the data of a phase is still alive. */
  sample(): void;
  stop(): MemoryFigures;
}

export interface MemoryFigures {
  /** Highest resident set size of the process (the kernel's own maximum, so nothing is missed). */
  readonly peakRssBytes: number;
  /** Highest V8 heap in use among the samples (taken every 20 ms and at the end of each phase). */
  readonly peakHeapUsedBytes: number;
  /** Highest memory outside the V8 heap among the samples (Buffers, typed arrays). */
  readonly peakExternalBytes: number;
}

/**
 * Tracks peak memory. The timer cannot fire while synchronous work runs, so callers also sample at
 * the end of each phase; the RSS peak comes from `getrusage`, which sees every moment.
 */
export function trackMemory(intervalMs = 20): MemoryPeak {
  let heapUsed = 0;
  let external = 0;
  const sample = () => {
    const usage = process.memoryUsage();
    heapUsed = Math.max(heapUsed, usage.heapUsed);
    external = Math.max(external, usage.external);
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  sample();
  return {
    sample,
    stop() {
      sample();
      clearInterval(timer);
      return {
        peakRssBytes: Math.max(process.resourceUsage().maxRSS * 1024, process.memoryUsage.rss()),
        peakHeapUsedBytes: heapUsed,
        peakExternalBytes: external,
      };
    },
  };
}
