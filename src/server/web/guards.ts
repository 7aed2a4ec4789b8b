import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie } from 'hono/cookie';
import type { Store } from '../../app/index.ts';
import { CSRF_FIELD, fromAnotherSite, sameSecret } from './csrf.ts';
import { sendPage } from './layout.ts';
import { messagePage } from './pages/message.ts';
import { SESSION_COOKIE, type Session, type Sessions } from './session.ts';

export type Form = Readonly<Record<string, string>>;
export type WebEnv = { Variables: { session: Session; form: Form } };

/** Far above any form the dashboard sends. */
export const MAX_FORM_BYTES = 64 * 1024;

/**
 * Lets the request through only with a live session whose token is still live: a revoked
 * token ends its sessions at their next request. Pages send the browser to sign in; posts are
 * refused, since what they carried cannot be replayed after sign-in.
 */
export function requireSession(store: Store, sessions: Sessions): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const found = sessions.find(getCookie(c, SESSION_COOKIE));
    const token =
      found === undefined
        ? undefined
        : (await store.listTokens()).find((t) => t.id === found.token.id && t.revokedAt === undefined);
    if (found === undefined || token === undefined) {
      if (found !== undefined) sessions.end(found.id);
      if (c.req.method === 'GET') {
        const url = new URL(c.req.url);
        return c.redirect(`/login?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
      }
      return sendPage(
        c,
        {
          title: 'Sign in',
          body: messagePage({
            heading: 'Sign in first',
            message: 'There is no session, or it ended. Sign in and try again.',
            back: { href: '/login', label: 'Sign in' },
          }),
        },
        401,
      );
    }
    c.set('session', found);
    await next();
  };
}

/** The Fetch Metadata check, body limit and form parsing every dashboard POST goes through. */
export function acceptForm(): MiddlewareHandler<WebEnv> {
  const limit = bodyLimit({ maxSize: MAX_FORM_BYTES, onError: (c) => refuse(c, 413, 'The form is too large.') });
  return async (c, next) => {
    if (fromAnotherSite(c)) return refuse(c, 403, 'The form was sent from another site.');
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/x-www-form-urlencoded\b/i.test(type)) return refuse(c, 415, 'Send the form as a web form.');
    return limit(c, async () => {
      // Object.fromEntries defines own properties, so a field named __proto__ is just a field.
      c.set('form', Object.fromEntries(new URLSearchParams(await c.req.text())));
      await next();
    });
  };
}

/** Refuses a post whose form lacks its session's CSRF token. Runs after requireSession and acceptForm. */
export function requireCsrf(): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    if (!sameSecret(c.get('session').csrf, c.get('form')[CSRF_FIELD]))
      return refuse(
        c,
        403,
        'The form is not from this session (it may be stale, or from another site). Reload the page and try again.',
      );
    await next();
  };
}

function refuse(c: Context, status: 403 | 413 | 415, message: string): Response | Promise<Response> {
  return sendPage(
    c,
    { title: 'Refused', body: messagePage({ heading: 'Refused', message, back: { href: '/', label: 'Overview' } }) },
    status,
  );
}
