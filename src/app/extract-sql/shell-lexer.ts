import { decodeAnsiC } from './ansi-c.ts';
import { lineLocator } from './text-lines.ts';

/** A shell word after quote removal; parameter expansions and substitutions stay as written. */
export interface ShellWord {
  readonly value: string;
  /** Markdown line of the word's first non-blank character. */
  readonly line: number;
  /** Whether it holds a `$(…)` or backquoted command, whose commands the lexer returns separately. */
  readonly substitutes?: boolean;
}

/** What a command reads on standard input: a heredoc or here-string body, or a file. */
export type StdinSource =
  | { readonly kind: 'text'; readonly text: string; readonly line: number }
  | { readonly kind: 'file'; readonly path: string };

/** A simple command with its redirections, and the command piped into it. */
export interface ShellCommand {
  readonly words: readonly ShellWord[];
  readonly stdin: readonly StdinSource[];
  /** Files its standard output is redirected to. */
  readonly outputs: readonly string[];
  readonly pipedFrom?: ShellCommand;
}

/** Where shell text sits in the Markdown, and which of its lines to leave alone. */
export interface LexOptions {
  /** Markdown line of the text's first line. */
  readonly firstLine: number;
  /** Lines (0-based) that are not commands (console output); skipped where a command would start. */
  readonly skipLine?: (index: number) => boolean;
  /** Backquote nesting, bounded so that hostile input cannot exhaust the stack. */
  readonly depth?: number;
}

interface Build {
  words: ShellWord[];
  stdin: StdinSource[];
  outputs: string[];
  pipedFrom?: Build;
}

interface PendingHeredoc {
  readonly delimiter: string;
  readonly stripTabs: boolean;
  readonly expand: boolean;
  readonly target: Build | undefined;
}

interface WordBuffer {
  value: string;
  first: number;
  substitutes: boolean;
}

const MAX_DEPTH = 8;
const ENDS_WORD = new Set([' ', '\t', '\n', ';', '&', '|', '(', ')', '<', '>']);
const REDIRECTION = /<<<|<<-|<<|<>|<&|<|>>|>\||>&|&>>|&>|>/y;
const DOUBLE_QUOTE_ESCAPES = new Set(['$', '`', '"', '\\']);
const UNQUOTED_SPECIAL = new Set([...ENDS_WORD, '\\', "'", '"', '$', '`']);

/**
 * Splits shell text into simple commands, following POSIX/bash quoting
 * (https://www.gnu.org/software/bash/manual/bash.html#Quoting): single quotes are literal, double
 * quotes keep backslash only before `$` `` ` `` `"` `\` and newline, `$'…'` decodes ANSI-C escapes,
 * backslash-newline joins lines, heredoc bodies follow the line that asks for them. Commands inside
 * `$(…)` and backquotes are returned too. Never throws: an unterminated quote ends at the end of
 * its line, an unterminated heredoc at the end of the text.
 */
export function lexShell(text: string, options: LexOptions): ShellCommand[] {
  const lineOf = lineLocator(text, options.firstLine);
  const depth = options.depth ?? 0;
  const commands: ShellCommand[] = [];
  const pending: PendingHeredoc[] = [];
  let pos = 0;
  // Recovering from an unterminated quote re-reads text; this bounds the re-reading to keep lexing linear.
  let rereadBudget = 2 * text.length;
  let nesting = 0;

  const put = (word: WordBuffer, part: string, at: number) => {
    if (word.first < 0) {
      const blank = part.search(/\S/);
      if (blank >= 0) word.first = at + blank;
    }
    word.value += part;
  };
  /** The end of the run of ordinary characters at `from` (at least one character). */
  const runEnd = (from: number, special: ReadonlySet<string>) => {
    let end = from + 1;
    while (end < text.length && !special.has(text[end] ?? '')) end++;
    return end;
  };
  const lineEnd = (from: number) => {
    const end = text.indexOf('\n', from);
    return end === -1 ? text.length : end;
  };
  const skipNonCommandLines = () => {
    const skip = options.skipLine;
    while (skip !== undefined && pos < text.length && skip(lineOf(pos) - options.firstLine)) pos = lineEnd(pos) + 1;
  };

  const readHeredocs = () => {
    for (const heredoc of pending.splice(0)) {
      const body: string[] = [];
      const line = lineOf(pos);
      while (pos < text.length) {
        const end = lineEnd(pos);
        const raw = text.slice(pos, end);
        pos = end + 1;
        const content = heredoc.stripTabs ? raw.replace(/^\t+/, '') : raw;
        if (content.trimEnd() === heredoc.delimiter) break;
        body.push(content);
      }
      const joined = body.length === 0 ? '' : `${body.join('\n')}\n`;
      const bodyText = heredoc.expand
        ? joined.replace(/\\([$`\\\n])/g, (_, c: string) => (c === '\n' ? '' : c))
        : joined;
      heredoc.target?.stdin.push({ kind: 'text', text: bodyText, line });
    }
  };

  const nested = (inner: string, at: number) => {
    if (depth >= MAX_DEPTH) return;
    for (const command of lexShell(inner, { firstLine: lineOf(at), depth: depth + 1 })) commands.push(command);
  };

  /** Skips `$((…))` or `${…}` or a too-deep `$(…)`, counting brackets. */
  const skipBalanced = (word: WordBuffer, openChar: string, closeChar: string) => {
    const start = pos;
    let level = 0;
    do {
      const c = text[pos];
      if (c === openChar) level++;
      else if (c === closeChar) level--;
      pos++;
    } while (pos < text.length && level > 0);
    put(word, text.slice(start, pos), start);
  };

  /** `$(…)`, `<(…)` or `>(…)`: the commands inside are lexed too; `$((…))` is arithmetic. */
  const substitution = (word: WordBuffer) => {
    const start = pos;
    if ((text[pos] === '$' && text[pos + 2] === '(') || depth + nesting >= MAX_DEPTH) {
      put(word, text[pos] ?? '', pos);
      pos++;
      skipBalanced(word, '(', ')');
      return;
    }
    pos += 2;
    nesting++;
    parseList(true);
    nesting--;
    put(word, text.slice(start, pos), start);
    word.substitutes = true;
  };

  const backquote = (word: WordBuffer) => {
    const start = pos;
    let end = pos + 1;
    while (end < text.length && text[end] !== '`') end += text[end] === '\\' ? 2 : 1;
    const closed = end < text.length;
    if (!closed) end = lineEnd(start);
    nested(text.slice(start + 1, end).replace(/\\([`$\\])/g, '$1'), start + 1);
    pos = closed ? end + 1 : end;
    put(word, text.slice(start, pos), start);
    word.substitutes = true;
  };

  const doubleQuoted = (word: WordBuffer) => {
    const open = pos;
    const [valueBefore, commandsBefore, pendingBefore] = [word.value, commands.length, pending.length];
    pos++;
    while (pos < text.length) {
      const c = text[pos] ?? '';
      const next = text[pos + 1] ?? '';
      if (c === '"') {
        pos++;
        return;
      }
      if (c === '$' && next === '(') {
        substitution(word);
      } else if (c === '$' && next === '{') {
        skipBalanced(word, '{', '}');
      } else if (c === '`') {
        backquote(word);
      } else if (c === '\\' && (next === '\n' || DOUBLE_QUOTE_ESCAPES.has(next))) {
        put(word, next === '\n' ? '' : next, pos + 1);
        pos += 2;
      } else {
        const end = runEnd(pos, DOUBLE_QUOTE_ESCAPES);
        put(word, text.slice(pos, end), pos);
        pos = end;
      }
    }
    const resume = lineEnd(open);
    rereadBudget -= text.length - resume;
    if (rereadBudget < 0) return;
    commands.length = commandsBefore;
    pending.length = pendingBefore;
    word.value = valueBefore;
    pos = resume;
    put(word, text.slice(open + 1, pos), open + 1);
  };

  const readWord = (): ShellWord & { readonly raw: string } => {
    const start = pos;
    const word: WordBuffer = { value: '', first: -1, substitutes: false };
    while (pos < text.length) {
      const c = text[pos] ?? '';
      const next = text[pos + 1] ?? '';
      if (ENDS_WORD.has(c) && !(pos === start && (c === '<' || c === '>') && next === '(')) break;
      if (c === '\\') {
        if (next !== '\n') put(word, next, pos + 1);
        pos += 2;
      } else if (c === "'") {
        const close = text.indexOf("'", pos + 1);
        const end = close === -1 ? lineEnd(pos) : close;
        put(word, text.slice(pos + 1, end), pos + 1);
        pos = close === -1 ? end : end + 1;
      } else if (c === '$' && next === "'") {
        let close = pos + 2;
        while (close < text.length && text[close] !== "'") close += text[close] === '\\' ? 2 : 1;
        const end = close >= text.length ? lineEnd(pos) : close;
        put(word, decodeAnsiC(text.slice(pos + 2, end)), pos + 2);
        pos = close >= text.length ? end : end + 1;
      } else if (c === '"' || (c === '$' && next === '"')) {
        pos += c === '$' ? 1 : 0;
        doubleQuoted(word);
      } else if ((c === '$' || c === '<' || c === '>') && next === '(') {
        substitution(word);
      } else if (c === '$' && next === '{') {
        skipBalanced(word, '{', '}');
      } else if (c === '`') {
        backquote(word);
      } else {
        const end = runEnd(pos, UNQUOTED_SPECIAL);
        put(word, text.slice(pos, end), pos);
        pos = end;
      }
    }
    pos = Math.min(pos, text.length);
    const line = lineOf(word.first < 0 ? start : word.first);
    return { value: word.value, raw: text.slice(start, pos), line, ...(word.substitutes ? { substitutes: true } : {}) };
  };

  const redirect = (command: Build, fd: number | undefined) => {
    REDIRECTION.lastIndex = pos;
    const operator = REDIRECTION.exec(text)?.[0] ?? '>';
    pos += operator.length;
    while (text[pos] === ' ' || text[pos] === '\t') pos++;
    if (pos >= text.length || ENDS_WORD.has(text[pos] ?? '')) return;
    const target = readWord();
    const input = operator.startsWith('<') && (fd ?? 0) === 0 ? command : undefined;
    if (operator === '<<' || operator === '<<-') {
      pending.push({
        delimiter: target.value,
        stripTabs: operator === '<<-',
        expand: !/['"\\]/.test(target.raw),
        target: input,
      });
    } else if (operator === '<<<') {
      input?.stdin.push({ kind: 'text', text: `${target.value}\n`, line: target.line });
    } else if (operator === '<') {
      input?.stdin.push({ kind: 'file', path: target.value });
    } else if (operator.includes('>') && (fd ?? 1) === 1 && !/^(?:\d+|-)$/.test(target.value)) {
      command.outputs.push(target.value);
    }
  };

  function parseList(inSubstitution: boolean): void {
    let command: Build | undefined;
    let pipedFrom: Build | undefined;
    let parens = 0;
    const current = (): Build => {
      if (command === undefined) {
        command = { words: [], stdin: [], outputs: [], ...(pipedFrom ? { pipedFrom } : {}) };
        commands.push(command);
        pipedFrom = undefined;
      }
      return command;
    };
    const end = (pipe: boolean) => {
      pipedFrom = pipe ? command : undefined;
      command = undefined;
    };
    if (!inSubstitution) skipNonCommandLines();
    while (pos < text.length) {
      const c = text[pos] ?? '';
      const next = text[pos + 1] ?? '';
      if (c === ' ' || c === '\t' || (c === '\\' && next === '\n')) {
        pos += c === '\\' ? 2 : 1;
      } else if (c === '\n') {
        pos++;
        readHeredocs();
        if (command !== undefined) end(false);
        if (!inSubstitution && pipedFrom === undefined) skipNonCommandLines();
      } else if (c === '#') {
        pos = lineEnd(pos);
      } else if (c === '|') {
        pos += next === '|' || next === '&' ? 2 : 1;
        end(next !== '|');
      } else if (c === '<' || c === '>' || (c === '&' && next === '>')) {
        if (next === '(' && c !== '&') current().words.push(readWord());
        else redirect(current(), undefined);
      } else if (c === ';' || c === '&' || c === '(' || c === ')') {
        if (c === ')' && parens === 0 && inSubstitution) {
          pos++;
          return;
        }
        parens += c === '(' ? 1 : c === ')' ? -1 : 0;
        pos += (c === ';' || c === '&') && next === c ? 2 : 1;
        end(false);
      } else {
        const word = readWord();
        if ((text[pos] === '<' || text[pos] === '>') && /^\d+$/.test(word.raw)) redirect(current(), Number(word.raw));
        else current().words.push(word);
      }
    }
    readHeredocs();
  }

  parseList(false);
  return commands;
}
