import type { Random } from './random.ts';

/**
 * Random access catalogs for differential tests: roles with attributes, nested memberships with
 * varied options, predefined-role members, schemas with and without USAGE, tables with owners,
 * table/column/PUBLIC grants, row security with policies, views with and without
 * security_invoker over tables and views, SECURITY DEFINER functions, database CONNECT.
 * Every table holds rows with id 1, 2, 3 so that a row filter is visible as a smaller count.
 */
export interface RoleSpec {
  readonly name: string;
  readonly login: boolean;
  readonly superuser: boolean;
  readonly bypassrls: boolean;
  readonly inherit: boolean;
}

export interface MembershipSpec {
  readonly member: string;
  readonly group: string;
  /** PostgreSQL 16+ only; older servers use the member's INHERIT attribute and always allow SET. */
  readonly inherit: boolean | undefined;
  readonly set: boolean | undefined;
  readonly admin: boolean;
}

export interface GrantSpec {
  readonly grantee: string;
  readonly columns?: readonly string[];
}

export interface PolicySpec {
  readonly name: string;
  readonly command: 'SELECT' | 'ALL' | 'INSERT';
  readonly permissive: boolean;
  readonly roles: readonly string[];
  readonly using: 'true' | 'false' | 'id > 1';
}

export interface RelationSpec {
  readonly schema: string;
  readonly name: string;
  readonly owner: string;
  readonly columns: readonly string[];
  readonly grants: readonly GrantSpec[];
  /** Tables only. */
  readonly rls?: { readonly forced: boolean; readonly policies: readonly PolicySpec[] };
  /** Views only: the relation it selects from, and whether it runs with the invoker's rights. */
  readonly view?: { readonly over: RelationSpec; readonly invoker: boolean };
}

export interface FunctionSpec {
  readonly schema: string;
  readonly name: string;
  readonly owner: string;
  readonly reads: RelationSpec;
  readonly revokeFromPublic: boolean;
  readonly execute: readonly string[];
}

export interface CatalogSpec {
  readonly prefix: string;
  readonly roles: readonly RoleSpec[];
  readonly memberships: readonly MembershipSpec[];
  readonly schemas: readonly { readonly name: string; readonly owner: string; readonly usage: readonly string[] }[];
  readonly relations: readonly RelationSpec[];
  readonly functions: readonly FunctionSpec[];
  readonly connect: { readonly revokeFromPublic: boolean; readonly grantees: readonly string[] };
}

export const ADMIN = 'postgres';
const COLUMNS = ['id', 'a', 'b'] as const;

export function randomCatalog(random: Random, prefix: string, modernMembership: boolean): CatalogSpec {
  const roles: RoleSpec[] = [];
  const roleCount = random.int(3, 8);
  for (let i = 0; i < roleCount; i++)
    roles.push({
      name: `${prefix}r${i}`,
      // The last role always logs in, so every catalog has someone to compare.
      login: i === roleCount - 1 || random.chance(0.6),
      superuser: random.chance(0.05),
      bypassrls: random.chance(0.1),
      inherit: random.chance(0.8),
    });
  const names = roles.map((r) => r.name);
  const grantees = [...names, 'PUBLIC'];

  const memberships: MembershipSpec[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < random.int(0, roleCount * 2); i++) {
    // Members point to groups with a lower index: no cycles, chains up to the role count deep.
    const member = random.int(1, roleCount - 1);
    const group = random.int(0, member - 1);
    const key = `${member}:${group}`;
    if (seen.has(key)) continue;
    seen.add(key);
    memberships.push({
      member: names[member] as string,
      group: names[group] as string,
      inherit: modernMembership ? random.chance(0.7) : undefined,
      set: modernMembership ? random.chance(0.7) : undefined,
      admin: random.chance(0.1),
    });
  }
  for (const name of names)
    if (random.chance(0.08))
      memberships.push({
        member: name,
        group: 'pg_read_all_data',
        inherit: modernMembership ? random.chance(0.7) : undefined,
        set: modernMembership ? random.chance(0.7) : undefined,
        admin: false,
      });

  const owners = [ADMIN, ...names];
  const schemas = Array.from({ length: random.int(1, 3) }, (_, i) => ({
    name: `${prefix}s${i}`,
    owner: random.chance(0.7) ? ADMIN : random.pick(names),
    usage: random.sample(grantees, 3),
  }));

  const relations: RelationSpec[] = [];
  for (let i = 0; i < random.int(2, 4); i++) {
    const rls = random.chance(0.35)
      ? {
          forced: random.chance(0.25),
          policies: Array.from({ length: random.int(0, 2) }, (_, j) => ({
            name: `p${j}`,
            command: random.pick(['SELECT', 'ALL', 'ALL', 'INSERT'] as const),
            permissive: random.chance(0.75),
            roles: random.chance(0.3) ? ['PUBLIC'] : [...new Set([...random.sample(names, 2), random.pick(names)])],
            using: random.pick(['true', 'false', 'id > 1'] as const),
          })),
        }
      : undefined;
    relations.push({
      schema: random.pick(schemas).name,
      name: `t${i}`,
      owner: random.pick(owners),
      columns: COLUMNS,
      grants: randomGrants(random, grantees, COLUMNS),
      ...(rls === undefined ? {} : { rls }),
    });
  }
  for (let i = 0; i < random.int(0, 3); i++) {
    const over = random.pick(relations);
    const columns = random.chance(0.5) ? over.columns : over.columns.filter(() => random.chance(0.6));
    const picked = columns.length > 0 ? columns : [over.columns[0] as string];
    relations.push({
      schema: random.pick(schemas).name,
      name: `v${i}`,
      owner: random.pick(owners),
      columns: picked,
      grants: randomGrants(random, grantees, picked),
      view: { over, invoker: random.chance(0.4) },
    });
  }

  const functions: FunctionSpec[] = random.chance(0.4)
    ? [
        {
          schema: random.pick(schemas).name,
          name: 'f0',
          owner: random.pick(owners),
          reads: random.pick(relations),
          revokeFromPublic: random.chance(0.5),
          execute: random.sample(names, 2),
        },
      ]
    : [];

  const revokeConnect = random.chance(0.3);
  return {
    prefix,
    roles,
    memberships,
    schemas,
    relations,
    functions,
    connect: { revokeFromPublic: revokeConnect, grantees: revokeConnect ? random.sample(names, 3) : [] },
  };
}

function randomGrants(random: Random, grantees: readonly string[], columns: readonly string[]): GrantSpec[] {
  return random
    .sample(grantees, 3)
    .map((grantee) =>
      random.chance(0.3)
        ? { grantee, columns: [...new Set([...random.sample(columns, 2), random.pick(columns)])] }
        : { grantee },
    );
}

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;
const grantee = (name: string) => (name === 'PUBLIC' ? 'PUBLIC' : q(name));
export const relationSql = (r: RelationSpec) => `${q(r.schema)}.${q(r.name)}`;

/** The catalog as SQL statements, run in order by a superuser in the catalog's database. */
export function catalogSql(spec: CatalogSpec, database: string, modernMembership: boolean): string[] {
  const sql: string[] = [];
  for (const r of spec.roles)
    sql.push(
      `create role ${q(r.name)} ${r.login ? 'login' : 'nologin'} ${r.superuser ? 'superuser' : ''} ${r.bypassrls ? 'bypassrls' : ''} ${r.inherit ? 'inherit' : 'noinherit'}`,
    );
  for (const m of spec.memberships) {
    const options = modernMembership
      ? ` with inherit ${m.inherit ? 'true' : 'false'}, set ${m.set ? 'true' : 'false'}, admin ${m.admin ? 'true' : 'false'}`
      : m.admin
        ? ' with admin option'
        : '';
    sql.push(`grant ${q(m.group)} to ${q(m.member)}${options}`);
  }
  if (spec.connect.revokeFromPublic) sql.push(`revoke connect on database ${q(database)} from public`);
  for (const g of spec.connect.grantees) sql.push(`grant connect on database ${q(database)} to ${q(g)}`);
  for (const s of spec.schemas) {
    sql.push(`create schema ${q(s.name)}`);
    if (s.owner !== ADMIN) sql.push(`alter schema ${q(s.name)} owner to ${q(s.owner)}`);
    for (const g of s.usage) sql.push(`grant usage on schema ${q(s.name)} to ${grantee(g)}`);
  }
  for (const r of spec.relations) {
    const name = relationSql(r);
    if (r.view === undefined) {
      sql.push(`create table ${name} (${r.columns.map((c) => `${q(c)} int`).join(', ')})`);
      sql.push(
        `insert into ${name} values ${[1, 2, 3].map((i) => `(${r.columns.map(() => i).join(', ')})`).join(', ')}`,
      );
    } else {
      const options = r.view.invoker ? ' with (security_invoker = true)' : '';
      sql.push(
        `create view ${name}${options} as select ${r.columns.map(q).join(', ')} from ${relationSql(r.view.over)}`,
      );
    }
    if (r.owner !== ADMIN) sql.push(`alter ${r.view === undefined ? 'table' : 'view'} ${name} owner to ${q(r.owner)}`);
    for (const g of r.grants)
      sql.push(
        `grant select${g.columns === undefined ? '' : ` (${g.columns.map(q).join(', ')})`} on ${name} to ${grantee(g.grantee)}`,
      );
    if (r.rls !== undefined) {
      sql.push(`alter table ${name} enable row level security`);
      if (r.rls.forced) sql.push(`alter table ${name} force row level security`);
      for (const p of r.rls.policies)
        sql.push(
          `create policy ${q(p.name)} on ${name} as ${p.permissive ? 'permissive' : 'restrictive'} for ${p.command} to ${p.roles.map(grantee).join(', ')}${p.command === 'INSERT' ? ` with check (${p.using})` : ` using (${p.using})`}`,
        );
    }
  }
  for (const f of spec.functions) {
    const name = `${q(f.schema)}.${q(f.name)}`;
    sql.push(
      `create function ${name}() returns bigint language sql security definer as $$ select count(*) from ${relationSql(f.reads)} $$`,
    );
    if (f.owner !== ADMIN) sql.push(`alter function ${name}() owner to ${q(f.owner)}`);
    if (f.revokeFromPublic) sql.push(`revoke execute on function ${name}() from public`);
    for (const g of f.execute) sql.push(`grant execute on function ${name}() to ${q(g)}`);
  }
  return sql;
}
