import { decodeAnsiC } from './ansi-c.ts';
import { isPsqlWord, parsePsqlArguments } from './psql-command.ts';
import { readScript, type ScriptResult } from './psql-script.ts';
import { isQuitLine, psqlPrompt, readTranscript } from './psql-transcript.ts';
import { lexShell, type ShellCommand, type ShellWord } from './shell-lexer.ts';
import { splitLines, withDatabase } from './text-lines.ts';
import type { FoundSql, SqlSource } from './types.ts';

/** How to read a shell block. */
export interface ShellScanOptions {
  /** A console transcript (`console`, `terminal`…): `#` is a prompt, and lines without one are output. */
  readonly console: boolean;
  /** How many shell strings deep this block is (`su -c "…"` inside `bash -c '…'`); scanning stops at 4. */
  readonly depth?: number;
}

/** A shell prompt: `$ `, or in consoles also `# ` and `% `, optionally after `(venv)`, `[user@host dir]` or `user@host:~/dir`. */
const CONSOLE_PROMPT =
  /^[ \t]*(?:\([^)\n]{0,80}\)[ \t]*)?(?:\[[^\]\n]{0,200}\]|[\w.-]+@[\w.-]+(?::[^\s$#%]*)?|~[^\s$#%]*)?[$#%](?:[ \t]|$)/;
const SCRIPT_PROMPT = /^[ \t]*\$(?:[ \t]|$)/;
const MENTIONS_PSQL = /\bpsql\b/;
const MAX_DEPTH = 4;
const SQL_FILE = /\.(?:sql|psql|pgsql)$/i;

/**
 * Finds the SQL a shell block runs through psql: `-c` strings, heredocs and here-strings on psql's
 * input, `echo`/`printf`/`cat` piped into psql, heredocs written to a file psql runs, psql
 * transcripts (`db=#`), and, recursively, shell strings that mention psql (`su -c "psql …"`,
 * `bash -c`, `ssh host '…'`). Shell prompts are stripped first.
 */
export function scanShell(lines: readonly string[], firstLine: number, options: ShellScanOptions): FoundSql[] {
  const found: FoundSql[] = [];
  const prompt = options.console ? CONSOLE_PROMPT : SCRIPT_PROMPT;
  const promptLengths = lines.map((line) => (psqlPrompt(line) ? -1 : (prompt.exec(line)?.[0].length ?? -1)));
  const outputMode = options.console && promptLengths.some((length) => length >= 0);
  const skip = lines.map(() => outputMode);
  const transcript = lines.map(() => false);
  const stripped = [...lines];
  let continues = false;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? '';
    const length = promptLengths[index] ?? -1;
    if (psqlPrompt(line)) {
      let end = index;
      while (end + 1 < lines.length && (promptLengths[end + 1] ?? -1) < 0 && !isQuitLine(lines[end] ?? '')) end++;
      const segment = lines.slice(index, end + 1);
      for (let i = index; i <= end; i++) [skip[i], transcript[i]] = [true, true];
      push(found, readTranscript(segment, firstLine + index), 'psql-transcript');
      index = end;
      continues = false;
    } else if (length >= 0) {
      stripped[index] = line.slice(length);
      skip[index] = false;
      continues = true;
    } else if (outputMode && continues && /^>(?: |$)/.test(line)) {
      stripped[index] = line.slice(2);
      skip[index] = false;
    } else {
      continues = false;
    }
  }
  const depth = options.depth ?? 0;
  interpret(lexShell(stripped.join('\n'), { firstLine, skipLine: (index) => skip[index] ?? false }), found, depth);
  // Console output is not a command, but pasting the block would run it: a line that calls psql is
  // read on its own, so that its quotes cannot swallow the lines after it.
  lines.forEach((line, index) => {
    if (outputMode && skip[index] && !transcript[index] && MENTIONS_PSQL.test(line)) {
      interpret(lexShell(line, { firstLine: firstLine + index }), found, depth);
    }
  });
  return found.sort((a, b) => a.line - b.line);
}

function push(found: FoundSql[], result: ScriptResult, source: SqlSource): void {
  for (const piece of result.pieces) found.push({ ...piece, source });
}

type Variables = ReadonlyMap<string, ShellWord>;

/** Values of `NAME=value` commands (`export`, `readonly`, `local` and `declare` too), the last one winning. */
function assignments(commands: readonly ShellCommand[]): Variables {
  const variables = new Map<string, ShellWord>();
  for (const command of commands) {
    const words = command.words.filter(
      (w, i) => !(i === 0 && /^(?:export|readonly|local|declare|typeset)$/.test(w.value)),
    );
    if (words.length === 0 || !words.every((w) => /^[A-Za-z_]\w*=/.test(w.value))) continue;
    for (const word of words) {
      const equals = word.value.indexOf('=');
      variables.set(word.value.slice(0, equals), { value: word.value.slice(equals + 1), line: word.line });
    }
  }
  return variables;
}

/** A word that is exactly `$NAME` or `${NAME}` stands for the value assigned to NAME, where that is known. */
function resolve(word: ShellWord, variables: Variables): ShellWord {
  const match = /^\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))$/.exec(word.value.trim());
  return variables.get(match?.[1] ?? match?.[2] ?? '') ?? word;
}

function interpret(commands: readonly ShellCommand[], found: FoundSql[], depth: number): void {
  const variables = assignments(commands);
  const readers = new Map<string, string | undefined>();
  const psqlCommands = commands.flatMap((command) => {
    const at = command.words.findIndex(isPsqlWord);
    if (at < 0) return [];
    const invocation = parsePsqlArguments(command.words.slice(at + 1), command.words.slice(0, at));
    const read = (path: string) => readers.set(path, invocation.database);
    for (const action of invocation.actions) if (action.kind === 'file') read(action.path);
    for (const input of command.stdin) if (input.kind === 'file') read(input.path);
    const producer = command.pipedFrom;
    if (producer && commandName(producer) === 'cat') for (const word of producer.words.slice(1)) read(word.value);
    return [{ command, invocation }];
  });

  const written = new Set(commands.flatMap((command) => writtenHeredocFile(command) ?? []));
  for (const { command, invocation } of psqlCommands) {
    let database = invocation.database;
    const line = command.words.find(isPsqlWord)?.line ?? 0;
    const unseen = (path: string, sql: string) => {
      if (!written.has(path)) found.push(withDatabase(unseenFile(path, sql, line), database));
    };
    for (const action of invocation.actions) {
      if (action.kind === 'file') {
        if (action.path !== '-') unseen(action.path, `psql -f ${action.path}`);
        continue;
      }
      const word = resolve(action.word, variables);
      if (word.value.startsWith('\\')) {
        const result = readScript(splitLines(word.value), word.line, database);
        push(found, result, 'psql-c');
        database = result.database;
      } else if (word.value.trim() !== '') {
        found.push(withDatabase({ sql: word.value.trim(), source: 'psql-c' as const, line: word.line }, database));
      }
    }
    for (const input of command.stdin) {
      if (input.kind !== 'text') continue;
      const text = resolve({ value: input.text, line: input.line }, variables);
      push(found, readScript(splitLines(text.value), text.line, database), 'psql-heredoc');
    }
    // psql reads its standard input as a script only without -c and -f, or with -f -.
    const readsStdin = invocation.actions.every((a) => a.kind === 'file' && a.path === '-');
    for (const input of command.stdin) {
      if (input.kind === 'file' && readsStdin && input.path !== '/dev/null') unseen(input.path, `psql < ${input.path}`);
    }
    const producer = command.pipedFrom;
    const produced = producer && producedText(producer, variables);
    if (produced) {
      push(found, readScript(splitLines(produced.text), produced.line, database), 'psql-pipe');
    } else if (producer && readsStdin) {
      const files = commandName(producer) === 'cat' ? producer.words.slice(1).map((w) => w.value) : [];
      if (files.length > 0) for (const file of files) unseen(file, `cat ${file} | psql`);
      else found.push(withDatabase(unseenOutput(producer, line), database));
    }
  }

  for (const command of commands) {
    const file = writtenFile(command);
    const heredoc = command.stdin.find((input) => input.kind === 'text');
    if (file !== undefined && heredoc?.kind === 'text' && (SQL_FILE.test(file) || readers.has(file))) {
      push(found, readScript(splitLines(heredoc.text), heredoc.line, readers.get(file)), 'psql-file-heredoc');
    }
    if (depth >= MAX_DEPTH || command.words.some(isPsqlWord)) continue;
    const nested = (text: string, line: number) => {
      for (const sql of scanShell(splitLines(text), line, { console: false, depth: depth + 1 })) found.push(sql);
    };
    // A word that is itself a script calling psql: `su -c "psql …"`, `bash -c '…'`, `ssh host "…"`.
    for (const word of command.words) {
      if (!word.substitutes && /\s/.test(word.value) && MENTIONS_PSQL.test(word.value)) nested(word.value, word.line);
    }
    for (const input of command.stdin) {
      if (input.kind === 'text' && file === undefined && MENTIONS_PSQL.test(input.text)) nested(input.text, input.line);
    }
  }
}

/** A file psql runs whose content the answer does not show: an opaque piece. */
function unseenFile(path: string, sql: string, line: number): FoundSql {
  const reason = `psql runs the file ${path}, whose content is not in the answer; not analysed`;
  return { sql, source: 'psql-file', line, opaque: reason };
}

/** A command whose output is piped into psql and cannot be known (`curl …`, `pg_dump …`): an opaque piece. */
function unseenOutput(producer: ShellCommand, line: number): FoundSql {
  const name = commandName(producer);
  const shown = producer.words.map((w) => w.value).join(' ');
  const sql = `${shown.length > 200 ? `${shown.slice(0, 200)}…` : shown} | psql`;
  return {
    sql,
    source: 'psql-pipe',
    line,
    opaque: `psql runs what ${name || 'a command'} writes to it, which is not in the answer; not analysed`,
  };
}

/** The file a heredoc is written to (`cat > f <<EOF`, `tee f <<EOF`), whose content is then known. */
function writtenHeredocFile(command: ShellCommand): string | undefined {
  return command.stdin.some((input) => input.kind === 'text') ? writtenFile(command) : undefined;
}

function commandName(command: ShellCommand): string {
  const first = command.words.find((word) => !/^\w+=/.test(word.value))?.value ?? '';
  return first.length > 256 ? '' : first.slice(first.lastIndexOf('/') + 1);
}

/** The file a command writes its input to: `cat > f`, `cat >> f`, `tee f`. */
function writtenFile(command: ShellCommand): string | undefined {
  const name = commandName(command);
  if (name === 'tee') return command.words.slice(1).find((w) => !w.value.startsWith('-'))?.value;
  return name === 'cat' && command.words.length === 1 ? command.outputs[0] : undefined;
}

/** What `echo`, `printf` or `cat <<EOF` writes to a pipe, when it can be known. */
function producedText(
  command: ShellCommand,
  variables: Variables,
): { readonly text: string; readonly line: number } | undefined {
  const name = commandName(command);
  const first = command.words.findIndex((w) => !/^\w+=/.test(w.value));
  const args = command.words.slice(first + 1).map((word) => resolve(word, variables));
  const line = args[0]?.line ?? command.words[first]?.line ?? 0;
  if (name === 'cat' || name === 'tee') {
    const input = command.stdin.find((source) => source.kind === 'text');
    return input?.kind === 'text' && args.every((w) => w.value === '-') ? input : undefined;
  }
  if (name === 'echo') {
    const flags = args.findIndex((w) => !/^-[neE]+$/.test(w.value));
    const words: readonly ShellWord[] = flags < 0 ? [] : args.slice(flags);
    const escapes = args.slice(0, flags < 0 ? args.length : flags).some((w) => w.value.includes('e'));
    const text = words.map((w) => w.value).join(' ');
    return { text: escapes ? decodeAnsiC(text) : text, line };
  }
  if (name === 'printf') {
    const [format, ...values] = args[0]?.value === '--' ? args.slice(1) : args;
    if (format === undefined) return undefined;
    let next = 0;
    const text = format.value.replace(/%%|%[sb]/g, (m) => (m === '%%' ? '%' : (values[next++]?.value ?? '')));
    return { text: decodeAnsiC(text), line: format.line };
  }
  return undefined;
}
