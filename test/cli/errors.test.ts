import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.ts';
import { SERVER_URL, urlFor } from '../support/postgres.ts';
import { testTmp } from '../support/store.ts';

function oneLine(text: string) {
  expect(text.endsWith('\n')).toBe(true);
  expect(text.trimEnd().split('\n')).toHaveLength(1);
  expect(text).not.toMatch(/\bat .*\.(ts|js):\d+/);
}

function configDir(yaml: string): string {
  const dir = mkdtempSync(join(testTmp(), 'firebreak-cli-'));
  writeFileSync(join(dir, 'firebreak.yaml'), yaml);
  return dir;
}

describe('bad input gets one line naming the problem and a non-zero exit', () => {
  it('an unreachable database', async () => {
    const result = await cli(['exposure', '--db', 'postgres://postgres@127.0.0.1:1/test']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('firebreak exposure: cannot reach PostgreSQL at 127.0.0.1:1 (ECONNREFUSED)\n');
  });

  it('a role the server does not know, without ever printing the password', async () => {
    const result = await cli(['exposure', '--db', 'postgres://no_such_role_fb:s3cret-pw@127.0.0.1:5432/test']);
    expect(result.code).toBe(2);
    oneLine(result.stderr);
    expect(result.stderr).toMatch(/refused user "no_such_role_fb"/);
    expect(result.stderr).not.toContain('s3cret-pw');
  });

  it('a database that does not exist', async () => {
    const result = await cli(['exposure', '--db', urlFor('no_such_database_fb')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/database "no_such_database_fb" does not exist/);
  });

  it('a URL that is not a PostgreSQL URL', async () => {
    const result = await cli(['exposure', '--db', 'mysql://localhost/x']);
    expect(result).toMatchObject({
      code: 2,
      stderr: 'firebreak exposure: the database URL must start with postgres:// (got mysql://)\n',
    });
  });

  it('a malformed glob or label, before any connection is made', async () => {
    const glob = await cli(['exposure', '--db', 'postgres://postgres@127.0.0.1:1/test', '--label', 'pii=hr.[ab']);
    expect(glob).toMatchObject({ code: 2, stderr: 'firebreak exposure: label pii: glob "hr.[ab": unclosed "["\n' });
    const label = await cli(['exposure', '--db', SERVER_URL, '--label', 'nolabel']);
    expect(label.code).toBe(2);
    expect(label.stderr).toMatch(/must look like NAME=GLOB/);
    const name = await cli(['exposure', '--db', SERVER_URL, '--label', 'Bad Name=x.*']);
    expect(name.stderr).toMatch(/not a valid label name/);
  });

  it('unknown options, missing arguments, both or neither of --db and --system', async () => {
    expect((await cli(['exposure', '--bogus'])).stderr).toMatch(
      /Unknown option '--bogus'.*see firebreak exposure --help/,
    );
    expect((await cli(['explain', 'alice'])).stderr).toBe(
      'firebreak explain: missing RESOURCE (see firebreak explain --help)\n',
    );
    const both = await cli(['exposure', '--db', SERVER_URL, '--system', 'x']);
    expect(both).toMatchObject({
      code: 2,
      stderr: 'firebreak exposure: name the system with exactly one of --db URL or --system NAME\n',
    });
    expect((await cli(['exposure'])).code).toBe(2);
    expect((await cli(['exposure', '--db', SERVER_URL, '--format', 'xml'])).stderr).toMatch(
      /--format must be one of table, json/,
    );
    expect((await cli(['frobnicate'])).stderr).toMatch(/unknown command "frobnicate"/);
  });

  it('a configuration file with a syntax error, an unknown field, or a password written inline', async () => {
    const syntax = await cli(['exposure', '--system', 'w'], { cwd: configDir('systems:\n  w: [unclosed\n') });
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(/firebreak\.yaml:\d+:\d+: /);
    oneLine(syntax.stderr);
    const unknown = await cli(['exposure', '--system', 'w'], {
      cwd: configDir('systems:\n  w:\n    kind: postgres\n    url: env:X\n    colour: blue\n'),
    });
    expect(unknown.stderr).toMatch(/firebreak\.yaml:3: Unrecognized key: "colour" at systems\.w/);
    const secret = await cli(['exposure', '--system', 'w'], {
      cwd: configDir('systems:\n  w:\n    kind: postgres\n    url: postgres://u:hunter2@localhost/db\n'),
    });
    expect(secret.code).toBe(2);
    expect(secret.stderr).toMatch(/contains a password; put it in an environment variable/);
    expect(secret.stderr).not.toContain('hunter2');
  });

  it('a system missing from the configuration, or an unset environment variable', async () => {
    const dir = configDir('systems:\n  warehouse:\n    kind: postgres\n    url: env:FB_TEST_UNSET_URL\n');
    const missing = await cli(['exposure', '--system', 'other'], { cwd: dir });
    expect(missing.stderr).toMatch(/no system "other" in .*firebreak\.yaml \(systems: warehouse\)/);
    const unset = await cli(['exposure', '--system', 'warehouse'], { cwd: dir });
    expect(unset).toMatchObject({
      code: 2,
      stderr: 'firebreak exposure: system warehouse: environment variable FB_TEST_UNSET_URL is not set\n',
    });
    const noConfig = await cli(['exposure', '--system', 'warehouse'], {
      cwd: mkdtempSync(join(testTmp(), 'firebreak-empty-')),
    });
    expect(noConfig.stderr).toMatch(/no configuration file/);
  });

  it('a server option out of range, before anything is opened', async () => {
    for (const [flag, value] of [
      ['--port', '70000'],
      ['--token-cache', '61'],
      ['--token-cache', '-1'],
      ['--token-cache', 'soon'],
    ] as const) {
      const result = await cli(['serve', flag, value]);
      expect(result.code, `${flag} ${value}`).toBe(2);
      oneLine(result.stderr);
      expect(result.stderr).toContain(flag);
    }
  });
});

describe('help', () => {
  it('every command has --help, and the main help lists them', async () => {
    const main = await cli(['--help']);
    expect(main.code).toBe(0);
    for (const command of ['exposure', 'explain', 'check', 'review', 'demo']) {
      expect(main.stdout).toContain(`  ${command}`);
      const help = await cli([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: firebreak ${command}`));
    }
  });
});
