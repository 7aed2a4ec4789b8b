import { z } from 'zod';
import type { Queryable } from './queryable.ts';

/**
 * The catalog rows a snapshot is built from. Every query casts to text, boolean or int4 so that
 * `pg` and PGlite return the same JavaScript values; rows are validated here, at the edge.
 * Only the catalogs visible to any role are read (pg_roles, not pg_authid).
 */
const text = z.string();
const texts = z.array(z.string());
const nullableText = z.string().nullable();

const serverRow = z.object({
  version: z.number().int(),
  version_text: text,
  database: text,
  current_user: text,
  /** The role created with the cluster (oid 10): PostgreSQL 16+ records it as the grantor of superusers' role grants. */
  bootstrap_superuser: text,
});

const roleRow = z.object({
  name: text,
  superuser: z.boolean(),
  inherit: z.boolean(),
  login: z.boolean(),
  bypassrls: z.boolean(),
  createrole: z.boolean(),
  createdb: z.boolean(),
  replication: z.boolean(),
});

const membershipRow = z.object({
  member: text,
  role: text,
  grantor: nullableText,
  admin_option: z.boolean(),
  inherit_option: z.boolean().nullable(),
  set_option: z.boolean().nullable(),
});

const databaseRow = z.object({
  name: text,
  owner: text,
  acl: texts,
  default_acl: z.boolean(),
  comment: nullableText,
});

const schemaRow = z.object({
  oid: text,
  name: text,
  owner: text,
  acl: texts,
  default_acl: z.boolean(),
  comment: nullableText,
});

const relationRow = z.object({
  oid: text,
  schema_oid: text,
  name: text,
  kind: text,
  owner: text,
  acl: texts,
  default_acl: z.boolean(),
  row_security: z.boolean(),
  force_row_security: z.boolean(),
  write_runs_code: z.boolean(),
  options: texts,
  comment: nullableText,
  definition: nullableText,
});

const columnRow = z.object({
  relation_oid: text,
  name: text,
  type: text,
  acl: texts,
  comment: nullableText,
});

const policyRow = z.object({
  relation_oid: text,
  name: text,
  command: text,
  permissive: z.boolean(),
  /** Role names; the empty string stands for PUBLIC. */
  roles: texts,
  qual: nullableText,
  with_check: nullableText,
});

const dependencyRow = z.object({
  dependent_oid: text,
  relation_oid: text,
  column: nullableText,
});

const functionRow = z.object({
  oid: text,
  schema_oid: text,
  name: text,
  arguments: text,
  owner: text,
  language: text,
  source: nullableText,
  definition: nullableText,
  acl: texts,
  default_acl: z.boolean(),
});

const defaultAclRow = z.object({
  creator: text,
  schema_oid: nullableText,
  object_type: text,
  acl: texts,
});

export type ServerRow = z.infer<typeof serverRow>;
export type RoleRow = z.infer<typeof roleRow>;
export type MembershipRow = z.infer<typeof membershipRow>;
export type DatabaseRow = z.infer<typeof databaseRow>;
export type SchemaRow = z.infer<typeof schemaRow>;
export type RelationRow = z.infer<typeof relationRow>;
export type ColumnRow = z.infer<typeof columnRow>;
export type PolicyRow = z.infer<typeof policyRow>;
export type DependencyRow = z.infer<typeof dependencyRow>;
export type FunctionRow = z.infer<typeof functionRow>;
export type DefaultAclRow = z.infer<typeof defaultAclRow>;

export interface CatalogRows {
  readonly server: ServerRow;
  readonly roles: readonly RoleRow[];
  readonly memberships: readonly MembershipRow[];
  readonly database: DatabaseRow;
  readonly schemas: readonly SchemaRow[];
  readonly relations: readonly RelationRow[];
  readonly columns: readonly ColumnRow[];
  readonly policies: readonly PolicyRow[];
  readonly dependencies: readonly DependencyRow[];
  readonly functions: readonly FunctionRow[];
  readonly defaultAcls: readonly DefaultAclRow[];
}

/**
 * Relation kinds read: tables, views, materialized views, foreign and partitioned tables hold or
 * return rows; sequences are read too, so that changes naming them can be interpreted.
 */
export const RELATION_KINDS = ['r', 'v', 'm', 'f', 'p', 'S'] as const;

const USER_SCHEMAS = `n.nspname <> 'information_schema' and n.nspname !~ '^pg_'`;
const KINDS = `(${RELATION_KINDS.map((k) => `'${k}'`).join(',')})`;

const QUERIES = {
  server: `select current_setting('server_version_num')::int4 as version, version() as version_text,
      current_database()::text as database, current_user::text as current_user,
      (select rolname::text from pg_catalog.pg_roles where oid = 10) as bootstrap_superuser`,
  roles: `select rolname::text as name, rolsuper as superuser, rolinherit as inherit, rolcanlogin as login,
      rolbypassrls as bypassrls, rolcreaterole as createrole, rolcreatedb as createdb,
      rolreplication as replication
    from pg_catalog.pg_roles`,
  membershipsV16: `select m.rolname::text as member, r.rolname::text as role, g.rolname::text as grantor,
      a.admin_option, a.inherit_option, a.set_option
    from pg_catalog.pg_auth_members a
    join pg_catalog.pg_roles m on m.oid = a.member
    join pg_catalog.pg_roles r on r.oid = a.roleid
    left join pg_catalog.pg_roles g on g.oid = a.grantor`,
  membershipsV15: `select m.rolname::text as member, r.rolname::text as role, g.rolname::text as grantor,
      a.admin_option, null::boolean as inherit_option, null::boolean as set_option
    from pg_catalog.pg_auth_members a
    join pg_catalog.pg_roles m on m.oid = a.member
    join pg_catalog.pg_roles r on r.oid = a.roleid
    left join pg_catalog.pg_roles g on g.oid = a.grantor`,
  database: `select d.datname::text as name, pg_catalog.pg_get_userbyid(d.datdba)::text as owner,
      coalesce(d.datacl, pg_catalog.acldefault('d', d.datdba))::text[] as acl, d.datacl is null as default_acl,
      pg_catalog.shobj_description(d.oid, 'pg_database') as comment
    from pg_catalog.pg_database d where d.datname = current_database()`,
  schemas: `select n.oid::text as oid, n.nspname::text as name, pg_catalog.pg_get_userbyid(n.nspowner)::text as owner,
      coalesce(n.nspacl, pg_catalog.acldefault('n', n.nspowner))::text[] as acl, n.nspacl is null as default_acl,
      d.description as comment
    from pg_catalog.pg_namespace n
    left join pg_catalog.pg_description d
      on d.objoid = n.oid and d.classoid = 'pg_catalog.pg_namespace'::regclass and d.objsubid = 0
    where ${USER_SCHEMAS}`,
  relations: `select c.oid::text as oid, c.relnamespace::text as schema_oid, c.relname::text as name,
      c.relkind::text as kind, pg_catalog.pg_get_userbyid(c.relowner)::text as owner,
      coalesce(c.relacl, pg_catalog.acldefault(case when c.relkind = 'S' then 's'::"char" else 'r'::"char" end, c.relowner))::text[] as acl, c.relacl is null as default_acl,
      c.relrowsecurity as row_security, c.relforcerowsecurity as force_row_security,
      (exists (select 1 from pg_catalog.pg_trigger t where t.tgrelid = c.oid and not t.tgisinternal)
        or exists (select 1 from pg_catalog.pg_rewrite r where r.ev_class = c.oid and r.ev_type <> '1')
        or exists (select 1 from pg_catalog.pg_attrdef ad
          join pg_catalog.pg_depend dep on dep.classid = 'pg_catalog.pg_attrdef'::regclass and dep.objid = ad.oid
          where ad.adrelid = c.oid and dep.refclassid = 'pg_catalog.pg_proc'::regclass and dep.refobjid >= 16384)
        or exists (select 1 from pg_catalog.pg_constraint co
          join pg_catalog.pg_depend dep on dep.classid = 'pg_catalog.pg_constraint'::regclass and dep.objid = co.oid
          where co.conrelid = c.oid and dep.refclassid = 'pg_catalog.pg_proc'::regclass and dep.refobjid >= 16384)
      ) as write_runs_code,
      coalesce(c.reloptions, '{}')::text[] as options, d.description as comment,
      case when c.relkind in ('v', 'm') then pg_catalog.pg_get_viewdef(c.oid) end as definition
    from pg_catalog.pg_class c
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    left join pg_catalog.pg_description d
      on d.objoid = c.oid and d.classoid = 'pg_catalog.pg_class'::regclass and d.objsubid = 0
    where c.relkind in ${KINDS} and ${USER_SCHEMAS}`,
  columns: `select a.attrelid::text as relation_oid, a.attname::text as name,
      pg_catalog.format_type(a.atttypid, a.atttypmod) as type,
      coalesce(a.attacl, '{}')::text[] as acl, d.description as comment
    from pg_catalog.pg_attribute a
    join pg_catalog.pg_class c on c.oid = a.attrelid
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    left join pg_catalog.pg_description d
      on d.objoid = a.attrelid and d.classoid = 'pg_catalog.pg_class'::regclass and d.objsubid = a.attnum
    where a.attnum > 0 and not a.attisdropped and c.relkind in ${KINDS} and ${USER_SCHEMAS}
    order by a.attrelid, a.attnum`,
  policies: `select p.polrelid::text as relation_oid, p.polname::text as name, p.polcmd::text as command,
      p.polpermissive as permissive,
      array(select case when r.oid = 0 then '' else pg_catalog.pg_get_userbyid(r.oid)::text end
            from unnest(p.polroles) as r(oid)) as roles,
      pg_catalog.pg_get_expr(p.polqual, p.polrelid) as qual,
      pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) as with_check
    from pg_catalog.pg_policy p`,
  dependencies: `select distinct r.ev_class::text as dependent_oid, d.refobjid::text as relation_oid, a.attname::text as column
    from pg_catalog.pg_rewrite r
    join pg_catalog.pg_depend d
      on d.classid = 'pg_catalog.pg_rewrite'::regclass and d.objid = r.oid
     and d.refclassid = 'pg_catalog.pg_class'::regclass and d.refobjid <> r.ev_class
    left join pg_catalog.pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid and d.refobjsubid > 0
    union
    select distinct d.objid::text, d.refobjid::text, a.attname::text
    from pg_catalog.pg_depend d
    left join pg_catalog.pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid and d.refobjsubid > 0
    where d.classid = 'pg_catalog.pg_proc'::regclass and d.refclassid = 'pg_catalog.pg_class'::regclass`,
  functions: `select p.oid::text as oid, p.pronamespace::text as schema_oid, p.proname::text as name,
      pg_catalog.pg_get_function_identity_arguments(p.oid) as arguments,
      pg_catalog.pg_get_userbyid(p.proowner)::text as owner, l.lanname::text as language,
      case when p.prosqlbody is not null then pg_catalog.pg_get_functiondef(p.oid) else p.prosrc end as source,
      pg_catalog.pg_get_functiondef(p.oid) as definition,
      coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))::text[] as acl, p.proacl is null as default_acl
    from pg_catalog.pg_proc p
    join pg_catalog.pg_namespace n on n.oid = p.pronamespace
    join pg_catalog.pg_language l on l.oid = p.prolang
    where p.prosecdef and ${USER_SCHEMAS}`,
  defaultAcls: `select pg_catalog.pg_get_userbyid(a.defaclrole)::text as creator,
      nullif(a.defaclnamespace, 0)::text as schema_oid, a.defaclobjtype::text as object_type,
      a.defaclacl::text[] as acl
    from pg_catalog.pg_default_acl a`,
} as const;

/**
 * Reads every catalog the snapshot needs inside one repeatable-read, read-only transaction, so all
 * rows describe the same instant. Nothing is written.
 */
export async function readCatalog(db: Queryable): Promise<CatalogRows> {
  const rows = async <T>(sql: string, schema: z.ZodType<T>): Promise<T[]> =>
    z.array(schema).parse((await db.query(sql)).rows);
  await db.query('begin isolation level repeatable read read only');
  try {
    const [server] = await rows(QUERIES.server, serverRow);
    const [database] = await rows(QUERIES.database, databaseRow);
    if (server === undefined || database === undefined) throw new Error('the server returned no database row');
    const catalog: CatalogRows = {
      server,
      database,
      roles: await rows(QUERIES.roles, roleRow),
      memberships: await rows(
        server.version >= 160000 ? QUERIES.membershipsV16 : QUERIES.membershipsV15,
        membershipRow,
      ),
      schemas: await rows(QUERIES.schemas, schemaRow),
      relations: await rows(QUERIES.relations, relationRow),
      columns: await rows(QUERIES.columns, columnRow),
      policies: await rows(QUERIES.policies, policyRow),
      dependencies: await rows(QUERIES.dependencies, dependencyRow),
      functions: await rows(QUERIES.functions, functionRow),
      defaultAcls: await rows(QUERIES.defaultAcls, defaultAclRow),
    };
    return catalog;
  } finally {
    await db.query('rollback');
  }
}
