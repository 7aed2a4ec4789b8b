import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** The PostgreSQL server tests use; each test makes its own database and roles in it and drops them. */
export const SERVER_URL = process.env.FIREBREAK_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A short prefix unique to this test run, for cluster-wide names such as roles. */
export function uniquePrefix(tag = 'fb'): string {
  return `${tag}_${randomBytes(4).toString('hex')}_`;
}

export function urlFor(database: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  /** A superuser connection to the new database. */
  readonly client: pg.Client;
  /** Drops the database and every role whose name starts with one of `rolePrefixes`. */
  drop(rolePrefixes?: readonly string[]): Promise<void>;
}

async function adminClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  return client;
}

export async function createTestDatabase(name = `${uniquePrefix('fbdb')}db`): Promise<TestDatabase> {
  const admin = await adminClient();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const client = new pg.Client({ connectionString: urlFor(name) });
  await client.connect();
  return {
    name,
    url: urlFor(name),
    client,
    async drop(rolePrefixes = []) {
      await client.end().catch(() => {});
      const cleanup = await adminClient();
      try {
        await cleanup.query(`drop database if exists "${name}" with (force)`);
        await dropRoles(cleanup, rolePrefixes);
      } finally {
        await cleanup.end();
      }
    },
  };
}

/** Drops every role whose name starts with one of the prefixes (their objects must be gone). */
export async function dropRoles(
  db: { query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }> },
  prefixes: readonly string[],
) {
  for (const prefix of prefixes) {
    const { rows } = await db.query('select rolname from pg_roles where starts_with(rolname, $1)', [prefix]);
    for (const row of rows as { rolname: string }[])
      await db.query(`drop role if exists "${row.rolname.replaceAll('"', '""')}"`);
  }
}

/** A fresh embedded PostgreSQL (PGlite) instance. */
export async function createPglite(): Promise<PGlite> {
  return PGlite.create();
}
