import { DEFAULT_URL, numberOptions, parseBenchArgs, serverUrl } from './options.ts';

export const usage = `Usage: npm run bench -- server [options]

Measures POST /api/v1/checks on the Firebreak server (startServer, in this process, on 127.0.0.1)
against a small realistic PostgreSQL database built for the run (about 350 roles in departments
and teams, 6 schemas, 46 tables and a view, 8 of them with labelled columns such as email, ssn or
iban, row security, default privileges), with the store on the same server. Every check reads the
database's catalog, analyses the change, applies the default policy and records the decision in
the store's ledger, over HTTP exactly as in process.

  1. Sequential: rounds of one check in process (checkAndHold, as the HTTP handler calls it, with
     the same source, rules, policy and store: the baseline) and the same check over HTTP from one
     keep-alive client, the order alternating. p50(HTTP) − p50(in process) is what the HTTP layer
     adds (goal: under 2 ms).
  2. Concurrent: clients (default 32) each sending one request at a time over keep-alive, then the
     same number of checks in flight in process (the baseline), each for --requests or --seconds,
     whichever comes first, in halves (HTTP, in process, in process, HTTP): throughput, latency,
     errors.
  3. Where the time goes, in the same rounds as 1: the snapshot read (and, on a connection of its
     own, each catalog query), a check without recording, recording a decision, the token lookup,
     GET /healthz, GET /api/v1/whoami, a POST refused at validation; JSON of the reports.

The mix of changes, in turn: two GRANTs that give labelled data to new readers (deny, as an
agent), a query (allow), a REVOKE (allow), a new unlabelled table granted to a group (allow).
With --review also a DO block: opaque, so each check replays the change in the PGlite sandbox
(seconds each, which then dominates every figure) and the policy sends it to review, opening an
approval request.

The database (fbbench_server_<pid>_…), its roles (fbbsrv_<pid>_…), the store's schema and a
temporary directory are created for the run and removed at the end, also on Ctrl-C; leftovers of
runs that were killed are removed at the start. Other work on the machine skews the figures: the
load average is printed with them.

Options:
  --url URL        superuser URL of the server (default $FIREBREAK_BENCH_DATABASE_URL or
                   ${DEFAULT_URL})
  --repeat N       rounds of the sequential phase: one check in process, one over HTTP and
                   each piece once (default 200)
  --clients N      concurrent clients (default 32)
  --requests N     requests of the concurrent phase at most, per mode… (default 2000)
  --seconds S      …or this long at most, per mode (default 15)
  --review         add the DO block (review, sandbox replay) to the mix
  --json           print the figures as JSON
  -h, --help       this text`;

export interface ServerBenchOptions {
  readonly url: string;
  readonly repeat: number;
  readonly clients: number;
  readonly requests: number;
  readonly seconds: number;
  readonly review: boolean;
  readonly json: boolean;
  readonly help: boolean;
}

const number = { type: 'string' } as const;
const OPTION_TYPES = {
  url: { type: 'string' },
  repeat: number,
  clients: number,
  requests: number,
  seconds: number,
  review: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The options, or a message saying what is wrong with them. */
export function parseServerOptions(args: readonly string[]): ServerBenchOptions | string {
  const values = parseBenchArgs(args, OPTION_TYPES);
  if (typeof values === 'string') return values;
  const numbers = numberOptions(values);
  const { problems } = numbers;
  const options: ServerBenchOptions = {
    url: serverUrl(values.url),
    repeat: numbers.whole('repeat', 200, 1),
    clients: numbers.whole('clients', 32, 1),
    requests: numbers.whole('requests', 2000, 1),
    seconds: numbers.positive('seconds', 15),
    review: values.review === true,
    json: values.json === true,
    help: values.help === true,
  };
  return problems.length > 0 ? problems.join('; ') : options;
}
