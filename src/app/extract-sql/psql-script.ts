import { databaseFrom } from './conninfo.ts';
import { gexecReason, hiddenExecution } from './psql-meta.ts';
import { withDatabase } from './text-lines.ts';

/** SQL that psql sends, in one database, with the Markdown line it starts on. */
export interface ScriptPiece {
  readonly sql: string;
  readonly line: number;
  readonly database?: string;
  /** Why psql runs more than `sql` shows here (`\gexec`, `\i file`, `\! cmd`): the piece cannot be analysed. */
  readonly opaque?: string;
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

/** Text of a piece as it was appended: its Markdown line, and whether it holds SQL (not only comments). */
interface Chunk {
  readonly text: string;
  readonly line: number;
  readonly code: boolean;
}

/** The piece that chunks make: trimmed SQL and its first line, or undefined when they hold no SQL. */
function pieceOf(chunks: readonly Chunk[]): { readonly sql: string; readonly line: number } | undefined {
  const first = chunks.find((chunk) => /\S/.test(chunk.text));
  if (first === undefined || !chunks.some((chunk) => chunk.code)) return undefined;
  return {
    sql: chunks
      .map((chunk) => chunk.text)
      .join('')
      .trim(),
    line: first.line,
  };
}

/** Splits chunks at an offset of their joined text. */
function splitChunks(chunks: readonly Chunk[], offset: number): [Chunk[], Chunk[]] {
  const before: Chunk[] = [];
  const after: Chunk[] = [];
  let at = 0;
  for (const chunk of chunks) {
    const cut = Math.min(Math.max(offset - at, 0), chunk.text.length);
    if (cut > 0)
      before.push({
        ...chunk,
        text: chunk.text.slice(0, cut),
        code: chunk.code && /\S/.test(chunk.text.slice(0, cut)),
      });
    if (cut < chunk.text.length)
      after.push({ ...chunk, text: chunk.text.slice(cut), code: chunk.code && /\S/.test(chunk.text.slice(cut)) });
    at += chunk.text.length;
  }
  return [before, after];
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
  let chunks: Chunk[] = [];
  /** Length of the piece's text so far, and where its last complete statement ends in it. */
  let length = 0;
  let statementEnd = 0;
  let mode: Mode = 'sql';
  let dollarTag = '';
  let commentDepth = 0;
  let parens = 0;
  let open = false;
  let statementWords: string[] = [];
  let copyData = false;

  const append = (text: string, line: number, code: boolean) => {
    if (text === '') return;
    chunks.push({ text, line, code: code && /\S/.test(text) });
    length += text.length;
  };
  /** Opaque pieces met inside an unfinished statement, which psql keeps in its buffer around them. */
  let deferred: ScriptPiece[] = [];
  const endPiece = () => {
    const piece = pieceOf(chunks);
    if (piece !== undefined) pieces.push(withDatabase(piece, database));
    pieces.push(...deferred);
    [chunks, length, statementEnd, deferred] = [[], 0, 0, []];
  };
  /** A meta-command that runs what the answer does not show: a piece of its own, after the SQL before it. */
  const opaquePiece = (sql: string, line: number, reason: string) => {
    const piece = withDatabase({ sql, line, opaque: reason }, database);
    if (open) {
      deferred.push(piece);
    } else {
      endPiece();
      pieces.push(piece);
    }
  };
  /**
   * `\gexec` sends the statement in the buffer (or, when it is empty, the previous query again) and
   * runs each value of its output as SQL: that statement is code whose effect is unknown. The
   * complete statements before it stay an ordinary piece.
   */
  const runOutput = (command: string, line: number) => {
    const [before, current] = splitChunks(chunks, statementEnd);
    const query = pieceOf(current);
    chunks = before;
    endPiece();
    if (query === undefined) opaquePiece(command, line, gexecReason(true));
    else opaquePiece(`${query.sql} ${command}`, query.line, gexecReason(false));
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

  /** Handles the meta-command at `text[at]` on Markdown line `line`; returns where the SQL resumes. */
  const meta = (text: string, at: number, line: number): number => {
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
    const hidden = hiddenExecution(name, args);
    const command = text.slice(at, end).trim();
    if (name === 'gexec') {
      endStatement();
      runOutput(command, line);
    } else if (SENDING.has(name)) {
      endStatement();
      endPiece();
      if (hidden !== undefined) opaquePiece(command, line, hidden);
    } else if (hidden !== undefined) {
      opaquePiece(command, line, hidden);
    } else if (name === 'c' || name === 'connect') {
      const target = metaArguments(args).find((a) => !a.startsWith('-reuse-previous'));
      const named = target === undefined ? undefined : databaseFrom(target);
      if (named !== undefined) connect(named);
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
          from = at = meta(text, at, line);
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
          // The text from `from` is appended after the chunks so far, so the `;` ends at this offset.
          statementEnd = length + at - from;
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
