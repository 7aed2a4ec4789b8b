import type { PGlite } from '@electric-sql/pglite';
import { messageOf, type ReplayStatement, type StatementResult } from './protocol.ts';
import { actAs } from './shadow-database.ts';
import { SHADOW_BOOTSTRAP } from './shadow-plan.ts';

export type Replay =
  | { readonly ok: true; readonly statements: readonly StatementResult[]; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly reason: string };

/**
 * Runs the change as `role`, one statement at a time in autocommit mode, as psql runs a script
 * without ON_ERROR_STOP: a statement that fails is reported and the next one runs (inside an
 * explicit transaction the following ones then fail until it ends, as in PostgreSQL). A
 * transaction left open is rolled back, as the end of a session would.
 */
export async function replayChange(
  db: PGlite,
  statements: readonly ReplayStatement[],
  role: string,
  superuser: boolean,
): Promise<Replay> {
  await actAs(db, role, superuser);
  const results: StatementResult[] = [];
  for (const statement of statements) {
    let error: string | undefined;
    for (const sql of statement.send) {
      try {
        await db.exec(sql);
      } catch (caught) {
        error = messageOf(caught);
        break;
      }
    }
    results.push(
      error === undefined ? { index: statement.index, ok: true } : { index: statement.index, ok: false, error },
    );
    if (await escaped(db))
      return {
        ok: false,
        reason: `statement ${statement.index} made the session act as the shadow's own bootstrap role (dynamic SQL resetting the session authorization), which the shadow cannot reproduce faithfully`,
      };
  }
  const warnings: string[] = [];
  if (db.isInTransaction()) {
    await db.exec('ROLLBACK');
    warnings.push('the change leaves a transaction open; the shadow rolled it back, as ending the session would');
  }
  // What the change set for its session must not change how the shadow is read back.
  await db.exec('RESET ALL');
  await db.exec('RESET ROLE');
  return { ok: true, statements: results, warnings };
}

/** The session acts as the shadow's bootstrap role, which the source does not have. */
async function escaped(db: PGlite): Promise<boolean> {
  try {
    const { rows } = await db.query<{ escaped: boolean }>(
      'select session_user::text = $1 or current_user::text = $1 as escaped',
      [SHADOW_BOOTSTRAP],
    );
    return rows[0]?.escaped === true;
  } catch {
    // In a failed transaction nothing runs until it ends, and its settings are undone with it.
    return false;
  }
}
