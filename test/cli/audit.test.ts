import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase, uniquePrefix } from '../support/postgres.ts';
import { prepareDataDirectory } from '../support/store.ts';

const prefix = uniquePrefix('fba');
const r = (name: string) => `${prefix}${name}`;
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase(`${prefix}db`);
  await database.client.query(`
    create role ${r('engineering')}; create role ${r('alice')} login;
    grant ${r('engineering')} to ${r('alice')};
    create schema app; grant usage on schema app to ${r('engineering')};
    create table app.users (id int, email text);
  `);
});
afterAll(async () => {
  await database.drop([prefix]);
});

const GRANT = `grant select on app.users to ${r('engineering')};`;

describe('recording decisions and the audit command', () => {
  it('records each check before printing it, and audit tail, export and verify show the chain', async () => {
    const env = { FIREBREAK_DATA: await prepareDataDirectory() };
    const denied = await cli(['check', '--db', database.url, '--actor', 'agent:helper', '--format', 'json'], {
      env,
      stdin: GRANT,
    });
    expect(denied.code).toBe(4);
    const report = JSON.parse(denied.stdout);
    expect(report.changeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(report.recorded).toEqual({ decision: expect.any(String), ledgerEntry: 2 });
    const allowed = await cli(['check', '--db', database.url, '--actor', 'agent:helper'], { env, stdin: 'select 1' });
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/Recorded as decision [0-9a-f-]{36} \(audit ledger entry 3\)/);

    const tail = await cli(['audit', 'tail', '--format', 'json'], { env });
    const entries = tail.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(entries.map((e) => [e.seq, e.kind, e.actor])).toEqual([
      [1, 'ledger.opened', 'firebreak'],
      [2, 'decision', 'agent:helper'],
      [3, 'decision', 'agent:helper'],
    ]);
    expect(entries[1]).toMatchObject({
      subject: report.recorded.decision,
      data: { decision: 'deny', inputHash: report.changeHash },
    });

    const ocsf = await cli(['audit', 'export', '--format', 'ocsf', '--kind', 'decision'], { env });
    const events = ocsf.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      class_uid: 6003,
      category_uid: 6,
      type_uid: 600399,
      severity_id: 3,
      metadata: { uid: entries[1].hash, sequence: 2, product: { name: 'Firebreak' } },
      actor: { user: { name: 'helper' } },
    });

    const verified = await cli(['audit', 'verify'], { env });
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^Ledger intact: 3 entries, head entry 3/);
  });

  it('exits 5 and names the entry when the store was tampered with', async () => {
    const env = { FIREBREAK_DATA: await prepareDataDirectory() };
    for (const actor of ['agent:a', 'agent:b', 'agent:c'])
      await cli(['check', '--db', database.url, '--actor', actor], { env, stdin: GRANT });
    const db = await PGlite.create(join(env.FIREBREAK_DATA, 'store', 'pgdata'));
    await db.exec(`alter table firebreak.ledger disable trigger user;
      update firebreak.ledger set entry = replace(entry, '"deny"', '"allow"') where seq = 3;`);
    await db.close();
    const verified = await cli(['audit', 'verify', '--format', 'json'], { env });
    expect(verified.code).toBe(5);
    expect(JSON.parse(verified.stdout).findings[0]).toMatchObject({ code: 'entry_modified', seq: 3 });
    const text = await cli(['audit', 'verify'], { env });
    expect(text.stdout.split('\n')[0]).toBe('Ledger TAMPERED: 1 problem; the first at entry 3.');
  });

  it('fails closed when the store is down: no verdict, exit 1, unless told not to record', async () => {
    const env = {
      FIREBREAK_STORE_URL: 'postgres://postgres@127.0.0.1:1/firebreak',
      FIREBREAK_DATA: await prepareDataDirectory(),
    };
    const down = await cli(['check', '--db', database.url, '--actor', 'agent:helper'], { env, stdin: 'select 1' });
    expect(down.code).toBe(1);
    expect(down.stdout).toBe('');
    expect(down.stderr).toMatch(
      /^firebreak check: the store at postgres:\/\/postgres@127\.0\.0\.1:1\/firebreak is unavailable/,
    );
    const unrecorded = await cli(['check', '--db', database.url, '--actor', 'agent:helper', '--no-record'], {
      env,
      stdin: 'select 1',
    });
    expect(unrecorded.code).toBe(0);
    expect(unrecorded.stdout).toMatch(/Not recorded \(--no-record\)\./);
  });

  it('refuses bad audit input with exit code 2', async () => {
    const env = { FIREBREAK_DATA: await prepareDataDirectory() };
    expect((await cli(['audit', 'rewrite'], { env })).stderr).toMatch(/unknown audit action "rewrite"/);
    expect((await cli(['audit', 'tail', '--limit', 'ten'], { env })).code).toBe(2);
    expect((await cli(['audit', 'export', '--format', 'text'], { env })).stderr).toMatch(/writes jsonl or ocsf/);
    const missing = await cli(['audit', 'verify', '--data', join(env.FIREBREAK_DATA, 'elsewhere')], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no store in .*elsewhere/);
  });
});
