export { connectPostgres, type PostgresConnection, redactUrl } from './connect.ts';
export type { Queryable } from './queryable.ts';
export { readPostgresSnapshot } from './read-snapshot.ts';
