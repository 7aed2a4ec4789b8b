/**
 * How a piece of SQL was found in an answer.
 *
 * - `fenced`, `indented`: the content of a code block judged to be SQL.
 * - `inline`: an inline code span that is a SQL statement.
 * - `psql-transcript`: typed at a psql prompt (`db=#`) in a transcript.
 * - `psql-c`: a `psql -c` / `--command` argument.
 * - `psql-heredoc`: a heredoc or here-string on psql's standard input.
 * - `psql-pipe`: produced by `echo`, `printf` or `cat <<EOF` and piped into psql.
 * - `psql-file-heredoc`: a heredoc written to a file (`cat > fix.sql <<EOF`) that psql runs or
 *   whose name ends in `.sql`.
 * - `psql-file`: a file psql runs (`-f`, `<`, `cat f |`) whose content the answer does not show;
 *   always opaque.
 */
export type SqlSource =
  | 'fenced'
  | 'indented'
  | 'inline'
  | 'psql-transcript'
  | 'psql-c'
  | 'psql-heredoc'
  | 'psql-pipe'
  | 'psql-file-heredoc'
  | 'psql-file';

/** One piece of SQL that an answer asks its reader to run. */
export interface ExtractedSql {
  /** The SQL as psql would send it, psql meta-commands removed, surrounding whitespace trimmed. */
  readonly sql: string;
  readonly source: SqlSource;
  /** 1-based line of the Markdown where the SQL starts (its first non-blank character). */
  readonly line: number;
  /** The language word of the enclosing fence's info string (`sql` for ```` ```sql title=x ````). */
  readonly language?: string;
  /**
   * The database the SQL runs in when the answer names one: `\c name`, `psql -d name`, a
   * positional name, a connection URI or conninfo string, `PGDATABASE=`, or a psql prompt.
   */
  readonly database?: string;
  /**
   * Present when psql would run more than `sql` shows, so the piece cannot be analysed: why
   * (`psql \\gexec runs the output of the query as SQL; not analysed`). `sql` is then what the
   * answer shows (`SELECT format(…) \\gexec`, `\\i fix.sql`, `psql -f fix.sql`), not SQL to parse.
   * A consumer must treat such a piece as unsafe, never skip it.
   */
  readonly opaque?: string;
}

/** A finding before the Markdown layer adds the fence's language. */
export type FoundSql = Omit<ExtractedSql, 'language'>;
