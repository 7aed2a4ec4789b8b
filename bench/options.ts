import { type ParseArgsConfig, parseArgs } from 'node:util';

/** Parses a benchmark's arguments strictly: the values, or what is wrong with them. */
type Options = NonNullable<ParseArgsConfig['options']>;
type Values<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: false }>
>['values'];

export function parseBenchArgs<const O extends Options>(args: readonly string[], options: O): Values<O> | string {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * What every benchmark does first: on bad options, say why with the usage (exit 2); on --help,
 * print the usage (exit 0). Undefined when the benchmark should run.
 */
export function usageExit(options: string | { readonly help: boolean }, usage: string): number | undefined {
  if (typeof options === 'string') {
    process.stderr.write(`${options}\n\n${usage}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  return undefined;
}
