import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/app/index.ts';
import { defaultPolicy, openSystemRegistry } from '../../src/runtime/index.ts';
import { createApp, type RunningServer, startServer } from '../../src/server/index.ts';
import { createTestDatabase, type TestDatabase, uniquePrefix } from '../support/postgres.ts';
import { type StoreTarget, storeTarget } from '../support/store.ts';

/** Debian's Chromium, which .ci/run installs (apt-get install chromium). */
const CHROMIUM = '/usr/bin/chromium';
const prefix = uniquePrefix('fbw');
const r = (name: string) => `${prefix}${name}`;
let database: TestDatabase;
let target: StoreTarget;
let store: Store;
let server: RunningServer;
let browser: Browser;
let closeSystems: () => Promise<void>;
const tokens: Record<string, string> = {};
/** Two changes held for approval by real checks: one to approve, one to try to approve. */
const held: { id: string; statements: string[] }[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`the dashboard tests need Chromium at ${CHROMIUM}: apt-get install chromium`);
  database = await createTestDatabase(`${prefix}db`);
  await database.client.query(`
    create role ${r('engineering')}; create role ${r('support')};
    create role ${r('ada')} login; create role ${r('ben')} login; create role ${r('cy')} login;
    create role ${r('dee')} login; create role ${r('eli')} login;
    grant ${r('engineering')} to ${r('ada')}, ${r('ben')}, ${r('cy')};
    grant ${r('support')} to ${r('dee')}, ${r('eli')};
    create schema app; grant usage on schema app to ${r('engineering')}, ${r('support')};
    create table app.users (id int, email text);
    create table app.cards (id int, card_number text);
  `);
  target = storeTarget('postgres');
  store = await target.open();
  const config = join(target.directory, 'firebreak.yaml');
  writeFileSync(config, 'systems:\n  app:\n    kind: postgres\n    url: env:APP_URL\n');
  const systems = await openSystemRegistry({ config }, { env: { APP_URL: database.url }, cwd: target.directory });
  closeSystems = () => systems.close();
  const policy = await defaultPolicy();
  const app = createApp({ store, systems, policy });
  for (const [name, role] of [
    ['dana', 'approver'],
    ['erin', 'approver'],
    ['vera', 'viewer'],
    ['helper', 'agent'],
  ] as const)
    tokens[name] = (await store.createToken({ name, role, by: 'user:test' })).token;

  for (const statements of [
    [`grant select on app.users to ${r('engineering')}`, `grant select on app.cards to ${r('support')}`],
    [`grant select on app.cards to ${r('engineering')}`],
  ]) {
    const response = await app.request('/api/v1/checks', {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.dana}`, 'content-type': 'application/json' },
      body: JSON.stringify({ system: 'app', sql: statements.map((s) => `${s};`).join('\n') }),
    });
    const body = (await response.json()) as { decision: string; approval?: { id: string } };
    expect(body.decision).toBe('review');
    held.push({ id: body.approval?.id as string, statements });
  }
  server = await startServer({ store, systems, policy, host: '127.0.0.1', port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await closeSystems?.();
  await store?.close();
  await target?.cleanup();
  await database?.drop([prefix]);
});

async function signIn(page: Page, token: string): Promise<void> {
  await page.goto(`${server.url}/`);
  expect(new URL(page.url()).pathname).toBe('/login');
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** What a refused post shows: its status and the page's text. */
async function post(page: Page, path: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await page.request.post(`${server.url}${path}`, { form, headers, maxRedirects: 0 });
  return { status: response.status(), text: await response.text() };
}

async function csrfOf(page: Page): Promise<string> {
  return page.locator('form[action="/logout"] input[name="csrf"]').inputValue();
}

describe('the dashboard, in a browser', () => {
  it('lets an approver sign in, read a held change and its blast radius, approve it, and see it in the audit ledger', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, tokens.erin as string);
    await page.waitForURL(`${server.url}/`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Overview');
    expect(await page.locator('header').textContent()).toContain('Signed in as erin (approver)');

    // The session is a random id in an HttpOnly, SameSite=Strict cookie; the token is nowhere.
    const cookies = await context.cookies();
    expect(cookies.map((c) => c.name)).toEqual(['fb_session']);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: false, path: '/' });
    expect(cookies[0]?.value).not.toContain(tokens.erin);
    expect(await page.content()).not.toContain(tokens.erin);

    await page.getByRole('link', { name: 'Approvals', exact: true }).click();
    await page.waitForURL(`${server.url}/approvals`);
    const rows = page.locator('tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.first().textContent()).toContain('pending');
    const response = page.waitForResponse(`${server.url}/approvals/${held[0]?.id}`);
    await page.locator(`a[href="/approvals/${held[0]?.id}"]`).click();
    const headers = (await response).headers();
    expect(headers['content-security-policy']).toContain("default-src 'none'");
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Approval request pending');

    // The exact statements, and who would gain access to what, by which path.
    expect(await page.locator('ol.statements pre').allTextContents()).toEqual(held[0]?.statements);
    const users = page.getByRole('region', { name: 'app.users (table)' });
    expect(await users.textContent()).toContain('pii');
    expect(await users.textContent()).toContain('3 principals gain read access');
    const usersPath = users.getByRole('row', { name: new RegExp(`grant to ${r('engineering')}`) });
    expect(await usersPath.getByRole('cell').first().textContent()).toBe('3');
    expect(await usersPath.locator('.principals').textContent()).toBe(`${r('ada')}, ${r('ben')}, ${r('cy')}`);
    const cards = page.getByRole('region', { name: 'app.cards (table)' });
    expect(await cards.textContent()).toContain('2 principals gain read access');
    expect(await cards.getByRole('row', { name: new RegExp(`grant to ${r('support')}`) }).textContent()).toContain(
      `${r('dee')}, ${r('eli')}`,
    );

    await page.getByLabel(/Reason/).fill('engineering needs <emails> for the migration');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('You approved this request: it is approved.').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Approval request approved');
    expect(await page.locator('table').last().textContent()).toContain('engineering needs <emails> for the migration');
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect((await store.getApproval(held[0]?.id as string))?.state).toBe('approved');

    await page.getByRole('link', { name: 'Audit', exact: true }).click();
    await page.waitForURL(`${server.url}/audit`);
    expect(await page.locator('#verify-status').textContent()).toMatch(/intact.*Ledger intact/s);
    const newest = page.locator('tbody tr').first();
    expect(await newest.textContent()).toContain('approval.approved');
    expect(await newest.textContent()).toContain('user:erin');
    expect(await newest.locator(`a[href="/approvals/${held[0]?.id}"]`).count()).toBe(1);

    // Signing out ends the session on the server: the old cookie opens nothing.
    const [session] = await context.cookies();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login$/);
    const replay = await fetch(`${server.url}/audit`, {
      headers: { cookie: `fb_session=${session?.value}` },
      redirect: 'manual',
    });
    expect(replay.status).toBe(303);
    expect(replay.headers.get('location')).toBe('/login?next=%2Faudit');
    await context.close();
  });

  it('refuses wrong tokens, agents, votes by a viewer (recorded in the ledger), and posts without the CSRF token', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, 'fbk_not-a-token');
    await page.getByText('That token is unknown or revoked.').waitFor();
    await signIn(page, tokens.helper as string);
    await page.getByText('An agent token cannot sign in to the dashboard').waitFor();
    expect(await context.cookies()).toEqual([expect.objectContaining({ name: 'fb_login' })]);

    await signIn(page, tokens.vera as string);
    await page.waitForURL(`${server.url}/`);
    const id = held[1]?.id as string;
    await page.goto(`${server.url}/approvals/${id}`);
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    await page.getByText('A viewer token may read this request but not approve or deny it.').waitFor();

    // Posting the form anyway, with a valid session and CSRF token, is refused and recorded.
    const viewerVote = await post(page, `/approvals/${id}/vote`, {
      csrf: await csrfOf(page),
      verdict: 'approve',
      reason: 'looks fine',
    });
    expect(viewerVote.status).toBe(403);
    expect(viewerVote.text).toContain('Refused: a viewer token may not approve or deny changes.');
    expect((await store.ledger.tail(1))[0]).toMatchObject({
      kind: 'approval.refused',
      actor: 'user:vera',
      subject: id,
      data: { action: 'approve', code: 'forbidden' },
    });

    // An approver's session without its CSRF token, with another one, or from another site: refused, nothing recorded.
    const approver = await (await browser.newContext()).newPage();
    await signIn(approver, tokens.erin as string);
    await approver.waitForURL(`${server.url}/`);
    const csrf = await csrfOf(approver);
    const [head] = await store.ledger.tail(1);
    const forged = [
      await post(approver, `/approvals/${id}/vote`, { verdict: 'approve' }),
      await post(approver, `/approvals/${id}/vote`, { verdict: 'approve', csrf: await csrfOf(page) }),
      await post(approver, `/approvals/${id}/vote`, { verdict: 'approve', csrf }, { 'sec-fetch-site': 'cross-site' }),
    ];
    expect(forged.map((f) => f.status)).toEqual([403, 403, 403]);
    expect(forged[0]?.text).toContain('The form is not from this session');
    expect((await store.ledger.tail(1))[0]?.seq).toBe(head?.seq);
    expect((await store.getApproval(id))?.state).toBe('pending');

    // The same post with the token goes through: the refusals above were the CSRF defence, not something else.
    const denial = await post(approver, `/approvals/${id}/vote`, { verdict: 'deny', reason: 'too broad', csrf });
    expect(denial.status).toBe(303);
    expect((await store.getApproval(id))?.state).toBe('denied');
    await approver.context().close();
    await context.close();
  });
});
