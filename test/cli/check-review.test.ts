import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase, uniquePrefix } from '../support/postgres.ts';
import { testTmp } from '../support/store.ts';

const prefix = uniquePrefix('fbk');
const r = (name: string) => `${prefix}${name}`;
let database: TestDatabase;
let dir: string;

beforeAll(async () => {
  database = await createTestDatabase(`${prefix}db`);
  await database.client.query(`
    create role ${r('engineering')}; create role ${r('alice')} login; create role ${r('bob')} login;
    create role ${r('pii_readers')}; create role ${r('carol')} login;
    grant ${r('engineering')} to ${r('alice')}, ${r('bob')}; grant ${r('pii_readers')} to ${r('carol')};
    create schema app; grant usage on schema app to ${r('engineering')};
    create table app.users (id int, email text, full_name text);
    create table app.metrics (day date, value int);
    grant select on app.metrics to ${r('engineering')};
  `);
  dir = mkdtempSync(join(testTmp(), 'firebreak-check-'));
});
afterAll(async () => {
  await database.drop([prefix]);
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('firebreak check', () => {
  it('denies an agent whose change exposes labelled data, blast radius first, exit code 4', async () => {
    const result = await cli(['check', '--db', database.url, '--actor', 'agent:helper'], {
      stdin: `GRANT pg_read_all_data TO ${r('engineering')};`,
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(4);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(
      'DENY: this change by agent:helper makes 1 table (pii) readable by 2 principals who could not read it.',
    );
    expect(result.stdout).toContain(`app.users (table · pii): 2 principals gain (2 full)`);
    expect(result.stdout).toContain(
      `via member of ${r('engineering')} → pg_read_all_data (predefined role pg_read_all_data): ${r('alice')}, ${r('bob')}`,
    );
    expect(result.stdout).toMatch(
      /deny\s+agent-exposes-labelled-data: agent helper would give new principals read access/,
    );
  });

  it('sends the same change by a person to review (exit 3), and prints the documented JSON', async () => {
    const result = await cli([
      'check',
      file('fix.sql', `-- fix\nGRANT SELECT ON app.users TO ${r('engineering')};\n`),
      '--db',
      database.url,
      '--actor',
      'user:dana',
      '--format',
      'json',
    ]);
    expect(result.code).toBe(3);
    const report = JSON.parse(result.stdout);
    expect(report.decision).toBe('review');
    expect(report.reasons).toEqual([
      expect.objectContaining({ rule: 'person-exposes-labelled-data', decision: 'review' }),
    ]);
    expect(report.statements).toEqual([
      expect.objectContaining({
        index: 1,
        sql: `GRANT SELECT ON app.users TO ${r('engineering')}`,
        effect: 'edits',
        origin: 'fix.sql:2',
      }),
    ]);
    expect(report.gained).toEqual([
      expect.objectContaining({ resource: 'app.users', labels: ['pii'], principals: [r('alice'), r('bob')], count: 2 }),
    ]);
    expect(report.lost).toEqual([]);
    expect(report.summary).toMatchObject({ principalsGaining: 2, resourcesAffected: 1 });
  });

  it('allows a change that only narrows access (exit 0) and a read-only query', async () => {
    const narrow = await cli(['check', '--db', database.url, '--actor', 'agent:helper'], {
      stdin: `REVOKE SELECT ON app.metrics FROM ${r('engineering')};`,
    });
    expect(narrow.code).toBe(0);
    expect(narrow.stdout.split('\n')[0]).toBe(
      'ALLOW: this change by agent:helper gives no one new access to labelled data.',
    );
    const query = await cli(['check', '--db', database.url, '--actor', 'agent:helper'], {
      stdin: 'select count(*) from app.users',
    });
    expect(query.code).toBe(0);
  });

  it('sends opaque statements to review, naming them', async () => {
    const result = await cli(['check', '--db', database.url, '--actor', 'agent:helper'], {
      stdin: 'do $$ begin perform 1; end $$;',
    });
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(
      /review\s+opaque-statements: .*statement 1 \(a DO block runs code that cannot be analysed statically\)/,
    );
  });

  it('writes SARIF that locates each finding at its statement', async () => {
    const path = file('migration.sql', `select 1;\n\nGRANT SELECT ON app.users TO PUBLIC;\n`);
    const result = await cli(['check', path, '--db', database.url, '--actor', 'agent:ci', '--format', 'sarif']);
    expect(result.code).toBe(4);
    const sarif = JSON.parse(result.stdout);
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results).toEqual([
      expect.objectContaining({
        ruleId: 'agent-exposes-labelled-data',
        level: 'error',
        locations: [
          expect.objectContaining({
            physicalLocation: expect.objectContaining({
              artifactLocation: { uri: 'migration.sql' },
              region: expect.objectContaining({ startLine: 3 }),
            }),
          }),
        ],
      }),
    ]);
  });

  it('applies a policy file with an invariant', async () => {
    const policy = file(
      'policy.yaml',
      `version: 1\ndefault: review\nrules:\n  - name: fine\n    when: "true"\n    decision: allow\ninvariants:\n  - name: pii-readers-only\n    resources: "'pii' in resource.labels"\n    readers: "'${r('pii_readers')}' in reader.groups || reader.superuser"\n    decision: deny\n`,
    );
    const bad = await cli(['check', '--db', database.url, '--policy', policy], {
      stdin: `grant usage on schema app to ${r('bob')}; grant select on app.users to ${r('bob')}`,
    });
    expect(bad.code).toBe(4);
    expect(bad.stdout).toMatch(/deny\s+pii-readers-only:/);
    const fine = await cli(['check', '--db', database.url, '--policy', policy], {
      stdin: `grant usage on schema app to ${r('carol')}; grant select on app.users to ${r('carol')}`,
    });
    expect(fine.code).toBe(0);
  });

  it('analyses the change as the role --as names', async () => {
    const result = await cli(['check', '--db', database.url, '--as', r('alice'), '--format', 'json'], {
      stdin: 'create table app.notes (body text)',
    });
    expect(JSON.parse(result.stdout).actingAs).toBe(r('alice'));
  });

  it('refuses bad input with exit code 2 and never allows it', async () => {
    const syntax = await cli(['check', '--db', database.url], { stdin: 'select 1;\ngrant select on app.users to' });
    expect(syntax).toMatchObject({
      code: 2,
      stderr: 'firebreak check: stdin:2:29: syntax error: syntax error at end of input\n',
    });
    const unknown = await cli(['check', '--db', database.url], { stdin: 'grant select on app.users to nobody_fb' });
    expect(unknown.stderr).toBe('firebreak check: stdin:1:1: role "nobody_fb" does not exist\n');
    const empty = await cli(['check', '--db', database.url], { stdin: '-- nothing\n' });
    expect(empty).toMatchObject({ code: 2, stderr: 'firebreak check: the change has no SQL statements\n' });
    const huge = await cli(['check', '--db', database.url], { stdin: 'x'.repeat(1_000_001) });
    expect(huge.stderr).toBe('firebreak check: standard input is larger than the limit of 1000000 characters\n');
    const actor = await cli(['check', '--db', database.url, '--actor', 'robot'], { stdin: 'select 1' });
    expect(actor.stderr).toBe('firebreak check: actor "robot" must be agent:NAME or user:NAME\n');
    const as = await cli(['check', '--db', database.url, '--as', 'nobody_fb'], { stdin: 'select 1' });
    expect(as.stderr).toMatch(/role "nobody_fb" does not exist/);
  });
});

describe('firebreak review', () => {
  it("checks the SQL of a forum answer as one change and gives the answer's verdict", async () => {
    const answer = file(
      'answer.md',
      [
        'You are missing read permissions. Run this:',
        '',
        '```sql',
        `GRANT pg_read_all_data TO ${r('engineering')};`,
        '```',
        '',
        'Then check with:',
        '',
        '```bash',
        `psql -c "select count(*) from app.users"`,
        '```',
      ].join('\n'),
    );
    const result = await cli([
      'review',
      answer,
      '--db',
      database.url,
      '--actor',
      'agent:forum-helper',
      '--format',
      'json',
    ]);
    expect(result.code).toBe(4);
    const report = JSON.parse(result.stdout);
    expect(report.statements.map((s: { origin: string; effect: string }) => `${s.origin} ${s.effect}`)).toEqual([
      'answer.md:4 edits',
      'answer.md:10 read-only',
    ]);
    expect(report.summary.principalsGaining).toBe(2);
  });

  it('allows an answer with no SQL in it', async () => {
    const result = await cli(['review', file('prose.md', 'Just restart the service.'), '--db', database.url]);
    expect(result).toMatchObject({
      code: 0,
      stdout: `ALLOW: ${join(dir, 'prose.md')} asks the reader to run no SQL.\n`,
    });
    const sarif = await cli(['review', join(dir, 'prose.md'), '--db', database.url, '--format', 'sarif']);
    expect(sarif.code).toBe(0);
    expect(JSON.parse(sarif.stdout)).toMatchObject({ version: '2.1.0', runs: [{ results: [] }] });
    const json = await cli(['review', join(dir, 'prose.md'), '--db', database.url, '--format', 'json']);
    expect(JSON.parse(json.stdout)).toEqual({ answer: join(dir, 'prose.md'), decision: 'allow', statements: [] });
  });
});
