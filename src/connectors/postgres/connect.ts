import pg from 'pg';
import { FirebreakError } from '../../core/index.ts';
import type { Queryable } from './queryable.ts';

export interface PostgresConnection {
  readonly db: Queryable;
  /** Where the connection goes, with any password hidden: safe to print. */
  readonly target: string;
  close(): Promise<void>;
}

/** The URL with its password replaced, so it can appear in messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable URL>';
  }
}

/**
 * Opens one connection to a PostgreSQL server from a `postgres://` URL. Failures become
 * {@link FirebreakError}s that name the problem without repeating the password.
 */
export async function connectPostgres(url: string, options: { timeoutMs?: number } = {}): Promise<PostgresConnection> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FirebreakError(
      'invalid_input',
      'the database URL is not a URL (expected postgres://user@host:port/database)',
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')
    throw new FirebreakError(
      'invalid_input',
      `the database URL must start with postgres:// (got ${parsed.protocol}//)`,
    );
  const target = redactUrl(url);
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: options.timeoutMs ?? 10_000,
    application_name: 'firebreak',
  });
  // A server that goes away while idle emits 'error'; without a listener Node would crash.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw describeConnectError(error, parsed, target);
  }
  return {
    db: client,
    target,
    close: () => client.end(),
  };
}

function describeConnectError(error: unknown, url: URL, target: string): FirebreakError {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const where = `${url.hostname || 'localhost'}:${url.port || '5432'}`;
  const user = decodeURIComponent(url.username) || '(default user)';
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || user;
  if (
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'EHOSTUNREACH' ||
    code === 'ETIMEDOUT' ||
    code === 'EAI_AGAIN'
  )
    return new FirebreakError('unreachable', `cannot reach PostgreSQL at ${where} (${code})`, { cause: error });
  if (/timeout/i.test(message))
    return new FirebreakError('unreachable', `PostgreSQL at ${where} did not answer in time`, { cause: error });
  if (code === '28P01' || code === '28000' || /password/i.test(message))
    return new FirebreakError('auth_failed', `PostgreSQL at ${where} refused user "${user}": ${message}`, {
      cause: error,
    });
  if (code === '3D000')
    return new FirebreakError('not_found', `database "${database}" does not exist at ${where}`, { cause: error });
  return new FirebreakError('unreachable', `cannot connect to ${target}: ${message}`, { cause: error });
}
