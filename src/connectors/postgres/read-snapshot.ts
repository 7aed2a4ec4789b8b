import { createSnapshot, FirebreakError, type Snapshot } from '../../core/index.ts';
import { readCatalog } from './catalog.ts';
import { normaliseCatalog } from './normalise.ts';
import type { Queryable } from './queryable.ts';

/**
 * Reads one database's access state (roles, memberships, ACLs, row security, views, definer
 * functions, default privileges) into a snapshot named `system`. Read-only.
 */
export async function readPostgresSnapshot(db: Queryable, system: string): Promise<Snapshot> {
  const rows = await readCatalog(db);
  const snapshot = createSnapshot(normaliseCatalog(rows, system));
  if (!snapshot.ok)
    throw new FirebreakError(
      'internal',
      `the catalog of ${rows.server.database} did not form a consistent snapshot: ${snapshot.error[0]?.message ?? ''}`,
    );
  return snapshot.value;
}
