import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.ts';
import { prepareDataDirectory } from '../support/store.ts';

describe('firebreak token', () => {
  it('creates a token shown once, lists tokens without secrets, and revokes them', async () => {
    const env = { FIREBREAK_DATA: await prepareDataDirectory(), USER: 'ops' };
    const created = await cli(['token', 'create', '--name', 'alice', '--role', 'approver'], { env });
    expect(created.code).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^fbk_[A-Za-z0-9_-]{43}$/);
    const id = /Token ([0-9a-f-]{36}) for alice \(approver\)/.exec(created.stderr)?.[1] as string;
    const listed = await cli(['token', 'list'], { env });
    expect(listed.stdout).toBe(`${id}  approver alice\n`);
    expect(listed.stdout).not.toContain(secret);
    expect((await cli(['token', 'revoke', id], { env })).stdout).toBe(`Revoked ${id} (alice, approver).\n`);
    expect((await cli(['token', 'list'], { env })).stdout).toMatch(/alice {2}\(revoked /);
    const audit = await cli(['audit', 'tail', '--format', 'json'], { env });
    const kinds = audit.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(kinds.slice(-2).map((e) => [e.kind, e.actor])).toEqual([
      ['token.created', 'user:ops'],
      ['token.revoked', 'user:ops'],
    ]);
  });

  it('refuses a bad role or name with exit code 2', async () => {
    const env = { FIREBREAK_DATA: await prepareDataDirectory() };
    const role = await cli(['token', 'create', '--name', 'x', '--role', 'god'], { env });
    expect(role).toMatchObject({
      code: 2,
      stderr: 'firebreak token: role "god" must be one of admin, approver, agent, viewer\n',
    });
    expect((await cli(['token', 'create', '--name', 'a b', '--role', 'viewer'], { env })).code).toBe(2);
    expect((await cli(['token', 'create', '--role', 'viewer'], { env })).code).toBe(2);
    expect((await cli(['token', 'revoke'], { env })).code).toBe(2);
  });
});
