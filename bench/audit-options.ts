import { DEFAULT_URL, numberOptions, parseBenchArgs, serverUrl } from './options.ts';

export const usage = `Usage: npm run bench -- audit [options]

Measures the audit ledger (src/store): appends per second on PGlite and on a PostgreSQL server
(one writer awaiting each append; one writer with many in flight, i.e. group commit; several
writer processes sharing the chain on the server), then the time ledger.verify() takes to check
a long chain. The baseline, in the same run on the same server, inserts the same rows into a plain
table with the same indexes but no chain: one row per transaction, alone and over several
connections, and in batches. Everything lives in new schemas (fbbench_audit_<pid>_…), dropped at
the end, and in a temporary directory (PGlite data, keys).

Options:
  --url URL                  the server (default $FIREBREAK_BENCH_DATABASE_URL or
                             ${DEFAULT_URL})
  --seconds S                time per append measurement (default 10)…
  --appends N                …or at most this many appends, whichever comes first (default 100000)
  --in-flight N              appends in flight per writer in the concurrent cases (default 64)
  --writers N                writer processes sharing the server store (default 4)
  --verify-entries N         length of the chain verified on the server; 0 skips (default 1000000)
  --pglite-verify-entries N  length of the chain verified on PGlite; 0 skips (default 100000)
  --populate HOW             how the chains to verify are built: rows (entries encoded with the
                             store's encodeEntry and inserted 5,000 per statement, with a signed
                             checkpoint every 1,000) or append (ledger.append, 2,000 in flight)
                             (default rows)
  --json                     print the figures as JSON
  -h, --help                 this text`;

export interface AuditOptions {
  readonly url: string;
  readonly seconds: number;
  readonly appends: number;
  readonly inFlight: number;
  readonly writers: number;
  readonly verifyEntries: number;
  readonly pgliteVerifyEntries: number;
  readonly populate: 'rows' | 'append';
  readonly json: boolean;
  readonly help: boolean;
}

const number = { type: 'string' } as const;
const OPTION_TYPES = {
  url: { type: 'string' },
  seconds: number,
  appends: number,
  'in-flight': number,
  writers: number,
  'verify-entries': number,
  'pglite-verify-entries': number,
  populate: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The options, or a message saying what is wrong with them. */
export function parseAuditOptions(args: readonly string[]): AuditOptions | string {
  const values = parseBenchArgs(args, OPTION_TYPES);
  if (typeof values === 'string') return values;
  const numbers = numberOptions(values);
  const { problems } = numbers;
  const seconds = numbers.positive('seconds', 10);
  const populate = values.populate ?? 'rows';
  if (populate !== 'rows' && populate !== 'append') problems.push('--populate must be rows or append');
  const options: AuditOptions = {
    url: serverUrl(values.url),
    seconds,
    appends: numbers.whole('appends', 100_000, 1),
    inFlight: numbers.whole('in-flight', 64, 1),
    writers: numbers.whole('writers', 4, 1),
    verifyEntries: numbers.whole('verify-entries', 1_000_000, 0),
    pgliteVerifyEntries: numbers.whole('pglite-verify-entries', 100_000, 0),
    populate: populate === 'append' ? 'append' : 'rows',
    json: values.json === true,
    help: values.help === true,
  };
  return problems.length > 0 ? problems.join('; ') : options;
}
