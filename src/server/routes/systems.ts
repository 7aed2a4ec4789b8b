import { Hono } from 'hono';
import { z } from 'zod';
import {
  actorOfToken,
  checkAndHold,
  parseActor,
  reportExplanation,
  reportExposure,
  type SystemRegistry,
} from '../../app/index.ts';
import type { Policy } from '../../core/index.ts';
import { ApiError } from '../api-error.ts';
import type { ApiEnv } from '../app.ts';
import { requirePermission } from '../app.ts';
import { readBody } from '../body.ts';

/** The largest change accepted, as for `firebreak check`. */
const MAX_SQL = 1_000_000;

const checkBody = z.strictObject({
  system: z.string().min(1).max(63),
  sql: z.string().min(1).max(MAX_SQL, `sql is longer than ${MAX_SQL} characters`),
  as: z.string().min(1).max(63).optional(),
  verify: z.boolean().optional(),
});

export interface SystemRouteDeps {
  readonly systems: SystemRegistry;
  readonly policy: Policy;
  /** How long an approval request opened by a check stays open. */
  readonly approvalTtlMs: number;
  readonly clock: () => Date;
}

/** Checks (as `firebreak check`), exposure and explain over the systems the server knows. */
export function systemRoutes(deps: SystemRouteDeps): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();

  routes.get('/systems', (c) => {
    requirePermission(c.get('token'), 'read');
    return c.json({ systems: deps.systems.names() });
  });

  routes.get('/systems/:name/exposure', async (c) => {
    requirePermission(c.get('token'), 'read');
    const { source, rules } = await deps.systems.open(c.req.param('name'));
    return c.json(await reportExposure(source, rules));
  });

  routes.get('/systems/:name/explain', async (c) => {
    requirePermission(c.get('token'), 'read');
    const principal = c.req.query('principal');
    const resource = c.req.query('resource');
    if (principal === undefined || resource === undefined)
      throw new ApiError('invalid_input', 'explain needs ?principal=NAME&resource=SCHEMA.TABLE');
    const { source, rules } = await deps.systems.open(c.req.param('name'));
    return c.json(await reportExplanation(source, rules, principal, resource));
  });

  routes.post('/checks', async (c) => {
    const token = c.get('token');
    requirePermission(token, 'check');
    const body = await readBody(c, checkBody);
    // The actor is who the token is: an agent cannot present its change as a person's.
    const actor = parseActor(actorOfToken(token));
    if (!actor.ok) throw new ApiError('internal', actor.error);
    const { source, rules } = await deps.systems.open(body.system);
    const started = performance.now();
    const held = await checkAndHold({
      source,
      rules,
      pieces: [{ sql: body.sql, origin: 'request', line: 1 }],
      actor: actor.value,
      policy: deps.policy,
      store: c.get('store'),
      expiresAt: new Date(deps.clock().getTime() + deps.approvalTtlMs).toISOString(),
      ...(body.as === undefined ? {} : { actingAs: body.as }),
      ...(body.verify === true ? { verify: true } : {}),
    });
    c.get('metrics').observeCheck(held.report.decision, (performance.now() - started) / 1000);
    return c.json({
      ...held.report,
      ...(held.approval === undefined ? {} : { approval: { id: held.approval.id, state: held.approval.state } }),
    });
  });

  return routes;
}
