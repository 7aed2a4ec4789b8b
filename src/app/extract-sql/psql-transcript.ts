import { createScriptReader, type ScriptResult } from './psql-script.ts';
import { isCommandTag } from './sql-words.ts';

/**
 * psql's default prompts, `%/%R%x%# ` (https://www.postgresql.org/docs/current/app-psql.html#APP-PSQL-PROMPTING):
 * the database, then `=` (`^`, `!`) on a new statement or `-` `'` `"` `$` `(` `*` on a continuation,
 * an optional transaction mark, then `#` (superuser) or `>`.
 */
const PSQL_PROMPT = /^[ \t]*([\p{L}\p{N}_.$-]+?)([=^!\-'"$(*])[*!?]?[#>](?:[ \t]|$)/u;

/** The parts of a psql prompt at the start of a line, if there is one. */
export function psqlPrompt(
  line: string,
): { readonly database: string; readonly newStatement: boolean; readonly length: number } | undefined {
  const match = PSQL_PROMPT.exec(line);
  if (match === null) return undefined;
  return { database: match[1] ?? '', newStatement: /[=^!]/.test(match[2] ?? ''), length: match[0].length };
}

/** Whether a transcript line ends the psql session (`\q`). */
export function isQuitLine(line: string): boolean {
  const prompt = psqlPrompt(line);
  return /^\s*\\q(?:uit)?\s*$/.test(prompt === undefined ? line : line.slice(prompt.length));
}

/** Lines psql prints: row counts, table borders, expanded-record headers, server messages, banners. */
const OUTPUT =
  /^(?:\(\d+ rows?\)|-\[ RECORD \d+ \][-+]*|[-+]+|(?:ERROR|WARNING|NOTICE|HINT|DETAIL|INFO|DEBUG|LOG|CONTEXT|QUERY|STATEMENT|FATAL|PANIC|LINE \d+):.*|psql \(.*|Type "help" for help\.|You are now connected .*|SSL connection .*|Password.*:|(?:Expanded display|Timing|Null display|Output format|Border style|Pager usage) is .*)$/;

/**
 * Whether a line without a prompt, outside any statement, is psql output: blank, a command tag, one
 * of the OUTPUT forms, or a table row (it starts with blank space or holds ` | `) without a `;`.
 */
function isOutput(line: string): boolean {
  const text = line.trim();
  if (text === '' || isCommandTag(text) || OUTPUT.test(text)) return true;
  return !line.includes(';') && (/^[ \t]/.test(line) || line.includes(' | '));
}

/**
 * Reads a psql session transcript: the SQL typed after prompts, continuation prompts included.
 * A line without a prompt continues an unfinished statement (people drop continuation prompts
 * when they write transcripts by hand; psql prints nothing before a statement ends). Otherwise it
 * is dropped when it looks like psql output, and kept when it does not: pasting the block would
 * send it, and keeping a line that was output only costs a review.
 */
export function readTranscript(lines: readonly string[], firstLine: number): ScriptResult {
  const reader = createScriptReader();
  lines.forEach((line, index) => {
    const prompt = psqlPrompt(line);
    if (prompt !== undefined) {
      if (prompt.newStatement && !reader.isPending()) reader.connect(prompt.database);
      reader.feed(line.slice(prompt.length), firstLine + index);
    } else if (reader.isPending() || !isOutput(line)) {
      reader.feed(line, firstLine + index);
    }
  });
  return reader.finish();
}
