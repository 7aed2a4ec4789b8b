import type { Node, RangeVar } from 'libpg-query';
import { findNodes, nodeAs } from './ast.ts';
import { findRelation, type SessionState } from './state.ts';

/** Statements that write rows, and where in each the written relation is named. */
const WRITES = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'TruncateStmt', 'CopyStmt']);

/**
 * The relations a statement writes to (anywhere in it: `WITH … AS (INSERT …)` too) whose writes run
 * code the statement does not show: triggers, rules, defaults or checks calling functions. Such a
 * statement is opaque: that code runs as the writer and may change who can read what.
 */
export function writesRunningCode(state: SessionState, node: Node): string[] {
  const names = new Set<string>();
  for (const { type, value } of findNodes(node, WRITES)) {
    const statement = value as { relation?: RangeVar; relations?: Node[]; is_from?: boolean };
    if (type === 'CopyStmt' && statement.is_from !== true) continue;
    const targets =
      type === 'TruncateStmt'
        ? (statement.relations ?? []).flatMap((r) => nodeAs<RangeVar>(r, 'RangeVar') ?? [])
        : statement.relation === undefined
          ? []
          : [statement.relation];
    for (const target of targets) {
      const relation = findRelation(state, target);
      if (relation?.writeRunsCode === true) names.add(relation.name);
    }
  }
  return [...names].sort();
}
