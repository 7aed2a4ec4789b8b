import type { AccessPriv, GrantStmt, Node, ObjectWithArgs, RangeVar } from 'libpg-query';
import {
  childrenOf,
  type Edit,
  type Grant,
  inheritsFrom,
  type PrincipalId,
  type Resource,
} from '../../../core/index.ts';
import { databaseId, schemaId } from '../normalise.ts';
import { namesOf, nodeAs, roleReference, roleSpecOf, stringOf } from './ast.ts';
import { editing, type Outcome, opaque } from './outcome.ts';
import {
  COLUMN_PRIVILEGES,
  DATABASE_PRIVILEGES,
  FUNCTION_PRIVILEGES,
  normalisePrivilege,
  SCHEMA_PRIVILEGES,
  SEQUENCE_PRIVILEGES,
  tablePrivileges,
} from './privileges.ts';
import {
  InterpretError,
  isSuperuser,
  requireRelation,
  requireSchema,
  resolveRole,
  type SessionState,
  searchSchemas,
  serverVersion,
} from './state.ts';

/** Object types whose privileges do not decide who reads data in this database. */
const NEUTRAL_OBJECTS = new Set(['OBJECT_TYPE', 'OBJECT_DOMAIN', 'OBJECT_LANGUAGE', 'OBJECT_TABLESPACE']);

/**
 * GRANT and REVOKE on objects (https://www.postgresql.org/docs/current/sql-grant.html). The grant
 * is recorded as made by the object's owner when a superuser or an owner issues it, and by the
 * current role otherwise; REVOKE removes only the grants that grantor made, and revoking a table
 * privilege revokes it from every column too. Permission checks are not predicted: each statement
 * is assumed to succeed.
 */
export function interpretGrant(state: SessionState, stmt: GrantStmt): Outcome {
  const objtype = stmt.objtype ?? 'OBJECT_TABLE';
  if (NEUTRAL_OBJECTS.has(objtype))
    return editing([], [`${objectWord(objtype)} privileges do not decide who reads data`]);
  if (
    objtype === 'OBJECT_LARGEOBJECT' ||
    objtype === 'OBJECT_FOREIGN_SERVER' ||
    objtype === 'OBJECT_FDW' ||
    objtype === 'OBJECT_PARAMETER_ACL'
  )
    return opaque(`privileges on ${objectWord(objtype)} are a way to data that Firebreak does not model`);

  const targets = targetsOf(state, stmt, objtype);
  if (targets.notes.length > 0 && targets.resources.length === 0) return editing([], targets.notes);
  const grantees = (stmt.grantees ?? []).map((g) => resolveRole(state, roleReference(roleSpecOf(g))));
  const explicitGrantor =
    stmt.grantor === undefined ? undefined : resolveRole(state, roleReference(stmt.grantor), false);
  const edits: Edit[] = [];
  for (const resource of targets.resources) {
    const privileges = privilegesOf(stmt.privileges, targets.allPrivileges);
    const grantor = explicitGrantor ?? effectiveGrantor(state, resource);
    for (const grantee of grantees)
      for (const { privilege, columns } of privileges) {
        if (columns.length > 0) requireColumns(resource, columns);
        const onColumns = columns.length > 0 ? columns : [undefined];
        for (const column of onColumns) {
          if (stmt.is_grant === true)
            edits.push(
              grantEdit(
                state,
                { principal: grantee, privilege, resource: resource.id, grantor, column },
                stmt.grant_option === true,
              ),
            );
          else edits.push(...revokeEdits(state, { principal: grantee, privilege, resource, grantor, column }, stmt));
        }
      }
  }
  return editing(edits, targets.notes);
}

interface Targets {
  readonly resources: Resource[];
  /** The privileges ALL expands to for these objects. */
  readonly allPrivileges: readonly string[];
  readonly notes: string[];
}

function targetsOf(state: SessionState, stmt: GrantStmt, objtype: string): Targets {
  const objects = stmt.objects ?? [];
  const inSchema = stmt.targtype === 'ACL_TARGET_ALL_IN_SCHEMA';
  switch (objtype) {
    case 'OBJECT_TABLE':
    case 'OBJECT_SEQUENCE': {
      const sequence = objtype === 'OBJECT_SEQUENCE';
      const wanted = (r: Resource) => (sequence ? r.kind === 'sequence' : r.kind !== 'sequence');
      const resources = inSchema
        ? objects.flatMap((o) =>
            childrenOf(state.snapshot, requireSchema(state, stringOf(o) ?? '').id)
              .filter((r) => r.readable || r.kind === 'sequence')
              .filter(wanted),
          )
        : objects.map((o) => requireRelation(state, nodeAs<RangeVar>(o, 'RangeVar') ?? {}));
      const allPrivileges =
        resources.every((r) => r.kind === 'sequence') && resources.length > 0
          ? SEQUENCE_PRIVILEGES
          : tablePrivileges(serverVersion(state));
      return { resources, allPrivileges, notes: [] };
    }
    case 'OBJECT_SCHEMA':
      return {
        resources: objects.map((o) => requireSchema(state, stringOf(o) ?? '')),
        allPrivileges: SCHEMA_PRIVILEGES,
        notes: [],
      };
    case 'OBJECT_DATABASE': {
      const current = state.snapshot.facts?.database;
      const names = objects.map((o) => stringOf(o) ?? '');
      const resources = names
        .filter((n) => n === current)
        .map((n) => state.snapshot.resourceById.get(databaseId(n)) as Resource);
      const others = names.filter((n) => n !== current);
      return {
        resources,
        allPrivileges: DATABASE_PRIVILEGES,
        notes: others.length === 0 ? [] : [`database ${others.join(', ')} is another system: not analysed`],
      };
    }
    case 'OBJECT_FUNCTION':
    case 'OBJECT_PROCEDURE':
    case 'OBJECT_ROUTINE': {
      const resources = inSchema
        ? objects.flatMap((o) =>
            childrenOf(state.snapshot, requireSchema(state, stringOf(o) ?? '').id).filter((r) => r.kind === 'function'),
          )
        : objects.flatMap((o) => findFunctions(state, nodeAs<ObjectWithArgs>(o, 'ObjectWithArgs') ?? {}));
      return {
        resources,
        allPrivileges: FUNCTION_PRIVILEGES,
        notes:
          resources.length === 0 ? ['only SECURITY DEFINER functions can read data for others; none is named'] : [],
      };
    }
    default:
      throw new InterpretError(`GRANT on ${objectWord(objtype)} is not supported`);
  }
}

function privilegesOf(
  nodes: readonly Node[] | undefined,
  all: readonly string[],
): { privilege: string; columns: string[] }[] {
  // An empty privilege list is ALL PRIVILEGES.
  if (nodes === undefined || nodes.length === 0) return all.map((privilege) => ({ privilege, columns: [] }));
  return nodes.flatMap((node) => {
    const priv = nodeAs<AccessPriv>(node, 'AccessPriv') ?? {};
    const columns = namesOf(priv.cols);
    // ALL (columns) is every column privilege on those columns.
    if (priv.priv_name === undefined) return COLUMN_PRIVILEGES.map((privilege) => ({ privilege, columns }));
    const privilege = normalisePrivilege(priv.priv_name);
    if (columns.length > 0 && !(COLUMN_PRIVILEGES as readonly string[]).includes(privilege))
      throw new InterpretError(`privilege ${privilege} cannot be granted on columns`);
    if (columns.length === 0 && !all.includes(privilege))
      throw new InterpretError(`invalid privilege type ${privilege} for this object`);
    return [{ privilege, columns }];
  });
}

/** The grantor PostgreSQL records: the owner when a superuser or the owner grants, else the current role. */
export function effectiveGrantor(state: SessionState, resource: Resource): PrincipalId {
  const owner = resource.owner;
  if (owner !== undefined && (isSuperuser(state) || inheritsFrom(state.snapshot, state.currentRole, owner)))
    return owner;
  return state.currentRole;
}

function grantEdit(
  state: SessionState,
  key: {
    principal: PrincipalId;
    privilege: string;
    resource: string;
    grantor: PrincipalId;
    column: string | undefined;
  },
  grantOption: boolean,
): Edit {
  const existing = (state.snapshot.grantsByResource.get(key.resource) ?? []).find(
    (g) =>
      g.principal === key.principal &&
      g.privilege === key.privilege &&
      g.column === key.column &&
      g.grantor === key.grantor,
  );
  const grant: Grant = {
    principal: key.principal,
    privilege: key.privilege,
    resource: key.resource,
    ...(key.column === undefined ? {} : { column: key.column }),
    // GRANT never takes a grant option away.
    grantable: grantOption || existing?.grantable === true,
    grantor: key.grantor,
  };
  return { kind: 'add-grant', grant };
}

function revokeEdits(
  state: SessionState,
  key: {
    principal: PrincipalId;
    privilege: string;
    resource: Resource;
    grantor: PrincipalId;
    column: string | undefined;
  },
  stmt: GrantStmt,
): Edit[] {
  const grantOptionOnly = stmt.grant_option === true;
  const edits: Edit[] = [
    {
      kind: 'remove-grant',
      grant: {
        principal: key.principal,
        privilege: key.privilege,
        resource: key.resource.id,
        grantor: key.grantor,
        ...(key.column === undefined ? { allColumns: true } : { column: key.column }),
        ...(grantOptionOnly ? { grantOptionOnly: true } : {}),
      },
    },
  ];
  // CASCADE also revokes what the revokee granted onwards with the grant option it loses. An
  // owner never loses its grant options, and a grant option held from another grantor remains.
  const keepsOption =
    key.principal === key.resource.owner ||
    (state.snapshot.grantsByResource.get(key.resource.id) ?? []).some(
      (g) =>
        g.principal === key.principal &&
        g.privilege === key.privilege &&
        g.grantable &&
        g.grantor !== key.grantor &&
        g.column === key.column,
    );
  if (stmt.behavior === 'DROP_CASCADE' && !keepsOption)
    for (const dependent of state.snapshot.grantsByResource.get(key.resource.id) ?? [])
      if (
        dependent.grantor === key.principal &&
        dependent.privilege === key.privilege &&
        dependent.principal !== key.principal
      )
        edits.push(
          ...revokeEdits(
            state,
            { ...key, principal: dependent.principal, grantor: key.principal, column: dependent.column },
            { ...stmt, grant_option: false },
          ),
        );
  return edits;
}

function requireColumns(resource: Resource, columns: readonly string[]) {
  for (const column of columns)
    if (!resource.columns.some((c) => c.name === column))
      throw new InterpretError(`column "${column}" of relation "${resource.name}" does not exist`);
}

/** Functions named by an ObjectWithArgs, resolved by schema and name (overloads all match). */
export function findFunctions(state: SessionState, object: ObjectWithArgs): Resource[] {
  const parts = namesOf(object.objname);
  const name = parts[parts.length - 1] ?? '';
  const schemas = parts.length > 1 ? [parts[parts.length - 2] ?? ''] : searchSchemas(state);
  return schemas.flatMap((schema) =>
    childrenOf(state.snapshot, schemaId(schema)).filter((r) => r.kind === 'function' && r.path[1] === name),
  );
}

function objectWord(objtype: string): string {
  return objtype
    .replace(/^OBJECT_/, '')
    .toLowerCase()
    .replaceAll('_', ' ');
}
