import type { ColumnRef, CommonTableExpr, FuncCall, Node, RangeVar, ResTarget, SelectStmt } from 'libpg-query';
import type { Resource, SourceRef } from '../../../core/index.ts';
import { findNodes, namesOf, nodeAs, nodeType, stringOf } from './ast.ts';
import { InterpretError, requireRelation, type SessionState } from './state.ts';

/**
 * What a query reads and what it returns, from its syntax tree: the relations it names (resolved
 * on the search path, common table expressions excluded), the columns of each it references
 * anywhere (select list, joins, WHERE…), and the names of the columns it returns. This follows
 * the query as PostgreSQL's dependency tracking does, conservatively: an unqualified column is
 * attributed to every relation that has a column of that name.
 */
export interface QueryLineage {
  readonly sources: readonly SourceRef[];
  readonly outputColumns: readonly string[];
}

export function queryLineage(state: SessionState, query: Node | undefined): QueryLineage {
  const cteNames = new Set(
    findNodes(query, new Set(['CommonTableExpr'])).map((found) => (found.value as CommonTableExpr).ctename ?? ''),
  );
  const relations = new Map<string, { resource: Resource; aliases: Set<string> }>();
  for (const { value } of findNodes(query, new Set(['RangeVar']))) {
    const rangeVar = value as RangeVar;
    if (rangeVar.schemaname === undefined && cteNames.has(rangeVar.relname ?? '')) continue;
    const resource = requireRelation(state, rangeVar);
    const entry = relations.get(resource.id) ?? { resource, aliases: new Set<string>() };
    entry.aliases.add(rangeVar.alias?.aliasname ?? rangeVar.relname ?? '');
    relations.set(resource.id, entry);
  }
  const all = [...relations.values()];
  const used = new Map<string, Set<string>>(all.map((r) => [r.resource.id, new Set<string>()]));
  const use = (resource: Resource, column: string) => used.get(resource.id)?.add(column);

  for (const { value } of findNodes(query, new Set(['ColumnRef']))) {
    const fields = (value as ColumnRef).fields ?? [];
    const star = fields.some((f) => nodeType(f) === 'A_Star');
    const names = namesOf(fields.filter((f) => nodeType(f) === 'String'));
    const column = star ? undefined : names[names.length - 1];
    const qualifier = star ? names[names.length - 1] : names[names.length - 2];
    const targets = qualifier === undefined ? all : all.filter((r) => r.aliases.has(qualifier));
    // A qualifier that names no relation (a subquery alias): attribute the column by name.
    for (const { resource } of targets.length > 0 ? targets : all)
      if (column === undefined) for (const c of resource.columns) use(resource, c.name);
      else if (resource.columns.some((c) => c.name === column)) use(resource, column);
  }
  // count(*) and similar name no column; the relation is still read.
  const sources: SourceRef[] = all.map(({ resource }) => ({
    resource: resource.id,
    columns: resource.columns.map((c) => c.name).filter((c) => used.get(resource.id)?.has(c)),
  }));
  return {
    sources,
    outputColumns: outputColumns(
      query,
      all.map((r) => r.resource),
    ),
  };
}

/** Names of the columns a query returns, as PostgreSQL names them (`?column?` when it cannot). */
function outputColumns(query: Node | undefined, relations: readonly Resource[]): string[] {
  let select = nodeAs<SelectStmt>(query, 'SelectStmt');
  // For UNION and friends, the first branch names the columns.
  while (select?.larg !== undefined) select = select.larg;
  if (select === undefined) throw new InterpretError('the query is not a SELECT');
  if (select.valuesLists !== undefined)
    return (nodeAs<{ items?: Node[] }>(select.valuesLists[0], 'List')?.items ?? []).map((_, i) => `column${i + 1}`);
  return (select.targetList ?? []).flatMap((node) => {
    const target = nodeAs<ResTarget>(node, 'ResTarget') ?? {};
    if (target.name !== undefined) return [target.name];
    const ref = nodeAs<ColumnRef>(target.val, 'ColumnRef');
    if (ref !== undefined) {
      const fields = ref.fields ?? [];
      if (fields.some((f) => nodeType(f) === 'A_Star')) {
        const qualifier = stringOf(fields[fields.length - 2]);
        const from = qualifier === undefined ? relations : relations.filter((r) => r.path[1] === qualifier);
        return from.flatMap((r) => r.columns.map((c) => c.name));
      }
      return [stringOf(fields[fields.length - 1]) ?? '?column?'];
    }
    const call = nodeAs<FuncCall>(target.val, 'FuncCall');
    if (call !== undefined) return [namesOf(call.funcname).pop() ?? '?column?'];
    return ['?column?'];
  });
}
