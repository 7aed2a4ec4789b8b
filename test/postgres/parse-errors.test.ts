import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPostgresSnapshot } from '../../src/connectors/postgres/index.ts';
import { interpretSql } from '../../src/connectors/postgres/interpret/index.ts';
import type { Snapshot } from '../../src/core/index.ts';
import { cli } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase, uniquePrefix } from '../support/postgres.ts';

/**
 * What the parser's view of a script means for `firebreak check`: its syntax errors and its
 * statement texts never repeat a password from the change, and names written with Unicode escapes
 * (`U&"…"`) name what PostgreSQL resolves them to.
 */
const prefix = uniquePrefix('fbp');
const reader = `${prefix}reader`;
let database: TestDatabase;
let snapshot: Snapshot;

beforeAll(async () => {
  database = await createTestDatabase(`${prefix}db`);
  await database.client.query(`
    create role ${reader} login;
    create schema hr; create table hr.notes (body text); create table hr."n\\006Ftes" (body text);
  `);
  snapshot = await readPostgresSnapshot(database.client, database.name);
}, 60_000);
afterAll(async () => {
  await database?.drop([prefix]);
});

async function syntaxError(sql: string) {
  const result = await interpretSql(snapshot, sql, 'postgres');
  if (result.ok) throw new Error(`expected a syntax error for ${sql}`);
  return result.error;
}

describe('a syntax error never repeats a string from the change', () => {
  it('replaces an unterminated string by a placeholder, keeping where it starts', async () => {
    expect(await syntaxError("ALTER ROLE a3_alice PASSWORD 'hunter2")).toEqual({
      message: `syntax error: unterminated quoted string at or near "'…'"`,
      line: 1,
      column: 30,
    });
    expect(await syntaxError("select 1;\nALTER ROLE a3_alice ENCRYPTED PASSWORD E'hunter2\nmore")).toEqual({
      message: `syntax error: unterminated quoted string at or near "E'…'"`,
      line: 2,
      column: 40,
    });
    expect((await syntaxError('CREATE ROLE x PASSWORD $pw$hunter2')).message).toBe(
      'syntax error: unterminated dollar-quoted string at or near "$pw$…$pw$"',
    );
  });

  it('replaces a complete string that is the offending token', async () => {
    expect(await syntaxError("CREATE ROLE x PASSWORD 'a' 'hunter2';")).toEqual({
      message: `syntax error: syntax error at or near "'…'"`,
      line: 1,
      column: 28,
    });
    expect((await syntaxError("CREATE ROLE x PASSWORD 'a' U&'hunter2';")).message).toBe(
      `syntax error: syntax error at or near "U&'…'"`,
    );
  });

  it('replaces the strings in the rest of the script that an unterminated comment or name swallows', async () => {
    expect((await syntaxError("select 1; /* note\nALTER ROLE y PASSWORD 'hunter2';")).message).toBe(
      `syntax error: unterminated /* comment at or near "/* note\nALTER ROLE y PASSWORD '…'"`,
    );
    expect((await syntaxError(`CREATE ROLE "x; ALTER ROLE y PASSWORD 'hunter2';`)).message).toBe(
      `syntax error: unterminated quoted identifier at or near ""x; ALTER ROLE y PASSWORD '…'"`,
    );
  });

  it('keeps the offending token when it is not a string, even after a password', async () => {
    expect(await syntaxError("CREATE ROLE x PASSWORD 'hunter2' WITH WITH;")).toEqual({
      message: 'syntax error: syntax error at or near "WITH"',
      line: 1,
      column: 34,
    });
    expect((await syntaxError("ALTER ROLE x PASSWORD 'hunter2' FOOBAR;")).message).toBe(
      'syntax error: unrecognized role option "foobar"',
    );
  });

  it('firebreak check prints neither the password nor any other part of the string', async () => {
    for (const stdin of [
      "ALTER ROLE a3_alice PASSWORD 'hunter2",
      "ALTER ROLE x PASSWORD 'hunter2' FOOBAR;",
      "CREATE ROLE x PASSWORD 'hunter2' WITH WITH;",
      "CREATE ROLE x PASSWORD 'a' 'hunter2';",
    ]) {
      const result = await cli(['check', '--db', database.url, '--no-record'], { stdin });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^firebreak check: stdin:1:\d+: syntax error: /);
      expect(result.stderr).not.toMatch(/hunter|unter2/);
    }
  });
});

describe('a statement is reported without its password', () => {
  it('even with a comment between PASSWORD and the string', async () => {
    const result = await interpretSql(
      snapshot,
      `ALTER ROLE ${reader} PASSWORD /* new */ 'hunter2';\nALTER ROLE ${reader} PASSWORD -- new\n E'hunter2'`,
      'postgres',
    );
    if (!result.ok) throw new Error(result.error.message);
    expect(result.statements.map((s) => s.sql)).toEqual([
      `ALTER ROLE ${reader} PASSWORD /* new */ '********'`,
      `ALTER ROLE ${reader} PASSWORD -- new\n '********'`,
    ]);
  });
});

describe('names written with Unicode escapes are the names PostgreSQL resolves', () => {
  /** The relations the statement grants on, as PostgreSQL and as Firebreak see them. */
  async function grantedOn(statement: string): Promise<{ postgres: string[]; firebreak: string[] }> {
    const client = database.client;
    await client.query('begin');
    let postgres: string[];
    try {
      await client.query(statement);
      const rows = await client.query<{ name: string }>(
        `select format('%I.%I', 'hr', relname) as name from pg_class
          where relnamespace = 'hr'::regnamespace and relacl is not null order by 1`,
      );
      postgres = rows.rows.map((row) => row.name);
    } finally {
      await client.query('rollback');
    }
    const result = await interpretSql(snapshot, statement, 'postgres');
    if (!result.ok) throw new Error(result.error.message);
    const firebreak = result.statements
      .flatMap((s) => s.edits)
      .flatMap((e) => (e.kind === 'add-grant' ? [result.after.resourceById.get(e.grant.resource)?.name ?? '?'] : []))
      .sort();
    return { postgres, firebreak };
  }

  it.each([
    ['\\XXXX escapes', String.raw`GRANT SELECT ON U&"hr".U&"n\006Ftes" TO ${reader}`, 'hr.notes'],
    [
      'a UESCAPE character and a \\+XXXXXX escape',
      `GRANT SELECT ON u&"hr".U&"n!006F!+000074es" UESCAPE '!' TO ${reader}`,
      'hr.notes',
    ],
    // U& applies to one quoted name: the second is an ordinary one, backslash and all.
    ['U& on the schema only', String.raw`GRANT SELECT ON U&"hr"."n\006Ftes" TO ${reader}`, String.raw`hr."n\006Ftes"`],
    [
      'a doubled escape character, and an escaped role',
      String.raw`GRANT SELECT ON U&"hr".U&"n\\006Ftes" TO U&"${reader.replace('r', '\\0072')}"`,
      String.raw`hr."n\006Ftes"`,
    ],
  ])('%s: grants on what PostgreSQL grants on', async (_case, statement, relation) => {
    expect(await grantedOn(statement)).toEqual({ postgres: [relation], firebreak: [relation] });
  });

  it('refuses an invalid escape as PostgreSQL does', async () => {
    expect(await syntaxError(String.raw`GRANT SELECT ON U&"hr".U&"n\zzzz" TO x`)).toMatchObject({
      message: 'syntax error: invalid Unicode escape',
    });
  });
});
