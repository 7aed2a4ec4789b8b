import { runCli } from '../../src/cli/main.ts';
import { prepareDataDirectory } from './store.ts';

let dataDirectory: Promise<string> | undefined;

/** One embedded store per test process, so that checks record as they do for users. */
function defaultDataDirectory(): Promise<string> {
  dataDirectory ??= prepareDataDirectory();
  return dataDirectory;
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process, capturing its output; `stdin` is what standard input holds. */
export async function cli(
  argv: readonly string[],
  options: { env?: Record<string, string | undefined>; cwd?: string; stdin?: string } = {},
): Promise<CliResult> {
  const env = { ...options.env };
  const records = ['check', 'review', 'audit', 'token', 'serve'].includes(argv[0] ?? '');
  if (records && env.FIREBREAK_DATA === undefined && env.FIREBREAK_STORE_URL === undefined)
    env.FIREBREAK_DATA = await defaultDataDirectory();
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env,
    cwd: options.cwd ?? process.cwd(),
    readStdin: async (limit) => (options.stdin ?? '').slice(0, limit + 1),
  });
  return { code, stdout, stderr };
}
