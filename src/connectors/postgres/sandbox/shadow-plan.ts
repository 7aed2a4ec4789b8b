import { err, ok, type PrincipalId, type Result, type Snapshot } from '../../../core/index.ts';
import type { PlanContext, ShadowStep } from './plan-context.ts';
import { planObjects } from './plan-objects.ts';
import { planPrivileges } from './plan-privileges.ts';
import { planRoles } from './plan-roles.ts';
import { ident } from './sql-text.ts';

/** Everything needed to rebuild a snapshot's access state in an empty PostgreSQL 18. */
export interface ShadowPlan {
  /** The database's name: the shadow's database is created under the same name. */
  readonly database: string;
  /** The source's bootstrap superuser, an ordinary superuser role in the shadow. */
  readonly bootstrap: PrincipalId;
  /** The role that read the snapshot: view definitions name relations relative to its search path. */
  readonly reader: PrincipalId;
  /** Session settings while building. */
  readonly settings: readonly string[];
  readonly steps: readonly ShadowStep[];
  /** What the snapshot holds that the shadow will not reproduce exactly. */
  readonly warnings: readonly string[];
}

export type { ShadowStep } from './plan-context.ts';

/**
 * The role PGlite creates with its cluster (oid 10) is renamed to this before the build, so that
 * the source's own bootstrap superuser can be an ordinary role of the snapshot, and stripped of
 * SUPERUSER before a non-superuser change runs (see docs/sandbox.md, "Security").
 */
export const SHADOW_BOOTSTRAP = 'firebreak_shadow_bootstrap';

/** Plans the shadow of a PostgreSQL snapshot; fails when the snapshot cannot have one. */
export function planShadow(snapshot: Snapshot): Result<ShadowPlan, string> {
  if (snapshot.source !== 'postgres') return err(`only PostgreSQL snapshots have a shadow (got ${snapshot.source})`);
  const database = snapshot.facts?.database;
  if (database === undefined || database === '') return err('the snapshot does not name its database');
  if (snapshot.principalById.has(SHADOW_BOOTSTRAP))
    return err(`the snapshot has a role named ${SHADOW_BOOTSTRAP}, which the shadow reserves`);
  const bootstrap = snapshot.facts?.bootstrapSuperuser ?? 'postgres';
  const context: PlanContext = {
    snapshot,
    bootstrap,
    serverVersion: Number.parseInt(snapshot.facts?.serverVersion ?? '180000', 10),
    warnings: [],
  };
  if (!snapshot.principalById.has(bootstrap))
    context.warnings.push(`the bootstrap superuser ${bootstrap} is not in the snapshot`);
  const reader = snapshot.facts?.connectedAs ?? bootstrap;
  const steps = [...planRoles(context), ...planObjects(context), ...planPrivileges(context)];
  return ok({
    database,
    bootstrap,
    reader,
    settings: ['SET check_function_bodies = off', searchPathSetting(reader)],
    steps,
    warnings: context.warnings,
  });
}

/**
 * The search path PostgreSQL's default gives the role that read the snapshot (`"$user", public`):
 * view definitions and policy conditions name relations relative to it.
 */
export function searchPathSetting(role: PrincipalId): string {
  return `SET search_path = ${ident(role)}, "public"`;
}

/** The plan as SQL text, run in order in the shadow's database by a superuser. */
export function planSql(plan: ShadowPlan): string[] {
  return [
    ...plan.settings,
    ...plan.steps.flatMap((step) =>
      step.as === undefined ? [step.sql] : [`SET ROLE ${ident(step.as)}`, step.sql, 'RESET ROLE'],
    ),
  ];
}
