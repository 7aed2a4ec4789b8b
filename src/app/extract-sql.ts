import { findCodeSpans } from './extract-sql/inline-code.ts';
import { type CodeBlock, type Prose, scanMarkdown } from './extract-sql/markdown.ts';
import { readScript } from './extract-sql/psql-script.ts';
import { psqlPrompt, readTranscript } from './extract-sql/psql-transcript.ts';
import { scanShell } from './extract-sql/shell-block.ts';
import { isCommandMention, looksLikeSql } from './extract-sql/sql-words.ts';
import type { ExtractedSql, FoundSql, SqlSource } from './extract-sql/types.ts';

export type { ExtractedSql, SqlSource } from './extract-sql/types.ts';

/** Fence languages whose whole content is SQL (a psql script, or a psql transcript when it has prompts). */
// biome-ignore format: a word list reads best packed
const SQL_LANGUAGES: ReadonlySet<string> = new Set([
  'sql', 'postgresql', 'postgres', 'psql', 'pgsql', 'plpgsql', 'postgresql-console', 'postgres-console',
]);
/** Fence languages whose blocks are shell transcripts: prompts are stripped, lines without one are output. */
// biome-ignore format: a word list reads best packed
const CONSOLE_LANGUAGES: ReadonlySet<string> = new Set([
  'console', 'terminal', 'shell-session', 'shellsession', 'sh-session', 'bash-session', 'zsh-session',
]);
/** Fence languages scanned as shell scripts, or as SQL when their first word is a SQL command. */
// biome-ignore format: a word list reads best packed
const SHELL_LANGUAGES: ReadonlySet<string> = new Set([
  ...CONSOLE_LANGUAGES, '', 'sh', 'bash', 'shell', 'zsh', 'ksh', 'dash', 'text', 'txt', 'plaintext', 'plain',
]);

/** The language word of a fence's info string, as written: `sql` for `sql title=fix.sql`, `{.sql}`. */
function languageWord(info: string): string {
  return (info.split(/\s/, 1)[0] ?? '').replace(/^\{?\.?/, '').replace(/\}$/, '');
}

function fromSqlText(lines: readonly string[], firstLine: number, source: SqlSource): FoundSql[] {
  if (lines.some((line) => psqlPrompt(line) !== undefined)) {
    return readTranscript(lines, firstLine).pieces.map((piece) => ({ ...piece, source: 'psql-transcript' }));
  }
  return readScript(lines, firstLine).pieces.map((piece) => ({ ...piece, source }));
}

function fromCodeBlock(block: CodeBlock): ExtractedSql[] {
  const word = languageWord(block.info);
  const language = word.toLowerCase();
  const source = block.kind;
  let found: FoundSql[] = [];
  if (SQL_LANGUAGES.has(language)) {
    found = fromSqlText(block.lines, block.firstLine, source);
  } else if (SHELL_LANGUAGES.has(language)) {
    found = looksLikeSql(block.lines.join('\n'))
      ? fromSqlText(block.lines, block.firstLine, source)
      : scanShell(block.lines, block.firstLine, { console: CONSOLE_LANGUAGES.has(language) });
  }
  return word === '' ? found : found.map((sql) => ({ ...sql, language: word }));
}

/**
 * Inline code spans are extracted when they state a command (`GRANT x TO y;`), never when they only
 * name one (`ALTER ROLE`, `GRANT SELECT`); a span written as a one-line fence (```` ```sql GRANT … ``` ````)
 * counts, and spans that mention psql are scanned as shell.
 */
function fromProse(prose: Prose): ExtractedSql[] {
  return findCodeSpans(prose.lines, prose.firstLine).flatMap((span): ExtractedSql[] => {
    const text = span.text.trim();
    const [, word = '', body = ''] = /^(\S+)\s+([\s\S]*)$/.exec(text) ?? [];
    if (SQL_LANGUAGES.has(word.toLowerCase()) && looksLikeSql(body)) {
      return [{ sql: body, source: 'inline', line: span.line, language: word }];
    }
    if (looksLikeSql(text) && (text.endsWith(';') || !isCommandMention(text))) {
      return [{ sql: text, source: 'inline', line: span.line }];
    }
    return /\bpsql\b/.test(text) ? scanShell([text], span.line, { console: false }) : [];
  });
}

/**
 * Extracts the SQL that a Markdown answer asks its reader to run, in document order.
 *
 * Code blocks (fenced or indented, inside block quotes and list items too) in a SQL language are
 * SQL; blocks in a shell language, or with no language, are SQL when their first word is a SQL
 * command and are otherwise scanned for psql invocations (`-c`, heredocs, pipes). Inline code
 * spans count when they state a SQL command. Prose outside code never counts. psql
 * meta-commands are removed; `\c db` starts a new piece whose `database` is `db`.
 * See docs/review.md for every rule and its limits.
 *
 * @example
 * extractSql('Run this:\n\n```sql\nGRANT pg_read_all_data TO engineering;\n```\n');
 * // [{ sql: 'GRANT pg_read_all_data TO engineering;', source: 'fenced', line: 4, language: 'sql' }]
 */
export function extractSql(markdown: string): ExtractedSql[] {
  return scanMarkdown(markdown).flatMap((block) => (block.kind === 'prose' ? fromProse(block) : fromCodeBlock(block)));
}
