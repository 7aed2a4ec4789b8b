import type { AlterRoleSetStmt, AlterRoleStmt, CreateRoleStmt, DefElem, DropRoleStmt, Node } from 'libpg-query';
import { type Edit, type Principal, type PrincipalChanges, type PrincipalId, PUBLIC_ID } from '../../../core/index.ts';
import { defElems, defValue, nodeAs, roleReference, roleSpecOf } from './ast.ts';
import { inheritAttribute, reinherit, roleGrantor } from './memberships.ts';
import { editing, type Outcome, opaque } from './outcome.ts';
import { InterpretError, isSuperuser, resolveRole, type SessionState, serverVersion } from './state.ts';

type Attribute = 'login' | 'superuser' | 'bypassRowSecurity' | 'inherit' | 'createrole' | 'createdb' | 'replication';

/** Role attributes the access model follows; the others are kept as shown facts only. */
const ATTRIBUTE_OPTIONS: Readonly<Record<string, Attribute>> = {
  canlogin: 'login',
  superuser: 'superuser',
  bypassrls: 'bypassRowSecurity',
  inherit: 'inherit',
  createrole: 'createrole',
  createdb: 'createdb',
  isreplication: 'replication',
};

/** Options that do not change who can read what (passwords are never looked at). */
const NEUTRAL_OPTIONS = new Set(['password', 'validUntil', 'connectionlimit', 'sysid']);

/** CREATE ROLE / USER / GROUP (https://www.postgresql.org/docs/current/sql-createrole.html). */
export function interpretCreateRole(state: SessionState, stmt: CreateRoleStmt): Outcome {
  const name = stmt.role ?? '';
  if (name === PUBLIC_ID || name === 'none' || name.startsWith('pg_'))
    throw new InterpretError(`role name "${name}" is reserved`);
  if (state.snapshot.principalById.has(name)) throw new InterpretError(`role "${name}" already exists`);
  const options = defElems(stmt.options);
  const attributes = attributeChanges(options);
  const inherit = attributes.inherit ?? true;
  const principal: Principal = {
    id: name,
    name,
    login: attributes.login ?? stmt.stmt_type === 'ROLESTMT_USER',
    superuser: attributes.superuser ?? false,
    bypassRowSecurity: attributes.bypassRowSecurity ?? false,
    attributes: {
      inherit,
      createrole: attributes.createrole ?? false,
      createdb: attributes.createdb ?? false,
      ...(attributes.replication === true ? { replication: true } : {}),
    },
  };
  const edits: Edit[] = [{ kind: 'add-principal', principal }];
  const modern = serverVersion(state) >= 160000;
  const grantor = roleGrantor(state);
  const member = (m: PrincipalId, group: PrincipalId, admin: boolean, memberInherits: boolean): Edit => ({
    kind: 'add-membership',
    membership: { member: m, group, inherit: memberInherits, set: true, admin, grantor },
  });
  for (const option of options) {
    const roles = roleList(state, option.arg);
    if (option.defname === 'addroleto') for (const group of roles) edits.push(member(name, group, false, inherit));
    if (option.defname === 'rolemembers')
      for (const m of roles) edits.push(member(m, name, false, inheritAttribute(state, m)));
    if (option.defname === 'adminmembers')
      for (const m of roles) edits.push(member(m, name, true, inheritAttribute(state, m)));
  }
  // PostgreSQL 16+: a non-superuser with CREATEROLE is granted ADMIN on the role it creates
  // (INHERIT and SET follow createrole_self_grant, empty by default).
  if (modern && !isSuperuser(state))
    edits.push({
      kind: 'add-membership',
      membership: { member: state.currentRole, group: name, inherit: false, set: false, admin: true, grantor },
    });
  return editing(edits);
}

/** ALTER ROLE … WITH attributes (https://www.postgresql.org/docs/current/sql-alterrole.html). */
export function interpretAlterRole(state: SessionState, stmt: AlterRoleStmt): Outcome {
  const role = resolveRole(state, roleReference(stmt.role), false);
  const options = defElems(stmt.options);
  // ALTER GROUP … ADD/DROP USER arrives as an AlterRoleStmt with a rolemembers option.
  if (options.some((o) => o.defname === 'rolemembers')) return alterGroup(state, role, stmt, options);
  const attributes = attributeChanges(options);
  const principal = state.snapshot.principalById.get(role) as Principal;
  const changes: PrincipalChanges = {
    ...(attributes.login === undefined ? {} : { login: attributes.login }),
    ...(attributes.superuser === undefined ? {} : { superuser: attributes.superuser }),
    ...(attributes.bypassRowSecurity === undefined ? {} : { bypassRowSecurity: attributes.bypassRowSecurity }),
    attributes: {
      ...principal.attributes,
      ...(attributes.inherit === undefined ? {} : { inherit: attributes.inherit }),
      ...(attributes.createrole === undefined ? {} : { createrole: attributes.createrole }),
      ...(attributes.createdb === undefined ? {} : { createdb: attributes.createdb }),
      ...(attributes.replication === undefined ? {} : { replication: attributes.replication }),
    },
  };
  const edits: Edit[] = [{ kind: 'update-principal', principal: role, changes }];
  if (attributes.inherit !== undefined) edits.push(...reinherit(state, role, attributes.inherit));
  return editing(edits);
}

function alterGroup(state: SessionState, group: PrincipalId, stmt: AlterRoleStmt, options: DefElem[]): Outcome {
  const edits: Edit[] = [];
  for (const option of options)
    for (const member of roleList(state, option.arg))
      edits.push(
        stmt.action === 1
          ? {
              kind: 'add-membership',
              membership: {
                member,
                group,
                inherit: inheritAttribute(state, member),
                set: true,
                admin: false,
                grantor: roleGrantor(state),
              },
            }
          : { kind: 'remove-membership', member, group },
      );
  return editing(edits);
}

/** DROP ROLE: its memberships and grants go with it (as if DROP OWNED had run first). */
export function interpretDropRole(state: SessionState, stmt: DropRoleStmt): Outcome {
  const edits: Edit[] = [];
  for (const node of stmt.roles ?? []) {
    const ref = roleReference(roleSpecOf(node));
    if (ref?.kind === 'name' && !state.snapshot.principalById.has(ref.name) && stmt.missing_ok === true) continue;
    edits.push({ kind: 'remove-principal', principal: resolveRole(state, ref, false) });
  }
  return editing(edits);
}

/** Session defaults that cannot widen access; anything else set per role may, so it is opaque. */
const HARMLESS_SETTINGS = new Set([
  'application_name',
  'datestyle',
  'timezone',
  'statement_timeout',
  'lock_timeout',
  'idle_in_transaction_session_timeout',
  'idle_session_timeout',
  'work_mem',
  'maintenance_work_mem',
  'client_min_messages',
  'log_statement',
  'log_min_duration_statement',
  'default_transaction_read_only',
  'default_transaction_isolation',
  'intervalstyle',
  'extra_float_digits',
  'lc_messages',
  'lc_monetary',
  'lc_numeric',
  'lc_time',
  'bytea_output',
  'client_encoding',
  'jit',
  'random_page_cost',
  'effective_cache_size',
]);

/** ALTER ROLE … SET parameter: a per-role default that applies at the next login. */
export function interpretAlterRoleSet(stmt: AlterRoleSetStmt): Outcome {
  const name = stmt.setstmt?.name ?? '';
  if (stmt.setstmt?.kind === 'VAR_RESET_ALL' || HARMLESS_SETTINGS.has(name.toLowerCase()))
    return editing([], [`sets ${name === '' ? 'parameters' : name} for future sessions; no effect on access`]);
  return opaque(`a per-role default for "${name}" can change what later sessions run (e.g. search_path, role)`);
}

function attributeChanges(options: readonly DefElem[]): Partial<Record<Attribute, boolean>> {
  const changes: Partial<Record<string, boolean>> = {};
  for (const option of options) {
    const name = option.defname ?? '';
    const attribute = ATTRIBUTE_OPTIONS[name];
    if (attribute !== undefined) changes[attribute] = defValue(option) !== false;
    else if (!NEUTRAL_OPTIONS.has(name) && !['addroleto', 'rolemembers', 'adminmembers'].includes(name))
      throw new InterpretError(`unrecognized role option "${name}"`);
  }
  return changes;
}

function roleList(state: SessionState, arg: Node | undefined): PrincipalId[] {
  const items = nodeAs<{ items?: Node[] }>(arg, 'List')?.items ?? [];
  return items.map((item) => resolveRole(state, roleReference(roleSpecOf(item)), false));
}
