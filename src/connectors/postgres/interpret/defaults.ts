import type { AccessPriv, AlterDefaultPrivilegesStmt, Node } from 'libpg-query';
import type { DefaultGrant, Edit, PrincipalId } from '../../../core/index.ts';
import { defElems, namesOf, nodeAs, roleReference, roleSpecOf, stringOf } from './ast.ts';
import { editing, type Outcome } from './outcome.ts';
import { normalisePrivilege, tablePrivileges } from './privileges.ts';
import { InterpretError, requireSchema, resolveRole, type SessionState, serverVersion } from './state.ts';

/**
 * ALTER DEFAULT PRIVILEGES [FOR ROLE r] [IN SCHEMA s] GRANT|REVOKE … ON TABLES: grants that future
 * tables (and views) created by r (the current role by default) in s (anywhere without IN SCHEMA)
 * will receive: latent exposure. Defaults for sequences, functions, types and schemas do not
 * decide who reads data and are noted only.
 * (https://www.postgresql.org/docs/current/sql-alterdefaultprivileges.html)
 */
export function interpretDefaults(state: SessionState, stmt: AlterDefaultPrivilegesStmt): Outcome {
  const action = stmt.action ?? {};
  if (action.objtype !== 'OBJECT_TABLE')
    return editing(
      [],
      [
        `default privileges for ${(action.objtype ?? '').replace(/^OBJECT_/, '').toLowerCase()}s do not decide who reads data`,
      ],
    );
  const options = defElems(stmt.options);
  const list = (name: string) =>
    nodeAs<{ items?: Node[] }>(options.find((o) => o.defname === name)?.arg, 'List')?.items;
  const creators = list('roles')?.map((r) => resolveRole(state, roleReference(roleSpecOf(r)), false)) ?? [
    state.currentRole,
  ];
  const schemas: (string | undefined)[] = list('schemas')?.map((s) => requireSchema(state, stringOf(s) ?? '').id) ?? [
    undefined,
  ];
  const grantees = (action.grantees ?? []).map((g) => resolveRole(state, roleReference(roleSpecOf(g))));
  const privileges = privilegesOf(action.privileges, tablePrivileges(serverVersion(state)));
  const edits: Edit[] = [];
  for (const creator of creators)
    for (const container of schemas)
      for (const principal of grantees)
        for (const privilege of privileges) {
          if (principal === creator) continue;
          const grant = defaultGrant(creator, container, principal, privilege, action.grant_option === true);
          if (action.is_grant === true) edits.push({ kind: 'add-default-grant', grant });
          else if (action.grant_option === true)
            edits.push({ kind: 'add-default-grant', grant: { ...grant, grantable: false } });
          else edits.push({ kind: 'remove-default-grant', grant });
        }
  return editing(edits);
}

function defaultGrant(
  creator: PrincipalId,
  container: string | undefined,
  principal: PrincipalId,
  privilege: string,
  grantable: boolean,
): DefaultGrant {
  return { creator, ...(container === undefined ? {} : { container }), kind: 'table', principal, privilege, grantable };
}

function privilegesOf(nodes: readonly Node[] | undefined, all: readonly string[]): string[] {
  if (nodes === undefined || nodes.length === 0) return [...all];
  return nodes.map((node) => {
    const priv = nodeAs<AccessPriv>(node, 'AccessPriv') ?? {};
    if (namesOf(priv.cols).length > 0) throw new InterpretError('default privileges cannot name columns');
    const privilege = normalisePrivilege(priv.priv_name ?? '');
    if (!all.includes(privilege)) throw new InterpretError(`invalid privilege type ${privilege} for tables`);
    return privilege;
  });
}
