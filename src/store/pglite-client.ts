import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { FirebreakError } from '../core/index.ts';
import type { SqlClient, SqlExecutor } from './sql-client.ts';

/**
 * The embedded store: PGlite in a data directory, created on first use. PGlite is single-user, so
 * one process holds the directory at a time; a lock file says which, and a second process is told
 * so instead of corrupting the database.
 */
export async function openPgliteClient(directory: string): Promise<SqlClient> {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const release = acquireLock(join(directory, 'firebreak-store.lock'));
  let db: PGlite;
  try {
    db = await PGlite.create(join(directory, 'pgdata'));
  } catch (error) {
    release();
    throw new FirebreakError(
      'store_unavailable',
      `cannot open the store in ${directory}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const executor = (target: Pick<PGlite, 'query' | 'exec'>): SqlExecutor => ({
    async query<Row>(text: string, params: readonly unknown[] = []) {
      return (await target.query<Row>(text, [...params])).rows;
    },
    async exec(script: string) {
      await target.exec(script);
    },
  });
  return {
    driver: 'pglite',
    location: directory,
    ...executor(db),
    transaction: (work) => db.transaction((tx) => work(executor(tx))),
    async close() {
      try {
        await db.close();
      } finally {
        release();
      }
    },
  };
}

/** Takes the directory's lock file, taking over one left by a process that no longer runs. */
function acquireLock(path: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(holder) && holder !== process.pid && isRunning(holder))
        throw new FirebreakError(
          'store_unavailable',
          `the store in ${path.replace(/\/firebreak-store\.lock$/, '')} is in use by process ${holder}; an embedded store serves one process (use a PostgreSQL store to share it)`,
        );
      rmSync(path, { force: true });
    }
  }
  throw new FirebreakError('store_unavailable', `cannot take the store lock ${path}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}
