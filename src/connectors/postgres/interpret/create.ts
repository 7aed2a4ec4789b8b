import type {
  ColumnDef,
  CreateSchemaStmt,
  CreateStmt,
  CreateTableAsStmt,
  RangeVar,
  TableLikeClause,
  ViewStmt,
} from 'libpg-query';
import {
  type Column,
  type Derivation,
  type Edit,
  type Grant,
  type PrincipalId,
  PUBLIC_ID,
  type Resource,
} from '../../../core/index.ts';
import { parsePgBool, qualifiedName, quoteIdent } from '../names.ts';
import { databaseId, relationId, schemaId } from '../normalise.ts';
import { defElems, defValue, namesOf, nodeAs, roleReference } from './ast.ts';
import { queryLineage } from './lineage.ts';
import { editing, type Outcome } from './outcome.ts';
import { ownerDefaults, SCHEMA_PRIVILEGES, tablePrivileges } from './privileges.ts';
import { unsafeCalls } from './safe-functions.ts';
import {
  creationSchema,
  findRelation,
  InterpretError,
  requireRelation,
  resolveRole,
  type SessionState,
  serverVersion,
} from './state.ts';

/** CREATE TABLE: a new table owned by the current role, with its default privileges applied. */
export function interpretCreateTable(state: SessionState, stmt: CreateStmt): Outcome {
  const rangeVar = stmt.relation ?? {};
  if (rangeVar.relpersistence === 't') return editing([], ['a temporary table lives only in this session']);
  const existing = findRelation(state, rangeVar);
  if (existing !== undefined && stmt.if_not_exists === true) return editing([], [`${existing.name} already exists`]);
  const columns: Column[] = [];
  for (const element of stmt.tableElts ?? []) {
    const def = nodeAs<ColumnDef>(element, 'ColumnDef');
    if (def !== undefined)
      columns.push({ name: def.colname ?? '', labels: [], type: namesOf(def.typeName?.names).join('.') });
    const like = nodeAs<TableLikeClause>(element, 'TableLikeClause');
    if (like !== undefined)
      columns.push(...requireRelation(state, like.relation ?? {}).columns.map((c) => ({ ...c, labels: [] })));
  }
  const kind = stmt.partspec === undefined ? 'table' : 'partitioned table';
  const edits = newRelation(state, rangeVar, kind, columns, undefined);
  // Defaults and checks that call functions run when rows are written, as whoever writes them.
  const calls = unsafeCalls(stmt.tableElts);
  if (calls.length === 0) return editing(edits);
  return editing(
    edits.map((e) => (e.kind === 'add-resource' ? { ...e, resource: { ...e.resource, writeRunsCode: true } } : e)),
    [`writing to it runs ${calls.map((c) => `${c}()`).join(', ')}`],
  );
}

/** CREATE TABLE … AS, SELECT … INTO, CREATE MATERIALIZED VIEW: a copy that keeps its sources' labels. */
export function interpretCreateTableAs(state: SessionState, stmt: CreateTableAsStmt): Outcome {
  const into = stmt.into ?? {};
  const rangeVar = into.rel ?? {};
  if (rangeVar.relpersistence === 't') return editing([], ['a temporary table lives only in this session']);
  if (findRelation(state, rangeVar) !== undefined && stmt.if_not_exists === true)
    return editing([], ['the relation already exists']);
  const lineage = queryLineage(state, stmt.query);
  const names = namesOf(into.colNames);
  const columns = lineage.outputColumns.map((name, i): Column => ({ name: names[i] ?? name, labels: [] }));
  const derivation: Derivation = { runsAs: 'owner', sources: lineage.sources, materialized: true };
  const kind = stmt.objtype === 'OBJECT_MATVIEW' ? 'materialized view' : 'table';
  return editing(newRelation(state, rangeVar, kind, columns, derivation), [
    'the new relation holds a copy of what it selects: it carries the labels of its sources',
  ]);
}

/** CREATE [OR REPLACE] VIEW (https://www.postgresql.org/docs/current/sql-createview.html). */
export function interpretCreateView(state: SessionState, stmt: ViewStmt): Outcome {
  const rangeVar = stmt.view ?? {};
  const lineage = queryLineage(state, stmt.query);
  const aliases = namesOf(stmt.aliases);
  const columns = lineage.outputColumns.map((name, i): Column => ({ name: aliases[i] ?? name, labels: [] }));
  const options = defElems(stmt.options);
  const invoker = options.some((o) => o.defname === 'security_invoker' && optionTrue(defValue(o)));
  const derivation: Derivation = { runsAs: invoker ? 'invoker' : 'owner', sources: lineage.sources };
  const existing = findRelation(state, rangeVar);
  if (existing !== undefined) {
    if (stmt.replace !== true) throw new InterpretError(`relation "${existing.name}" already exists`);
    if (existing.kind !== 'view') throw new InterpretError(`"${existing.name}" is not a view`);
    // OR REPLACE keeps the owner, the grants and the options not given again.
    const runsAs = options.some((o) => o.defname === 'security_invoker')
      ? derivation.runsAs
      : (existing.derivation?.runsAs ?? 'owner');
    const kept = existing.columns.map((c, i) => ({ ...c, name: columns[i]?.name ?? c.name }));
    const added = columns.slice(existing.columns.length);
    return editing([
      {
        kind: 'update-resource',
        resource: existing.id,
        changes: { derivation: { ...derivation, runsAs }, columns: [...kept, ...added] },
      },
    ]);
  }
  return editing(newRelation(state, rangeVar, 'view', columns, derivation));
}

/** CREATE SCHEMA [AUTHORIZATION role]; its elements are interpreted by the caller afterwards. */
export function interpretCreateSchema(state: SessionState, stmt: CreateSchemaStmt): Outcome {
  const owner =
    stmt.authrole === undefined ? state.currentRole : resolveRole(state, roleReference(stmt.authrole), false);
  const name = stmt.schemaname ?? owner;
  const id = schemaId(name);
  if (state.snapshot.resourceById.has(id)) {
    if (stmt.if_not_exists === true) return editing([], [`schema ${name} already exists`]);
    throw new InterpretError(`schema "${name}" already exists`);
  }
  const database = state.snapshot.facts?.database ?? '';
  const schema: Resource = {
    id,
    kind: 'schema',
    name: quoteIdent(name),
    path: [name],
    parent: databaseId(database),
    owner,
    readable: false,
    labels: [],
    columns: [],
    gate: { privilege: 'USAGE', checkedAs: 'acting' },
  };
  return editing([{ kind: 'add-resource', resource: schema }, ...ownerDefaults(owner, id, SCHEMA_PRIVILEGES).map(add)]);
}

/** A new relation owned by the current role, with the owner's defaults and the default privileges. */
function newRelation(
  state: SessionState,
  rangeVar: RangeVar,
  kind: string,
  columns: Column[],
  derivation: Derivation | undefined,
): Edit[] {
  const schema = creationSchema(state, rangeVar);
  const name = rangeVar.relname ?? '';
  const id = relationId(schema, name);
  if (state.snapshot.resourceById.has(id)) throw new InterpretError(`relation "${schema}.${name}" already exists`);
  const owner = state.currentRole;
  const resource: Resource = {
    id,
    kind,
    name: qualifiedName(schema, name),
    path: [schema, name],
    parent: schemaId(schema),
    owner,
    readable: true,
    labels: [],
    columns,
    ...(kind === 'table' || kind === 'partitioned table'
      ? { rowSecurity: { enabled: false, forced: false, policies: [] } }
      : {}),
    ...(derivation === undefined ? {} : { derivation }),
  };
  const grants = [
    ...ownerDefaults(owner, id, tablePrivileges(serverVersion(state))),
    ...defaultPrivileges(state, owner, schemaId(schema), id),
  ];
  return [{ kind: 'add-resource', resource }, ...grants.map(add)];
}

/** Grants that ALTER DEFAULT PRIVILEGES gives a table the creator makes in the schema. */
function defaultPrivileges(state: SessionState, creator: PrincipalId, schema: string, id: string): Grant[] {
  return state.snapshot.defaultGrants
    .filter((d) => d.creator === creator && d.kind === 'table' && (d.container === undefined || d.container === schema))
    .map((d) => ({
      principal: d.principal === PUBLIC_ID ? PUBLIC_ID : d.principal,
      privilege: d.privilege,
      resource: id,
      grantable: d.grantable,
      grantor: creator,
    }));
}

const add = (grant: Grant): Edit => ({ kind: 'add-grant', grant });

function optionTrue(value: string | boolean | number | undefined): boolean {
  if (value === undefined) return true;
  if (typeof value === 'boolean') return value;
  return parsePgBool(String(value)) === true;
}
