import { compileClassification, parseLabelOption, type SystemSource } from '../app/index.ts';
import { type ClassificationRules, FirebreakError } from '../core/index.ts';
import { openSystem } from '../runtime/index.ts';
import type { OptionSpec } from './command.ts';
import type { CliIo } from './io.ts';

/** Options every command that reads a system shares. */
export const SYSTEM_OPTIONS = {
  db: { type: 'string', value: 'URL', description: 'PostgreSQL URL to read (postgres://user@host:port/database)' },
  system: { type: 'string', value: 'NAME', description: 'A system named in the configuration file' },
  config: {
    type: 'string',
    value: 'PATH',
    description: 'Configuration file (default: $FIREBREAK_CONFIG or ./firebreak.yaml)',
  },
  label: {
    type: 'string',
    multiple: true,
    value: 'NAME=GLOB[,GLOB…]',
    description: 'Label what the globs match, e.g. pii=users.*,*.*.email',
  },
  'no-detectors': { type: 'boolean', description: 'Do not label columns by their names' },
} as const satisfies Record<string, OptionSpec>;

export interface SystemOptionValues {
  readonly db?: string | undefined;
  readonly system?: string | undefined;
  readonly config?: string | undefined;
  readonly label?: string[] | undefined;
  readonly 'no-detectors'?: boolean | undefined;
}

/** Opens the named system and compiles its classification (configuration labels plus --label). */
export async function openFromOptions(
  options: SystemOptionValues,
  io: CliIo,
): Promise<{ source: SystemSource; rules: ClassificationRules }> {
  const labels = (options.label ?? []).map((text) => {
    const parsed = parseLabelOption(text);
    if (!parsed.ok) throw new FirebreakError('invalid_input', parsed.error);
    return parsed.value;
  });
  // Compile the command-line labels before connecting, so a bad glob fails fast.
  const early = compileClassification({ labels });
  if (!early.ok) throw new FirebreakError('invalid_input', early.error);
  const opened = await openSystem(
    {
      ...(options.db === undefined ? {} : { db: options.db }),
      ...(options.system === undefined ? {} : { system: options.system }),
      ...(options.config === undefined ? {} : { config: options.config }),
    },
    { env: io.env, cwd: io.cwd },
  );
  const rules = compileClassification({
    ...opened.classification,
    labels: [...opened.classification.labels, ...labels],
    ...(options['no-detectors'] === true ? { detectors: false } : {}),
  });
  if (!rules.ok) {
    await opened.source.close();
    throw new FirebreakError('invalid_config', rules.error);
  }
  return { source: opened.source, rules: rules.value };
}
