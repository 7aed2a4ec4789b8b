/**
 * The one thing the connector needs from a database: run a query and get rows back. Both a `pg`
 * client or pool and a PGlite instance satisfy it, so the same code reads either.
 */
export interface Queryable {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}
