import { PGlite } from '@electric-sql/pglite';
import type { ShadowStep } from './plan-context.ts';
import { messageOf } from './protocol.ts';
import { SHADOW_BOOTSTRAP, type ShadowPlan } from './shadow-plan.ts';
import { firstLine, ident } from './sql-text.ts';

/** A superuser that exists only while PGlite's own bootstrap role is renamed, then is dropped. */
const BUILDER = 'firebreak_shadow_builder';

/**
 * The data directory of an empty PGlite cluster whose database has the snapshot's name and whose
 * bootstrap superuser (oid 10) is renamed to {@link SHADOW_BOOTSTRAP}, as an in-memory tarball.
 * PGlite opens only the database it starts with, a database cannot be renamed while connected to
 * it, nor a role while it is the session user: so one instance creates the database and renames
 * the role, and the shadow starts from its files ({@link openShadow}). This is the slow part of a
 * shadow (initdb, about 3 s); the image holds nothing from any snapshot, so callers may reuse it.
 */
export async function prepareImage(database: string): Promise<ArrayBuffer> {
  const first = await PGlite.create();
  try {
    const exists = await first.query('select 1 from pg_catalog.pg_database where datname = $1', [database]);
    if (exists.rows.length === 0) await first.exec(`CREATE DATABASE ${ident(database)}`);
    const bootstrap = await first.query<{ name: string }>(
      'select rolname::text as name from pg_catalog.pg_roles where oid = 10',
    );
    await first.exec(`CREATE ROLE ${ident(BUILDER)} SUPERUSER`);
    await first.exec(`SET SESSION AUTHORIZATION ${ident(BUILDER)}`);
    await first.exec(`ALTER ROLE ${ident(bootstrap.rows[0]?.name ?? 'postgres')} RENAME TO ${ident(SHADOW_BOOTSTRAP)}`);
    return await (await first.dumpDataDir('none')).arrayBuffer();
  } finally {
    await first.close();
  }
}

/** A PGlite started from an image of {@link prepareImage}, connected to `database` as the shadow's bootstrap role. */
export async function openShadow(image: ArrayBuffer, database: string): Promise<PGlite> {
  const db = await PGlite.create({ loadDataDir: new Blob([image]), database, username: SHADOW_BOOTSTRAP });
  // PGlite hands `popen` (COPY … PROGRAM) to this method, which throws for any command but
  // `locale -a`, and a throw inside the WebAssembly call leaves the instance hung. Returning a
  // null stream makes PostgreSQL report "could not execute command" and go on.
  db.handleExternalCmd = () => 0;
  await db.exec(`DROP ROLE ${ident(BUILDER)}`);
  return db;
}

/** Runs the plan's steps one by one (each a single statement); returns what could not be reproduced. */
export async function buildShadow(db: PGlite, plan: ShadowPlan): Promise<string[]> {
  const warnings: string[] = [];
  for (const setting of plan.settings) await db.exec(setting);
  for (const step of plan.steps) {
    const error = await attempt(db, step);
    if (error === undefined) continue;
    let replaced = false;
    for (const alternative of step.alternatives ?? []) {
      if ((await attempt(db, { sql: alternative.sql })) !== undefined) continue;
      warnings.push(alternative.warning);
      replaced = true;
      break;
    }
    if (!replaced) warnings.push(`not reproduced: ${firstLine(step.sql)}: ${error}`);
  }
  // The change runs with PostgreSQL's default search path, as a fresh session of its role would.
  await db.exec('RESET check_function_bodies');
  await db.exec('SET search_path = "$user", "public"');
  return warnings;
}

/**
 * `query` uses the extended protocol, which refuses more than one statement: text taken from the
 * snapshot (definitions, conditions) can never smuggle in a second one.
 */
async function attempt(db: PGlite, step: ShadowStep): Promise<string | undefined> {
  try {
    if (step.as !== undefined) await db.query(`SET ROLE ${ident(step.as)}`);
    await db.query(step.sql);
    return undefined;
  } catch (error) {
    return messageOf(error);
  } finally {
    if (step.as !== undefined) await db.query('RESET ROLE');
  }
}

/**
 * Makes the session act as `role` for good. A superuser may switch to any role, so SET SESSION
 * AUTHORIZATION is all it takes. Anyone else must not be able to come back: PostgreSQL lets a
 * session change its session user whenever the user that opened it is a superuser, which in
 * PGlite is always the bootstrap role, so that role loses SUPERUSER in the same statement
 * that hands the session over (the superuser check reads the role's cached row, which the update
 * only invalidates at the end of the statement). See `check_session_authorization` in
 * src/backend/commands/variable.c (PostgreSQL 17+ checks the authenticated user at SET time).
 */
export async function actAs(db: PGlite, role: string, superuser: boolean): Promise<void> {
  if (superuser) {
    await db.exec(`SET SESSION AUTHORIZATION ${ident(role)}`);
    return;
  }
  await db.query(
    `with sealed as (update pg_catalog.pg_authid set rolsuper = false where oid = 10 returning 1)
     select pg_catalog.set_config('session_authorization', $1, false) from sealed`,
    [role],
  );
  const { rows } = await db.query<{ user: string; sealed: boolean }>(
    'select session_user::text as user, not rolsuper as sealed from pg_catalog.pg_roles where oid = 10',
  );
  if (rows[0]?.user !== role || rows[0]?.sealed !== true)
    throw new Error(`the shadow could not hand the session over to ${role}`);
}
