import type { Queryable } from '../dist/connectors/postgres/index.js';
import { createRandom } from '../test/support/random.ts';
import { median, timed } from './measure.ts';

/**
 * PostgreSQL's own answer to "which login roles can read which labelled tables": for each pair,
 * `has_table_privilege(role, table, 'SELECT') and has_schema_privilege(role, schema, 'USAGE')`.
 * This is a lower bound on the work of asking the server, since it leaves out what these functions
 * do not see (SET ROLE to NOINHERIT memberships, column grants, row security, CONNECT).
 *
 * Asking about every login role takes too long at scale (postgres-access.md, "Cost of asking
 * PostgreSQL directly"), so it asks about a random sample of login roles and scales the time
 * linearly. The cost depends on the loop order, because PostgreSQL caches the memberships of one
 * role at a time: role-major (each role the outer loop) is its best case; table-major (each table
 * the outer loop, so the role changes on every call) is its worst. Both are forced with a LATERAL
 * subquery that OFFSET 0 keeps from being flattened; which one a plain cross join gets is up to the
 * planner's estimates, so EXPLAIN reports it.
 */
export interface OrderTiming {
  readonly sampleMs: readonly number[];
  /** Median of `sampleMs` × login roles / sampled roles. */
  readonly extrapolatedMs: number;
}

export interface BaselineResult {
  readonly loginRoles: number;
  readonly sampledRoles: readonly string[];
  readonly tables: number;
  readonly roleMajor: OrderTiming;
  readonly tableMajor: OrderTiming;
  /** Which side a plain `roles cross join tables` puts in the outer loop on this server. */
  readonly plainJoinOuter: 'roles' | 'tables' | 'unknown';
  /** Readable pairs the query returned, as `role\0schema\0table`. */
  readonly pairs: ReadonlySet<string>;
}

export interface LabelledTable {
  readonly schema: string;
  readonly name: string;
}

const INPUTS = `
  with labelled as materialized (
    select c.oid, c.relnamespace as nsp, x.schema_name, x.table_name
    from unnest($2::text[], $3::text[]) as x(schema_name, table_name)
    join pg_catalog.pg_namespace n on n.nspname = x.schema_name
    join pg_catalog.pg_class c on c.relnamespace = n.oid and c.relname = x.table_name
  ), sampled as materialized (
    select oid, rolname::text as rolname from pg_catalog.pg_roles where rolname = any($1::text[])
  )`;
const READABLE = `pg_catalog.has_table_privilege(r.oid, t.oid, 'SELECT')
      and pg_catalog.has_schema_privilege(r.oid, t.nsp, 'USAGE')`;

const QUERIES = {
  roleMajor: `${INPUTS}
    select r.rolname as role, l.schema_name, l.table_name from sampled r
    cross join lateral (select t.schema_name, t.table_name from labelled t where ${READABLE} offset 0) l`,
  tableMajor: `${INPUTS}
    select l.rolname as role, t.schema_name, t.table_name from labelled t
    cross join lateral (select r.rolname from sampled r where ${READABLE} offset 0) l`,
  plain: `${INPUTS}
    select r.rolname as role, t.schema_name, t.table_name from sampled r cross join labelled t where ${READABLE}`,
} as const;

interface PlanNode {
  readonly 'Node Type'?: string;
  readonly 'Parent Relationship'?: string;
  readonly 'CTE Name'?: string;
  readonly 'Join Filter'?: string;
  readonly Plans?: readonly PlanNode[];
}

/** The CTE scanned on the outer side of the join that calls has_table_privilege. */
function outerOf(node: PlanNode): 'roles' | 'tables' | 'unknown' {
  if (node['Join Filter']?.includes('has_table_privilege')) {
    let outer = node.Plans?.find((p) => p['Parent Relationship'] === 'Outer');
    while (outer !== undefined && outer['CTE Name'] === undefined) outer = outer.Plans?.[0];
    return outer?.['CTE Name'] === 'sampled' ? 'roles' : outer?.['CTE Name'] === 'labelled' ? 'tables' : 'unknown';
  }
  for (const child of node.Plans ?? []) {
    const found = outerOf(child);
    if (found !== 'unknown') return found;
  }
  return 'unknown';
}

export async function measurePostgresBaseline(
  db: Queryable,
  tables: readonly LabelledTable[],
  options: { readonly sample: number; readonly seed: number; readonly repeat: number },
): Promise<BaselineResult> {
  const { rows } = await db.query(
    'select rolname::text as name from pg_catalog.pg_roles where rolcanlogin order by rolname',
  );
  const logins = (rows as { name: string }[]).map((r) => r.name);
  const random = createRandom(options.seed);
  const pool = [...logins];
  const sampledRoles: string[] = [];
  while (sampledRoles.length < Math.min(options.sample, logins.length))
    sampledRoles.push(pool.splice(random.int(0, pool.length - 1), 1)[0] as string);
  const params = [sampledRoles, tables.map((t) => t.schema), tables.map((t) => t.name)];
  const scale = sampledRoles.length === 0 ? 0 : logins.length / sampledRoles.length;

  const plan = await db.query(`explain (format json) ${QUERIES.plain}`, params);
  const plainJoinOuter = outerOf(
    ((plan.rows[0] as { 'QUERY PLAN': { Plan: PlanNode }[] })['QUERY PLAN'][0]?.Plan ?? {}) as PlanNode,
  );

  let pairs = new Set<string>();
  const roleMajor: number[] = [];
  for (let i = 0; i < options.repeat; i++) {
    const { value, ms } = await timed(() => db.query(QUERIES.roleMajor, params));
    roleMajor.push(ms);
    pairs = new Set(
      (value.rows as { role: string; schema_name: string; table_name: string }[]).map(
        (r) => `${r.role}\u0000${r.schema_name}\u0000${r.table_name}`,
      ),
    );
  }
  // The worst case is slow by nature (the point of measuring it), so it runs once.
  const tableMajor = await timed(() => db.query(QUERIES.tableMajor, params));
  if (tableMajor.value.rows.length !== pairs.size) throw new Error('the two loop orders disagree');
  return {
    loginRoles: logins.length,
    sampledRoles,
    tables: tables.length,
    roleMajor: { sampleMs: roleMajor, extrapolatedMs: median(roleMajor) * scale },
    tableMajor: { sampleMs: [tableMajor.ms], extrapolatedMs: tableMajor.ms * scale },
    plainJoinOuter,
    pairs,
  };
}
