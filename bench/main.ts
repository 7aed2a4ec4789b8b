/**
 * `npm run bench -- <name> [options]`: runs one benchmark. Each benchmark is a module exporting a
 * one-line `summary`, a `usage` text and `run(args)`, which returns the exit code; add one with a
 * line in {@link BENCHMARKS}.
 */
import { FirebreakError } from '../dist/core/index.js';

interface Benchmark {
  readonly summary: string;
  readonly usage: string;
  run(args: readonly string[]): Promise<number>;
}

const BENCHMARKS: Readonly<Record<string, () => Promise<Benchmark>>> = {
  exposure: () => import('./exposure.ts'),
  check: () => import('./check.ts'),
  audit: () => import('./audit.ts'),
  server: () => import('./server.ts'),
};

async function usage(): Promise<string> {
  const lines = ['Usage: npm run bench -- <benchmark> [options]', '', 'Benchmarks:'];
  const names = Object.keys(BENCHMARKS);
  const width = Math.max(...names.map((n) => n.length));
  for (const name of names) {
    const load = BENCHMARKS[name] as () => Promise<Benchmark>;
    lines.push(`  ${name.padEnd(width)}   ${(await load()).summary}`);
  }
  lines.push('', 'Options of a benchmark: npm run bench -- <benchmark> --help');
  return `${lines.join('\n')}\n`;
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(await usage());
    return 0;
  }
  const load = name === undefined ? undefined : BENCHMARKS[name];
  if (load === undefined) {
    process.stderr.write(
      `${name === undefined ? 'Name a benchmark.' : `Unknown benchmark "${name}".`}\n\n${await usage()}`,
    );
    return 2;
  }
  return (await load()).run(args);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  // Errors with a code (unreachable server, refused login) explain themselves; others are bugs.
  const known = error instanceof FirebreakError;
  process.stderr.write(
    `${known ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
}
