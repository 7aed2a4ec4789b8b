import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/app/index.ts';
import { createApp } from '../../src/server/index.ts';
import { type StoreTarget, storeTarget } from '../support/store.ts';

/**
 * The dashboard's sessions and pages over plain HTTP, in-process: what a browser test would take
 * minutes of waiting to show (idle expiry), and what no browser would send (hostile redirects).
 */
let target: StoreTarget;
let store: Store;
let app: ReturnType<typeof createApp>;
let now = Date.parse('2030-01-01T09:00:00Z');
const HOUR = 60 * 60 * 1000;

beforeAll(async () => {
  target = storeTarget('postgres');
  store = await target.open();
  app = createApp({ store, clock: () => new Date(now) });
});
afterAll(async () => {
  await store.close();
  await target.cleanup();
});

function cookieOf(response: Response, name: string): string | undefined {
  const header = response.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  return header?.slice(name.length + 1).split(';')[0];
}

/** Signs in as a browser would: the form's CSRF token and cookie, then the token. */
async function signIn(token: string, next = '/'): Promise<{ session: string | undefined; response: Response }> {
  const form = await app.request(`/login?next=${encodeURIComponent(next)}`);
  const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1] as string;
  const response = await app.request('/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `fb_login=${cookieOf(form, 'fb_login')}` },
    body: new URLSearchParams({ csrf, token, next }).toString(),
  });
  return { session: cookieOf(response, 'fb_session'), response };
}

const open = (path: string, session: string | undefined) =>
  app.request(path, { headers: { cookie: `fb_session=${session}` } });

describe('dashboard sessions', () => {
  it('ends a session after 8 idle hours, and at once when its token is revoked', async () => {
    const { token, record } = await store.createToken({ name: 'ida', role: 'viewer', by: 'user:test' });
    const { session } = await signIn(token);
    expect(session).toMatch(/^[\w-]{43}$/);
    for (const idle of [0, 7 * HOUR, 7 * HOUR]) {
      now += idle;
      expect((await open('/', session)).status).toBe(200);
    }
    now += 8 * HOUR;
    const expired = await open('/', session);
    expect(expired.status).toBe(303);
    expect(expired.headers.get('location')).toBe('/login?next=%2F');

    const again = await signIn(token);
    expect((await open('/audit', again.session)).status).toBe(200);
    await store.revokeToken(record.id, 'user:test');
    expect((await open('/audit', again.session)).status).toBe(303);
  });

  it('sends the browser back only to a path of this site after sign-in', async () => {
    const { token } = await store.createToken({ name: 'nia', role: 'approver', by: 'user:test' });
    expect((await signIn(token, '/approvals?state=pending')).response.headers.get('location')).toBe(
      '/approvals?state=pending',
    );
    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example'])
      expect((await signIn(token, next)).response.headers.get('location')).toBe('/');
  });

  it('escapes everything that comes from data, and serves pages without scripts under a strict policy', async () => {
    const { token } = await store.createToken({ name: 'ola', role: 'approver', by: 'user:test' });
    const approval = await store.requestApproval({
      system: 'warehouse',
      changeHash: 'e'.repeat(64),
      statements: ['GRANT SELECT ON "<script>alert(1)</script>" TO analysts'],
      requester: 'agent:helper',
      rules: ['person-exposes-labelled-data'],
      requiredApprovals: 1,
      expiresAt: '2100-01-01T00:00:00.000Z',
      summary: '1 principal gains <b>everything</b>',
      blastRadius: {
        principalsGaining: 1,
        resourcesGaining: 1,
        labels: ['pii'],
        resources: [
          {
            resource: 'public.<i>t</i>',
            kind: 'table',
            labels: ['pii'],
            count: 1,
            paths: [{ via: 'grant to "<u>x</u>"', count: 1, principals: ['<img src=x onerror=alert(1)>'] }],
            untraced: 0,
          },
        ],
      },
    });
    const { session } = await signIn(token);
    const page = await open(`/approvals/${approval.id}`, session);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    const text = await page.text();
    expect(text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(text).toContain('&lt;b&gt;everything&lt;/b&gt;');
    for (const tag of ['<script', '<img', '<b>', '<i>', '<u>']) expect(text).not.toContain(tag);
  });

  it('leaves the API as it was: bearer tokens and JSON errors', async () => {
    const { token } = await store.createToken({ name: 'pia', role: 'viewer', by: 'user:test' });
    const whoami = await app.request('/api/v1/whoami', { headers: { authorization: `Bearer ${token}` } });
    expect(await whoami.json()).toEqual({ name: 'pia', role: 'viewer' });
    const unknown = await app.request('/api/v1/nothing', { headers: { authorization: `Bearer ${token}` } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'no_route' } });
    expect((await app.request('/api/v1/approvals')).status).toBe(401);
  });
});
