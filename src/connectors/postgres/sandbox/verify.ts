import { PUBLIC_ID, type Snapshot } from '../../../core/index.ts';
import { readPostgresSnapshot } from '../read-snapshot.ts';
import { cachedImage, rememberImage } from './image-cache.ts';
import { messageOf, type StatementResult } from './protocol.ts';
import { inSourceTerms } from './read-back.ts';
import { prepareReplay } from './replay-plan.ts';
import { planShadow } from './shadow-plan.ts';
import { openShadowWorker } from './worker-client.ts';

export interface SandboxOptions {
  /** How long building the shadow, running the change and reading the result may take in all. Default 30 s. */
  readonly timeoutMs?: number;
}

/**
 * What replaying a change in the shadow gave: the state after it, how each statement went, and
 * what the shadow could not reproduce; or why there is no answer (time out, a broken sandbox).
 */
export type SandboxOutcome =
  | {
      readonly ok: true;
      readonly after: Snapshot;
      readonly statements: readonly StatementResult[];
      readonly warnings: readonly string[];
    }
  | { readonly ok: false; readonly reason: string };

export const DEFAULT_SANDBOX_TIMEOUT_MS = 30_000;

class Timeout extends Error {}

/**
 * Builds a shadow of `snapshot` in a fresh PGlite (its roles and schema, never its data, never a
 * connection to the real system), runs `sql` there as `role`, and reads the shadow back with
 * `readPostgresSnapshot`, the same code that reads a real database. The PGlite runs in a worker
 * thread that is terminated when done or when `timeoutMs` passes, so a statement that never ends
 * costs the timeout and nothing more. The after-snapshot carries no labels: classify it as the
 * snapshot it is compared with was classified.
 *
 * @example
 * const outcome = await verifyInSandbox(before, 'DO $$ BEGIN EXECUTE $q$GRANT …$q$; END $$', 'agent');
 * if (outcome.ok) computeDelta(before, classify(outcome.after, rules));
 */
export async function verifyInSandbox(
  snapshot: Snapshot,
  sql: string,
  role: string,
  options: SandboxOptions = {},
): Promise<SandboxOutcome> {
  const principal = snapshot.principalById.get(role);
  if (principal === undefined || role === PUBLIC_ID)
    return { ok: false, reason: `role "${role}" does not exist in the snapshot` };
  const plan = planShadow(snapshot);
  if (!plan.ok) return { ok: false, reason: plan.error };
  const statements = await prepareReplay(sql, principal);
  if (!statements.ok) return { ok: false, reason: statements.error };

  const timeoutMs = options.timeoutMs ?? DEFAULT_SANDBOX_TIMEOUT_MS;
  const worker = openShadowWorker();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout()), timeoutMs);
  });
  const work = (async (): Promise<SandboxOutcome> => {
    const image = cachedImage(plan.value.database);
    const replayed = await worker.start({
      kind: 'start',
      plan: plan.value,
      role,
      roleIsSuperuser: principal.superuser,
      statements: statements.value,
      ...(image === undefined ? {} : { image }),
    });
    if (replayed.image !== undefined) rememberImage(plan.value.database, replayed.image);
    const after = inSourceTerms(await readPostgresSnapshot(worker.db, snapshot.system), plan.value.bootstrap);
    if (!after.ok) return { ok: false, reason: after.error };
    return {
      ok: true,
      after: after.value,
      statements: replayed.statements,
      warnings: [...plan.value.warnings, ...replayed.warnings],
    };
  })();
  // When the deadline wins, the work fails later with the terminated worker: nobody awaits it then.
  work.catch(() => {});
  try {
    return await Promise.race([work, deadline]);
  } catch (error) {
    if (error instanceof Timeout)
      return { ok: false, reason: `the sandbox did not finish within ${timeoutMs} ms; it was stopped` };
    return { ok: false, reason: messageOf(error) };
  } finally {
    clearTimeout(timer);
    await worker.terminate();
  }
}
