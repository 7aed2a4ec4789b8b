import type { AccessPriv, GrantRoleStmt } from 'libpg-query';
import { type Edit, type Membership, type PrincipalId, PUBLIC_ID } from '../../../core/index.ts';
import { defElems, defValue, nodeAs, roleReference, roleSpecOf } from './ast.ts';
import { editing, type Outcome } from './outcome.ts';
import { InterpretError, isSuperuser, resolveRole, type SessionState, serverVersion } from './state.ts';

/**
 * GRANT role TO member and REVOKE role FROM member
 * (https://www.postgresql.org/docs/current/sql-grant.html#SQL-GRANT-DESCRIPTION-ROLES).
 *
 * PostgreSQL 16+: each (role, member, grantor) is its own grant with INHERIT, SET and ADMIN
 * options; a new grant's INHERIT defaults to the member's INHERIT attribute and SET to true; a
 * superuser's grants are recorded as made by the bootstrap superuser; GRANT on an existing grant
 * changes only the options it names. Before 16: one membership per (role, member), always SET,
 * inheriting when the member has INHERIT; only ADMIN OPTION is a grant option.
 */
export function interpretGrantRole(state: SessionState, stmt: GrantRoleStmt): Outcome {
  const modern = serverVersion(state) >= 160000;
  const groups = (stmt.granted_roles ?? []).map((node) => {
    const name = nodeAs<AccessPriv>(node, 'AccessPriv')?.priv_name ?? '';
    return resolveRole(state, { kind: 'name', name }, false);
  });
  const members = (stmt.grantee_roles ?? []).map((node) => resolveRole(state, roleReference(roleSpecOf(node)), false));
  const options = new Map(defElems(stmt.opt).map((d) => [d.defname ?? '', defValue(d) !== false]));
  for (const option of options.keys())
    if (!['admin', 'inherit', 'set'].includes(option)) throw new InterpretError(`unrecognized role option "${option}"`);
    else if (!modern && option !== 'admin')
      throw new InterpretError(`${option.toUpperCase()} options on memberships need PostgreSQL 16 or later`);
  const explicit = stmt.grantor === undefined ? undefined : resolveRole(state, roleReference(stmt.grantor), false);
  const grantor = explicit ?? roleGrantor(state);

  const edits: Edit[] = [];
  for (const group of groups)
    for (const member of members) {
      if (member === group) throw new InterpretError(`role "${member}" cannot be a member of itself`);
      const existing = existingMemberships(state, member, group, modern ? grantor : undefined);
      if (stmt.is_grant === true) {
        const base = existing[0];
        const membership: Membership = {
          member,
          group,
          inherit: modern
            ? (options.get('inherit') ?? base?.inherit ?? inheritAttribute(state, member))
            : inheritAttribute(state, member),
          set: modern ? (options.get('set') ?? base?.set ?? true) : true,
          admin: options.get('admin') ?? base?.admin ?? false,
          grantor: modern ? grantor : (base?.grantor ?? grantor),
        };
        for (const old of existing) edits.push({ kind: 'remove-membership', member, group, ...grantorOf(old) });
        edits.push({ kind: 'add-membership', membership });
      } else if (options.size > 0) {
        // REVOKE … OPTION FOR: the membership stays, without the named options.
        for (const old of existing)
          edits.push(
            { kind: 'remove-membership', member, group, ...grantorOf(old) },
            {
              kind: 'add-membership',
              membership: {
                ...old,
                inherit: options.has('inherit') ? false : old.inherit,
                set: options.has('set') ? false : old.set,
                admin: options.has('admin') ? false : old.admin,
              },
            },
          );
      } else {
        for (const old of existing) edits.push({ kind: 'remove-membership', member, group, ...grantorOf(old) });
        if (stmt.behavior === 'DROP_CASCADE' && modern) edits.push(...dependentRevokes(state, group, member));
      }
    }
  return editing(edits);
}

/** The grantor PostgreSQL 16+ records for a role grant by the current role. */
export function roleGrantor(state: SessionState): PrincipalId {
  if (isSuperuser(state) && serverVersion(state) >= 160000)
    return state.snapshot.facts?.bootstrapSuperuser ?? state.currentRole;
  return state.currentRole;
}

function existingMemberships(
  state: SessionState,
  member: PrincipalId,
  group: PrincipalId,
  grantor: PrincipalId | undefined,
): Membership[] {
  return (state.snapshot.membershipsOf.get(member) ?? []).filter(
    (m) => m.group === group && m.implicit === undefined && (grantor === undefined || m.grantor === grantor),
  );
}

/** Memberships in `group` that `member` granted with its admin option (revoked by CASCADE). */
function dependentRevokes(state: SessionState, group: PrincipalId, member: PrincipalId): Edit[] {
  return (state.snapshot.membersOf.get(group) ?? [])
    .filter((m) => m.grantor === member)
    .map((m): Edit => ({ kind: 'remove-membership', member: m.member, group, grantor: member }));
}

function grantorOf(m: Membership): { grantor?: PrincipalId } {
  return m.grantor === undefined ? {} : { grantor: m.grantor };
}

export function inheritAttribute(state: SessionState, role: PrincipalId): boolean {
  const attribute = state.snapshot.principalById.get(role)?.attributes?.inherit;
  return attribute !== false;
}

/** Memberships for a role's new INHERIT attribute: before PostgreSQL 16 every membership follows it. */
export function reinherit(state: SessionState, role: PrincipalId, inherit: boolean): Edit[] {
  if (serverVersion(state) >= 160000 || role === PUBLIC_ID) return [];
  return (state.snapshot.membershipsOf.get(role) ?? [])
    .filter((m) => m.inherit !== inherit && m.implicit === undefined)
    .flatMap((m): Edit[] => [
      { kind: 'remove-membership', member: m.member, group: m.group, ...grantorOf(m) },
      { kind: 'add-membership', membership: { ...m, inherit } },
    ]);
}
