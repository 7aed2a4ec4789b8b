import { performance } from 'node:perf_hooks';

/** Writes progress lines to stderr, so that stdout stays for results (and `--json`). */
export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

export interface Progress {
  advance(units: number): void;
  /** Prints the final line and returns the step's duration in milliseconds. */
  done(): number;
}

/**
 * Progress of one step of `total` units: a line at each tenth, or every 5 s when slower, with the
 * rate and an estimate of the time left.
 */
export function createProgress(name: string, total: number): Progress {
  const started = performance.now();
  let done = 0;
  let lastTenth = 0;
  let lastPrinted = started;
  const elapsed = () => (performance.now() - started) / 1000;
  return {
    advance(units) {
      done += units;
      const tenth = total === 0 ? 10 : Math.floor((done * 10) / total);
      const now = performance.now();
      if (done >= total || (tenth === lastTenth && now - lastPrinted < 5000)) return;
      lastTenth = tenth;
      lastPrinted = now;
      const rate = done / elapsed();
      const left = rate > 0 ? (total - done) / rate : 0;
      log(
        `  ${name}: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ` +
          `(${Math.floor((done * 100) / total)}%, ${elapsed().toFixed(1)} s, ~${left.toFixed(0)} s left)`,
      );
    },
    done() {
      const ms = performance.now() - started;
      log(`  ${name}: ${total.toLocaleString('en-US')} done in ${(ms / 1000).toFixed(1)} s`);
      return ms;
    },
  };
}
