import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { Store } from '../../src/app/index.ts';
import { openStore, type StoreOptions } from '../../src/store/index.ts';
import { SERVER_URL } from './postgres.ts';

/**
 * A store for one test, on either driver: its own data directory (and key) always, and on the
 * server its own schema. `sql` reaches the store's tables directly, as an administrator would; for
 * the embedded store it needs the store closed (PGlite serves one process).
 */
export interface StoreTarget {
  readonly driver: 'pglite' | 'postgres';
  /** Directory holding the key (and, for PGlite, the database). */
  readonly directory: string;
  readonly options: StoreOptions;
  open(extra?: Partial<StoreOptions>): Promise<Store>;
  sql<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
  /** The table name, qualified, for plain SQL. */
  table(name: string): string;
  cleanup(): Promise<void>;
}

export const DRIVERS = ['pglite', 'postgres'] as const;

/** Where tests put temporary files: under the run's directory (test/support/global-setup.ts). */
export function testTmp(): string {
  return process.env.FIREBREAK_TEST_TMP ?? tmpdir();
}

/**
 * The empty PGlite cluster made once per run by the global setup: initdb takes seconds, a copy
 * milliseconds. The store migrates the copy as it would a new directory.
 */
export function emptyCluster(): string {
  const root = process.env.FIREBREAK_TEST_TMP;
  if (root === undefined) throw new Error('run the tests with vitest: the global setup makes the PGlite template');
  return join(root, 'template', 'pgdata');
}

export function storeTarget(driver: (typeof DRIVERS)[number]): StoreTarget {
  const directory = mkdtempSync(join(testTmp(), 'firebreak-store-'));
  const schema = `fbstore_${randomBytes(5).toString('hex')}`;
  const options: StoreOptions =
    driver === 'pglite'
      ? { directory: join(directory, 'store'), keyPath: join(directory, 'ledger.key') }
      : { url: SERVER_URL, schema, keyPath: join(directory, 'ledger.key') };
  let opened = false;
  const table = (name: string) => (driver === 'pglite' ? `firebreak.${name}` : `${schema}.${name}`);
  return {
    driver,
    directory,
    options,
    async open(extra = {}) {
      if (driver === 'pglite' && !opened) {
        mkdirSync(join(directory, 'store'), { recursive: true });
        cpSync(emptyCluster(), join(directory, 'store', 'pgdata'), { recursive: true });
      }
      opened = true;
      return openStore({ ...options, ...extra });
    },
    table,
    async sql<Row>(text: string, params: unknown[] = []) {
      if (driver === 'pglite') {
        const db = await PGlite.create(join(directory, 'store', 'pgdata'));
        try {
          return (await db.query<Row>(text, params)).rows;
        } finally {
          await db.close();
        }
      }
      const client = new pg.Client({ connectionString: SERVER_URL });
      await client.connect();
      try {
        return (await client.query(text, params)).rows as Row[];
      } finally {
        await client.end();
      }
    },
    async cleanup() {
      if (driver === 'postgres') {
        const client = new pg.Client({ connectionString: SERVER_URL });
        await client.connect();
        await client.query(`drop schema if exists ${schema} cascade`).finally(() => client.end());
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/**
 * A data directory whose embedded store starts from the empty cluster, as `firebreak` would find
 * on first use (minus the seconds of initdb). Removed with the run's temporary directory.
 */
export async function prepareDataDirectory(): Promise<string> {
  const directory = mkdtempSync(join(testTmp(), 'firebreak-data-'));
  mkdirSync(join(directory, 'store'), { recursive: true });
  cpSync(emptyCluster(), join(directory, 'store', 'pgdata'), { recursive: true });
  return directory;
}
