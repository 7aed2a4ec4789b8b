import type { Resource, RowPolicy } from '../../../core/index.ts';
import { type PlanContext, routineArguments, type ShadowStep, sqlNameOf } from './plan-context.ts';
import { createRelationStep, ownerAndComments, RELATION_KEYWORD, SHADOW_SERVER, viewSteps } from './plan-relations.ts';
import { grantee, ident } from './sql-text.ts';

/**
 * The database, schemas, relations, SECURITY DEFINER functions and row security, each with its
 * owner and comments (comments carry `[firebreak: …]` labels). Objects are created by the shadow's
 * superuser and then given to their owners; privileges come after (plan-privileges.ts).
 */
export function planObjects(context: PlanContext): ShadowStep[] {
  const { snapshot } = context;
  const steps: ShadowStep[] = [];
  const database = snapshot.resources.find((r) => r.kind === 'database');
  if (database !== undefined)
    steps.push(...ownerAndComments(context, database, 'DATABASE', ident(databaseName(context))));

  const schemas = snapshot.resources.filter((r) => r.kind === 'schema');
  // PGlite's database has a `public` schema; it is reused when the snapshot has one, dropped when not.
  if (!schemas.some(isPublicSchema)) steps.push({ sql: 'DROP SCHEMA "public"' });
  for (const schema of schemas) {
    if (!isPublicSchema(schema)) steps.push({ sql: `CREATE SCHEMA ${sqlNameOf(schema)}` });
    steps.push(...ownerAndComments(context, schema, 'SCHEMA'));
  }

  if (snapshot.resources.some((r) => r.kind === 'foreign table'))
    steps.push(
      { sql: `CREATE FOREIGN DATA WRAPPER ${ident(SHADOW_SERVER)}` },
      { sql: `CREATE SERVER ${ident(SHADOW_SERVER)} FOREIGN DATA WRAPPER ${ident(SHADOW_SERVER)}` },
    );
  for (const resource of snapshot.resources) {
    const create = createRelationStep(resource);
    if (create === undefined) continue;
    steps.push(create, ...ownerAndComments(context, resource, RELATION_KEYWORD[resource.kind] ?? 'TABLE'));
  }
  for (const resource of snapshot.resources)
    if (!(resource.kind in RELATION_KEYWORD) && !['database', 'schema', 'function'].includes(resource.kind))
      context.warnings.push(`${resource.name}: resources of kind ${resource.kind} are not reproduced`);

  // Bodies in quotes are not checked while building (check_function_bodies = off), so those
  // functions can come before the views that might call them; SQL-standard bodies are parsed at
  // creation and need the views they read.
  const routines = snapshot.resources.filter((r) => r.kind === 'function');
  const standardBody = (r: Resource) => r.definition !== undefined && !/^AS /m.test(r.definition);
  for (const routine of routines.filter((r) => !standardBody(r))) steps.push(...routineSteps(context, routine));
  steps.push(...viewSteps(context));
  for (const routine of routines.filter(standardBody)) steps.push(...routineSteps(context, routine));

  for (const resource of snapshot.resources) steps.push(...rowSecuritySteps(context, resource));
  return steps;
}

/** PGlite's database has this schema from the start, with USAGE for PUBLIC. */
export const isPublicSchema = (r: Resource) => r.kind === 'schema' && r.path.length === 1 && r.path[0] === 'public';

/** The database's name as PostgreSQL knows it (the resource's display name may be quoted). */
export function databaseName(context: PlanContext): string {
  return context.snapshot.facts?.database ?? '';
}

/**
 * A SECURITY DEFINER function from its definition; when that does not compile (a language or a
 * type the shadow lacks), a PL/pgSQL stand-in with the same arguments that names what the
 * original reads (or runs dynamic SQL when the original may read anything), so that the
 * routine's reads come back the same.
 */
function routineSteps(context: PlanContext, routine: Resource): ShadowStep[] {
  const target = `${sqlNameOf(routine)}(${routineArguments(routine)})`;
  const standIn = {
    sql: standInRoutine(context, routine, target),
    warning: `${routine.name}: its definition did not compile; a stand-in names what it reads`,
  };
  // pg_get_functiondef prints exactly one CREATE OR REPLACE statement; anything else is not run.
  const definition = routine.definition;
  if (definition === undefined || !/^CREATE OR REPLACE (FUNCTION|PROCEDURE) /.test(definition)) {
    context.warnings.push(`${routine.name} has no definition in the snapshot; a stand-in names what it reads`);
    return [{ sql: standIn.sql }, ...ownerAndComments(context, routine, 'ROUTINE', target)];
  }
  const create: ShadowStep = { sql: definition, alternatives: [standIn] };
  return [create, ...ownerAndComments(context, routine, 'ROUTINE', target)];
}

function standInRoutine(context: PlanContext, routine: Resource, target: string): string {
  const reads = routine.routine?.reads ?? 'any';
  const names =
    reads === 'any'
      ? []
      : reads.flatMap((id) => {
          const resource = context.snapshot.resourceById.get(id);
          return resource === undefined ? [] : [sqlNameOf(resource)];
        });
  const body = [
    'BEGIN',
    ...(names.length === 0 ? [] : [`  IF false THEN PERFORM 1 FROM ${names.join(', ')}; END IF;`]),
    ...(reads === 'any' ? ["  EXECUTE 'SELECT 1';"] : []),
    'END',
  ].join('\n');
  let tag = '$firebreak$';
  for (let i = 0; body.includes(tag); i++) tag = `$firebreak${i}$`;
  return `CREATE FUNCTION ${target} RETURNS void LANGUAGE plpgsql SECURITY DEFINER AS ${tag}\n${body}\n${tag}`;
}

const POLICY_COMMANDS = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE']);

/** ENABLE / FORCE ROW LEVEL SECURITY and each policy; a condition that does not compile becomes `false`. */
function rowSecuritySteps(context: PlanContext, resource: Resource): ShadowStep[] {
  const security = resource.rowSecurity;
  if (security === undefined) return [];
  const table = sqlNameOf(resource);
  const steps: ShadowStep[] = [];
  if (security.enabled) steps.push({ sql: `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY` });
  if (security.forced) steps.push({ sql: `ALTER TABLE ${table} FORCE ROW LEVEL SECURITY` });
  for (const policy of security.policies) {
    const fallback = policySql(table, policy, true);
    steps.push({
      sql: policySql(table, policy, false),
      alternatives: [
        {
          sql: fallback,
          warning: `policy ${policy.name} on ${resource.name}: its condition did not compile; it admits no row in the shadow`,
        },
      ],
    });
  }
  if (security.policies.some((p) => p.principals.length === 0))
    context.warnings.push(`${resource.name} has a policy for nobody; the shadow applies it to PUBLIC`);
  return steps;
}

function policySql(table: string, policy: RowPolicy, fallback: boolean): string {
  const first = policy.privileges === '*' ? 'ALL' : (policy.privileges[0] ?? 'ALL');
  const command = POLICY_COMMANDS.has(first) ? first : 'ALL';
  const roles = policy.principals.length === 0 ? 'PUBLIC' : policy.principals.map(grantee).join(', ');
  const using = policy.condition === null ? '' : ` USING (${fallback ? 'false' : policy.condition})`;
  const check = policy.check === undefined ? '' : ` WITH CHECK (${fallback ? 'false' : policy.check})`;
  return `CREATE POLICY ${ident(policy.name)} ON ${table} AS ${policy.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'} FOR ${command} TO ${roles}${using}${check}`;
}
