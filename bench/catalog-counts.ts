import type { Queryable } from '../dist/connectors/postgres/index.js';

/** Sizes of the catalog as PostgreSQL reports them, so a reader can check the catalog is as claimed. */
export interface CatalogCounts {
  readonly roles: number;
  readonly logins: number;
  readonly benchRoles: number;
  readonly benchLogins: number;
  readonly memberships: number;
  readonly schemas: number;
  readonly tables: number;
  readonly columns: number;
  /** ACL items (one per object and grantee) other than an owner's own: table, column, schema. */
  readonly tableAclItems: number;
  readonly columnAclItems: number;
  readonly schemaAclItems: number;
  readonly rowSecurityTables: number;
}

const USER_SCHEMA = `n.nspname <> 'information_schema' and n.nspname !~ '^pg_'`;

const QUERY = `
  with rel as (
    select c.oid, c.relowner, c.relacl, c.relrowsecurity
    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'r' and ${USER_SCHEMA}
  )
  select
    (select count(*) from pg_catalog.pg_roles)::int4 as roles,
    (select count(*) from pg_catalog.pg_roles where rolcanlogin)::int4 as logins,
    (select count(*) from pg_catalog.pg_roles where starts_with(rolname, $1))::int4 as bench_roles,
    (select count(*) from pg_catalog.pg_roles where starts_with(rolname, $1) and rolcanlogin)::int4 as bench_logins,
    (select count(*) from pg_catalog.pg_auth_members)::int4 as memberships,
    (select count(*) from pg_catalog.pg_namespace n where ${USER_SCHEMA})::int4 as schemas,
    (select count(*) from rel)::int4 as tables,
    (select count(*) from pg_catalog.pg_attribute a join rel on rel.oid = a.attrelid
      where a.attnum > 0 and not a.attisdropped)::int4 as columns,
    (select count(*) from (select distinct rel.oid, e.grantee from rel, pg_catalog.aclexplode(rel.relacl) e
      where e.grantee <> rel.relowner) x)::int4 as table_acl,
    (select count(*) from (select distinct a.attrelid, a.attnum, e.grantee
      from pg_catalog.pg_attribute a join rel on rel.oid = a.attrelid, pg_catalog.aclexplode(a.attacl) e) x)::int4 as column_acl,
    (select count(*) from (select distinct n.oid, e.grantee from pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) e
      where e.grantee <> n.nspowner and ${USER_SCHEMA}) x)::int4 as schema_acl,
    (select count(*) from rel where relrowsecurity)::int4 as rls_tables`;

export async function readCatalogCounts(db: Queryable, rolePrefix: string): Promise<CatalogCounts> {
  const { rows } = await db.query(QUERY, [rolePrefix]);
  const row = rows[0] as Record<string, number>;
  const n = (key: string) => row[key] ?? 0;
  return {
    roles: n('roles'),
    logins: n('logins'),
    benchRoles: n('bench_roles'),
    benchLogins: n('bench_logins'),
    memberships: n('memberships'),
    schemas: n('schemas'),
    tables: n('tables'),
    columns: n('columns'),
    tableAclItems: n('table_acl'),
    columnAclItems: n('column_acl'),
    schemaAclItems: n('schema_acl'),
    rowSecurityTables: n('rls_tables'),
  };
}
