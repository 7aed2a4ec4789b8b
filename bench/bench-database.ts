import { performance } from 'node:perf_hooks';
import { connectPostgres, type Queryable } from '../dist/connectors/postgres/index.js';
import { createProgress, log } from './progress.ts';
import { buildSteps, type CatalogShape, markerOf, quoteIdent } from './synthetic-catalog.ts';

/**
 * The benchmark's own database and roles on a PostgreSQL server. The database comment holds the
 * generator's marker (version and shape), written last, so a catalog whose build was interrupted,
 * or that was built with other parameters, is never reused.
 */
export interface BenchTarget {
  /** A superuser URL to any database of the server, used for cluster-wide work. */
  readonly adminUrl: string;
  readonly database: string;
  /** Prefix of every role the catalog creates (roles are cluster-wide). */
  readonly rolePrefix: string;
}

export interface CatalogState {
  readonly url: string;
  readonly marker: string;
  /** Milliseconds the build took, when this run built the catalog; undefined when it was reused. */
  readonly buildMs: number | undefined;
}

/** The URL of `database` on the same server as `url`, as the same user. */
export function databaseUrl(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

async function withConnection<T>(url: string, fn: (db: Queryable) => Promise<T>): Promise<T> {
  const connection = await connectPostgres(url);
  try {
    return await fn(connection.db);
  } finally {
    await connection.close();
  }
}

/** Reuses the catalog when its marker and role count match `shape` (unless `fresh`); builds it otherwise. */
export async function ensureCatalog(target: BenchTarget, shape: CatalogShape, fresh: boolean): Promise<CatalogState> {
  const marker = markerOf(shape);
  const url = databaseUrl(target.adminUrl, target.database);
  const found = await withConnection(target.adminUrl, async (db) => {
    const comment = await db.query(
      `select pg_catalog.shobj_description(oid, 'pg_database') as marker from pg_catalog.pg_database where datname = $1`,
      [target.database],
    );
    const roles = await db.query('select count(*)::int4 as n from pg_catalog.pg_roles where starts_with(rolname, $1)', [
      target.rolePrefix,
    ]);
    return {
      marker: (comment.rows[0] as { marker: string | null } | undefined)?.marker ?? undefined,
      roles: (roles.rows[0] as { n: number }).n,
    };
  });
  if (!fresh && found.marker === marker && found.roles === shape.roles) {
    log(`Reusing the catalog in database ${target.database} (${marker}).`);
    return { url, marker, buildMs: undefined };
  }
  log(
    fresh
      ? `Rebuilding the catalog (--fresh).`
      : found.marker === undefined
        ? `No catalog in database ${target.database} yet: building it.`
        : `The catalog in ${target.database} does not match (${found.marker ?? 'no marker'}, ${found.roles} roles): rebuilding it.`,
  );
  const started = performance.now();
  await dropCatalog(target);
  await buildCatalog(target, shape, url);
  const buildMs = performance.now() - started;
  log(`Built the catalog in ${(buildMs / 1000).toFixed(1)} s.`);
  return { url, marker, buildMs };
}

async function buildCatalog(target: BenchTarget, shape: CatalogShape, url: string): Promise<void> {
  const steps = buildSteps(shape, target.rolePrefix);
  const runSteps = async (db: Queryable, on: 'cluster' | 'database') => {
    for (const step of steps.filter((s) => s.on === on)) {
      const progress = createProgress(step.name, step.total);
      for (const batch of step.batches()) {
        await db.query(batch.sql);
        progress.advance(batch.units);
      }
      progress.done();
    }
  };
  await withConnection(target.adminUrl, async (db) => {
    await runSteps(db, 'cluster');
    await db.query(`create database ${quoteIdent(target.database)}`);
  });
  await withConnection(url, async (db) => {
    // Public CONNECT stays, as on a default database; the generator decides the rest.
    await runSteps(db, 'database');
    log('  vacuum analyze of the catalogs…');
    await db.query(
      'vacuum (analyze) pg_catalog.pg_class, pg_catalog.pg_attribute, pg_catalog.pg_namespace, pg_catalog.pg_type, ' +
        'pg_catalog.pg_depend, pg_catalog.pg_policy, pg_catalog.pg_authid, pg_catalog.pg_auth_members, pg_catalog.pg_shdepend',
    );
    await db.query(`comment on database ${quoteIdent(target.database)} is ${literal(markerOf(shape))}`);
  });
}

/** Drops the benchmark's database and every role whose name starts with its prefix. */
export async function dropCatalog(target: BenchTarget): Promise<void> {
  await withConnection(target.adminUrl, async (db) => {
    await db.query(`drop database if exists ${quoteIdent(target.database)} with (force)`);
    const { rows } = await db.query(
      'select rolname::text as name from pg_catalog.pg_roles where starts_with(rolname, $1)',
      [target.rolePrefix],
    );
    const names = (rows as { name: string }[]).map((r) => r.name);
    if (names.length === 0) return;
    const progress = createProgress(`dropping ${target.rolePrefix}* roles`, names.length);
    for (let i = 0; i < names.length; i += 1000) {
      const batch = names.slice(i, i + 1000);
      await db.query(`drop role ${batch.map(quoteIdent).join(', ')}`);
      progress.advance(batch.length);
    }
    progress.done();
  });
}
