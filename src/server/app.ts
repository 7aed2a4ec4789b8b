import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { may, type Permission, type Store, type SystemRegistry, type TokenRecord } from '../app/index.ts';
import { isFirebreakError, type Policy } from '../core/index.ts';
import { ApiError, type ApiErrorBody, STATUS_BY_CODE } from './api-error.ts';
import { createMetrics, type ServerMetrics } from './metrics.ts';
import { OPENAPI } from './openapi.ts';
import { approvalRoutes } from './routes/approvals.ts';
import { recordRoutes } from './routes/records.ts';
import { systemRoutes } from './routes/systems.ts';
import { cachedAuthentication } from './token-cache.ts';
import { webRoutes } from './web/routes.ts';

export interface ServerDeps {
  readonly store: Store;
  /** The systems checks, exposure and explain work on; without them those routes are absent. */
  readonly systems?: SystemRegistry;
  readonly policy?: Policy;
  readonly clock?: () => Date;
  /** How long an approval request opened by a check stays open (default one day). */
  readonly approvalTtlMs?: number;
  /** Structured log lines (JSON); never given a token or a request body. */
  readonly log?: (event: Record<string, unknown>) => void;
  /** How long a verified API token is trusted before the store is asked again (default 1 s; 0: always ask). */
  readonly tokenCacheMs?: number;
}

export type ApiEnv = { Variables: { token: TokenRecord; store: Store; metrics: ServerMetrics } };

/** The largest request body accepted, far above any real one. */
export const MAX_BODY_BYTES = 256 * 1024;

/**
 * The HTTP API: JSON in and out, bearer tokens with roles, errors with a stable code. Every
 * handler is a thin shell over a use case or the store.
 */
export function createApp(deps: ServerDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const metrics = createMetrics();
  const authenticate = cachedAuthentication(
    (token) => deps.store.authenticate(token),
    deps.tokenCacheMs,
    deps.clock === undefined ? undefined : () => (deps.clock as () => Date)().getTime(),
  );

  // One structured line per request: never the token, never a body.
  app.use('*', async (c, next) => {
    const started = performance.now();
    c.set('metrics', metrics);
    await next();
    metrics.countRequest(c.res.status);
    deps.log?.({
      level: 'info',
      msg: 'request',
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
      ...(c.get('token') === undefined ? {} : { token: c.get('token').name }),
    });
  });

  app.onError((error, c) => {
    const code = error instanceof ApiError || isFirebreakError(error) ? error.code : 'internal';
    const message = code === 'internal' ? 'internal error' : error.message;
    if (code === 'internal')
      deps.log?.({ level: 'error', msg: 'internal error', error: error.message, path: c.req.path });
    const body: ApiErrorBody = { error: { code, message } };
    return c.json(body, STATUS_BY_CODE[code]);
  });
  app.notFound((c) => c.json({ error: { code: 'no_route', message: `no route ${c.req.method} ${c.req.path}` } }, 404));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await deps.store.ledger.tail(1);
      return c.json({ status: 'ready' });
    } catch {
      return c.json({ error: { code: 'store_unavailable', message: 'the store is unavailable' } }, 503);
    }
  });
  app.get('/api/openapi.json', (c) => c.json(OPENAPI));
  app.get('/metrics', async (c) => {
    const pending = (await deps.store.listApprovals({ state: 'pending', limit: 1_000 })).length;
    return c.text(metrics.render(pending), 200, { 'content-type': 'text/plain; version=0.0.4' });
  });

  app.use(
    '/api/v1/*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        c.json({ error: { code: 'too_large', message: `the body is larger than ${MAX_BODY_BYTES} bytes` } }, 413),
    }),
  );
  app.use('/api/v1/*', async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer (\S+)$/i.exec(header);
    if (match === null) throw new ApiError('unauthenticated', 'send a token: Authorization: Bearer fbk_…');
    const token = await authenticate(match[1] as string);
    if (token === undefined) throw new ApiError('unauthenticated', 'the token is unknown or revoked');
    c.set('token', token);
    c.set('store', deps.store);
    await next();
  });

  app.get('/api/v1/whoami', (c) => {
    const token = c.get('token');
    return c.json({ name: token.name, role: token.role });
  });
  app.route('/api/v1/approvals', approvalRoutes());
  app.route(
    '/',
    webRoutes({ store: deps.store, systems: deps.systems, clock: deps.clock ?? (() => new Date()), log: deps.log }),
  );
  app.route('/api/v1', recordRoutes());
  if (deps.systems !== undefined && deps.policy !== undefined)
    app.route(
      '/api/v1',
      systemRoutes({
        systems: deps.systems,
        policy: deps.policy,
        approvalTtlMs: deps.approvalTtlMs ?? 24 * 60 * 60 * 1000,
        clock: deps.clock ?? (() => new Date()),
      }),
    );
  return app;
}

/** Refuses the request unless the token's role grants the permission. */
export function requirePermission(token: TokenRecord, permission: Permission): void {
  if (!may(token.role, permission))
    throw new ApiError(
      'forbidden',
      `a ${token.role} token may not ${permission === 'administer' ? 'administer Firebreak' : permission}`,
    );
}
