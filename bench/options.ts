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

/** The PostgreSQL server the benchmarks use unless --url or $FIREBREAK_BENCH_DATABASE_URL says otherwise. */
export const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** The server URL: --url, else $FIREBREAK_BENCH_DATABASE_URL, else {@link DEFAULT_URL}. */
export function serverUrl(url: string | undefined): string {
  return url ?? process.env.FIREBREAK_BENCH_DATABASE_URL ?? DEFAULT_URL;
}

/**
 * Reads numeric options given as text, collecting what is wrong with them in `problems` (a
 * benchmark reports them all at once). Whole numbers may be written with `_` or `,` separators.
 */
export function numberOptions(values: Readonly<Record<string, unknown>>) {
  const problems: string[] = [];
  const text = (name: string) => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  return {
    problems,
    /** A whole number ≥ `min`. */
    whole(name: string, fallback: number, min: number): number {
      const given = text(name);
      if (given === undefined) return fallback;
      const value = Number(given.replaceAll('_', '').replaceAll(',', ''));
      if (!Number.isSafeInteger(value) || value < min) problems.push(`--${name} must be a whole number ≥ ${min}`);
      return value;
    },
    /** A number > 0, fractions allowed. */
    positive(name: string, fallback: number): number {
      const given = text(name);
      if (given === undefined) return fallback;
      const value = Number(given);
      if (!Number.isFinite(value) || value <= 0) problems.push(`--${name} must be a number > 0`);
      return value;
    },
  };
}
