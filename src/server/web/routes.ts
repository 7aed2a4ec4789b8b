import { type Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { may, type Store, type SystemRegistry } from '../../app/index.ts';
import { isFirebreakError } from '../../core/index.ts';
import { STATUS_BY_CODE } from '../api-error.ts';
import { sameSecret } from './csrf.ts';
import { createExposureCache } from './exposure-cache.ts';
import { capitalised, roleToken } from './format.ts';
import { acceptForm, requireCsrf, requireSession, type WebEnv } from './guards.ts';
import { sendPage, setSecurityHeaders } from './layout.ts';
import { createLedgerCheck } from './ledger-check.ts';
import { pageRoutes } from './page-routes.ts';
import { loginPage } from './pages/login.ts';
import { messagePage } from './pages/message.ts';
import { createSessions, LIFETIME_MS, randomSecret, SESSION_COOKIE, type Session } from './session.ts';
import { STYLESHEET, STYLESHEET_PATH } from './styles.ts';
import { voteRoute } from './vote-route.ts';

export interface WebDeps {
  readonly store: Store;
  readonly systems?: SystemRegistry | undefined;
  readonly clock?: (() => Date) | undefined;
  /** Structured log lines for failures the page does not explain. */
  readonly log?: ((event: Record<string, unknown>) => void) | undefined;
}

/** The sign-in form's own CSRF token (login CSRF), before there is a session to hold one. */
const LOGIN_COOKIE = 'fb_login';

const loginForm = z.object({
  csrf: z.string(),
  token: z.string().trim().min(1).max(256),
  next: z.string().max(2_000).optional(),
});

/**
 * The dashboard: server-rendered pages over the store, behind a sign-in with a token. A session
 * lives in this process; its cookie is HttpOnly and SameSite=Strict, and every form carries the
 * session's CSRF token. Mounted at `/` beside the API; it adds no middleware to other paths.
 */
export function webRoutes(deps: WebDeps): Hono<WebEnv> {
  const clock = deps.clock ?? (() => new Date());
  const sessions = createSessions(() => clock().getTime());
  const signedIn = requireSession(deps.store, sessions);
  const routes = new Hono<WebEnv>();

  routes.onError((error, c) => {
    const code = isFirebreakError(error) ? error.code : 'internal';
    if (code === 'internal')
      deps.log?.({ level: 'error', msg: 'internal error', error: error.message, path: c.req.path });
    const session = c.get('session') as Session | undefined;
    const message = code === 'internal' ? 'Something went wrong on the server.' : error.message;
    const body = messagePage({ heading: 'That did not work', message, back: { href: '/', label: 'Overview' } });
    return sendPage(c, { title: 'Error', body, ...(session === undefined ? {} : { session }) }, STATUS_BY_CODE[code]);
  });

  routes.get(STYLESHEET_PATH, (c) => {
    setSecurityHeaders(c);
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(STYLESHEET, 200, { 'Content-Type': 'text/css; charset=utf-8' });
  });

  // Behind a TLS proxy the server sees http; the proxy's header can only make the cookie stricter.
  const secure = (c: Context) =>
    new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
  const showLogin = (c: Context<WebEnv>, next: string, error?: string, status?: 401 | 403) => {
    const loginCsrf = randomSecret();
    setCookie(c, LOGIN_COOKIE, loginCsrf, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/login',
      maxAge: 60 * 60,
      secure: secure(c),
    });
    const flash = error === undefined ? {} : { flash: { tone: 'error' as const, text: error } };
    return sendPage(c, { title: 'Sign in', body: loginPage({ loginCsrf, next }), ...flash }, status ?? 200);
  };

  routes.get('/login', (c) => {
    if (sessions.find(getCookie(c, SESSION_COOKIE)) !== undefined) return c.redirect('/', 303);
    return showLogin(c, localPath(c.req.query('next')));
  });

  routes.post('/login', acceptForm(), async (c) => {
    const parsed = loginForm.safeParse(c.get('form'));
    const next = localPath(parsed.success ? parsed.data.next : undefined);
    if (!parsed.success || !sameSecret(getCookie(c, LOGIN_COOKIE) ?? '', parsed.data.csrf))
      return showLogin(c, next, 'The sign-in form expired or was not from this site. Try again.', 403);
    const token = await deps.store.authenticate(parsed.data.token);
    if (token === undefined) return showLogin(c, next, 'That token is unknown or revoked.', 401);
    if (!may(token.role, 'read'))
      return showLogin(
        c,
        next,
        `${capitalised(roleToken(token.role))} cannot sign in to the dashboard: it may not read.`,
        403,
      );
    const session = sessions.open(token);
    deleteCookie(c, LOGIN_COOKIE, { path: '/login' });
    setCookie(c, SESSION_COOKIE, session.id, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      maxAge: LIFETIME_MS / 1000,
      secure: secure(c),
    });
    return c.redirect(next, 303);
  });

  routes.post('/logout', signedIn, acceptForm(), requireCsrf(), (c) => {
    sessions.end(c.get('session').id);
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: secure(c) });
    return c.redirect('/login', 303);
  });

  const exposure = deps.systems === undefined ? undefined : createExposureCache(deps.systems, clock);
  const ledgerCheck = createLedgerCheck(deps.store, clock);
  pageRoutes(routes, { store: deps.store, systems: deps.systems, exposure, sessions, signedIn, clock, ledgerCheck });
  voteRoute(routes, { store: deps.store, sessions, signedIn });
  return routes;
}

/** Where to go after sign-in: a path on this site only, never another origin. */
function localPath(next: string | undefined): string {
  return next !== undefined && /^\/(?![/\\])[\w\-./?=&%~]*$/.test(next) ? next : '/';
}
