import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase, uniquePrefix } from '../support/postgres.ts';

/** The text report of `firebreak check`: counts and verbs agree, one or many. */
const prefix = uniquePrefix('fbt');
const r = (name: string) => `${prefix}${name}`;
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase(`${prefix}db`);
  await database.client.query(`
    create role ${r('alice')} login; create role ${r('bob')} login; create role ${r('carol')} login;
    create schema app; grant usage on schema app to ${r('alice')}, ${r('bob')}, ${r('carol')};
    create table app.users (id int, email text); create table app.accounts (id int, email text);
    grant select on app.accounts to ${r('carol')};
  `);
}, 60_000);
afterAll(async () => {
  await database?.drop([prefix]);
});

async function check(stdin: string): Promise<string> {
  const result = await cli(['check', '--db', database.url, '--no-record', '--actor', 'user:dana'], { stdin });
  expect(result.stderr).toBe('');
  return result.stdout;
}

describe('firebreak check in text', () => {
  it('says one principal gains, in the singular', async () => {
    const out = await check(`GRANT SELECT ON app.users TO ${r('alice')};`);
    expect(out.split('\n')[0]).toBe(
      'REVIEW: this change by user:dana makes 1 table (pii) readable by 1 principal who could not read it.',
    );
    expect(out).toContain('  app.users (table · pii): 1 principal gains (1 full)\n');
  });

  it('leads with the powers a change gives, when it gives no read access', async () => {
    const out = await check(`ALTER ROLE ${r('alice')} REPLICATION;`);
    expect(out.split('\n')[0]).toBe(
      'REVIEW: this change by user:dana gives logins powers that reach past every privilege on data.',
    );
    expect(out).toContain(
      `person-grants-powers: dana would give logins powers that reach past every privilege on data: REPLICATION (copies the whole cluster): ${r('alice')}`,
    );
  });

  it('says several principals gain, in the plural', async () => {
    const out = await check(`GRANT SELECT ON app.users, app.accounts TO ${r('alice')}, ${r('bob')};`);
    expect(out.split('\n')[0]).toBe(
      'REVIEW: this change by user:dana makes 2 tables (pii) readable by 2 principals who could not read them.',
    );
    expect(out).toContain('  app.users (table · pii): 2 principals gain (2 full)\n');
  });

  it('says one principal loses, in the singular', async () => {
    const out = await check(`REVOKE SELECT ON app.accounts FROM ${r('carol')};`);
    expect(out.split('\n')[0]).toBe(
      'ALLOW: this change by user:dana only narrows access: 1 principal loses access to labelled data.',
    );
    expect(out).toContain('  app.accounts (table · pii): 1 principal loses (1 full)\n');
  });
});
