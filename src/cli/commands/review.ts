import { basename } from 'node:path';
import { type ChangePiece, extractSql } from '../../app/index.ts';
import { isFirebreakError } from '../../core/index.ts';
import { actorOf, CHANGE_OPTIONS, EXIT_BY_DECISION, printCheck, runCheck } from '../change-options.ts';
import { defineCommand } from '../command.ts';
import { EXIT, EXIT_BY_ERROR } from '../exit-codes.ts';
import type { CliIo } from '../io.ts';
import { MAX_ANSWER_LENGTH } from '../limits.ts';
import { readInput } from '../read-input.ts';
import { artifactUri, renderSarifLog, type SarifInput } from '../render/check-sarif.ts';
import { version } from '../version.ts';

/**
 * How strict each exit code is when several answers are reviewed, strictest last: a deny anywhere
 * wins; an answer that could not be checked (invalid, or Firebreak failed) comes next, because
 * what it asks may be harmful; then review; then allow.
 */
const STRICTNESS: readonly number[] = [EXIT.ok, EXIT.review, EXIT.failure, EXIT.invalid, EXIT.deny];

function strictest(a: number, b: number): number {
  return STRICTNESS.indexOf(b) > STRICTNESS.indexOf(a) ? b : a;
}

export const reviewCommand = defineCommand({
  name: 'review',
  summary: "Check the SQL an agent's answer (Markdown) asks the reader to run: the answer's verdict and blast radius.",
  description:
    'SQL is taken from fenced code blocks, psql -c commands, heredocs and psql transcripts (docs/review.md),\n' +
    'in the order the answer gives it, and checked as one change. Several answers are each checked, even after\n' +
    'one fails; the exit code is the strictest: 4 deny, then 2 invalid input, 1 internal error, 3 review, 0 allow.',
  positionals: [
    {
      name: 'ANSWER.md',
      description: 'Answer files (Markdown); - reads standard input',
      required: true,
      variadic: true,
    },
  ],
  options: CHANGE_OPTIONS,
  examples: ['firebreak review answer.md --system demo --actor agent:forum-helper'],
  async run({ positionals, options }, io) {
    actorOf(options, io); // a bad --actor is the command's error, not each answer's
    const several = positionals.length > 1;
    const sarif: SarifInput[] = [];
    let exit: number = EXIT.ok;
    for (const path of positionals) {
      if (several && options.format !== 'json' && options.format !== 'sarif') io.stdout(`== ${path}\n`);
      const uri = artifactUri(path, io.cwd);
      try {
        const pieces = await readPieces(path, io);
        if (pieces.length === 0) {
          sarif.push({ kind: 'empty', uri });
          if (options.format === 'json')
            io.stdout(`${JSON.stringify({ answer: path, decision: 'allow', statements: [] }, null, 2)}\n`);
          else if (options.format !== 'sarif') io.stdout(`ALLOW: ${path} asks the reader to run no SQL.\n`);
          continue;
        }
        const report = await runCheck(pieces, options, io);
        sarif.push({ kind: 'checked', report, uri });
        // SARIF is one log for every answer, written at the end.
        if (options.format !== 'sarif') printCheck(report, options.format, io);
        exit = strictest(exit, EXIT_BY_DECISION[report.decision]);
      } catch (error) {
        if (!isFirebreakError(error)) throw error;
        // Each answer is checked even when another could not be: one bad answer must not hide a deny.
        io.stderr(`firebreak review: ${path}: ${error.message}\n`);
        sarif.push({ kind: 'failed', uri, message: error.message, ...lineOf(error.message, path) });
        exit = strictest(exit, EXIT_BY_ERROR[error.code]);
      }
    }
    if (options.format === 'sarif') io.stdout(renderSarifLog(sarif, version()));
    return exit;
  },
});

/**
 * The pieces of an answer as a change. A piece that psql would run without the answer showing it
 * (`\gexec`, `\i file`, `\! cmd`, `psql -f file`) cannot be analysed: it is an opaque statement,
 * never safe, and the policy decides (the default sends it to review).
 */
async function readPieces(path: string, io: CliIo): Promise<ChangePiece[]> {
  const markdown = await readInput(path, MAX_ANSWER_LENGTH, io);
  const origin = path === '-' ? 'stdin' : basename(path);
  return extractSql(markdown).map((piece) => ({
    sql: piece.sql,
    origin,
    line: piece.line,
    ...(piece.opaque === undefined ? {} : { opaque: piece.opaque }),
  }));
}

/** The answer's line that an error names (`answer.md:12:3: …`), for the SARIF location. */
function lineOf(message: string, path: string): { line?: number } {
  const origin = path === '-' ? 'stdin' : basename(path);
  const line = message.startsWith(`${origin}:`) ? Number.parseInt(message.slice(origin.length + 1), 10) : Number.NaN;
  return Number.isInteger(line) && line > 0 ? { line } : {};
}
