import { basename } from 'node:path';
import { type ChangePiece, extractSql } from '../../app/index.ts';
import { FirebreakError } from '../../core/index.ts';
import { CHANGE_OPTIONS, printCheck, runCheck } from '../change-options.ts';
import { defineCommand } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { MAX_ANSWER_LENGTH } from '../limits.ts';
import { readInput } from '../read-input.ts';
import { renderEmptySarif } from '../render/check-sarif.ts';
import { version } from '../version.ts';

export const reviewCommand = defineCommand({
  name: 'review',
  summary: "Check the SQL an agent's answer (Markdown) asks the reader to run: the answer's verdict and blast radius.",
  description:
    'SQL is taken from fenced code blocks, psql -c commands, heredocs and psql transcripts (docs/review.md),\n' +
    'in the order the answer gives it, and checked as one change. Several answers are checked one after the\n' +
    'other; the exit code is the strictest verdict: 0 allow, 3 review, 4 deny, 2 invalid input, 1 internal error.',
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
    let exit: number = EXIT.ok;
    for (const path of positionals) {
      const markdown = await readInput(path, MAX_ANSWER_LENGTH, io);
      const origin = path === '-' ? 'stdin' : basename(path);
      const pieces: ChangePiece[] = extractSql(markdown).map((found) => ({ sql: found.sql, origin, line: found.line }));
      if (positionals.length > 1 && options.format !== 'json' && options.format !== 'sarif') io.stdout(`== ${path}\n`);
      if (pieces.length === 0) {
        io.stdout(
          options.format === 'json'
            ? `${JSON.stringify({ answer: path, decision: 'allow', statements: [] }, null, 2)}\n`
            : options.format === 'sarif'
              ? renderEmptySarif(version())
              : `ALLOW: ${path} asks the reader to run no SQL.\n`,
        );
        continue;
      }
      try {
        const report = await runCheck(pieces, options, io);
        exit = Math.max(exit, printCheck(report, options.format, io));
      } catch (error) {
        if (error instanceof FirebreakError) throw new FirebreakError(error.code, `${path}: ${error.message}`);
        throw error;
      }
    }
    return exit;
  },
});
