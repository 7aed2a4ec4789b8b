import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { LedgerRecord } from '../dist/app/index.js';
import { createRandom } from '../test/support/random.ts';

/**
 * What the audit benchmark appends: records shaped like the ones the store writes for a check's
 * decision (most of them) and for an approval request, with 300–600 bytes of data each.
 */
export function createRecords(seed: number): () => LedgerRecord {
  const random = createRandom(seed);
  const hex = () => randomBytes(32).toString('hex');
  return () => {
    const system = random.pick(SYSTEMS);
    const actor = random.pick(ACTORS);
    const table = `${random.pick(SCHEMAS)}.${random.pick(TABLES)}`;
    const grantee = random.pick(GRANTEES);
    if (random.chance(0.15))
      return {
        kind: 'approval.requested',
        actor,
        system,
        subject: randomUUID(),
        data: {
          changeHash: hex(),
          statements: [
            `grant usage on schema ${table.split('.')[0]} to ${grantee}`,
            `grant select on ${table} to ${grantee}`,
          ],
          rules: [random.pick(RULES)],
          requiredApprovals: random.int(1, 3),
          expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
          decisionId: randomUUID(),
        },
      };
    const decision = random.pick(['allow', 'allow', 'review', 'deny'] as const);
    const gaining = decision === 'allow' ? 0 : random.int(1, 2_000);
    const reasons = Array.from({ length: random.int(1, 2) }, () => ({
      rule: random.pick(RULES),
      decision,
      message:
        decision === 'allow'
          ? `no login role gains read access to a labelled table through ${table}; ${grantee} already holds SELECT on it`
          : `${gaining} login roles would gain SELECT on ${table} (labels: pii) through ${grantee}`,
    }));
    return {
      kind: 'decision',
      actor,
      system,
      subject: randomUUID(),
      data: {
        decision,
        inputHash: hex(),
        reasons,
        summary: {
          principalsGaining: gaining,
          resourcesGaining: decision === 'allow' ? 0 : random.int(1, 40),
          labelsGained: decision === 'allow' ? [] : ['pii'],
        },
        statements: random.int(1, 6),
      },
    };
  };
}

const SYSTEMS = ['prod-orders', 'prod-billing', 'analytics-warehouse', 'crm-primary', 'staging-orders'];
const ACTORS = ['agent:migration-bot', 'agent:support-copilot', 'agent:etl-planner', 'user:alice', 'user:ops-oncall'];
const SCHEMAS = ['sales', 'billing', 'crm', 'analytics', 'hr'];
const TABLES = ['customers_pii', 'invoices', 'payment_methods', 'contacts', 'orders', 'employees_pii'];
const GRANTEES = ['analysts', 'reporting_ro', 'support_agents', 'etl_loader', 'public'];
const RULES = ['pii-exposure', 'public-grant', 'superuser-change', 'bulk-grant', 'default-privileges'];

export interface LoadOptions {
  /** Appends kept in flight at once (1: each awaited before the next). */
  readonly inFlight: number;
  /** At most this many appends… */
  readonly limit: number;
  /** …or for this long, whichever comes first. */
  readonly seconds: number;
}

export interface LoadResult {
  readonly appends: number;
  /** Wall-clock start and end (ms since the epoch, sub-millisecond), comparable across processes. */
  readonly startedAt: number;
  readonly endedAt: number;
  /** Time each append took to resolve, in ms. */
  readonly latenciesMs: readonly number[];
}

/** An append outstanding this long, with none resolving meanwhile, fails the measurement. */
const STALL_MS = 60_000;

/** Keeps `inFlight` calls of `append` going until the limit or the time is reached. */
export async function runLoad(
  append: (record: LedgerRecord) => Promise<unknown>,
  next: () => LedgerRecord,
  options: LoadOptions,
  onAppended?: () => void,
): Promise<LoadResult> {
  // Start from a fresh turn of the event loop. The ledger's group commit (src/store/ledger.ts,
  // run/drain) strands an append issued in the few microtasks between its drain loop finding the
  // queue empty and `flushing` being cleared: nothing flushes it until another append arrives,
  // so a writer that awaits each append waits forever. Appends issued from a new macrotask
  // cannot land in that window; the watchdog below turns any other stall into an error.
  await new Promise((resolve) => setImmediate(resolve));
  const latenciesMs: number[] = [];
  let issued = 0;
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  let lastProgress = started;
  const worker = async () => {
    while (issued < options.limit && performance.now() < deadline) {
      issued++;
      const record = next();
      const t = performance.now();
      await append(record);
      lastProgress = performance.now();
      latenciesMs.push(lastProgress - t);
      onAppended?.();
    }
  };
  let watchdog: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    watchdog = setInterval(() => {
      if (performance.now() - lastProgress < STALL_MS) return;
      reject(
        new Error(
          `no append resolved in ${STALL_MS / 1000} s (${issued - latenciesMs.length} outstanding): the ledger stalled`,
        ),
      );
    }, 1_000);
  });
  try {
    await Promise.race([Promise.all(Array.from({ length: Math.max(1, options.inFlight) }, worker)), stalled]);
  } finally {
    clearInterval(watchdog);
  }
  const ended = performance.now();
  return {
    appends: latenciesMs.length,
    startedAt: performance.timeOrigin + started,
    endedAt: performance.timeOrigin + ended,
    latenciesMs,
  };
}

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}
