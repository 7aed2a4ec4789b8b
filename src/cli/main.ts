import { isFirebreakError } from '../core/index.ts';
import { type Command, commandHelp, parseCommandArgs } from './command.ts';
import { auditCommand } from './commands/audit.ts';
import { checkCommand } from './commands/check.ts';
import { demoCommand } from './commands/demo.ts';
import { explainCommand } from './commands/explain.ts';
import { exposureCommand } from './commands/exposure.ts';
import { reviewCommand } from './commands/review.ts';
import { serveCommand } from './commands/serve.ts';
import { tokenCommand } from './commands/token.ts';
import { EXIT, EXIT_BY_ERROR } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import { version } from './version.ts';

const COMMANDS: readonly Command[] = [
  exposureCommand,
  explainCommand,
  checkCommand,
  reviewCommand,
  auditCommand,
  serveCommand,
  tokenCommand,
  demoCommand,
] as unknown as readonly Command[];

function mainHelp(): string {
  const lines = [
    'Usage: firebreak COMMAND [options]',
    '',
    'Firebreak keeps AI agents from exposing sensitive data: it computes who can read what, and why.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`),
    '',
    'Options:',
    '  -h, --help     Show help (also: firebreak COMMAND --help)',
    '  -v, --version  Show the version',
  ];
  return `${lines.join('\n')}\n`;
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. Never exits. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.stdout(topic === undefined ? mainHelp() : commandHelp(topic));
    return name === undefined ? EXIT.invalid : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`${version()}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    io.stderr(`firebreak: unknown command "${name}" (commands: ${COMMANDS.map((c) => c.name).join(', ')})\n`);
    return EXIT.invalid;
  }
  try {
    const parsed = parseCommandArgs(command, rest);
    if (parsed.help) {
      io.stdout(commandHelp(command));
      return EXIT.ok;
    }
    return await command.run({ positionals: parsed.positionals, options: parsed.options }, io);
  } catch (error) {
    if (isFirebreakError(error)) {
      io.stderr(`firebreak ${command.name}: ${error.message}\n`);
      return EXIT_BY_ERROR[error.code];
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`firebreak ${command.name}: internal error: ${message}\n`);
    if (io.env.FIREBREAK_DEBUG === '1' && error instanceof Error && error.stack !== undefined)
      io.stderr(`${error.stack}\n`);
    return EXIT.failure;
  }
}
