import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

/**
 * Once per test run: a directory for every temporary file the tests make, removed at the end
 * (workers are killed, so their own exit hooks do not run), and an empty PGlite cluster in it
 * that tests copy instead of running initdb (seconds) each time.
 */
export default async function setup(): Promise<() => void> {
  const root = mkdtempSync(join(tmpdir(), 'firebreak-tests-'));
  mkdirSync(join(root, 'template'));
  const db = await PGlite.create(join(root, 'template', 'pgdata'));
  await db.close();
  process.env.FIREBREAK_TEST_TMP = root;
  return () => rmSync(root, { recursive: true, force: true });
}
