import { PGlite } from '@electric-sql/pglite';
import { FirebreakError } from '../../core/index.ts';
import { DEMO_WAREHOUSE_MARKER, demoWarehouseSql } from './warehouse.ts';

export interface DemoWarehouse {
  /** A superuser session on the warehouse database. */
  readonly db: PGlite;
  close(): Promise<void>;
}

export interface DemoWarehouseOptions {
  /** Where PGlite keeps its files; in memory when absent. A directory that already holds the demo is reused. */
  readonly dataDir?: string;
}

/** Statements per `exec` call: large enough to be fast, small enough to keep each query text modest. */
const BATCH_SIZE = 500;

/**
 * Opens an embedded PostgreSQL (PGlite) and builds the demo warehouse in it, in one transaction,
 * so a failed build leaves nothing half-made. Takes a few seconds (about 2,300 roles).
 */
export async function createDemoWarehouse(options: DemoWarehouseOptions = {}): Promise<DemoWarehouse> {
  const db = options.dataDir === undefined ? await PGlite.create() : await PGlite.create(options.dataDir);
  try {
    if (!(await holdsWarehouse(db))) await build(db);
  } catch (error) {
    await db.close().catch(() => {});
    throw new FirebreakError('internal', `could not build the demo warehouse: ${messageOf(error)}`, { cause: error });
  }
  return { db, close: () => db.close() };
}

async function holdsWarehouse(db: PGlite): Promise<boolean> {
  const { rows } = await db.query<{ comment: string | null }>(
    `select pg_catalog.shobj_description(d.oid, 'pg_database') as comment
       from pg_catalog.pg_database d where d.datname = current_database()`,
  );
  return rows[0]?.comment === DEMO_WAREHOUSE_MARKER;
}

async function build(db: PGlite): Promise<void> {
  const statements = demoWarehouseSql();
  await db.transaction(async (tx) => {
    for (let i = 0; i < statements.length; i += BATCH_SIZE)
      await tx.exec(
        statements
          .slice(i, i + BATCH_SIZE)
          .map((s) => `${s};`)
          .join('\n'),
      );
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
