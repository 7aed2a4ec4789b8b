import type { SystemSource } from '../app/index.ts';
import { connectPostgres, type Queryable, readPostgresSnapshot } from '../connectors/postgres/index.ts';

/** Wraps any queryable PostgreSQL (a `pg` client or an embedded PGlite) as a system source. */
export function postgresSource(
  name: string,
  location: string,
  db: Queryable,
  close: () => Promise<void>,
): SystemSource {
  return { name, kind: 'postgres', location, readSnapshot: () => readPostgresSnapshot(db, name), close };
}

/** Connects to a PostgreSQL server by URL; fails fast when it cannot. */
export async function openPostgres(name: string, url: string): Promise<SystemSource> {
  const connection = await connectPostgres(url);
  return postgresSource(name, connection.target, connection.db, () => connection.close());
}
