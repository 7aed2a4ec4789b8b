import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { type Queryable, readPostgresSnapshot } from '../../src/connectors/postgres/index.ts';
import {
  classify,
  compileGlob,
  computeExposure,
  type Explanation,
  explainAccess,
  findPrincipal,
  findResource,
  type Snapshot,
} from '../../src/core/index.ts';
import { observeAccess } from './oracle.ts';
import { createPglite, createTestDatabase, dropRoles, type TestDatabase, uniquePrefix } from './postgres.ts';

/**
 * Hand-written scenarios run against both engines, the PostgreSQL server and PGlite. SQL uses
 * `@name` for every role or schema so that each scenario's cluster-wide names are unique:
 * `@alice` becomes `"fbs_1a2b3c4d_alice"`, `@@db` the scenario's database.
 */
export interface Scenario {
  readonly engine: string;
  /** PostgreSQL 16+ membership semantics (WITH INHERIT/SET options). */
  readonly modern: boolean;
  readonly db: Queryable;
  /** Runs SQL with `@name` placeholders, statement by statement. */
  run(sql: string): Promise<void>;
  /** The real (prefixed) name of a placeholder. */
  name(short: string): string;
  /** Reads and labels a snapshot: every relation of the scenario's schemas gets `pii`. */
  snapshot(): Promise<Snapshot>;
  /** Readers of a relation (`@schema.table`), by short name, limited to the scenario's roles. */
  readers(snapshot: Snapshot, relation: string): Record<string, string>;
  explain(snapshot: Snapshot, principal: string, relation: string): Explanation;
  /** What the database itself allows on a relation, in the same form as {@link readers}. */
  observe(relation: string): Promise<Record<string, string>>;
  /**
   * Logs in as a role over the network and returns the server's error, or undefined when the
   * login succeeds. Only the server engine has one: PGlite has no second session to open.
   */
  readonly logIn?: (role: string) => Promise<string | undefined>;
}

export interface Engine {
  readonly name: string;
  open(): Promise<EngineSession>;
}

interface EngineSession {
  scenario(): Promise<Scenario & { dispose(): Promise<void> }>;
  close(): Promise<void>;
}

export const serverEngine: Engine = {
  name: 'PostgreSQL server',
  async open() {
    return {
      async scenario() {
        const prefix = uniquePrefix('fbs');
        const database = await createTestDatabase(`${prefix}db`);
        const version = await database.client.query(`select current_setting('server_version_num')::int as v`);
        const modern = (version.rows[0] as { v: number }).v >= 160000;
        const logIn = async (role: string) => {
          const url = new URL(database.url);
          url.username = encodeURIComponent(`${prefix}${role}`);
          const client = new pg.Client({ connectionString: url.toString() });
          client.on('error', () => {});
          try {
            await client.connect();
            return undefined;
          } catch (error) {
            return (error as Error).message;
          } finally {
            await client.end().catch(() => {});
          }
        };
        return {
          ...buildScenario('PostgreSQL server', modern, database.client, prefix, database.name),
          logIn,
          dispose: () => dispose(database, prefix),
        };
      },
      close: async () => {},
    };
  },
};

async function dispose(database: TestDatabase, prefix: string) {
  await database.drop([prefix]);
}

export const pgliteEngine: Engine = {
  name: 'PGlite',
  async open() {
    const db: PGlite = await createPglite();
    return {
      async scenario() {
        const prefix = uniquePrefix('fbs');
        const scenario = buildScenario('PGlite', true, db, prefix, 'postgres');
        return {
          ...scenario,
          async dispose() {
            await db.query('alter database postgres owner to postgres');
            const { rows } = await db.query<{ nspname: string }>(
              'select nspname from pg_namespace where starts_with(nspname, $1)',
              [prefix],
            );
            for (const row of rows) await db.query(`drop schema ${quote(row.nspname)} cascade`);
            const roles = await db.query<{ rolname: string }>(
              'select rolname from pg_roles where starts_with(rolname, $1)',
              [prefix],
            );
            for (const role of roles.rows) await db.query(`drop owned by ${quote(role.rolname)} cascade`);
            await db.query('grant connect on database postgres to public');
            await dropRoles(db, [prefix]);
          },
        };
      },
      close: () => db.close(),
    };
  },
};

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

export const ENGINES: readonly Engine[] = [serverEngine, pgliteEngine];

function buildScenario(engine: string, modern: boolean, db: Queryable, prefix: string, database: string): Scenario {
  const name = (short: string) => `${prefix}${short}`;
  const expand = (sql: string) =>
    sql.replaceAll('@@db', `"${database}"`).replace(/@([a-z_][a-z0-9_]*)/g, (_, short: string) => `"${name(short)}"`);
  const strip = (text: string) => text.replaceAll(prefix, '');
  const relationName = (relation: string) =>
    relation.replace(/@([a-z_][a-z0-9_]*)/g, (_, short: string) => name(short));
  return {
    engine,
    modern,
    db,
    name,
    async run(sql) {
      for (const statement of splitStatements(expand(sql))) await db.query(statement);
    },
    async snapshot() {
      const raw = await readPostgresSnapshot(db, engine);
      const glob = compileGlob(`${prefix}*.*`);
      if (!glob.ok) throw new Error(glob.error);
      return classify(raw, { rules: [{ label: 'pii', glob: glob.value }] });
    },
    readers(snapshot, relation) {
      const entry = computeExposure(snapshot).resources.find((e) => e.resource.name === relationName(relation));
      if (entry === undefined) throw new Error(`no exposure entry for ${relation}`);
      const out: Record<string, string> = {};
      for (const reader of entry.readers)
        if (reader.principal.startsWith(prefix))
          out[strip(reader.principal)] =
            reader.columns === undefined ? reader.access : `columns:${reader.columns.join(',')}`;
      return out;
    },
    async observe(relation) {
      const sql = relation.replace(/@([a-z_][a-z0-9_]*)/g, (_, short: string) => `"${name(short)}"`);
      const columns = await db.query(
        `select attname::text as name from pg_attribute where attrelid = '${sql.replaceAll("'", "''")}'::regclass and attnum > 0 and not attisdropped order by attnum`,
      );
      // A view whose owner cannot read its sources fails even for a superuser: nobody reads it.
      const total = await db.query(`select count(*)::int as n from ${sql}`).catch(() => ({ rows: [{ n: -1 }] }));
      const roles = await db.query(
        'select rolname::text as name, rolcanlogin as login from pg_roles where starts_with(rolname, $1)',
        [prefix],
      );
      const all = roles.rows as { name: string; login: boolean }[];
      const observation = await observeAccess(db, {
        admin: 'postgres',
        logins: all.filter((r) => r.login).map((r) => r.name),
        candidates: [...all.map((r) => r.name), 'pg_read_all_data', 'pg_write_all_data', 'pg_database_owner'],
        targets: [
          {
            sql,
            key: 'target',
            columns: (columns.rows as { name: string }[]).map((c) => c.name),
            rows: (total.rows[0] as { n: number }).n,
          },
        ],
      });
      const out: Record<string, string> = {};
      for (const [login, targets] of observation.access) {
        const found = targets.get('target');
        if (found !== undefined && found.access !== 'none')
          out[strip(login)] = found.columns === undefined ? found.access : `columns:${found.columns.join(',')}`;
      }
      return out;
    },
    explain(snapshot, principal, relation) {
      const p = findPrincipal(snapshot, name(principal));
      const r = findResource(snapshot, relationName(relation));
      if (!p.ok || !r.ok) throw new Error(`cannot find ${principal} or ${relation}`);
      return explainAccess(snapshot, p.value.id, r.value);
    },
  };
}

/** Splits on semicolons outside dollar-quoted bodies and string literals (enough for test SQL). */
function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let inDollar = false;
  let inString = false;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i] as string;
    if (!inString && sql.startsWith('$$', i)) {
      inDollar = !inDollar;
      current += '$$';
      i++;
      continue;
    }
    if (!inDollar && c === "'") inString = !inString;
    if (c === ';' && !inDollar && !inString) {
      if (current.trim() !== '') statements.push(current.trim());
      current = '';
    } else current += c;
  }
  if (current.trim() !== '') statements.push(current.trim());
  return statements;
}
