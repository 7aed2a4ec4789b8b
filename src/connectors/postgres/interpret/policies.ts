import type { AlterPolicyStmt, CreatePolicyStmt, Node } from 'libpg-query';
import type { RowPolicy } from '../../../core/index.ts';
import { nodeAs, roleReference, roleSpecOf } from './ast.ts';
import { editing, type Outcome } from './outcome.ts';
import { InterpretError, requireRelation, resolveRole, type SessionState } from './state.ts';
import { clauseText } from './text.ts';

const COMMANDS: Readonly<Record<string, RowPolicy['privileges']>> = {
  all: '*',
  select: ['SELECT'],
  insert: ['INSERT'],
  update: ['UPDATE'],
  delete: ['DELETE'],
};

/** CREATE POLICY (https://www.postgresql.org/docs/current/sql-createpolicy.html). */
export function interpretCreatePolicy(state: SessionState, stmt: CreatePolicyStmt, sql: string): Outcome {
  const table = requireRelation(state, stmt.table ?? {});
  const security = table.rowSecurity;
  if (security === undefined) throw new InterpretError(`"${table.name}" is not a table`);
  const name = stmt.policy_name ?? '';
  if (security.policies.some((p) => p.name === name))
    throw new InterpretError(`policy "${name}" for table "${table.name}" already exists`);
  // The parser omits false booleans: a RESTRICTIVE policy has no `permissive` field at all.
  const permissive = stmt.permissive === true;
  const policy: RowPolicy = {
    name,
    privileges: COMMANDS[stmt.cmd_name ?? 'all'] ?? '*',
    permissive,
    principals: rolesOf(state, stmt.roles),
    condition: stmt.qual === undefined ? null : (clauseText(sql, 'USING') ?? null),
    ...(stmt.with_check === undefined ? {} : { check: clauseText(sql, 'CHECK') ?? '' }),
    admitsAllRows: admitsAll(stmt.qual, permissive),
  };
  return editing([
    {
      kind: 'update-resource',
      resource: table.id,
      changes: { rowSecurity: { ...security, policies: [...security.policies, policy] } },
    },
  ]);
}

/** ALTER POLICY: new roles, condition or check; what is not given stays. */
export function interpretAlterPolicy(state: SessionState, stmt: AlterPolicyStmt, sql: string): Outcome {
  const table = requireRelation(state, stmt.table ?? {});
  const security = table.rowSecurity;
  const name = stmt.policy_name ?? '';
  const existing = security?.policies.find((p) => p.name === name);
  if (security === undefined || existing === undefined)
    throw new InterpretError(`policy "${name}" for table "${table.name}" does not exist`);
  const policy: RowPolicy = {
    ...existing,
    ...(stmt.roles === undefined ? {} : { principals: rolesOf(state, stmt.roles) }),
    ...(stmt.qual === undefined
      ? {}
      : { condition: clauseText(sql, 'USING') ?? null, admitsAllRows: admitsAll(stmt.qual, existing.permissive) }),
    ...(stmt.with_check === undefined ? {} : { check: clauseText(sql, 'CHECK') ?? '' }),
  };
  const policies = security.policies.map((p) => (p.name === name ? policy : p));
  return editing([
    { kind: 'update-resource', resource: table.id, changes: { rowSecurity: { ...security, policies } } },
  ]);
}

function rolesOf(state: SessionState, roles: readonly Node[] | undefined) {
  // No TO clause means PUBLIC.
  if (roles === undefined || roles.length === 0) return ['public'];
  return roles.map((r) => resolveRole(state, roleReference(roleSpecOf(r))));
}

/**
 * Whether a policy condition admits every row: only the literal `true` counts (and, for a
 * restrictive policy, no condition at all), as in the snapshot read from the catalog.
 */
function admitsAll(qual: Node | undefined, permissive: boolean): boolean {
  if (qual === undefined) return !permissive;
  const constant = nodeAs<{ boolval?: { boolval?: boolean } }>(qual, 'A_Const');
  return constant?.boolval?.boolval === true;
}
