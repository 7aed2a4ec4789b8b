import type { SystemSource } from '../../app/index.ts';
import { postgresSource } from '../postgres-source.ts';
import { createDemoWarehouse } from './create-demo-warehouse.ts';

/** The embedded demo warehouse as a system: built in memory on each start, never persisted. */
export async function openDemoSystem(): Promise<SystemSource> {
  const warehouse = await createDemoWarehouse();
  return postgresSource('demo', 'embedded demo warehouse (PGlite, in memory)', warehouse.db, () => warehouse.close());
}
