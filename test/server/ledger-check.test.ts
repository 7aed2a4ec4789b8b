import { describe, expect, it } from 'vitest';
import type { Store, VerifyReport } from '../../src/app/index.ts';
import { createLedgerCheck } from '../../src/server/web/ledger-check.ts';
import { auditPage } from '../../src/server/web/pages/audit.ts';

const intact = (entries: number): VerifyReport => ({
  ok: true,
  entries,
  head: { seq: entries, hash: 'a'.repeat(64) },
  checkpoints: 0,
  unsigned: entries,
  findings: [],
  truncatedFindings: false,
});

/** A store whose verifications finish when the test says, or fail when it says. */
function ledger() {
  const runs: { resolve: (report: VerifyReport) => void; reject: (error: Error) => void }[] = [];
  const store = {
    ledger: {
      verify: () =>
        new Promise<VerifyReport>((resolve, reject) => {
          runs.push({ resolve, reject });
        }),
    },
  } as unknown as Store;
  return { store, runs };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * A ledger check on a clock the test moves (`clock.now`), whose first verification has finished
 * at 12:00:00 with an intact ledger of 3 entries.
 */
async function verifiedOnce() {
  const { store, runs } = ledger();
  const clock = { now: Date.parse('2026-11-26T12:00:00Z') };
  const check = createLedgerCheck(store, () => new Date(clock.now));
  const first = check.current({ maxAgeMs: 10_000, waitMs: 1_000 });
  await tick();
  runs[0]?.resolve(intact(3));
  return { check, runs, clock, first: await first };
}

describe('the audit page ledger check', () => {
  it('verifies the whole ledger on the first visit, then reuses the result while it is young', async () => {
    const { check, runs, clock, first } = await verifiedOnce();
    expect(first).toEqual({ report: intact(3), finishedAt: '2026-11-26T12:00:00.000Z' });
    clock.now += 10_000;
    expect((await check.current({ maxAgeMs: 10_000, waitMs: 1_000 })).report).toEqual(intact(3));
    expect(runs).toHaveLength(1);
  });

  it('shows the previous result while a slow verification runs, and one run serves every visit', async () => {
    const { check, runs, clock } = await verifiedOnce();
    clock.now += 10_001;
    const [a, b] = await Promise.all([
      check.current({ maxAgeMs: 10_000, waitMs: 5 }),
      check.current({ maxAgeMs: 10_000, waitMs: 5 }),
    ]);
    expect(runs).toHaveLength(2);
    for (const state of [a, b])
      expect(state).toEqual({
        report: intact(3),
        finishedAt: '2026-11-26T12:00:00.000Z',
        runningSince: '2026-11-26T12:00:10.001Z',
      });
    runs[1]?.resolve(intact(4));
    await tick();
    expect(await check.current({ maxAgeMs: 10_000, waitMs: 5 })).toEqual({
      report: intact(4),
      finishedAt: '2026-11-26T12:00:10.001Z',
    });
  });

  it('never shows an intact ledger after a verification failed, and tries again on the next visit', async () => {
    const { check, runs, clock } = await verifiedOnce();
    clock.now += 10_001;
    const failing = check.current({ maxAgeMs: 10_000, waitMs: 1_000 });
    await tick();
    runs[1]?.reject(new Error('the store is unavailable'));
    const failed = await failing;
    expect(failed.report).toBeUndefined();
    expect(failed.error).toBe('the store is unavailable');
    const page = String(auditPage({ check: failed, entries: [], older: undefined }));
    expect(page).toContain('could not be verified: the store is unavailable');
    expect(page).not.toContain('Ledger intact');
    // However young the failure, the next visit verifies again.
    void check.current({ maxAgeMs: 10_000, waitMs: 5 });
    await tick();
    expect(runs).toHaveLength(3);
  });

  it('says when the ledger was verified, and that a first verification is still running', () => {
    const done = String(
      auditPage({
        check: { report: intact(3), finishedAt: '2026-11-26T12:00:00.000Z', runningSince: '2026-11-26T12:00:11.000Z' },
        entries: [],
        older: undefined,
      }),
    );
    expect(done).toContain('Ledger intact: 3 entries');
    expect(done).toMatch(/Verified <time datetime="2026-11-26T12:00:00.000Z">.*a new verification started/s);
    const running = String(
      auditPage({ check: { runningSince: '2026-11-26T12:00:11.000Z' }, entries: [], older: undefined }),
    );
    expect(running).toContain('Verifying every entry of the ledger');
    expect(running).not.toContain('intact');
  });
});
