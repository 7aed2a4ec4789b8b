import type {
  AlterOwnerStmt,
  AlterTableCmd,
  AlterTableStmt,
  ColumnDef,
  CommentStmt,
  DropOwnedStmt,
  DropStmt,
  Node,
  ObjectWithArgs,
  ReassignOwnedStmt,
} from 'libpg-query';
import type { Edit, Grant, PrincipalId, Resource, RowSecurity } from '../../../core/index.ts';
import { parsePgBool } from '../names.ts';
import { databaseId, relationId, schemaId } from '../normalise.ts';
import { defElems, defValue, namesOf, nodeAs, roleReference, roleSpecOf, stringOf } from './ast.ts';
import { findFunctions } from './grants.ts';
import { editing, type Outcome, opaque } from './outcome.ts';
import {
  InterpretError,
  requireRelation,
  requireSchema,
  resolveRole,
  type SessionState,
  searchSchemas,
} from './state.ts';

/** ALTER TABLE subcommands that change neither who can read nor what runs. */
const NEUTRAL_SUBCOMMANDS = new Set([
  'AT_AlterColumnType',
  'AT_SetNotNull',
  'AT_DropNotNull',
  'AT_SetStatistics',
  'AT_SetStorage',
  'AT_SetCompression',
  'AT_AddConstraint',
  'AT_DropConstraint',
  'AT_ValidateConstraint',
  'AT_AlterConstraint',
  'AT_AddIndex',
  'AT_ClusterOn',
  'AT_DropCluster',
  'AT_SetLogged',
  'AT_SetUnLogged',
  'AT_ReplicaIdentity',
  'AT_EnableTrig',
  'AT_DisableTrig',
  'AT_EnableTrigAll',
  'AT_DisableTrigAll',
  'AT_EnableTrigUser',
  'AT_DisableTrigUser',
  'AT_DropExpression',
  'AT_SetIdentity',
  'AT_AddIdentity',
  'AT_DropIdentity',
  'AT_SetAccessMethod',
  'AT_SetTableSpace',
  'AT_DropOids',
  'AT_ResetOptions',
  'AT_SetOptions',
  'AT_AlterColumnGenericOptions',
  'AT_GenericOptions',
  'AT_ColumnDefault',
]);

/** ALTER TABLE / VIEW / MATERIALIZED VIEW (https://www.postgresql.org/docs/current/sql-altertable.html). */
export function interpretAlterTable(state: SessionState, stmt: AlterTableStmt): Outcome {
  const rangeVar = stmt.relation ?? {};
  if (stmt.missing_ok === true && !hasRelation(state, rangeVar)) return editing([], ['the relation does not exist']);
  let resource = requireRelation(state, rangeVar);
  const edits: Edit[] = [];
  const notes: string[] = [];
  for (const node of stmt.cmds ?? []) {
    const cmd = nodeAs<AlterTableCmd>(node, 'AlterTableCmd') ?? {};
    const subtype = cmd.subtype ?? '';
    const security = resource.rowSecurity ?? { enabled: false, forced: false, policies: [] };
    const setSecurity = (changes: Partial<RowSecurity>) => {
      const rowSecurity = { ...security, ...changes };
      edits.push({ kind: 'update-resource', resource: resource.id, changes: { rowSecurity } });
      resource = { ...resource, rowSecurity };
    };
    switch (subtype) {
      case 'AT_EnableRowSecurity':
        setSecurity({ enabled: true });
        break;
      case 'AT_DisableRowSecurity':
        setSecurity({ enabled: false });
        break;
      case 'AT_ForceRowSecurity':
        setSecurity({ forced: true });
        break;
      case 'AT_NoForceRowSecurity':
        setSecurity({ forced: false });
        break;
      case 'AT_ChangeOwner':
        edits.push(...transferOwnership(state, resource, resolveRole(state, roleReference(cmd.newowner), false)));
        break;
      case 'AT_AddColumn': {
        const def = nodeAs<ColumnDef>(cmd.def, 'ColumnDef') ?? {};
        const columns = [...resource.columns, { name: def.colname ?? '', labels: [] }];
        edits.push({ kind: 'update-resource', resource: resource.id, changes: { columns } });
        resource = { ...resource, columns };
        break;
      }
      case 'AT_DropColumn': {
        const columns = resource.columns.filter((c) => c.name !== cmd.name);
        edits.push({ kind: 'update-resource', resource: resource.id, changes: { columns } });
        for (const grant of state.snapshot.grantsByResource.get(resource.id) ?? [])
          if (grant.column === cmd.name) edits.push({ kind: 'remove-grant', grant: exactKey(grant) });
        resource = { ...resource, columns };
        break;
      }
      case 'AT_SetRelOptions':
      case 'AT_ResetRelOptions': {
        const options = defElems(nodeAs<{ items?: Node[] }>(cmd.def, 'List')?.items);
        const invoker = options.find((o) => o.defname === 'security_invoker');
        if (invoker !== undefined && resource.derivation !== undefined) {
          const value = defValue(invoker);
          const on =
            subtype === 'AT_SetRelOptions' &&
            (value === undefined || value === true || parsePgBool(String(value)) === true);
          const derivation = { ...resource.derivation, runsAs: on ? ('invoker' as const) : ('owner' as const) };
          edits.push({ kind: 'update-resource', resource: resource.id, changes: { derivation } });
          resource = { ...resource, derivation };
        }
        break;
      }
      default:
        if (!NEUTRAL_SUBCOMMANDS.has(subtype))
          return opaque(`ALTER TABLE ${subtype.replace(/^AT_/, '')} is not analysed`);
        notes.push(`${subtype.replace(/^AT_/, '')} does not change access`);
    }
  }
  return editing(edits, notes);
}

/**
 * A new owner. PostgreSQL rewrites the ACL as the object changes hands: the old owner's entries
 * (as grantee and as grantor) become the new owner's (aclnewowner in acl.c).
 */
export function transferOwnership(state: SessionState, resource: Resource, owner: PrincipalId): Edit[] {
  const old = resource.owner;
  if (old === undefined || old === owner)
    return old === owner ? [] : [{ kind: 'update-resource', resource: resource.id, changes: { owner } }];
  const edits: Edit[] = [{ kind: 'update-resource', resource: resource.id, changes: { owner } }];
  for (const grant of state.snapshot.grantsByResource.get(resource.id) ?? []) {
    if (grant.principal !== old && grant.grantor !== old) continue;
    const moved: Grant = {
      ...grant,
      principal: grant.principal === old ? owner : grant.principal,
      ...(grant.grantor === old ? { grantor: owner } : {}),
    };
    edits.push({ kind: 'remove-grant', grant: exactKey(grant) }, { kind: 'add-grant', grant: moved });
  }
  return edits;
}

/** ALTER SCHEMA / FUNCTION / DATABASE … OWNER TO (tables and views come through ALTER TABLE). */
export function interpretAlterOwner(state: SessionState, stmt: AlterOwnerStmt): Outcome {
  const owner = resolveRole(state, roleReference(stmt.newowner), false);
  const targets = objectsOf(
    state,
    stmt.objectType ?? '',
    stmt.relation === undefined ? stmt.object : { RangeVar: stmt.relation },
  );
  if (targets === undefined) return editing([], ['the object is not part of the access model']);
  return editing(targets.flatMap((r) => transferOwnership(state, r, owner)));
}

/** REASSIGN OWNED BY old TO new: every object of the database the old roles own changes hands. */
export function interpretReassignOwned(state: SessionState, stmt: ReassignOwnedStmt): Outcome {
  const from = new Set((stmt.roles ?? []).map((r) => resolveRole(state, roleReference(roleSpecOf(r)), false)));
  const to = resolveRole(state, roleReference(stmt.newrole), false);
  return editing(
    state.snapshot.resources
      .filter((r) => r.owner !== undefined && from.has(r.owner))
      .flatMap((r) => transferOwnership(state, r, to)),
  );
}

/** DROP OWNED BY: objects the roles own are dropped and privileges granted to them revoked. */
export function interpretDropOwned(state: SessionState, stmt: DropOwnedStmt): Outcome {
  const roles = new Set((stmt.roles ?? []).map((r) => resolveRole(state, roleReference(roleSpecOf(r)), false)));
  const edits: Edit[] = [];
  const database = databaseId(state.snapshot.facts?.database ?? '');
  for (const resource of state.snapshot.resources)
    if (resource.owner !== undefined && roles.has(resource.owner) && resource.id !== database)
      edits.push({ kind: 'remove-resource', resource: resource.id, ifExists: true });
  for (const grant of state.snapshot.grants)
    if (roles.has(grant.principal)) edits.push({ kind: 'remove-grant', grant: exactKey(grant) });
  for (const d of state.snapshot.defaultGrants)
    if (roles.has(d.creator) || roles.has(d.principal)) edits.push({ kind: 'remove-default-grant', grant: d });
  return editing(edits);
}

/** DROP TABLE / VIEW / SCHEMA / FUNCTION / POLICY …; views that read a dropped relation go too. */
export function interpretDrop(state: SessionState, stmt: DropStmt): Outcome {
  const type = stmt.removeType ?? '';
  if (type === 'OBJECT_POLICY') return dropPolicies(state, stmt);
  const edits: Edit[] = [];
  for (const object of stmt.objects ?? []) {
    const targets = objectsOf(state, type, object, stmt.missing_ok === true);
    if (targets === undefined) {
      if (['OBJECT_TRIGGER', 'OBJECT_RULE', 'OBJECT_EVENT_TRIGGER', 'OBJECT_EXTENSION'].includes(type))
        return editing([], ['dropping code that ran on other statements']);
      return editing([], [`dropping ${type.replace(/^OBJECT_/, '').toLowerCase()} does not change access`]);
    }
    for (const target of targets) {
      edits.push({ kind: 'remove-resource', resource: target.id, ifExists: true });
    }
  }
  const unique = new Map(edits.map((e) => [e.kind === 'remove-resource' ? e.resource : '', e]));
  return editing([...unique.values()]);
}

function dropPolicies(state: SessionState, stmt: DropStmt): Outcome {
  const edits: Edit[] = [];
  for (const object of stmt.objects ?? []) {
    const parts = namesOf(nodeAs<{ items?: Node[] }>(object, 'List')?.items);
    const name = parts.pop() ?? '';
    const table = requireRelation(
      state,
      parts.length > 1 ? { schemaname: parts[0] ?? '', relname: parts[1] ?? '' } : { relname: parts[0] ?? '' },
    );
    const security = table.rowSecurity ?? { enabled: false, forced: false, policies: [] };
    if (!security.policies.some((p) => p.name === name)) {
      if (stmt.missing_ok === true) continue;
      throw new InterpretError(`policy "${name}" for table "${table.name}" does not exist`);
    }
    edits.push({
      kind: 'update-resource',
      resource: table.id,
      changes: { rowSecurity: { ...security, policies: security.policies.filter((p) => p.name !== name) } },
    });
  }
  return editing(edits);
}

/** COMMENT ON … IS: comments carry `[firebreak: …]` label markers. */
export function interpretComment(state: SessionState, stmt: CommentStmt): Outcome {
  const type = stmt.objtype ?? '';
  if (type === 'OBJECT_COLUMN') {
    const parts = namesOf(nodeAs<{ items?: Node[] }>(stmt.object, 'List')?.items);
    const column = parts.pop() ?? '';
    const table = requireRelation(
      state,
      parts.length > 1 ? { schemaname: parts[0] ?? '', relname: parts[1] ?? '' } : { relname: parts[0] ?? '' },
    );
    if (!table.columns.some((c) => c.name === column))
      throw new InterpretError(`column "${column}" of relation "${table.name}" does not exist`);
    const columns = table.columns.map((c) => {
      if (c.name !== column) return c;
      const { comment: _, ...rest } = c;
      return stmt.comment === undefined ? rest : { ...rest, comment: stmt.comment };
    });
    return editing([{ kind: 'update-resource', resource: table.id, changes: { columns } }]);
  }
  const targets = objectsOf(state, type, stmt.object);
  if (targets === undefined) return editing([], ['a comment on an object outside the access model']);
  return editing(
    targets.map((r): Edit => ({ kind: 'update-resource', resource: r.id, changes: { comment: stmt.comment } })),
  );
}

/** Resources an object reference names, or undefined when the type is not modelled. */
function objectsOf(
  state: SessionState,
  type: string,
  object: Node | undefined,
  missingOk = false,
): Resource[] | undefined {
  switch (type) {
    case 'OBJECT_TABLE':
    case 'OBJECT_VIEW':
    case 'OBJECT_MATVIEW':
    case 'OBJECT_FOREIGN_TABLE':
    case 'OBJECT_SEQUENCE': {
      const rangeVar = nodeAs<{ schemaname?: string; relname?: string }>(object, 'RangeVar');
      const parts = rangeVar === undefined ? namesOf(nodeAs<{ items?: Node[] }>(object, 'List')?.items) : [];
      const target =
        rangeVar ??
        (parts.length > 1 ? { schemaname: parts[0] ?? '', relname: parts[1] ?? '' } : { relname: parts[0] ?? '' });
      if (missingOk && !hasRelation(state, target)) return [];
      return [requireRelation(state, target)];
    }
    case 'OBJECT_SCHEMA': {
      const name = stringOf(object) ?? '';
      if (missingOk && !state.snapshot.resourceById.has(schemaId(name))) return [];
      return [requireSchema(state, name)];
    }
    case 'OBJECT_DATABASE': {
      const name = stringOf(object) ?? '';
      if (name !== state.snapshot.facts?.database) return undefined;
      return [state.snapshot.resourceById.get(databaseId(name)) as Resource];
    }
    case 'OBJECT_FUNCTION':
    case 'OBJECT_PROCEDURE':
    case 'OBJECT_ROUTINE':
      return findFunctions(state, nodeAs<ObjectWithArgs>(object, 'ObjectWithArgs') ?? {});
    default:
      return undefined;
  }
}

function hasRelation(state: SessionState, rangeVar: { schemaname?: string; relname?: string }): boolean {
  const schemas = rangeVar.schemaname === undefined ? searchSchemas(state) : [rangeVar.schemaname];
  return schemas.some((s) => state.snapshot.resourceById.has(relationId(s, rangeVar.relname ?? '')));
}

function exactKey(grant: Grant) {
  return {
    principal: grant.principal,
    privilege: grant.privilege,
    resource: grant.resource,
    ...(grant.column === undefined ? {} : { column: grant.column }),
    ...(grant.grantor === undefined ? {} : { grantor: grant.grantor }),
  };
}
