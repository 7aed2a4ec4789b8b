import { type Actor, type ChangePiece, type CheckReport, checkChange, parseActor } from '../app/index.ts';
import { type Decision, FirebreakError } from '../core/index.ts';
import { openConfiguredStore, resolvePolicy } from '../runtime/index.ts';
import type { OptionSpec } from './command.ts';
import { EXIT } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import { renderSarif } from './render/check-sarif.ts';
import { renderCheck } from './render/check-text.ts';
import { openFromOptions, SYSTEM_OPTIONS, type SystemOptionValues } from './system-options.ts';
import { version } from './version.ts';

/** Options of the commands that check a change (check, review). */
export const CHANGE_OPTIONS = {
  ...SYSTEM_OPTIONS,
  actor: {
    type: 'string',
    value: 'WHO',
    description: 'Who proposes the change: agent:NAME or user:NAME (default: user:$USER)',
  },
  policy: {
    type: 'string',
    value: 'FILE',
    description: "Policy file (default: the configuration's, else the shipped default)",
  },
  as: {
    type: 'string',
    value: 'ROLE',
    description: 'Analyse the change as run by ROLE (default: the role Firebreak connects as)',
  },
  verify: { type: 'boolean', description: 'Also replay the change in a sandbox copy (PGlite) and compare' },
  data: {
    type: 'string',
    value: 'DIR',
    description: 'Data directory of the embedded store (default: $FIREBREAK_DATA, else ~/.local/share/firebreak)',
  },
  'no-record': { type: 'boolean', description: 'Do not record the decision in the audit ledger' },
  format: {
    type: 'string',
    value: 'FORMAT',
    choices: ['text', 'json', 'sarif'],
    default: 'text',
    description: 'Output format',
  },
} as const satisfies Record<string, OptionSpec>;

export interface ChangeOptionValues extends SystemOptionValues {
  readonly actor?: string | undefined;
  readonly policy?: string | undefined;
  readonly as?: string | undefined;
  readonly verify?: boolean | undefined;
  readonly data?: string | undefined;
  readonly 'no-record'?: boolean | undefined;
  readonly format?: string | undefined;
}

/** Exit codes of a decision; every decision has one. */
export const EXIT_BY_DECISION: Readonly<Record<Decision, number>> = {
  allow: EXIT.ok,
  review: EXIT.review,
  deny: EXIT.deny,
};

export function actorOf(options: ChangeOptionValues, io: CliIo): Actor {
  const actor = parseActor(options.actor ?? `user:${io.env.USER ?? io.env.USERNAME ?? 'unknown'}`);
  if (!actor.ok) throw new FirebreakError('invalid_input', actor.error);
  return actor.value;
}

/** Checks the pieces of a change against the named system and prints the verdict. */
export async function runCheck(
  pieces: readonly ChangePiece[],
  options: ChangeOptionValues,
  io: CliIo,
): Promise<CheckReport> {
  const actor = actorOf(options, io);
  const context = { env: io.env, cwd: io.cwd };
  const policy = await resolvePolicy(options.policy, options.config, context);
  // The store first: when decisions cannot be recorded, nothing is decided (fail closed).
  const store =
    options['no-record'] === true
      ? undefined
      : await openConfiguredStore(
          {
            ...(options.data === undefined ? {} : { data: options.data }),
            ...(options.config === undefined ? {} : { config: options.config }),
          },
          context,
        );
  try {
    const { source, rules } = await openFromOptions(options, io);
    try {
      return await checkChange({
        source,
        rules,
        pieces,
        actor,
        policy,
        ...(options.as === undefined ? {} : { actingAs: options.as }),
        ...(options.verify === true ? { verify: true } : {}),
        ...(store === undefined ? {} : { store }),
      });
    } finally {
      await source.close();
    }
  } finally {
    await store?.close();
  }
}

/** Prints a report; `uri` is the change's file as SARIF names it (relative to the working directory). */
export function printCheck(report: CheckReport, format: string | undefined, io: CliIo, uri?: string): number {
  if (format === 'json') io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  else if (format === 'sarif') io.stdout(renderSarif(report, version(), uri));
  else io.stdout(renderCheck(report));
  return EXIT_BY_DECISION[report.decision];
}
