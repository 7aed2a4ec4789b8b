import { type Grant, type PrincipalId, PUBLIC_ID, type Resource } from '../../../core/index.ts';
import { TABLE_KINDS } from '../normalise.ts';
import { type PlanContext, routineArguments, type ShadowStep, sqlNameOf } from './plan-context.ts';
import { databaseName, isPublicSchema } from './plan-objects.ts';
import { grantee, ident } from './sql-text.ts';

/**
 * What `acldefault` gives an object of each kind in PostgreSQL 18: all privileges to the owner,
 * and to PUBLIC CONNECT and TEMPORARY on a database and EXECUTE on a function
 * (https://www.postgresql.org/docs/current/ddl-priv.html#PRIVILEGES-SUMMARY-TABLE).
 */
const BUILT_IN: Readonly<Record<string, { readonly owner: readonly string[]; readonly public: readonly string[] }>> = {
  relation: {
    owner: ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER', 'MAINTAIN'],
    public: [],
  },
  sequence: { owner: ['SELECT', 'UPDATE', 'USAGE'], public: [] },
  schema: { owner: ['USAGE', 'CREATE'], public: [] },
  database: { owner: ['CREATE', 'TEMPORARY', 'CONNECT'], public: ['TEMPORARY', 'CONNECT'] },
  function: { owner: ['EXECUTE'], public: ['EXECUTE'] },
};

/** Privileges younger than PostgreSQL 15: a snapshot of an older server cannot have revoked them. */
const ADDED_IN: Readonly<Record<string, number>> = { MAINTAIN: 170000 };

const aclGroup = (resource: Resource) => (TABLE_KINDS.includes(resource.kind) ? 'relation' : resource.kind);
const key = (principal: PrincipalId, privilege: string) => `${principal}\u0000${privilege}`;

interface PendingGrant {
  readonly grant: Grant;
  readonly resource: Resource;
  readonly target: string;
}

/**
 * Every grant of the snapshot, as the difference between the ACL a new object starts with and the
 * ACL the snapshot holds: revokes of built-in privileges that were taken away (PUBLIC's EXECUTE on
 * a function, CONNECT on the database), then grants, each run as its grantor so that revoking
 * later behaves as on the source. Default privileges come last, so that the shadow's own objects
 * were not created under them.
 */
export function planPrivileges(context: PlanContext): ShadowStep[] {
  const { snapshot } = context;
  const revokes: ShadowStep[] = [];
  const pending: PendingGrant[] = [];
  for (const resource of snapshot.resources) {
    const target = grantTarget(context, resource);
    const builtIn = BUILT_IN[aclGroup(resource)];
    if (target === undefined || builtIn === undefined || resource.owner === undefined) continue;
    const grants = snapshot.grantsByResource.get(resource.id) ?? [];
    const whole = grants.filter((g) => g.column === undefined);
    const defaults = [
      ...builtIn.owner.map((p) => key(resource.owner as string, p)),
      ...builtIn.public.map((p) => key(PUBLIC_ID, p)),
    ];
    // PGlite's `public` schema starts with USAGE for PUBLIC (PostgreSQL 15+); a new object with none.
    const initial = new Set(isPublicSchema(resource) ? [...defaults, key(PUBLIC_ID, 'USAGE')] : defaults);
    const implicit = whole.some((g) => g.implicit !== undefined);
    const desired = new Set(implicit ? defaults : whole.map((g) => key(g.principal, g.privilege)));
    for (const entry of initial) {
      const [principal = '', privilege = ''] = entry.split('\u0000');
      if (desired.has(entry) || (ADDED_IN[privilege] ?? 0) > context.serverVersion) continue;
      revokes.push({ sql: `REVOKE ${privilege} ON ${target} FROM ${grantee(principal)}` });
    }
    for (const grant of implicit ? grants.filter((g) => g.column !== undefined) : grants) {
      const fromOwner = grant.grantor === undefined || grant.grantor === resource.owner;
      const present = grant.column === undefined && initial.has(key(grant.principal, grant.privilege));
      if (present && fromOwner && (!grant.grantable || grant.principal === resource.owner)) continue;
      pending.push({ grant, resource, target });
    }
  }
  return [...revokes, ...orderGrants(context, pending), ...defaultPrivilegeSteps(context)];
}

/** How GRANT names a resource, or undefined for kinds that take no grants here. */
function grantTarget(context: PlanContext, resource: Resource): string | undefined {
  if (resource.kind === 'database') return `DATABASE ${ident(databaseName(context))}`;
  if (resource.kind === 'schema') return `SCHEMA ${sqlNameOf(resource)}`;
  if (resource.kind === 'function') return `ROUTINE ${sqlNameOf(resource)}(${routineArguments(resource)})`;
  if (resource.kind === 'sequence') return `SEQUENCE ${sqlNameOf(resource)}`;
  if (TABLE_KINDS.includes(resource.kind)) return `TABLE ${sqlNameOf(resource)}`;
  return undefined;
}

/**
 * Grants in an order PostgreSQL accepts: a grant by someone other than the owner needs that
 * grantor to hold the privilege WITH GRANT OPTION first. A superuser granting acts as the owner
 * (https://www.postgresql.org/docs/current/sql-grant.html), so owner's and superusers' grants
 * need no SET ROLE.
 */
function orderGrants(context: PlanContext, pending: readonly PendingGrant[]): ShadowStep[] {
  const { snapshot } = context;
  const held = new Set<string>();
  const holds = (role: PrincipalId, g: Grant, column: string) =>
    held.has(`${role}\u0000${g.privilege}\u0000${g.resource}\u0000${column}`);
  const actingGrantor = (p: PendingGrant) => {
    const grantor = p.grant.grantor;
    if (grantor === undefined || grantor === p.resource.owner || !snapshot.principalById.has(grantor)) return undefined;
    return snapshot.principalById.get(grantor)?.superuser === true ? undefined : grantor;
  };
  const steps: ShadowStep[] = [];
  const emit = (p: PendingGrant, as: PrincipalId | undefined) => {
    const { grant } = p;
    const columns = grant.column === undefined ? '' : ` (${ident(grant.column)})`;
    const option = grant.grantable && grant.principal !== PUBLIC_ID ? ' WITH GRANT OPTION' : '';
    const sql = `GRANT ${grant.privilege}${columns} ON ${p.target} TO ${grantee(grant.principal)}${option}`;
    const warning = `${grant.privilege} on ${p.resource.name} to ${grant.principal} is recorded as granted by the owner`;
    steps.push(as === undefined ? { sql } : { sql, as, alternatives: [{ sql, warning }] });
    if (grant.grantable)
      held.add(`${grant.principal}\u0000${grant.privilege}\u0000${grant.resource}\u0000${grant.column ?? ''}`);
  };
  let waiting = pending;
  for (let progress = true; progress && waiting.length > 0; ) {
    const next: PendingGrant[] = [];
    for (const p of waiting) {
      const as = actingGrantor(p);
      if (as !== undefined && !holds(as, p.grant, '') && !holds(as, p.grant, p.grant.column ?? '')) next.push(p);
      else emit(p, as);
    }
    progress = next.length < waiting.length;
    waiting = next;
  }
  for (const p of waiting) emit(p, undefined);
  if (waiting.length > 0)
    context.warnings.push(
      `${waiting.length} grant(s) are recorded as granted by the owner: their grantors never held the grant option`,
    );
  return steps;
}

/** ALTER DEFAULT PRIVILEGES: the snapshot keeps those on tables, which is what exposes future data. */
function defaultPrivilegeSteps(context: PlanContext): ShadowStep[] {
  const { snapshot } = context;
  const steps: ShadowStep[] = [];
  for (const g of snapshot.defaultGrants) {
    if (g.kind !== 'table') {
      context.warnings.push(`default privileges on ${g.kind} objects are not reproduced`);
      continue;
    }
    const schema = g.container === undefined ? undefined : snapshot.resourceById.get(g.container);
    const inSchema = schema === undefined ? '' : ` IN SCHEMA ${sqlNameOf(schema)}`;
    const option = g.grantable && g.principal !== PUBLIC_ID ? ' WITH GRANT OPTION' : '';
    steps.push({
      sql: `ALTER DEFAULT PRIVILEGES FOR ROLE ${ident(g.creator)}${inSchema} GRANT ${g.privilege} ON TABLES TO ${grantee(g.principal)}${option}`,
    });
  }
  return steps;
}
