import { LEDGER_KINDS, type LedgerEntry, type LedgerKind, toOcsf } from '../../app/index.ts';
import { FirebreakError } from '../../core/index.ts';
import { openConfiguredStore } from '../../runtime/index.ts';
import { defineCommand } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { renderEntry, renderVerify } from '../render/audit-text.ts';

const ACTIONS = ['verify', 'export', 'tail'] as const;

/** Entries read per page when exporting. */
const EXPORT_PAGE = 5_000;

export const auditCommand = defineCommand({
  name: 'audit',
  summary: 'Verify, export or follow the tamper-evident audit ledger of decisions, approvals and reverts.',
  description:
    'verify  re-reads every entry and signed checkpoint; exit 0 when intact, 5 naming the first tampered entry.\n' +
    'export  writes entries as JSON lines (--format jsonl) or OCSF API Activity events (--format ocsf).\n' +
    'tail    prints the latest entries (--limit N); --format json prints them as JSON lines.\n' +
    'The store is the one check and review record into (--data, FIREBREAK_DATA, FIREBREAK_STORE_URL).',
  positionals: [{ name: 'ACTION', description: `One of ${ACTIONS.join(', ')}`, required: true }],
  options: {
    data: { type: 'string', value: 'DIR', description: 'Data directory of the embedded store' },
    config: {
      type: 'string',
      value: 'PATH',
      description: 'Configuration file (default: $FIREBREAK_CONFIG or ./firebreak.yaml)',
    },
    format: {
      type: 'string',
      value: 'FORMAT',
      choices: ['text', 'json', 'jsonl', 'ocsf'],
      description: 'verify, tail: text|json; export: jsonl|ocsf (default: text, export jsonl)',
    },
    limit: { type: 'string', value: 'N', description: 'tail: how many entries (default 20, at most 10000)' },
    after: { type: 'string', value: 'SEQ', description: 'export: only entries after this sequence number' },
    kind: {
      type: 'string',
      value: 'KIND',
      description: `export, tail: only entries of this kind (${LEDGER_KINDS.join(', ')})`,
    },
  },
  examples: [
    'firebreak audit verify',
    'firebreak audit export --format ocsf > firebreak-ocsf.jsonl',
    'firebreak audit tail --limit 50',
  ],
  async run({ positionals, options }, io) {
    const action = positionals[0] as string;
    if (!(ACTIONS as readonly string[]).includes(action))
      throw new FirebreakError('invalid_input', `unknown audit action "${action}" (actions: ${ACTIONS.join(', ')})`);
    const format = options.format ?? (action === 'export' ? 'jsonl' : 'text');
    const allowed = action === 'export' ? ['jsonl', 'ocsf'] : ['text', 'json'];
    if (!allowed.includes(format))
      throw new FirebreakError('invalid_input', `audit ${action} writes ${allowed.join(' or ')}, not ${format}`);
    const kind = parseKind(options.kind);
    const store = await openConfiguredStore(
      {
        ...(options.data === undefined ? {} : { data: options.data }),
        ...(options.config === undefined ? {} : { config: options.config }),
      },
      { env: io.env, cwd: io.cwd },
      { existing: true },
    );
    try {
      if (action === 'verify') {
        let reported = 0;
        const report = await store.ledger.verify((checked, total) => {
          // Progress for long chains only, every 250,000 entries.
          if (total >= 250_000 && checked - reported >= 250_000) {
            reported = checked;
            io.stderr(`verified ${checked.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} entries\n`);
          }
        });
        io.stdout(
          format === 'json'
            ? `${JSON.stringify({ store: store.location, ...report }, null, 2)}\n`
            : renderVerify(report, store.location),
        );
        return report.ok ? EXIT.ok : EXIT.tampered;
      }
      if (action === 'tail') {
        const entries = await tailOf(store.ledger, parseCount(options.limit, 'limit', 20), kind);
        for (const entry of entries)
          io.stdout(format === 'json' ? `${JSON.stringify(entry)}\n` : `${renderEntry(entry)}\n`);
        return EXIT.ok;
      }
      let after = parseCount(options.after, 'after', 0);
      for (;;) {
        const page = await store.ledger.read({ after, limit: EXPORT_PAGE, ...(kind === undefined ? {} : { kind }) });
        for (const entry of page) io.stdout(`${JSON.stringify(format === 'ocsf' ? toOcsf(entry) : entry)}\n`);
        const last = page.at(-1);
        if (last === undefined || page.length < EXPORT_PAGE) break;
        after = last.seq;
      }
      return EXIT.ok;
    } finally {
      await store.close();
    }
  },
});

async function tailOf(
  ledger: {
    tail(count: number): Promise<readonly LedgerEntry[]>;
    read(q: { kind: LedgerKind; after: number; limit: number }): Promise<readonly LedgerEntry[]>;
  },
  count: number,
  kind: LedgerKind | undefined,
): Promise<readonly LedgerEntry[]> {
  if (kind === undefined) return ledger.tail(count);
  const matching: LedgerEntry[] = [];
  for (let after = 0; ; ) {
    const page = await ledger.read({ kind, after, limit: EXPORT_PAGE });
    matching.push(...page);
    if (matching.length > count) matching.splice(0, matching.length - count);
    const last = page.at(-1);
    if (last === undefined || page.length < EXPORT_PAGE) return matching;
    after = last.seq;
  }
}

function parseKind(text: string | undefined): LedgerKind | undefined {
  if (text === undefined) return undefined;
  if (!(LEDGER_KINDS as readonly string[]).includes(text))
    throw new FirebreakError('invalid_input', `unknown entry kind "${text}" (kinds: ${LEDGER_KINDS.join(', ')})`);
  return text as LedgerKind;
}

function parseCount(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d{1,15}$/.test(text))
    throw new FirebreakError('invalid_input', `--${name} must be a whole number, not "${text}"`);
  return Number(text);
}
