import { compileClassification, reportExposure } from '../../app/index.ts';
import { FirebreakError } from '../../core/index.ts';
import { openDemoSystem } from '../../runtime/index.ts';
import { defineCommand } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { formatExposure } from '../render/exposure-text.ts';

export const demoCommand = defineCommand({
  name: 'demo',
  summary: 'Build the embedded demo warehouse (a fictional company in PGlite) and report its exposure.',
  description:
    'Nothing to install or configure: the warehouse is created in memory, read like any PostgreSQL\n' +
    'database, classified by column names and comment markers, and reported. See docs/demo.md.',
  positionals: [],
  options: {
    format: {
      type: 'string',
      value: 'FORMAT',
      choices: ['table', 'json'],
      default: 'table',
      description: 'Output format',
    },
  },
  async run({ options }, io) {
    const rules = compileClassification({ labels: [] });
    if (!rules.ok) throw new FirebreakError('internal', rules.error);
    io.stderr('Building the demo warehouse in an embedded PostgreSQL (PGlite)…\n');
    const source = await openDemoSystem();
    try {
      const report = await reportExposure(source, rules.value);
      io.stdout(formatExposure(report, options.format));
      return EXIT.ok;
    } finally {
      await source.close();
    }
  },
});
