import { databaseFrom } from './conninfo.ts';
import type { ShellWord } from './shell-lexer.ts';

/** A `-c`/`--command` string or a `-f`/`--file` path, in the order psql runs them. */
export type PsqlAction =
  | { readonly kind: 'command'; readonly word: ShellWord }
  | { readonly kind: 'file'; readonly path: string };

/** What a psql command line asks for. */
export interface PsqlInvocation {
  readonly actions: readonly PsqlAction[];
  /** From `-d`/`--dbname`, else the first positional argument, else `PGDATABASE=`. */
  readonly database?: string;
}

/** psql's options and whether each takes an argument (`psql --help`, PostgreSQL 17). */
const SHORT_WITH_ARGUMENT = new Set(['c', 'd', 'f', 'F', 'h', 'L', 'o', 'p', 'P', 'R', 'T', 'U', 'v']);
// biome-ignore format: an option table reads best packed
const LONG_OPTIONS: ReadonlyMap<string, boolean> = new Map([
  ['command', true], ['dbname', true], ['file', true], ['field-separator', true], ['host', true],
  ['log-file', true], ['output', true], ['port', true], ['pset', true], ['record-separator', true],
  ['set', true], ['table-attr', true], ['username', true], ['variable', true],
  ['csv', false], ['echo-all', false], ['echo-errors', false], ['echo-hidden', false], ['echo-queries', false],
  ['expanded', false], ['field-separator-zero', false], ['help', false], ['html', false], ['list', false],
  ['no-align', false], ['no-password', false], ['no-psqlrc', false], ['no-readline', false], ['password', false],
  ['quiet', false], ['record-separator-zero', false], ['single-line', false], ['single-step', false],
  ['single-transaction', false], ['tuples-only', false], ['version', false],
]);

/** Whether a word names the psql program (`psql`, `/usr/bin/psql`). */
export function isPsqlWord(word: ShellWord): boolean {
  const value = word.value;
  const name = value.endsWith('.exe') ? value.slice(-8) : value.slice(-4);
  const before = value[value.length - name.length - 1];
  return (name === 'psql' || name === 'psql.exe') && (before === undefined || before === '/');
}

/** A long option's full name: exact, or the one option it abbreviates, as getopt_long allows. */
function longOption(name: string): string | undefined {
  if (LONG_OPTIONS.has(name)) return name;
  const candidates = [...LONG_OPTIONS.keys()].filter((option) => option.startsWith(name));
  return candidates.length === 1 ? candidates[0] : undefined;
}

/**
 * Parses the arguments after `psql` as getopt_long does: clustered short options (`-tAc SQL`),
 * attached or separate option arguments, `--long=value`, abbreviated long options, `--`, and
 * positional arguments anywhere (the first names the database). `environment` is the words before
 * `psql` (`PGDATABASE=app psql`, `docker exec -e PGDATABASE=app`).
 */
export function parsePsqlArguments(args: readonly ShellWord[], environment: readonly ShellWord[]): PsqlInvocation {
  const actions: PsqlAction[] = [];
  const positional: string[] = [];
  let dbname: string | undefined;
  const take = (option: string, value: ShellWord) => {
    if (option === 'c' || option === 'command') actions.push({ kind: 'command', word: value });
    else if (option === 'f' || option === 'file') actions.push({ kind: 'file', path: value.value });
    else if (option === 'd' || option === 'dbname') dbname = value.value;
  };
  for (let index = 0; index < args.length; index++) {
    const word = args[index] as ShellWord;
    const text = word.value;
    const nextWord = () => args[++index] ?? { value: '', line: word.line };
    if (text === '--') {
      positional.push(...args.slice(index + 1).map((w) => w.value));
      break;
    }
    if (text.startsWith('--')) {
      const equals = text.indexOf('=');
      const option = longOption(text.slice(2, equals === -1 ? undefined : equals));
      if (option === undefined || LONG_OPTIONS.get(option) !== true) continue;
      take(option, equals === -1 ? nextWord() : { value: text.slice(equals + 1), line: word.line });
    } else if (text.startsWith('-') && text.length > 1) {
      for (let at = 1; at < text.length; at++) {
        const option = text[at] ?? '';
        if (!SHORT_WITH_ARGUMENT.has(option)) continue;
        take(option, at + 1 < text.length ? { value: text.slice(at + 1), line: word.line } : nextWord());
        break;
      }
    } else {
      positional.push(text);
    }
  }
  const fromEnvironment = environment.findLast((w) => w.value.startsWith('PGDATABASE='));
  const target = dbname ?? positional[0] ?? fromEnvironment?.value.slice('PGDATABASE='.length);
  // A name built from a shell expansion (`-d "$DB"`) is unknown here.
  const database = target === undefined || /[$`]/.test(target) ? undefined : databaseFrom(target);
  return database === undefined ? { actions } : { actions, database };
}
