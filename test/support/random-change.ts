import type { Random } from './random.ts';
import { ADMIN, type CatalogSpec } from './random-catalog.ts';

/**
 * Random change scripts over a random catalog, from the statement classes `firebreak check`
 * interprets: GRANT/REVOKE on tables (columns, ALL TABLES IN SCHEMA, PUBLIC, grant option),
 * schemas and the database; GRANT/REVOKE of roles (with INHERIT/SET on 16+); CREATE/ALTER/DROP
 * ROLE; ALTER DEFAULT PRIVILEGES then CREATE TABLE; row security on/off/force; OWNER TO;
 * CREATE/ALTER/DROP POLICY; CREATE VIEW and ALTER VIEW (security_invoker); CREATE TABLE AS;
 * REASSIGN OWNED; DROP … CASCADE. Every statement succeeds when a superuser runs the script,
 * because the differential test runs it for real and compares. `__DATABASE__` stands for the
 * database's name.
 */
interface Relation {
  readonly sql: string;
  readonly schema: string;
  readonly columns: readonly string[];
  readonly table: boolean;
  owner: string;
  /** The relation a view selects from. */
  readonly over?: string;
}

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

export function randomChange(random: Random, spec: CatalogSpec, modern: boolean): string[] {
  const roles = spec.roles.map((r) => r.name);
  const schemas = new Map(spec.schemas.map((s) => [s.name, s.owner]));
  const relations: Relation[] = spec.relations.map((r) => ({
    sql: `${q(r.schema)}.${q(r.name)}`,
    schema: r.schema,
    columns: r.columns,
    table: r.view === undefined,
    owner: r.owner,
    ...(r.view === undefined ? {} : { over: `${q(r.view.over.schema)}.${q(r.view.over.name)}` }),
  }));
  const statements: string[] = [];
  let counter = 0;
  const fresh = (kind: string) => `${spec.prefix}${kind}${counter++}`;
  const grantee = () => (random.chance(0.2) ? 'PUBLIC' : q(random.pick(roles)));
  const columnsOf = (r: Relation) =>
    [...new Set([...random.sample(r.columns, 2), random.pick(r.columns)])].map(q).join(', ');
  const tables = () => relations.filter((r) => r.table);
  const views = () => relations.filter((r) => !r.table);
  /** Forgets relations that are gone, and the views over them (DROP … CASCADE drops those too). */
  const forget = (gone: (r: Relation) => boolean) => {
    const dropped = new Set(relations.filter(gone).map((r) => r.sql));
    for (let grew = true; grew; ) {
      grew = false;
      for (const r of relations)
        if (!dropped.has(r.sql) && r.over !== undefined && dropped.has(r.over)) {
          dropped.add(r.sql);
          grew = true;
        }
    }
    for (const r of [...relations]) if (dropped.has(r.sql)) relations.splice(relations.indexOf(r), 1);
  };

  const generators: (() => void)[] = [
    () => {
      const target = random.pick(relations);
      const privileges = random.pick(['select', 'all', 'insert, select', `select (${columnsOf(target)})`]);
      const to = grantee();
      statements.push(
        `grant ${privileges} on ${target.sql} to ${to}${to !== 'PUBLIC' && random.chance(0.2) ? ' with grant option' : ''}`,
      );
    },
    () => {
      const target = random.pick(relations);
      const privileges = random.pick(['select', 'all', `select (${columnsOf(target)})`]);
      statements.push(`revoke ${privileges} on ${target.sql} from ${grantee()}${random.chance(0.3) ? ' cascade' : ''}`);
    },
    () => {
      const schema = q(random.pick([...schemas.keys()]));
      statements.push(
        random.chance(0.6)
          ? `grant select on all tables in schema ${schema} to ${grantee()}`
          : `revoke select on all tables in schema ${schema} from ${grantee()}`,
      );
    },
    () => {
      const schema = q(random.pick([...schemas.keys()]));
      statements.push(
        random.chance(0.6)
          ? `grant usage on schema ${schema} to ${grantee()}`
          : `revoke usage on schema ${schema} from ${grantee()}`,
      );
    },
    () =>
      statements.push(
        random.chance(0.5)
          ? `grant connect on database __DATABASE__ to ${grantee()}`
          : `revoke connect on database __DATABASE__ from ${grantee()}`,
      ),
    () => {
      // Members join groups earlier in the list, so no statement can make a cycle.
      const member = random.int(1, roles.length - 1);
      const group = random.chance(0.15) ? 'pg_read_all_data' : q(roles[random.int(0, member - 1)] as string);
      const options =
        modern && random.chance(0.6) ? ` with inherit ${random.chance(0.5)}, set ${random.chance(0.5)}` : '';
      statements.push(`grant ${group} to ${q(roles[member] as string)}${options}`);
    },
    () => {
      const member = random.int(1, roles.length - 1);
      const option = modern && random.chance(0.3) ? `${random.pick(['inherit', 'set'])} option for ` : '';
      statements.push(
        `revoke ${option}${q(roles[random.int(0, member - 1)] as string)} from ${q(roles[member] as string)}`,
      );
    },
    () => {
      const name = fresh('n');
      const attributes = [
        random.chance(0.7) ? 'login' : 'nologin',
        random.chance(0.1) ? 'superuser' : '',
        random.chance(0.1) ? 'bypassrls' : '',
      ];
      statements.push(
        `create role ${q(name)} ${attributes.join(' ')}${random.chance(0.5) ? ` in role ${q(random.pick(roles))}` : ''}`,
      );
      roles.push(name);
    },
    () => {
      const attribute = random.pick([
        'superuser',
        'nosuperuser',
        'bypassrls',
        'nobypassrls',
        'login',
        'nologin',
        'inherit',
        'noinherit',
      ]);
      statements.push(`alter role ${q(random.pick(roles))} ${attribute}`);
    },
    () => {
      const victim = random.pick(roles);
      statements.push(`drop owned by ${q(victim)} cascade`, `drop role ${q(victim)}`);
      roles.splice(roles.indexOf(victim), 1);
      for (const [schema, owner] of [...schemas]) if (owner === victim) schemas.delete(schema);
      forget((r) => r.owner === victim || !schemas.has(r.schema));
    },
    () => {
      const schema = random.pick([...schemas.keys()]);
      const name = fresh('t');
      statements.push(
        `alter default privileges in schema ${q(schema)} grant select on tables to ${grantee()}`,
        `create table ${q(schema)}.${q(name)} (id int, a int, b int)`,
        `insert into ${q(schema)}.${q(name)} values (1, 1, 1), (2, 2, 2), (3, 3, 3)`,
      );
      relations.push({ sql: `${q(schema)}.${q(name)}`, schema, columns: ['id', 'a', 'b'], table: true, owner: ADMIN });
    },
    () => {
      const table = tables()[0] === undefined ? undefined : random.pick(tables());
      if (table !== undefined)
        statements.push(
          `alter table ${table.sql} ${random.pick(['enable', 'disable', 'force', 'no force'])} row level security`,
        );
    },
    () => {
      const target = random.pick(relations);
      target.owner = random.pick(roles);
      statements.push(`alter ${target.table ? 'table' : 'view'} ${target.sql} owner to ${q(target.owner)}`);
    },
    () => {
      const table = tables()[0] === undefined ? undefined : random.pick(tables());
      if (table === undefined) return;
      const name = q(`fp${counter++}`);
      const to = random.chance(0.3) ? 'public' : q(random.pick(roles));
      const kind = random.chance(0.75) ? 'permissive' : 'restrictive';
      statements.push(
        `create policy ${name} on ${table.sql} as ${kind} for ${random.pick(['select', 'all'])} to ${to} using (${random.pick(['true', 'false', 'id > 1'])})`,
      );
      if (random.chance(0.3))
        statements.push(`alter policy ${name} on ${table.sql} using (${random.pick(['true', 'id > 1'])})`);
      if (random.chance(0.2)) statements.push(`drop policy if exists ${name} on ${table.sql}`);
    },
    () => {
      const over = random.pick(relations);
      const name = `${q(over.schema)}.${q(fresh('v'))}`;
      const columns = random.sample(over.columns, 3);
      const picked = columns.length > 0 ? columns : [over.columns[0] as string];
      statements.push(
        `create view ${name}${random.chance(0.4) ? ' with (security_invoker = true)' : ''} as select ${picked.map(q).join(', ')} from ${over.sql}`,
      );
      const view: Relation = {
        sql: name,
        schema: over.schema,
        columns: picked,
        table: false,
        owner: ADMIN,
        over: over.sql,
      };
      if (random.chance(0.5)) statements.push(`grant select on ${name} to ${grantee()}`);
      if (random.chance(0.3)) {
        view.owner = random.pick(roles);
        statements.push(`alter view ${name} owner to ${q(view.owner)}`);
      }
      relations.push(view);
    },
    () => {
      const view = views()[0] === undefined ? undefined : random.pick(views());
      if (view !== undefined) statements.push(`alter view ${view.sql} set (security_invoker = ${random.chance(0.5)})`);
    },
    () => {
      // A copy of a view can fail even for a superuser (the view's owner may not read its source).
      const source = tables()[0] === undefined ? undefined : random.pick(tables());
      if (source === undefined) return;
      const name = `${q(source.schema)}.${q(fresh('c'))}`;
      statements.push(`create table ${name} as select * from ${source.sql}`);
      if (random.chance(0.5)) statements.push(`grant select on ${name} to ${grantee()}`);
      relations.push({ sql: name, schema: source.schema, columns: source.columns, table: true, owner: ADMIN });
    },
    () => {
      const from = random.pick(roles);
      const to = random.pick(roles);
      if (from === to) return;
      statements.push(`reassign owned by ${q(from)} to ${q(to)}`);
      for (const r of relations) if (r.owner === from) r.owner = to;
      for (const [schema, owner] of schemas) if (owner === from) schemas.set(schema, to);
    },
    () => {
      const target = random.pick(relations);
      statements.push(`drop ${target.table ? 'table' : 'view'} ${target.sql} cascade`);
      forget((r) => r.sql === target.sql);
    },
  ];

  for (let i = random.int(1, 5); i > 0 && relations.length > 0 && roles.length > 1 && schemas.size > 0; i--)
    random.pick(generators)();
  // Some generators decline when nothing fits; a change always has a statement.
  if (statements.length === 0)
    statements.push(`grant usage on schema ${q(spec.schemas[0]?.name ?? 'public')} to PUBLIC`);
  return statements;
}
