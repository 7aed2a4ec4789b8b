import { parseArgs } from 'node:util';
import { FirebreakError } from '../core/index.ts';
import type { CliIo } from './io.ts';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly description: string;
  readonly short?: string;
  readonly multiple?: boolean;
  /** Placeholder shown in help, e.g. URL. */
  readonly value?: string;
  /** Allowed values of a string option. */
  readonly choices?: readonly string[];
  readonly default?: string;
}

export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
  readonly required: boolean;
  readonly variadic?: boolean;
}

type OptionValue<S extends OptionSpec> = S['type'] extends 'boolean'
  ? boolean | undefined
  : S extends { readonly multiple: true }
    ? string[] | undefined
    : string | undefined;

export type OptionValues<O extends Record<string, OptionSpec>> = { readonly [K in keyof O]: OptionValue<O[K]> };

export interface Command<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  readonly name: string;
  readonly summary: string;
  readonly description?: string;
  readonly positionals: readonly PositionalSpec[];
  readonly options: O;
  readonly examples?: readonly string[];
  /** Runs the command; returns the exit code. Throws FirebreakError for expected failures. */
  run(
    input: { readonly positionals: readonly string[]; readonly options: OptionValues<O> },
    io: CliIo,
  ): Promise<number>;
}

/** Declares a command with typed options (an identity function that keeps the types). */
export function defineCommand<O extends Record<string, OptionSpec>>(command: Command<O>): Command<O> {
  return command;
}

const HELP: OptionSpec = { type: 'boolean', short: 'h', description: 'Show this help' };

/** Parses argv for a command, strictly: unknown options, missing values and bad choices are errors. */
export function parseCommandArgs<O extends Record<string, OptionSpec>>(
  command: Command<O>,
  argv: readonly string[],
): { help: true } | { help: false; positionals: string[]; options: OptionValues<O> } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean; default?: string }> =
    {};
  for (const [name, spec] of Object.entries({ ...command.options, help: HELP })) {
    options[name] = {
      type: spec.type,
      ...(spec.short === undefined ? {} : { short: spec.short }),
      ...(spec.multiple === true ? { multiple: true } : {}),
      ...(spec.default === undefined ? {} : { default: spec.default }),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new FirebreakError(
      'invalid_input',
      `${(error as Error).message.split('\n')[0]} (see firebreak ${command.name} --help)`,
    );
  }
  if (parsed.values.help === true) return { help: true };
  for (const [name, spec] of Object.entries(command.options)) {
    const value = parsed.values[name];
    if (spec.choices !== undefined && typeof value === 'string' && !spec.choices.includes(value))
      throw new FirebreakError('invalid_input', `--${name} must be one of ${spec.choices.join(', ')} (got "${value}")`);
  }
  const required = command.positionals.filter((p) => p.required).length;
  const variadic = command.positionals.some((p) => p.variadic === true);
  if (parsed.positionals.length < required)
    throw new FirebreakError(
      'invalid_input',
      `missing ${command.positionals[parsed.positionals.length]?.name ?? 'argument'} (see firebreak ${command.name} --help)`,
    );
  if (!variadic && parsed.positionals.length > command.positionals.length)
    throw new FirebreakError(
      'invalid_input',
      `unexpected argument "${parsed.positionals[command.positionals.length]}" (see firebreak ${command.name} --help)`,
    );
  return { help: false, positionals: parsed.positionals, options: parsed.values as OptionValues<O> };
}

/** The help text of a command, generated from its declaration. */
export function commandHelp(command: Command): string {
  const usage = [
    'firebreak',
    command.name,
    ...command.positionals.map((p) => (p.required ? p.name : `[${p.name}]`) + (p.variadic === true ? '…' : '')),
    '[options]',
  ].join(' ');
  const lines = [`Usage: ${usage}`, '', command.summary];
  if (command.description !== undefined) lines.push('', command.description);
  if (command.positionals.length > 0) {
    lines.push('', 'Arguments:');
    for (const p of command.positionals) lines.push(`  ${p.name.padEnd(24)} ${p.description}`);
  }
  lines.push('', 'Options:');
  for (const [name, spec] of Object.entries({ ...command.options, help: HELP })) {
    const flag = `${spec.short === undefined ? '    ' : `-${spec.short}, `}--${name}${spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : ''}`;
    const extra = [
      spec.choices === undefined ? '' : ` (${spec.choices.join('|')})`,
      spec.default === undefined ? '' : ` [default: ${spec.default}]`,
      spec.multiple === true ? ' (repeatable)' : '',
    ].join('');
    lines.push(`  ${flag.padEnd(30)} ${spec.description}${extra}`);
  }
  if (command.examples !== undefined && command.examples.length > 0) {
    lines.push('', 'Examples:');
    for (const example of command.examples) lines.push(`  ${example}`);
  }
  return `${lines.join('\n')}\n`;
}
