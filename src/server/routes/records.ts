import { Hono } from 'hono';
import { LEDGER_KINDS, type LedgerKind } from '../../app/index.ts';
import { ApiError } from '../api-error.ts';
import type { ApiEnv } from '../app.ts';
import { requirePermission } from '../app.ts';
import { limitOf } from './approvals.ts';

/** What Firebreak recorded: decisions, and the audit ledger with its verification. */
export function recordRoutes(): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();

  routes.get('/decisions', async (c) => {
    requirePermission(c.get('token'), 'read');
    const system = c.req.query('system');
    const decisions = await c.get('store').listDecisions({
      limit: limitOf(c.req.query('limit')),
      ...(system === undefined ? {} : { system }),
    });
    return c.json({ decisions });
  });

  routes.get('/audit', async (c) => {
    requirePermission(c.get('token'), 'read');
    const after = c.req.query('after');
    if (after !== undefined && !/^\d{1,15}$/.test(after))
      throw new ApiError('invalid_input', 'after must be a sequence number');
    const kind = c.req.query('kind');
    if (kind !== undefined && !(LEDGER_KINDS as readonly string[]).includes(kind))
      throw new ApiError('invalid_input', `kind must be one of ${LEDGER_KINDS.join(', ')}`);
    const entries = await c.get('store').ledger.read({
      limit: limitOf(c.req.query('limit')),
      ...(after === undefined ? {} : { after: Number(after) }),
      ...(kind === undefined ? {} : { kind: kind as LedgerKind }),
    });
    return c.json({ entries });
  });

  routes.get('/audit/verify', async (c) => {
    requirePermission(c.get('token'), 'read');
    return c.json(await c.get('store').ledger.verify());
  });

  return routes;
}
