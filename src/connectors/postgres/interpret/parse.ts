import { hasSqlDetails, loadModule, type Node, parseSync, type RawStmt } from 'libpg-query';

/**
 * Parsing with the real PostgreSQL grammar (libpg-query: PostgreSQL 18's parser compiled to
 * WebAssembly). Locations from the parser are byte offsets into the UTF-8 text; they are turned
 * into string offsets, lines and columns here so that nothing else has to care.
 */
export interface ParsedStatement {
  /** 1-based position in the script. */
  readonly index: number;
  /** The statement's text as written (without the terminating semicolon). */
  readonly sql: string;
  /** 1-based line and column where the statement starts. */
  readonly line: number;
  readonly column: number;
  /** The statement node, e.g. `{ GrantStmt: {…} }`. */
  readonly node: Node;
}

export interface SyntaxProblem {
  readonly message: string;
  readonly line: number;
  readonly column: number;
}

let loaded: Promise<void> | undefined;

/** Loads the parser once per process (a few milliseconds); parsing is synchronous afterwards. */
export function loadParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

/** Splits and parses a script. Call {@link loadParser} first. */
export function parseScript(
  sql: string,
): { ok: true; statements: ParsedStatement[] } | { ok: false; error: SyntaxProblem } {
  let result: ReturnType<typeof parseSync>;
  // Nothing but whitespace and comments is a script without statements (the parser refuses it).
  if (leadingTrivia(sql) === sql.length) return { ok: true, statements: [] };
  try {
    result = parseSync(sql);
  } catch (error) {
    const offset = hasSqlDetails(error) ? (error.sqlDetails?.cursorPosition ?? 0) : 0;
    const { line, column } = lineAndColumn(sql, byteToCharOffset(sql, offset));
    const message = redactNearText(error instanceof Error ? error.message : String(error));
    return { ok: false, error: { message, line, column } };
  }
  const statements: ParsedStatement[] = [];
  const locate = createLocator(sql);
  for (const raw of result.stmts ?? []) {
    if (raw.stmt === undefined) continue;
    const { start, end } = textRange(sql, raw, locate);
    const { line, column } = locate.lineAndColumn(start);
    statements.push({ index: statements.length + 1, sql: sql.slice(start, end).trim(), line, column, node: raw.stmt });
  }
  return { ok: true, statements };
}

/**
 * The parser's message without the contents of any string it quotes. PostgreSQL's scanner reports
 * `MESSAGE at or near "TEXT"`, where TEXT is the offending token or, for an unterminated string,
 * quoted name or comment, the rest of the script; either may hold a password
 * (`ALTER ROLE a PASSWORD 'hunter2`). Everything in TEXT from the first `'` or `$tag$` on is
 * replaced by `'…'` or `$tag$…$tag$`: a string's `E`, `U&`, `X`, `B` or `N` prefix stays, and the
 * line and column still say where it is. A quote inside a comment or a quoted name is redacted
 * too, rather than lexing TEXT and risk leaking what follows it.
 */
function redactNearText(message: string): string {
  const marker = ' at or near "';
  const at = message.indexOf(marker);
  if (at < 0) return message;
  const near = message.slice(at + marker.length).replace(/"$/, '');
  // https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-DOLLAR-QUOTING
  const opener = /'|\$(?:[A-Za-z_\u0080-\uFFFF][A-Za-z0-9_\u0080-\uFFFF]*)?\$/.exec(near);
  if (opener === null) return message;
  const placeholder = opener[0] === "'" ? "'…'" : `${opener[0]}…${opener[0]}`;
  return `${message.slice(0, at + marker.length)}${near.slice(0, opener.index)}${placeholder}"`;
}

function textRange(sql: string, raw: RawStmt, locate: Locator): { start: number; end: number } {
  const startByte = raw.stmt_location ?? 0;
  // A statement length of 0 means "to the end of the text" (the last statement without a semicolon).
  const endByte = raw.stmt_len === undefined || raw.stmt_len === 0 ? undefined : startByte + raw.stmt_len;
  const start = locate.charOffset(startByte);
  const end = endByte === undefined ? sql.length : locate.charOffset(endByte);
  // The parser's range starts after the previous semicolon; skip the whitespace and comments before it.
  return { start: start + leadingTrivia(sql.slice(start, end)), end };
}

/** Length of the whitespace and comments that start `text`. */
function leadingTrivia(text: string): number {
  const match = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/.exec(text);
  return match?.[0].length ?? 0;
}

const encoder = new TextEncoder();

/** The string offset of a UTF-8 byte offset. */
export function byteToCharOffset(text: string, byteOffset: number): number {
  if (byteOffset <= 0) return 0;
  // Plain ASCII text has one byte per character.
  if (!/[^\p{ASCII}]/u.test(text)) return Math.min(byteOffset, text.length);
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    if (bytes >= byteOffset) return i;
    const code = text.codePointAt(i) ?? 0;
    bytes += encoder.encode(String.fromCodePoint(code)).length;
    if (code > 0xffff) i++;
  }
  return text.length;
}

export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

interface Locator {
  /** {@link byteToCharOffset} of the text. */
  charOffset(byteOffset: number): number;
  /** {@link lineAndColumn} of the text. */
  lineAndColumn(offset: number): { line: number; column: number };
}

/**
 * Positions in one text, for offsets that mostly grow (the statements of a script, in order): each
 * call continues from the previous one instead of scanning from the start, so that locating every
 * statement of a 40,000-statement script costs one pass over it, not one per statement.
 */
function createLocator(text: string): Locator {
  const ascii = !/[^\p{ASCII}]/u.test(text);
  let char = 0;
  let byte = 0;
  let line = 1;
  let lineStart = 0;
  let scanned = 0;
  return {
    charOffset(byteOffset) {
      if (ascii || byteOffset <= 0) return Math.max(0, Math.min(byteOffset, text.length));
      if (byteOffset < byte) {
        char = 0;
        byte = 0;
      }
      while (char < text.length && byte < byteOffset) {
        const code = text.codePointAt(char) ?? 0;
        byte += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
        char += code > 0xffff ? 2 : 1;
      }
      return char;
    },
    lineAndColumn(offset) {
      if (offset < scanned) {
        line = 1;
        lineStart = 0;
        scanned = 0;
      }
      for (; scanned < offset; scanned++)
        if (text.charCodeAt(scanned) === 10) {
          line++;
          lineStart = scanned + 1;
        }
      return { line, column: offset - lineStart + 1 };
    },
  };
}
