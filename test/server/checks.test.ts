import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/app/index.ts';
import { defaultPolicy, openSystemRegistry } from '../../src/runtime/index.ts';
import { createApp } from '../../src/server/index.ts';
import { createTestDatabase, type TestDatabase, uniquePrefix } from '../support/postgres.ts';
import { type StoreTarget, storeTarget } from '../support/store.ts';

const prefix = uniquePrefix('fbs');
const r = (name: string) => `${prefix}${name}`;
let database: TestDatabase;
let target: StoreTarget;
let store: Store;
let app: ReturnType<typeof createApp>;
let close: () => Promise<void>;
const tokens: Record<string, string> = {};
const logs: Record<string, unknown>[] = [];

beforeAll(async () => {
  database = await createTestDatabase(`${prefix}db`);
  await database.client.query(`
    create role ${r('engineering')}; create role ${r('alice')} login; create role ${r('bob')} login;
    grant ${r('engineering')} to ${r('alice')}, ${r('bob')};
    create schema app; grant usage on schema app to ${r('engineering')};
    create table app.users (id int, email text);
  `);
  target = storeTarget('postgres');
  store = await target.open();
  const config = join(target.directory, 'firebreak.yaml');
  writeFileSync(config, `systems:\n  app:\n    kind: postgres\n    url: env:APP_URL\n`);
  const systems = await openSystemRegistry({ config }, { env: { APP_URL: database.url }, cwd: target.directory });
  close = () => systems.close();
  app = createApp({
    store,
    systems,
    policy: await defaultPolicy(),
    clock: () => new Date('2030-01-01T00:00:00Z'),
    log: (event) => logs.push(event),
  });
  for (const [name, role] of [
    ['helper', 'agent'],
    ['dana', 'approver'],
    ['vera', 'viewer'],
  ] as const)
    tokens[name] = (await store.createToken({ name, role, by: 'user:test' })).token;
});
afterAll(async () => {
  await close();
  await store.close();
  await target.cleanup();
  await database.drop([prefix]);
});

interface CheckBody {
  readonly decision: string;
  readonly actor: { readonly kind: string; readonly name: string };
  readonly summary: { readonly principalsGaining: number };
  readonly recorded: { readonly decision: string };
  readonly approval?: { readonly id: string; readonly state: string };
  readonly error?: { readonly code: string };
}

async function check(token: string, body: unknown): Promise<{ status: number; body: CheckBody }> {
  const response = await app.request('/api/v1/checks', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as CheckBody };
}

describe('checks over HTTP', () => {
  it("decides as firebreak check does, as the token's identity, and records the decision", async () => {
    const sql = `grant select on app.users to ${r('engineering')}`;
    const denied = await check(tokens.helper as string, { system: 'app', sql });
    expect(denied.status).toBe(200);
    expect(denied.body).toMatchObject({
      decision: 'deny',
      actor: { kind: 'agent', name: 'helper' },
      summary: { principalsGaining: 2 },
    });
    expect(denied.body.approval).toBeUndefined();
    const [decision] = await store.listDecisions({ limit: 1 });
    expect(decision).toMatchObject({ id: denied.body.recorded.decision, actor: 'agent:helper', decision: 'deny' });
  });

  it('holds a change the policy sends to review, with its blast radius, for someone else to approve', async () => {
    const sql = `grant select on app.users to ${r('engineering')}`;
    const held = await check(tokens.dana as string, { system: 'app', sql });
    expect(held.body).toMatchObject({ decision: 'review', approval: { state: 'pending' } });
    const approval = await store.getApproval(held.body.approval?.id as string);
    expect(approval).toMatchObject({
      requester: 'user:dana',
      statements: [sql],
      expiresAt: '2030-01-02T00:00:00.000Z',
      blastRadius: {
        principalsGaining: 2,
        resources: [
          {
            resource: 'app.users',
            count: 2,
            paths: [{ via: `grant to ${r('engineering')}`, count: 2 }],
          },
        ],
      },
    });
    const own = await app.request(`/api/v1/approvals/${approval?.id}/approve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.dana}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(own.status).toBe(403);
  });

  it('serves exposure and explain, and refuses what a role may not do', async () => {
    const exposure = await app.request('/api/v1/systems/app/exposure', {
      headers: { authorization: `Bearer ${tokens.vera}` },
    });
    expect(exposure.status).toBe(200);
    expect(((await exposure.json()) as { resources: { resource: string }[] }).resources.map((x) => x.resource)).toEqual(
      ['app.users'],
    );
    const explain = await app.request(`/api/v1/systems/app/explain?principal=${r('alice')}&resource=app.users`, {
      headers: { authorization: `Bearer ${tokens.vera}` },
    });
    expect(explain.status).toBe(200);
    expect((await check(tokens.vera as string, { system: 'app', sql: 'select 1' })).status).toBe(403);
    const unknown = await check(tokens.helper as string, { system: 'nowhere', sql: 'select 1' });
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    const invalid = await check(tokens.helper as string, {
      system: 'app',
      sql: 'grant select on nothing.here to nobody',
    });
    expect(invalid).toMatchObject({ status: 400, body: { error: { code: 'invalid_input' } } });
  });

  it('counts decisions, check latency and pending approvals for Prometheus, and logs requests without secrets', async () => {
    const text = await (await app.request('/metrics')).text();
    expect(text).toContain('firebreak_decisions_total{decision="deny"} 1');
    expect(text).toContain('firebreak_decisions_total{decision="review"} 1');
    expect(text).toMatch(/^firebreak_check_duration_seconds_count 2$/m);
    expect(text).toMatch(/^firebreak_approvals_pending 1$/m);
    expect(text).toMatch(/^firebreak_http_requests_total\{status="4xx"\} [1-9]/m);
    const checks = logs.filter((l) => l.path === '/api/v1/checks');
    expect(checks[0]).toMatchObject({ level: 'info', msg: 'request', method: 'POST', status: 200, token: 'helper' });
    expect(JSON.stringify(logs)).not.toContain(tokens.helper as string);
  });
});
