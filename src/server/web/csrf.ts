import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';

/**
 * Cross-site request forgery defences for the dashboard's forms. Every POST carries the session's
 * synchronizer token in a hidden field; the session cookie is SameSite=Strict; and a browser that
 * says the request comes from another site (Fetch Metadata) is refused outright.
 * https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html
 */
export const CSRF_FIELD = 'csrf';

/** Compares in constant time, so the comparison says nothing about how much matched. */
export function sameSecret(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Whether the browser says the request was started by another site. `Sec-Fetch-Site` rather than
 * `Origin` compared with the request URL, because behind a TLS proxy the URL the server sees is
 * not the one the browser used.
 */
export function fromAnotherSite(c: Context): boolean {
  const site = c.req.header('sec-fetch-site');
  return site === 'cross-site' || site === 'same-site';
}
