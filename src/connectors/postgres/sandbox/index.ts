import { FirebreakError, type Snapshot } from '../../../core/index.ts';
import { planShadow, planSql } from './shadow-plan.ts';

export type { StatementResult } from './protocol.ts';
export { DEFAULT_SANDBOX_TIMEOUT_MS, type SandboxOptions, type SandboxOutcome, verifyInSandbox } from './verify.ts';

/**
 * The SQL that rebuilds a snapshot's access state in an empty PostgreSQL 18 database of the same
 * name, run in order by a superuser: roles, memberships, schemas, relations, functions, views,
 * row security, privileges, default privileges. Statements that may not compile in the shadow
 * have stand-ins, which this list does not show (see docs/sandbox.md). Throws a
 * {@link FirebreakError} (`invalid_input`) for a snapshot that is not of PostgreSQL.
 */
export function shadowSql(snapshot: Snapshot): string[] {
  const plan = planShadow(snapshot);
  if (!plan.ok) throw new FirebreakError('invalid_input', plan.error);
  return planSql(plan.value);
}
