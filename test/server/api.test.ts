import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalRequest, Store } from '../../src/app/index.ts';
import { defaultPolicy, openSystemRegistry } from '../../src/runtime/index.ts';
import { createApp, OPENAPI, startServer } from '../../src/server/index.ts';
import { type StoreTarget, storeTarget } from '../support/store.ts';

let target: StoreTarget;
let store: Store;
let app: ReturnType<typeof createApp>;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  target = storeTarget('postgres');
  store = await target.open();
  const systems = await openSystemRegistry({}, { env: {}, cwd: target.directory });
  app = createApp({ store, systems, policy: await defaultPolicy() });
  for (const [name, role] of [
    ['root', 'admin'],
    ['alice', 'approver'],
    ['bob', 'approver'],
    ['helper', 'agent'],
    ['vera', 'viewer'],
  ] as const)
    tokens[name] = (await store.createToken({ name, role, by: 'user:test' })).token;
});
afterAll(async () => {
  await store.close();
  await target.cleanup();
});

function call(
  path: string,
  options: { token?: string; method?: string; body?: unknown; raw?: string; type?: string } = {},
) {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] = options.type ?? 'application/json';
  return app.request(path, {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    ...(body === undefined ? {} : { body }),
  });
}

function request(extra: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    system: 'warehouse',
    changeHash: 'c'.repeat(64),
    statements: ['GRANT SELECT ON hr.salaries TO analysts'],
    requester: 'agent:helper',
    rules: ['person-exposes-labelled-data'],
    requiredApprovals: 1,
    expiresAt: '2100-01-01T00:00:00.000Z',
    summary: '3 principals gain hr.salaries',
    ...extra,
  };
}

/** Response bodies as these tests read them. */
interface ApiBody {
  readonly error: { readonly code: string; readonly message: string };
  readonly state: string;
  readonly ok: boolean;
  readonly openapi: string;
  readonly decisions: readonly unknown[];
  readonly entries: readonly { readonly kind: string }[];
}

async function body(response: Response): Promise<ApiBody> {
  return (await response.json()) as ApiBody;
}

async function lastEntry() {
  return (await store.ledger.tail(1))[0];
}

describe('the HTTP API', () => {
  it('answers health, readiness and its OpenAPI document without a token', async () => {
    expect(await body(await call('/healthz'))).toEqual({ status: 'ok' });
    expect(await body(await call('/readyz'))).toEqual({ status: 'ready' });
    const document = await body(await call('/api/openapi.json'));
    expect(document.openapi).toBe('3.1.0');
    // Every GET route the document lists answers (with an admin token), and unknown routes do not.
    const gets = Object.entries(OPENAPI.paths as Record<string, object>).filter(
      ([path, operations]) => !path.includes('{') && 'get' in operations,
    );
    expect(gets.length).toBeGreaterThan(5);
    for (const [path] of gets) expect((await call(path, { token: tokens.root as string })).status, path).toBe(200);
    const unknown = await call('/api/v1/nothing', { token: tokens.root as string });
    expect(unknown.status).toBe(404);
    expect(await body(unknown)).toEqual({ error: { code: 'no_route', message: 'no route GET /api/v1/nothing' } });
  });

  it('refuses requests without a valid token, with a JSON error and 401', async () => {
    for (const token of [undefined, 'fbk_wrong', `fbk_${'A'.repeat(43)}`]) {
      const response = await call('/api/v1/whoami', token === undefined ? {} : { token });
      expect(response.status).toBe(401);
      expect((await body(response)).error.code).toBe('unauthenticated');
    }
  });

  it('trusts a verified token for at most a second, then asks the store again and refuses it once revoked', async () => {
    let now = Date.parse('2026-11-26T12:00:00Z');
    const clocked = createApp({ store, clock: () => new Date(now) });
    const whoami = (token: string) =>
      clocked.request('/api/v1/whoami', { headers: { authorization: `Bearer ${token}` } });
    const revoked = await store.createToken({ name: 'temp', role: 'viewer', by: 'user:test' });
    expect((await whoami(revoked.token)).status).toBe(200);
    await store.revokeToken(revoked.record.id, 'user:test');
    now += 999;
    expect((await whoami(revoked.token)).status).toBe(200);
    now += 2;
    const refused = await whoami(revoked.token);
    expect(refused.status).toBe(401);
    expect((await body(refused)).error.code).toBe('unauthenticated');
    // Without the cache, revocation applies at once.
    const uncached = createApp({ store, tokenCacheMs: 0 });
    const other = await store.createToken({ name: 'temp2', role: 'viewer', by: 'user:test' });
    const ask = () => uncached.request('/api/v1/whoami', { headers: { authorization: `Bearer ${other.token}` } });
    expect((await ask()).status).toBe(200);
    await store.revokeToken(other.record.id, 'user:test');
    expect((await ask()).status).toBe(401);
  });

  it('lets an approver approve, and records who refused and why when others try', async () => {
    const approval = await store.requestApproval(request());
    const viewer = await call(`/api/v1/approvals/${approval.id}/approve`, { token: tokens.vera as string, body: {} });
    expect(viewer.status).toBe(403);
    expect(await lastEntry()).toMatchObject({
      kind: 'approval.refused',
      actor: 'user:vera',
      subject: approval.id,
      data: { code: 'forbidden' },
    });
    const agent = await call(`/api/v1/approvals/${approval.id}/approve`, { token: tokens.helper as string, body: {} });
    expect(agent.status).toBe(403);
    expect(await lastEntry()).toMatchObject({ kind: 'approval.refused', actor: 'agent:helper' });
    expect((await body(await call(`/api/v1/approvals/${approval.id}`, { token: tokens.vera as string }))).state).toBe(
      'pending',
    );

    const approved = await call(`/api/v1/approvals/${approval.id}/approve`, {
      token: tokens.alice as string,
      body: { reason: 'scoped' },
    });
    expect(approved.status).toBe(200);
    expect(await body(approved)).toMatchObject({
      state: 'approved',
      votes: [{ by: 'user:alice', verdict: 'approve', reason: 'scoped' }],
    });
    expect(await lastEntry()).toMatchObject({ kind: 'approval.approved', actor: 'user:alice' });
    const again = await call(`/api/v1/approvals/${approval.id}/deny`, {
      token: tokens.bob as string,
      body: { reason: 'late' },
    });
    expect(again.status).toBe(409);
    expect((await body(again)).error.code).toBe('conflict');
  });

  it('applies the two-person rule and never lets people approve their own request', async () => {
    const two = await store.requestApproval(request({ requiredApprovals: 2 }));
    const path = `/api/v1/approvals/${two.id}/approve`;
    expect((await body(await call(path, { token: tokens.alice as string, body: {} }))).state).toBe('pending');
    expect((await call(path, { token: tokens.alice as string, body: {} })).status).toBe(409);
    expect((await body(await call(path, { token: tokens.root as string, body: {} }))).state).toBe('approved');

    const own = await store.requestApproval(request({ requester: 'user:bob' }));
    const response = await call(`/api/v1/approvals/${own.id}/approve`, { token: tokens.bob as string, body: {} });
    expect(response.status).toBe(403);
    expect((await body(response)).error.message).toMatch(/nobody approves their own request/);
  });

  it('turns bad requests into clear 4xx errors, recorded when they touch an approval', async () => {
    const approval = await store.requestApproval(request());
    const path = `/api/v1/approvals/${approval.id}/deny`;
    const alice = tokens.alice as string;
    const cases: [Parameters<typeof call>[1], number, string][] = [
      [{ token: alice, raw: '{"reason": ' }, 400, 'the body is not valid JSON'],
      [{ token: alice, body: { reason: 'no', extra: 1 } }, 400, 'Unrecognized key: "extra"'],
      [{ token: alice, body: {} }, 400, 'at reason'],
      [{ token: alice, raw: 'reason=no', type: 'text/plain' }, 415, 'application/json'],
    ];
    for (const [options, status, message] of cases) {
      const response = await call(path, options);
      expect(response.status).toBe(status);
      expect((await body(response)).error.message).toContain(message);
      expect(await lastEntry()).toMatchObject({ kind: 'approval.refused', subject: approval.id, actor: 'user:alice' });
    }
    const huge = await call(path, { token: alice, body: { reason: 'x'.repeat(300_000) } });
    expect(huge.status).toBe(413);
    expect((await body(huge)).error.code).toBe('too_large');
    expect((await call('/api/v1/approvals?state=maybe', { token: alice })).status).toBe(400);
    expect((await call('/api/v1/approvals/not-an-id', { token: alice })).status).toBe(404);
    expect((await body(await call(path, { token: alice, body: { reason: 'too broad' } }))).state).toBe('denied');
  });

  it('lists decisions and the audit ledger, and verifies it', async () => {
    await store.recordDecision({
      system: 'warehouse',
      actor: 'agent:helper',
      inputHash: 'd'.repeat(64),
      decision: 'deny',
      reasons: [{ rule: 'agent-exposes-labelled-data', decision: 'deny', message: 'no' }],
      summary: { principalsGaining: 3, resourcesGaining: 1, labelsGained: ['pii'] },
      statements: 1,
    });
    const viewer = tokens.vera as string;
    const decisions = await body(await call('/api/v1/decisions', { token: viewer }));
    expect(decisions.decisions[0]).toMatchObject({ actor: 'agent:helper', decision: 'deny' });
    const audit = await body(await call('/api/v1/audit?kind=decision', { token: viewer }));
    expect(audit.entries.map((e: { kind: string }) => e.kind)).toEqual(['decision']);
    expect((await body(await call('/api/v1/audit/verify', { token: viewer }))).ok).toBe(true);
    expect((await call('/api/v1/decisions', { token: tokens.helper as string })).status).toBe(403);
  });

  it('serves the same app over HTTP on loopback', async () => {
    const server = await startServer({ store, host: '127.0.0.1', port: 0 });
    try {
      const response = await fetch(`${server.url}/api/v1/whoami`, {
        headers: { authorization: `Bearer ${tokens.alice}` },
      });
      expect(await body(response)).toEqual({ name: 'alice', role: 'approver' });
    } finally {
      await server.close();
    }
  });
});
