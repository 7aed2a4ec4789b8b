import { createHash } from 'node:crypto';
import type { TokenRecord } from '../app/index.ts';

/** How long a verified token is trusted without asking the store again. */
export const TOKEN_CACHE_MS = 1_000;

/** At most this many verified tokens are remembered; the oldest is forgotten first. */
const MAX_ENTRIES = 1_000;

/**
 * Bearer token checks that ask the store at most once a second per token: the lookup is a query,
 * and an API client sends the same token with every request. Only tokens the store accepted are
 * remembered (by their SHA-256, never the token itself), so an unknown or revoked token always
 * reaches the store. A token revoked by another process sharing a PostgreSQL store is refused
 * within `ttlMs`; `ttlMs` 0 asks the store every time.
 */
export function cachedAuthentication(
  authenticate: (token: string) => Promise<TokenRecord | undefined>,
  ttlMs = TOKEN_CACHE_MS,
  now: () => number = performance.now.bind(performance),
): (token: string) => Promise<TokenRecord | undefined> {
  const verified = new Map<string, { readonly token: TokenRecord; readonly until: number }>();
  return async (token) => {
    if (ttlMs <= 0) return authenticate(token);
    const key = createHash('sha256').update(token).digest('base64');
    const known = verified.get(key);
    if (known !== undefined && known.until > now()) return known.token;
    verified.delete(key);
    const record = await authenticate(token);
    if (record === undefined) return undefined;
    if (verified.size >= MAX_ENTRIES) verified.delete(verified.keys().next().value as string);
    verified.set(key, { token: record, until: now() + ttlMs });
    return record;
  };
}
