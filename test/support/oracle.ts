import type { Queryable } from '../../src/connectors/postgres/index.ts';
import type { AccessLevel } from '../../src/core/index.ts';

/**
 * Asks the database itself what each login role can read: the ground truth Firebreak's answers are
 * compared with. For every login role L it starts a session as L (SET SESSION AUTHORIZATION), tries
 * SET ROLE to every candidate role, and as each role it can become tries `SELECT *` (all columns:
 * full when every row comes back, filtered when row security hides some) and then each column.
 * CONNECT is checked with has_database_privilege, as the server does when L logs in.
 */
export interface Observed {
  readonly access: AccessLevel;
  readonly columns?: readonly string[];
  /** Rows an unfiltered read returned, when the access is `filtered` (most over the roles tried). */
  readonly rows?: number;
}

export interface OracleTarget {
  /** Quoted SQL name of the relation. */
  readonly sql: string;
  /** Key the caller uses for the relation. */
  readonly key: string;
  readonly columns: readonly string[];
  /** Rows an unfiltered read returns. */
  readonly rows: number;
}

export interface OracleInput {
  readonly admin: string;
  readonly logins: readonly string[];
  /** Roles a login might become: the catalog's roles and the predefined roles. */
  readonly candidates: readonly string[];
  readonly targets: readonly OracleTarget[];
  /** Functions whose execution counts as a potential read path: key → SQL call. */
  readonly functions?: readonly { readonly key: string; readonly call: string }[];
}

export interface Observation {
  /** login → target key → access. */
  readonly access: ReadonlyMap<string, ReadonlyMap<string, Observed>>;
  /** function key → logins that can execute it successfully (as any role they can become). */
  readonly executors: ReadonlyMap<string, readonly string[]>;
}

interface Found {
  full: boolean;
  filtered: boolean;
  rows: number;
  columns: Set<string>;
}

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

async function attempt(db: Queryable, sql: string): Promise<{ rows: unknown[] } | undefined> {
  try {
    return await db.query(sql);
  } catch {
    return undefined;
  }
}

export async function observeAccess(db: Queryable, input: OracleInput): Promise<Observation> {
  const access = new Map<string, Map<string, Observed>>();
  const executors = new Map<string, string[]>((input.functions ?? []).map((f) => [f.key, []]));
  for (const login of input.logins) {
    const perTarget = new Map<string, Observed>();
    access.set(login, perTarget);
    const connect = await db.query(
      `select has_database_privilege(${literal(login)}, current_database(), 'CONNECT') as ok`,
    );
    const canConnect = (connect.rows[0] as { ok: boolean }).ok;
    const best = new Map<string, Found>(
      input.targets.map((t) => [t.key, { full: false, filtered: false, rows: 0, columns: new Set<string>() }]),
    );
    if (canConnect) {
      await db.query(`set session authorization ${q(login)}`);
      try {
        for (const role of [login, ...input.candidates.filter((c) => c !== login)]) {
          await db.query('set role none');
          if ((await attempt(db, `set role ${q(role)}`)) === undefined) continue;
          for (const target of input.targets) {
            const found = best.get(target.key) as Found;
            if (found.full) continue;
            const all = await attempt(db, `select * from ${target.sql}`);
            if (all !== undefined) {
              if (all.rows.length === target.rows) found.full = true;
              else {
                found.filtered = true;
                found.rows = Math.max(found.rows, all.rows.length);
              }
              continue;
            }
            for (const column of target.columns)
              if (
                !found.columns.has(column) &&
                (await attempt(db, `select ${q(column)} from ${target.sql}`)) !== undefined
              )
                found.columns.add(column);
          }
          for (const fn of input.functions ?? []) {
            const list = executors.get(fn.key) as string[];
            if (!list.includes(login) && (await attempt(db, `select ${fn.call}`)) !== undefined) list.push(login);
          }
        }
      } finally {
        await db.query('set role none');
        await db.query(`set session authorization ${q(input.admin)}`);
      }
    }
    for (const target of input.targets) {
      const found = best.get(target.key) as Found;
      perTarget.set(
        target.key,
        found.full
          ? { access: 'full' }
          : found.filtered
            ? { access: 'filtered', rows: found.rows }
            : found.columns.size > 0
              ? { access: 'columns', columns: target.columns.filter((c) => found.columns.has(c)) }
              : { access: 'none' },
      );
    }
  }
  return { access, executors };
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
