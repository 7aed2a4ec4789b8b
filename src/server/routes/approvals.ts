import { Hono } from 'hono';
import { z } from 'zod';
import { APPROVAL_STATES, type ApprovalAction, actorOfToken, may, recordApprovalRefusal } from '../../app/index.ts';
import { ApiError } from '../api-error.ts';
import type { ApiEnv } from '../app.ts';
import { requirePermission } from '../app.ts';
import { readBody } from '../body.ts';

const approveBody = z.strictObject({ reason: z.string().max(2_000).optional() });
const denyBody = z.strictObject({ reason: z.string().min(1, 'a denial needs a reason').max(2_000) });

/** Approval requests: list, show, approve, deny. Every attempt to act on one is in the ledger. */
export function approvalRoutes(): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();

  routes.get('/', async (c) => {
    requirePermission(c.get('token'), 'read');
    const state = c.req.query('state');
    if (state !== undefined && !(APPROVAL_STATES as readonly string[]).includes(state))
      throw new ApiError('invalid_input', `state must be one of ${APPROVAL_STATES.join(', ')}`);
    const approvals = await c.get('store').listApprovals({
      ...(state === undefined ? {} : { state: state as (typeof APPROVAL_STATES)[number] }),
      limit: limitOf(c.req.query('limit')),
    });
    return c.json({ approvals });
  });

  routes.get('/:id', async (c) => {
    requirePermission(c.get('token'), 'read');
    const approval = await c.get('store').getApproval(c.req.param('id'));
    if (approval === undefined) throw new ApiError('not_found', `no approval request ${c.req.param('id')}`);
    return c.json(approval);
  });

  for (const verdict of ['approve', 'deny'] as const)
    routes.post(`/:id/${verdict}`, async (c) => {
      const token = c.get('token');
      const store = c.get('store');
      const id = c.req.param('id');
      const by = actorOfToken(token);
      // Refusals before the store decides are recorded too: who tried what is part of the record.
      const refuse = async (error: ApiError): Promise<never> => {
        await recordApprovalRefusal(store, { id, by, action: verdict, code: error.code, message: error.message });
        throw error;
      };
      if (!may(token.role, 'approve'))
        await refuse(new ApiError('forbidden', `a ${token.role} token may not approve or deny changes`));
      let body: { reason?: string | undefined };
      try {
        body = await readBody(c, verdict === 'approve' ? approveBody : denyBody);
      } catch (error) {
        return refuse(error instanceof ApiError ? error : new ApiError('invalid_input', 'invalid body'));
      }
      const action: ApprovalAction =
        verdict === 'approve'
          ? { kind: 'approve', by, ...(body.reason === undefined ? {} : { reason: body.reason }) }
          : { kind: 'deny', by, reason: body.reason ?? '' };
      return c.json(await store.actOnApproval(id, action));
    });

  return routes;
}

export function limitOf(text: string | undefined): number {
  if (text === undefined) return 100;
  if (!/^\d{1,4}$/.test(text) || Number(text) < 1 || Number(text) > 1_000)
    throw new ApiError('invalid_input', 'limit must be a whole number from 1 to 1000');
  return Number(text);
}
