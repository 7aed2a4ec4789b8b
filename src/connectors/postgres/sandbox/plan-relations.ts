import type { Resource, ResourceId, Snapshot } from '../../../core/index.ts';
import { type PlanContext, type ShadowStep, sqlNameOf } from './plan-context.ts';
import { ident, literal } from './sql-text.ts';

/** The keyword each relation kind takes in ALTER … OWNER TO and COMMENT ON. */
export const RELATION_KEYWORD: Readonly<Record<string, string>> = {
  table: 'TABLE',
  'partitioned table': 'TABLE',
  'foreign table': 'FOREIGN TABLE',
  sequence: 'SEQUENCE',
  view: 'VIEW',
  'materialized view': 'MATERIALIZED VIEW',
};

/** The foreign-data wrapper and server that foreign tables of the shadow point at: they fetch nothing. */
export const SHADOW_SERVER = 'firebreak_shadow';

/**
 * A type name as `format_type` prints it (`character varying(255)`, `"My type"[]`). Anything else
 * is not embedded in SQL: the column becomes `text`.
 */
const TYPE_NAME = /^(?:"(?:[^"]|"")*"|[A-Za-z0-9_ (),.[\]])+$/;

function columnList(resource: Resource, typed: boolean): string {
  return resource.columns
    .map((c) => `${ident(c.name)} ${typed && c.type !== undefined && TYPE_NAME.test(c.type) ? c.type : 'text'}`)
    .join(', ');
}

/** CREATE for a table, partitioned table, foreign table or sequence, with stand-ins when types do not exist. */
export function createRelationStep(resource: Resource): ShadowStep | undefined {
  const name = sqlNameOf(resource);
  const typed = columnList(resource, true);
  const text = columnList(resource, false);
  const asText = { sql: `CREATE TABLE ${name} (${text})`, warning: `${resource.name}: column types not reproduced` };
  switch (resource.kind) {
    case 'table':
      return { sql: `CREATE TABLE ${name} (${typed})`, alternatives: typed === text ? [] : [asText] };
    case 'partitioned table': {
      const key = resource.columns[0];
      const plain = { sql: `CREATE TABLE ${name} (${typed})`, warning: `${resource.name}: rebuilt as a plain table` };
      if (key === undefined) return { sql: plain.sql, alternatives: [asText] };
      return {
        sql: `CREATE TABLE ${name} (${typed}) PARTITION BY LIST (${ident(key.name)})`,
        alternatives: [plain, asText],
      };
    }
    case 'foreign table':
      return {
        sql: `CREATE FOREIGN TABLE ${name} (${typed}) SERVER ${ident(SHADOW_SERVER)}`,
        alternatives: [
          { sql: `CREATE FOREIGN TABLE ${name} (${text}) SERVER ${ident(SHADOW_SERVER)}`, warning: asText.warning },
        ],
      };
    case 'sequence':
      return { sql: `CREATE SEQUENCE ${name}` };
    default:
      return undefined;
  }
}

/** ALTER … OWNER TO and COMMENT ON for a resource (`target` names it in SQL) and its columns. */
export function ownerAndComments(
  context: PlanContext,
  resource: Resource,
  keyword: string,
  target = sqlNameOf(resource),
): ShadowStep[] {
  const steps: ShadowStep[] = [];
  if (resource.owner === undefined) context.warnings.push(`${resource.name} has no owner in the snapshot`);
  else steps.push({ sql: `ALTER ${keyword} ${target} OWNER TO ${ident(resource.owner)}` });
  if (resource.comment !== undefined)
    steps.push({ sql: `COMMENT ON ${keyword} ${target} IS ${literal(resource.comment)}` });
  for (const column of resource.columns)
    if (column.comment !== undefined)
      steps.push({ sql: `COMMENT ON COLUMN ${target}.${ident(column.name)} IS ${literal(column.comment)}` });
  return steps;
}

/**
 * Views and materialized views in dependency order (a view after the views it reads), each from
 * its definition; materialized views are created WITH NO DATA, since the shadow holds none. When
 * a definition does not compile (it calls a function or uses a type the shadow lacks), a stand-in
 * takes its place: the same columns, reading the same source columns, so that lineage and the
 * owner's checks stay what they were.
 */
export function viewSteps(context: PlanContext): ShadowStep[] {
  const steps: ShadowStep[] = [];
  for (const view of viewsInOrder(context.snapshot)) {
    const keyword = RELATION_KEYWORD[view.kind] ?? 'VIEW';
    const standIns = [true, false].map((typed) => ({
      sql: standInSql(context.snapshot, view, typed),
      warning: `${view.name}: its definition did not compile; a stand-in reads the same source columns${typed ? '' : ' (as text)'}`,
    }));
    const definition = view.definition?.trim().replace(/;$/, '');
    if (definition === undefined || definition === '') {
      context.warnings.push(`${view.name} has no definition in the snapshot; a stand-in reads its sources`);
      steps.push({ sql: standIns[0]?.sql ?? '', alternatives: standIns.slice(1) });
    } else steps.push({ sql: `${createView(view)} AS ${definition}${withNoData(view)}`, alternatives: standIns });
    steps.push(...ownerAndComments(context, view, keyword));
  }
  return steps;
}

const isView = (r: Resource) => r.kind === 'view' || r.kind === 'materialized view';
const withNoData = (view: Resource) => (view.kind === 'materialized view' ? ' WITH NO DATA' : '');

function createView(view: Resource): string {
  if (view.kind === 'materialized view') return `CREATE MATERIALIZED VIEW ${sqlNameOf(view)}`;
  const invoker = view.derivation?.runsAs === 'invoker' ? ' WITH (security_invoker = true)' : '';
  return `CREATE VIEW ${sqlNameOf(view)}${invoker}`;
}

/** `SELECT CAST(NULL AS type) AS "column"… FROM sources WHERE ROW(source columns) IS NULL`. */
function standInSql(snapshot: Snapshot, view: Resource, typed: boolean): string {
  const sources = (view.derivation?.sources ?? []).flatMap((ref) => {
    const source = snapshot.resourceById.get(ref.resource);
    return source === undefined ? [] : [{ source, columns: ref.columns }];
  });
  const select = view.columns
    .map(
      (c) =>
        `CAST(NULL AS ${typed && c.type !== undefined && TYPE_NAME.test(c.type) ? c.type : 'text'}) AS ${ident(c.name)}`,
    )
    .join(', ');
  const from = sources.map((s, i) => `${sqlNameOf(s.source)} AS ${ident(`s${i}`)}`).join(' CROSS JOIN ');
  const reads = sources.flatMap((s, i) => s.columns.map((c) => `${ident(`s${i}`)}.${ident(c)}`));
  return `${createView(view)} AS SELECT ${select}${from === '' ? '' : ` FROM ${from}`}${
    reads.length === 0 ? '' : ` WHERE ROW(${reads.join(', ')}) IS NULL`
  }${withNoData(view)}`;
}

function viewsInOrder(snapshot: Snapshot): Resource[] {
  const ordered: Resource[] = [];
  const state = new Map<ResourceId, 'visiting' | 'done'>();
  const visit = (view: Resource) => {
    if (state.has(view.id)) return;
    state.set(view.id, 'visiting');
    for (const ref of view.derivation?.sources ?? []) {
      const source = snapshot.resourceById.get(ref.resource);
      if (source !== undefined && isView(source)) visit(source);
    }
    state.set(view.id, 'done');
    ordered.push(view);
  };
  for (const resource of snapshot.resources) if (isView(resource)) visit(resource);
  return ordered;
}
