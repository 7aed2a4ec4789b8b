import { reportExposure } from '../../app/index.ts';
import { defineCommand } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { formatExposure } from '../render/exposure-text.ts';
import { openFromOptions, SYSTEM_OPTIONS } from '../system-options.ts';

export const exposureCommand = defineCommand({
  name: 'exposure',
  summary: 'Report who can read each sensitive (labelled) resource of a system, and how much of it.',
  description:
    'Readers are login principals, superusers included. full: every row and column; filtered: row-level\n' +
    'security applies; columns: only some columns. Labels come from --label rules, the configuration,\n' +
    '[firebreak: LABEL] markers in comments and column-name detectors.',
  positionals: [],
  options: {
    ...SYSTEM_OPTIONS,
    format: {
      type: 'string',
      value: 'FORMAT',
      choices: ['table', 'json'],
      default: 'table',
      description: 'Output format',
    },
  },
  examples: [
    'firebreak exposure --db postgres://postgres@127.0.0.1:5432/test --label pii=hr.*,*.*.email',
    'firebreak exposure --system warehouse --format json',
  ],
  async run({ options }, io) {
    const { source, rules } = await openFromOptions(options, io);
    try {
      const report = await reportExposure(source, rules);
      io.stdout(formatExposure(report, options.format));
      return EXIT.ok;
    } finally {
      await source.close();
    }
  },
});
