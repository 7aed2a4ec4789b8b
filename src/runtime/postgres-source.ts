import type { ChangeAnalyzer, SystemSource } from '../app/index.ts';
import { connectPostgres, type Queryable, readPostgresSnapshot } from '../connectors/postgres/index.ts';
import { interpretSql } from '../connectors/postgres/interpret/index.ts';
import { verifyInSandbox } from '../connectors/postgres/sandbox/index.ts';

/** SQL changes to PostgreSQL: interpreted statically, replayed in a PGlite shadow on request. */
export const postgresAnalyzer: ChangeAnalyzer = {
  defaultActingRole: (snapshot) => snapshot.facts?.connectedAs ?? 'postgres',
  interpret: (snapshot, change, actingAs) => interpretSql(snapshot, change, actingAs),
  verify: (snapshot, change, actingAs) => verifyInSandbox(snapshot, change, actingAs),
};

/** Wraps any queryable PostgreSQL (a `pg` client or an embedded PGlite) as a system source. */
export function postgresSource(
  name: string,
  location: string,
  db: Queryable,
  close: () => Promise<void>,
): SystemSource {
  return {
    name,
    kind: 'postgres',
    location,
    readSnapshot: oneReadAtATime(() => readPostgresSnapshot(db, name)),
    analyzer: postgresAnalyzer,
    close,
  };
}

/** Connects to a PostgreSQL server by URL; fails fast when it cannot. */
export async function openPostgres(name: string, url: string): Promise<SystemSource> {
  const connection = await connectPostgres(url);
  return postgresSource(name, connection.target, connection.db, () => connection.close());
}

/**
 * A snapshot read is one transaction on one connection: two at once on the same connection would
 * interleave their BEGIN and ROLLBACK and read an inconsistent catalog. Reads therefore run one at
 * a time, and callers that arrive while one runs share the next read, which starts after they
 * asked, so nobody gets a snapshot older than their question.
 */
export function oneReadAtATime<T>(read: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  let next: Promise<T> | undefined;
  const start = (): Promise<T> => {
    running = read().finally(() => {
      running = undefined;
    });
    return running;
  };
  return () => {
    if (running === undefined) return start();
    next ??= running
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        next = undefined;
        return start();
      });
    return next;
  };
}
