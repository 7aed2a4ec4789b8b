import type { Store, VerifyReport } from '../../app/index.ts';

/** What the audit page knows about the ledger's integrity. */
export interface LedgerCheckState {
  /** The latest finished verification, when there is one, and when it finished. */
  readonly report?: VerifyReport;
  readonly finishedAt?: string;
  /** The latest verification could not run (the store is down): never shown as intact. */
  readonly error?: string;
  /** A verification is running now, started then. */
  readonly runningSince?: string;
}

/**
 * Verifying the ledger reads every entry: milliseconds on a small ledger, seconds on a ledger of
 * millions. The audit page asks for a verification no older than `maxAgeMs` and waits for it at
 * most `waitMs`; past that it shows the previous result with its time, and says that a new one
 * is running. Every verification is whole: nothing is verified from a remembered point.
 * Concurrent visits share one run.
 */
export interface LedgerCheck {
  current(options: { readonly maxAgeMs: number; readonly waitMs: number }): Promise<LedgerCheckState>;
}

export function createLedgerCheck(store: Store, clock: () => Date): LedgerCheck {
  let state: LedgerCheckState = {};
  let running: Promise<void> | undefined;

  const start = (): Promise<void> => {
    if (running !== undefined) return running;
    const since = clock().toISOString();
    state = { ...state, runningSince: since };
    running = store.ledger
      .verify()
      .then(
        (report) => {
          state = { report, finishedAt: clock().toISOString() };
        },
        (error: unknown) => {
          state = { error: error instanceof Error ? error.message : String(error), finishedAt: clock().toISOString() };
        },
      )
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  return {
    async current({ maxAgeMs, waitMs }) {
      const age =
        state.finishedAt === undefined ? Number.POSITIVE_INFINITY : clock().getTime() - Date.parse(state.finishedAt);
      if (age > maxAgeMs || state.error !== undefined) {
        const run = start();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([run, new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
        clearTimeout(timer);
      }
      return state;
    },
  };
}
