import { basename } from 'node:path';
import { CHANGE_OPTIONS, printCheck, runCheck } from '../change-options.ts';
import { defineCommand } from '../command.ts';
import { MAX_CHANGE_LENGTH } from '../limits.ts';
import { readInput } from '../read-input.ts';
import { artifactUri } from '../render/check-sarif.ts';

export const checkCommand = defineCommand({
  name: 'check',
  summary:
    "Analyse a proposed SQL change before it runs: who newly gains access to labelled data, and the policy's decision.",
  description:
    "The change is interpreted statement by statement with PostgreSQL's own grammar; nothing of it runs on the\n" +
    'system. Statements that cannot be analysed (DO blocks, unknown functions…) are replayed in a sandbox copy\n' +
    'and always need review. Exit codes: 0 allow, 3 review, 4 deny, 2 invalid input, 1 internal error.',
  positionals: [{ name: 'FILE', description: 'The change (SQL); - or nothing reads standard input', required: false }],
  options: CHANGE_OPTIONS,
  examples: [
    "echo 'GRANT pg_read_all_data TO engineering;' | firebreak check --system demo --actor agent:helper",
    'firebreak check migration.sql --db postgres://me@db/app --format sarif > firebreak.sarif',
  ],
  async run({ positionals, options }, io) {
    const path = positionals[0] ?? '-';
    const sql = await readInput(path, MAX_CHANGE_LENGTH, io);
    const report = await runCheck([{ sql, origin: path === '-' ? 'stdin' : basename(path), line: 1 }], options, io);
    return printCheck(report, options.format, io, path === '-' ? undefined : artifactUri(path, io.cwd));
  },
});
