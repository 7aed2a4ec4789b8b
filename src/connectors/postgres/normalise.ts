import {
  type BlanketGrant,
  type Column,
  type DefaultGrant,
  type Derivation,
  type Grant,
  groupBy,
  type Label,
  type Membership,
  type Principal,
  PUBLIC_ID,
  type Resource,
  type RowPolicy,
  type SnapshotData,
  type SourceRef,
} from '../../core/index.ts';
import { parseAclItem } from './acl.ts';
import type { CatalogRows, PolicyRow, RelationRow } from './catalog.ts';
import { parsePgBool, qualifiedName, quoteIdent } from './names.ts';
import { routineReads } from './routine-reads.ts';

/** Labels come later (classification); until then every resource and column shares this one. */
const NO_LABELS: readonly Label[] = Object.freeze([]);

/** Resource kinds by `pg_class.relkind`. */
export const RELATION_KIND_NAMES: Readonly<Record<string, string>> = {
  r: 'table',
  p: 'partitioned table',
  v: 'view',
  m: 'materialized view',
  f: 'foreign table',
  S: 'sequence',
};
/** Kinds that hold rows readable with SELECT (sequences only hand out numbers). */
export const TABLE_KINDS = ['table', 'partitioned table', 'view', 'materialized view', 'foreign table'];

export const databaseId = (name: string) => `database:${quoteIdent(name)}`;
export const schemaId = (name: string) => `schema:${quoteIdent(name)}`;
export const relationId = (schema: string, name: string) => `relation:${qualifiedName(schema, name)}`;

/**
 * Turns catalog rows into the access model, following the rules in
 * https://www.postgresql.org/docs/current/ddl-priv.html and reference/postgres-access.md:
 * memberships in PG16+ and pre-16 semantics, predefined roles as blanket grants, built-in default
 * ACLs made explicit, schema USAGE and database CONNECT as gates, views as derivations.
 */
export function normaliseCatalog(rows: CatalogRows, system: string): SnapshotData {
  const modernMembership = rows.server.version >= 160000;
  const roleByName = new Map(rows.roles.map((r) => [r.name, r]));
  const known = (name: string | null) => name === null || roleByName.has(name);
  // Every row and ACL item arrives as its own strings: the same role, column or type name once
  // per grant or column. One instance of each keeps a catalog of 600,000 grants tens of MB smaller
  // (and ACL names, slices of the item's text, would keep the whole text alive).
  const strings = new Map<string, string>(rows.roles.map((role) => [role.name, role.name]));
  const intern = (text: string): string => {
    const seen = strings.get(text);
    if (seen !== undefined) return seen;
    strings.set(text, text);
    return text;
  };

  const principals: Principal[] = rows.roles.map((role) => ({
    id: role.name,
    name: role.name,
    login: role.login,
    superuser: role.superuser,
    bypassRowSecurity: role.bypassrls,
    attributes: {
      inherit: role.inherit,
      createrole: role.createrole,
      createdb: role.createdb,
      ...(role.replication ? { replication: true } : {}),
    },
  }));

  const memberships: Membership[] = rows.memberships.map((m) => ({
    member: m.member,
    group: m.role,
    // Before PG16 every membership allows SET ROLE and inheritance is the member's attribute.
    inherit: modernMembership ? m.inherit_option === true : (roleByName.get(m.member)?.inherit ?? false),
    set: modernMembership ? m.set_option === true : true,
    admin: m.admin_option,
    ...(m.grantor === null ? {} : { grantor: m.grantor }),
  }));
  if (roleByName.has('pg_database_owner') && roleByName.has(rows.database.owner))
    memberships.push({
      member: rows.database.owner,
      group: 'pg_database_owner',
      inherit: modernMembership || (roleByName.get(rows.database.owner)?.inherit ?? false),
      set: true,
      admin: false,
      implicit: 'owner of the current database',
    });

  const grants: Grant[] = [];
  const addAcl = (acl: readonly string[], resource: string, builtIn: boolean, column?: string) => {
    for (const item of acl) {
      const entries = parseAclItem(item);
      if (typeof entries === 'string') throw new Error(entries);
      for (const entry of entries) {
        // An ACL may name a role that no longer exists (printed as its oid); it grants nothing.
        if (!known(entry.grantee)) continue;
        grants.push({
          principal: entry.grantee === null ? PUBLIC_ID : intern(entry.grantee),
          privilege: entry.privilege,
          resource,
          ...(column === undefined ? {} : { column }),
          grantable: entry.grantable,
          ...(known(entry.grantor) && entry.grantor !== null ? { grantor: intern(entry.grantor) } : {}),
          ...(builtIn ? { implicit: 'built-in default privileges (no GRANT has changed them)' } : {}),
        });
      }
    }
  };

  const database = rows.database;
  const resources: Resource[] = [
    {
      id: databaseId(database.name),
      kind: 'database',
      name: quoteIdent(database.name),
      path: [],
      owner: database.owner,
      readable: false,
      labels: NO_LABELS,
      columns: [],
      gate: { privilege: 'CONNECT', checkedAs: 'session' },
      ...(database.comment === null ? {} : { comment: database.comment }),
    },
  ];
  addAcl(database.acl, databaseId(database.name), database.default_acl);

  const schemaNameByOid = new Map<string, string>();
  for (const schema of rows.schemas) {
    schemaNameByOid.set(schema.oid, schema.name);
    resources.push({
      id: schemaId(schema.name),
      kind: 'schema',
      name: quoteIdent(schema.name),
      path: [schema.name],
      parent: databaseId(database.name),
      owner: schema.owner,
      readable: false,
      labels: NO_LABELS,
      columns: [],
      gate: { privilege: 'USAGE', checkedAs: 'acting' },
      ...(schema.comment === null ? {} : { comment: schema.comment }),
    });
    addAcl(schema.acl, schemaId(schema.name), schema.default_acl);
  }

  const relationIdByOid = new Map<string, string>();
  for (const relation of rows.relations) {
    const schema = schemaNameByOid.get(relation.schema_oid);
    if (schema !== undefined) relationIdByOid.set(relation.oid, relationId(schema, relation.name));
  }
  const columnsByRelation = groupBy(rows.columns, (c) => c.relation_oid);
  const policiesByRelation = groupBy(rows.policies, (p) => p.relation_oid);
  const sourcesByDependent = groupBy(rows.dependencies, (d) => d.dependent_oid);

  for (const relation of rows.relations) {
    const schema = schemaNameByOid.get(relation.schema_oid);
    const id = relationIdByOid.get(relation.oid);
    if (schema === undefined || id === undefined) continue;
    const columnRows = columnsByRelation.get(relation.oid) ?? [];
    const columns: Column[] = columnRows.map((c) => ({
      name: intern(c.name),
      labels: NO_LABELS,
      type: intern(c.type),
      ...(c.comment === null ? {} : { comment: c.comment }),
    }));
    const derivation = derivationOf(relation, sourcesByDependent.get(relation.oid) ?? [], relationIdByOid);
    resources.push({
      id,
      kind: RELATION_KIND_NAMES[relation.kind] ?? relation.kind,
      name: qualifiedName(schema, relation.name),
      path: [schema, relation.name],
      parent: intern(schemaId(schema)),
      owner: intern(relation.owner),
      readable: relation.kind !== 'S',
      labels: NO_LABELS,
      columns,
      ...(relation.kind === 'r' || relation.kind === 'p'
        ? {
            rowSecurity: {
              enabled: relation.row_security,
              forced: relation.force_row_security,
              policies: (policiesByRelation.get(relation.oid) ?? []).map(policyOf),
            },
          }
        : {}),
      ...(derivation === undefined ? {} : { derivation }),
      ...(relation.comment === null ? {} : { comment: relation.comment }),
      ...(relation.definition === null ? {} : { definition: relation.definition }),
      ...(relation.write_runs_code ? { writeRunsCode: true } : {}),
    });
    addAcl(relation.acl, id, relation.default_acl);
    for (const column of columnRows) addAcl(column.acl, id, false, intern(column.name));
  }

  const relationsByName = new Map<string, string[]>();
  for (const relation of rows.relations) {
    const id = relationIdByOid.get(relation.oid);
    if (id === undefined) continue;
    const list = relationsByName.get(relation.name) ?? [];
    list.push(id);
    relationsByName.set(relation.name, list);
  }
  for (const fn of rows.functions) {
    const schema = schemaNameByOid.get(fn.schema_oid);
    if (schema === undefined) continue;
    const name = `${qualifiedName(schema, fn.name)}(${fn.arguments})`;
    const id = `function:${name}`;
    const dependencies = (sourcesByDependent.get(fn.oid) ?? []).flatMap(
      (d) => relationIdByOid.get(d.relation_oid) ?? [],
    );
    resources.push({
      id,
      kind: 'function',
      name,
      path: [schema, fn.name],
      parent: schemaId(schema),
      owner: fn.owner,
      readable: false,
      labels: NO_LABELS,
      columns: [],
      routine: {
        runsAs: 'owner',
        invokePrivilege: 'EXECUTE',
        reads: routineReads(fn.language, fn.source ?? '', dependencies, relationsByName),
      },
      ...(fn.definition === null ? {} : { definition: fn.definition }),
    });
    addAcl(fn.acl, id, fn.default_acl);
  }

  const blanketGrants: BlanketGrant[] = [];
  if (roleByName.has('pg_read_all_data'))
    blanketGrants.push(
      {
        principal: 'pg_read_all_data',
        privilege: 'SELECT',
        kinds: TABLE_KINDS,
        reason: 'predefined role pg_read_all_data',
      },
      {
        principal: 'pg_read_all_data',
        privilege: 'USAGE',
        kinds: ['schema'],
        reason: 'predefined role pg_read_all_data',
      },
    );
  if (roleByName.has('pg_write_all_data'))
    for (const privilege of ['INSERT', 'UPDATE', 'DELETE', 'USAGE'])
      blanketGrants.push({
        principal: 'pg_write_all_data',
        privilege,
        kinds: privilege === 'USAGE' ? ['schema'] : TABLE_KINDS,
        reason: 'predefined role pg_write_all_data',
      });

  const defaultGrants: DefaultGrant[] = [];
  for (const row of rows.defaultAcls) {
    // Only relations carry readable data; sequences, functions, types and schemas are not reported.
    if (row.object_type !== 'r' || !roleByName.has(row.creator)) continue;
    const schema = row.schema_oid === null ? undefined : schemaNameByOid.get(row.schema_oid);
    if (row.schema_oid !== null && schema === undefined) continue;
    for (const item of row.acl) {
      const entries = parseAclItem(item);
      if (typeof entries === 'string') throw new Error(entries);
      for (const entry of entries) {
        if (entry.grantee === row.creator || !known(entry.grantee)) continue;
        defaultGrants.push({
          creator: row.creator,
          ...(schema === undefined ? {} : { container: schemaId(schema) }),
          kind: 'table',
          principal: entry.grantee ?? PUBLIC_ID,
          privilege: entry.privilege,
          grantable: entry.grantable,
        });
      }
    }
  }

  return {
    system,
    source: 'postgres',
    readPrivilege: 'SELECT',
    principals,
    memberships,
    resources,
    grants,
    blanketGrants,
    defaultGrants,
    facts: {
      server: rows.server.version_text,
      serverVersion: String(rows.server.version),
      database: database.name,
      connectedAs: rows.server.current_user,
      bootstrapSuperuser: rows.server.bootstrap_superuser,
      membershipSemantics: modernMembership ? 'PostgreSQL 16+' : 'before PostgreSQL 16',
    },
  };
}

function derivationOf(
  relation: RelationRow,
  dependencies: readonly { relation_oid: string; column: string | null }[],
  relationIdByOid: ReadonlyMap<string, string>,
): Derivation | undefined {
  if (relation.kind !== 'v' && relation.kind !== 'm') return undefined;
  const columnsBySource = new Map<string, string[]>();
  for (const dependency of dependencies) {
    const source = relationIdByOid.get(dependency.relation_oid);
    if (source === undefined) continue;
    const columns = columnsBySource.get(source) ?? [];
    if (dependency.column !== null && !columns.includes(dependency.column)) columns.push(dependency.column);
    columnsBySource.set(source, columns);
  }
  const sources: SourceRef[] = [...columnsBySource].map(([resource, columns]) => ({ resource, columns }));
  if (relation.kind === 'm') return { runsAs: 'owner', sources, materialized: true };
  const invoker = relation.options.some((option) => {
    const [key, value] = option.split('=', 2);
    return key === 'security_invoker' && parsePgBool(value ?? '') === true;
  });
  return { runsAs: invoker ? 'invoker' : 'owner', sources };
}

const POLICY_PRIVILEGES: Readonly<Record<string, RowPolicy['privileges']>> = {
  '*': '*',
  r: ['SELECT'],
  a: ['INSERT'],
  w: ['UPDATE'],
  d: ['DELETE'],
};

function policyOf(row: PolicyRow): RowPolicy {
  return {
    name: row.name,
    privileges: POLICY_PRIVILEGES[row.command] ?? '*',
    permissive: row.permissive,
    principals: row.roles.map((name) => (name === '' ? PUBLIC_ID : name)),
    condition: row.qual,
    ...(row.with_check === null ? {} : { check: row.with_check }),
    // A permissive policy without USING admits nothing; a restrictive one restricts nothing.
    admitsAllRows: row.qual === null ? !row.permissive : row.qual.trim().toLowerCase() === 'true',
  };
}
