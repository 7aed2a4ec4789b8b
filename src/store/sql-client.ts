/**
 * The little of SQL the store needs, over either driver (PGlite embedded, `pg` on a server).
 * Parameters are always bound ($1…), never spliced into the text.
 */
export interface SqlExecutor {
  query<Row>(text: string, params?: readonly unknown[]): Promise<readonly Row[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

export interface SqlClient extends SqlExecutor {
  readonly driver: 'pglite' | 'postgres';
  /** Where the store is, safe to print. */
  readonly location: string;
  /** Runs `work` in one transaction on one connection: committed if it resolves, rolled back if not. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Store schema names are plain identifiers, so that quoting them is enough. */
export function assertSchemaName(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name))
    throw new TypeError(`store schema name "${name}" must be lower-case letters, digits and _`);
  return `"${name}"`;
}
