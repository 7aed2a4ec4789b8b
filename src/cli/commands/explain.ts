import { reportExplanation } from '../../app/index.ts';
import { defineCommand } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { renderExplanation } from '../render/explain-text.ts';
import { openFromOptions, SYSTEM_OPTIONS } from '../system-options.ts';

export const explainCommand = defineCommand({
  name: 'explain',
  summary: 'Show every path by which a principal can read a resource, or the missing link when it cannot.',
  description:
    'A path names the identity the read runs as (itself, or a role reached by SET ROLE), the grant,\n' +
    'ownership or predefined role that gives the privilege and the membership chain to it, the schema\n' +
    'and database privileges on the way, row-level security, and for views the owner whose rights apply.',
  positionals: [
    { name: 'PRINCIPAL', description: 'A login role (or any principal) by name', required: true },
    { name: 'RESOURCE', description: 'A table or view, e.g. hr.salaries (quote mixed case: hr."Pay")', required: true },
  ],
  options: {
    ...SYSTEM_OPTIONS,
    format: {
      type: 'string',
      value: 'FORMAT',
      choices: ['text', 'json'],
      default: 'text',
      description: 'Output format',
    },
  },
  examples: ['firebreak explain alice hr.salaries --db postgres://postgres@127.0.0.1:5432/test'],
  async run({ positionals, options }, io) {
    const { source, rules } = await openFromOptions(options, io);
    try {
      const report = await reportExplanation(source, rules, positionals[0] as string, positionals[1] as string);
      io.stdout(options.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderExplanation(report));
      return EXIT.ok;
    } finally {
      await source.close();
    }
  },
});
