import pg from 'pg';
import { FirebreakError } from '../core/index.ts';
import type { SqlClient, SqlExecutor } from './sql-client.ts';

/** The store on a PostgreSQL server: a small pool, shared by every Firebreak process that names it. */
export async function openPgClient(url: string, options: { readonly poolSize?: number } = {}): Promise<SqlClient> {
  const location = redact(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 4,
    connectionTimeoutMillis: 5_000,
    application_name: 'firebreak-store',
  });
  // An idle client whose server went away emits 'error' on the pool; the next query reports it.
  pool.on('error', () => {});
  const fail = (error: unknown): never => {
    throw storeError(error, location);
  };
  const executor = (target: pg.Pool | pg.PoolClient): SqlExecutor => ({
    async query<Row>(text: string, params: readonly unknown[] = []) {
      const result = await target.query(text, [...params]).catch(fail);
      return result.rows as Row[];
    },
    async exec(script: string) {
      await target.query(script).catch(fail);
    },
  });
  // Fail now, with the reason, rather than at the first write.
  await pool.query('select 1').catch(async (error: unknown) => {
    await pool.end().catch(() => {});
    fail(error);
  });
  return {
    driver: 'postgres',
    location,
    ...executor(pool),
    async transaction(work) {
      const client = await pool.connect().catch(fail);
      try {
        await client.query('begin');
        const result = await work(executor(client));
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    throw new FirebreakError(
      'invalid_config',
      'the store URL is not a URL (expected postgres://user@host:port/database)',
    );
  }
}

/** Connection failures mean the store is unavailable; anything else the server says is passed on. */
function storeError(error: unknown, location: string): Error {
  if (error instanceof FirebreakError) return error;
  const code = (error as { code?: string }).code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (
    /^(ECONN|ENOTFOUND|EHOST|ETIMEDOUT|EAI_AGAIN|EPIPE)/.test(code) ||
    /^(08|57P0|28|3D)/.test(code) ||
    /timeout|terminat|Connection/i.test(message)
  )
    return new FirebreakError('store_unavailable', `the store at ${location} is unavailable: ${message}`, {
      cause: error,
    });
  return error instanceof Error ? error : new Error(message);
}
