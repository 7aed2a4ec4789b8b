import { databaseFrom } from './conninfo.ts';
import { withDatabase } from './text-lines.ts';

/** SQL that psql sends, in one database, with the Markdown line it starts on. */
export interface ScriptPiece {
  readonly sql: string;
  readonly line: number;
  readonly database?: string;
}

/** What a script produced, and the database it left psql connected to. */
export interface ScriptResult {
  readonly pieces: readonly ScriptPiece[];
  readonly database: string | undefined;
}

/** Reads a psql script line by line (https://www.postgresql.org/docs/current/app-psql.html). */
export interface ScriptReader {
  /** Feeds one line, without its line ending, that sits on Markdown line `line`. */
  feed(text: string, line: number): void;
  /** Whether a statement, quoted string or comment is open, so the next line continues it. */
  isPending(): boolean;
  /** Ends the current piece and runs what follows in `database` (a transcript's prompt names it). */
  connect(database: string): void;
  finish(): ScriptResult;
}

type Mode = 'sql' | 'string' | 'escape-string' | 'identifier' | 'dollar' | 'comment' | 'copy-data';

/** Meta-commands that send the query buffer, as `;` does. */
const SENDING = new Set(['g', 'gx', 'gset', 'gexec', 'gdesc', 'crosstabview', 'watch']);
const IDENTIFIER_CHAR = /[\p{L}\p{N}_$]/u;
const IDENTIFIER = /[\p{L}_][\p{L}\p{N}_$]*/uy;
const DOLLAR_QUOTE = /\$(?:[\p{L}_][\p{L}\p{N}_]*)?\$/uy;
const META_NAME = /[A-Za-z][A-Za-z0-9]*[+!]*|[^\s]/y;

/**
 * Creates a reader that splits a psql script into the SQL it sends. It follows psql's lexer far
 * enough to know where quoted strings, comments and statements end; it drops meta-commands (`\c`,
 * `\x`, `\gset`…), records the database `\c`/`\connect` switches to, ends a piece at each switch
 * and at `\g`-like commands, and skips the data lines after `COPY … FROM STDIN` up to `\.`.
 */
export function createScriptReader(initialDatabase?: string): ScriptReader {
  let database = initialDatabase;
  const pieces: ScriptPiece[] = [];
  let chunks: string[] = [];
  let pieceLine: number | undefined;
  let hasCode = false;
  let mode: Mode = 'sql';
  let dollarTag = '';
  let commentDepth = 0;
  let parens = 0;
  let open = false;
  let statementWords: string[] = [];
  let copyData = false;

  const append = (text: string, line: number, code: boolean) => {
    if (text === '') return;
    if (pieceLine === undefined && /\S/.test(text)) pieceLine = line;
    hasCode ||= code && /\S/.test(text);
    chunks.push(text);
  };
  const endPiece = () => {
    const sql = chunks.join('').trim();
    if (hasCode && pieceLine !== undefined) pieces.push(withDatabase({ sql, line: pieceLine }, database));
    chunks = [];
    pieceLine = undefined;
    hasCode = false;
  };
  const endStatement = () => {
    const [first, ...rest] = statementWords;
    copyData ||= first === 'COPY' && rest.some((w, i) => w === 'FROM' && rest[i + 1] === 'STDIN');
    statementWords = [];
    open = false;
    parens = 0;
  };
  const connect = (name: string) => {
    endPiece();
    database = name;
  };

  /** Handles the meta-command at `text[at]`; returns where the SQL resumes. */
  const meta = (text: string, at: number): number => {
    META_NAME.lastIndex = at + 1;
    const name = META_NAME.exec(text)?.[0] ?? '';
    let end = at + 1 + name.length;
    if (name === ';') return end;
    const argsStart = end;
    let quote = '';
    for (; end < text.length; end++) {
      const c = text[end];
      if (quote !== '') {
        if (c === '\\' && quote === "'") end++;
        else if (c === quote) quote = '';
      } else if (c === "'" || c === '"' || c === '`') {
        quote = c;
      } else if (c === '\\' && text[end + 1] === '\\' && name !== '!') {
        break;
      }
    }
    const args = text.slice(argsStart, end);
    if (name === 'c' || name === 'connect') {
      const target = metaArguments(args).find((a) => !a.startsWith('-reuse-previous'));
      const named = target === undefined ? undefined : databaseFrom(target);
      if (named !== undefined) connect(named);
    } else if (SENDING.has(name)) {
      endStatement();
      endPiece();
    } else if (name === 'copy' && /\bfrom\s+p?stdin\b/i.test(args)) {
      copyData = true;
    }
    return end < text.length ? end + 2 : end;
  };

  const feedSql = (text: string, line: number) => {
    let at = 0;
    let from = 0;
    let code = false;
    while (at < text.length) {
      const c = text[at] ?? '';
      if (mode === 'string' || mode === 'identifier') {
        const quote = mode === 'string' ? "'" : '"';
        const close = text.indexOf(quote, at);
        if (close === -1) at = text.length;
        else if (text[close + 1] === quote) at = close + 2;
        else [at, mode] = [close + 1, 'sql'];
      } else if (mode === 'escape-string') {
        if (c === '\\') at += 2;
        else if (c === "'" && text[at + 1] === "'") at += 2;
        else [at, mode] = [at + 1, c === "'" ? 'sql' : mode];
      } else if (mode === 'dollar') {
        const close = text.indexOf(dollarTag, at);
        if (close === -1) at = text.length;
        else [at, mode] = [close + dollarTag.length, 'sql'];
      } else if (mode === 'comment') {
        if (text.startsWith('/*', at)) [at, commentDepth] = [at + 2, commentDepth + 1];
        else if (text.startsWith('*/', at)) [at, commentDepth] = [at + 2, commentDepth - 1];
        else at++;
        if (commentDepth === 0) mode = 'sql';
      } else {
        const afterIdentifier = at > 0 && IDENTIFIER_CHAR.test(text[at - 1] ?? '');
        if (c === '-' && text[at + 1] === '-') {
          append(text.slice(from, at), line, code);
          append(text.slice(at), line, false);
          from = at = text.length;
          continue;
        }
        if (c === '/' && text[at + 1] === '*') {
          [mode, commentDepth, at] = ['comment', 1, at + 2];
          continue;
        }
        if (c === '\\') {
          let end = at;
          while (end > from && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
          append(text.slice(from, end), line, code);
          // `\;` puts a semicolon in the query without sending it.
          if (text[at + 1] === ';') append(';', line, true);
          from = at = meta(text, at);
          continue;
        }
        if (c === "'") {
          const prefix = text[at - 1] ?? '';
          mode = /[Ee]/.test(prefix) && !IDENTIFIER_CHAR.test(text[at - 2] ?? '') ? 'escape-string' : 'string';
        } else if (c === '"') {
          mode = 'identifier';
        } else if (c === '$' && !afterIdentifier) {
          DOLLAR_QUOTE.lastIndex = at;
          const tag = DOLLAR_QUOTE.exec(text)?.[0];
          if (tag !== undefined) [mode, dollarTag, at] = ['dollar', tag, at + tag.length - 1];
        } else if (c === '(') {
          parens++;
        } else if (c === ')') {
          parens = Math.max(0, parens - 1);
        } else if (c === ';' && parens === 0) {
          at++;
          endStatement();
          continue;
        } else if (!afterIdentifier && IDENTIFIER_CHAR.test(c) && !/\d/.test(c)) {
          IDENTIFIER.lastIndex = at;
          const word = IDENTIFIER.exec(text)?.[0] ?? c;
          if (statementWords.length < 64) statementWords.push(word.toUpperCase());
          open = code = true;
          at += word.length;
          continue;
        }
        if (!/\s/.test(c)) open = code = true;
        at++;
      }
    }
    append(text.slice(from), line, code || (mode !== 'sql' && mode !== 'comment'));
    append('\n', line, false);
  };

  return {
    feed(text, line) {
      if (mode === 'copy-data') {
        if (text.trim() === '\\.') mode = 'sql';
        return;
      }
      feedSql(text, line);
      if (copyData && mode === 'sql') [mode, copyData] = ['copy-data', false];
    },
    isPending: () => open || (mode !== 'sql' && mode !== 'copy-data'),
    connect(name) {
      if (name !== database) connect(name);
    },
    finish() {
      endPiece();
      return { pieces, database };
    },
  };
}

/** Splits a meta-command's arguments into words, removing their quotes. */
function metaArguments(args: string): string[] {
  const words = args.match(/'(?:[^'\\]|\\.|'')*'|"(?:[^"]|"")*"|[^\s'"]+/g) ?? [];
  return words.map((w) =>
    /^['"]/.test(w) ? w.slice(1, -1).replace(/''|\\(.)/g, (_, c: string | undefined) => c ?? "'") : w,
  );
}

/** Reads a whole script given as lines that start on Markdown line `firstLine`. */
export function readScript(lines: readonly string[], firstLine: number, database?: string): ScriptResult {
  const reader = createScriptReader(database);
  lines.forEach((text, index) => {
    reader.feed(text, firstLine + index);
  });
  return reader.finish();
}
