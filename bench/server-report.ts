import type { LoadResult } from './server-load.ts';

/** What the HTTP layer may add to a check at p50, one client. */
export const GOAL_ADDED_P50_MS = 2;

export interface Stats {
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  readonly max: number;
}

export type PieceId =
  | 'readSnapshot'
  | 'checkNotRecorded'
  | 'recordDecision'
  | 'authenticate'
  | 'bare'
  | 'healthz'
  | 'whoami'
  | 'refused';

/** What each part measures. */
const PIECE_NAMES: Readonly<Record<PieceId, string>> = {
  readSnapshot: 'snapshot read (source.readSnapshot: catalog queries, validation, normalise)',
  checkNotRecorded: 'check, not recorded (checkChange without a store: read, classify, analyse, policy)',
  recordDecision: 'recording the decision (store.recordDecision: one ledger append)',
  authenticate: 'token lookup (store.authenticate; a token is looked up once a second at most)',
  bare: 'a bare node:http server: the same POST, a report-sized answer (the floor)',
  healthz: 'GET /healthz (HTTP and routing only)',
  whoami: 'GET /api/v1/whoami (+ bearer token lookup)',
  refused: 'POST /api/v1/checks refused at validation (+ body read, JSON, zod)',
};

/** Sequential figures of the parts of a check and of the HTTP layer, to see where time goes. */
export interface PieceFigures {
  /** Each part, sequential: p50 of the wall time and mean CPU time of this process. */
  readonly parts: readonly { readonly id: PieceId; readonly p50Ms: number; readonly cpuMs: number }[];
  /** The snapshot read split, on a connection of its own: catalog queries (each), normalise, build. */
  readonly snapshotRead: {
    readonly catalogQueriesP50: number;
    readonly normaliseP50: number;
    readonly createSnapshotP50: number;
    /** Per query, named by the first catalog it reads; `count` per read; slowest first. */
    readonly queries: readonly { readonly name: string; readonly count: number; readonly p50: number }[];
  };
  /** Per change: the report's size and the time to serialise and to parse it. */
  readonly serialisation: readonly {
    readonly id: string;
    readonly bytes: number;
    readonly stringifyMs: number;
    readonly parseMs: number;
  }[];
}

export interface ServerBenchResult {
  readonly benchmark: 'server';
  readonly server: { readonly location: string; readonly version: string; readonly api: string };
  readonly cpus: number;
  readonly node: string;
  /** The machine's load average (1, 5, 15 min) at the end: other work skews the figures. */
  readonly loadAverage: readonly number[];
  readonly catalog: {
    readonly principals: number;
    readonly logins: number;
    readonly benchRoles: number;
    readonly resources: number;
    readonly tables: number;
    readonly labelled: number;
    readonly grants: number;
  };
  readonly options: {
    readonly repeat: number;
    readonly clients: number;
    readonly requests: number;
    readonly seconds: number;
    readonly review: boolean;
  };
  readonly cases: readonly {
    readonly id: string;
    readonly name: string;
    readonly sql: string;
    readonly decision: string;
    readonly principalsGaining: number;
    readonly inProcessP50: number;
    readonly httpP50: number;
  }[];
  readonly sequential: {
    readonly checks: number;
    readonly errors: number;
    readonly inProcess: Stats;
    readonly http: Stats;
    /** p50(HTTP) − p50(in process): the headline figure. */
    readonly addedP50Ms: number;
    /** Median of (HTTP − in process) over the rounds, each pair measured back to back. */
    readonly addedPairedMedianMs: number;
    readonly addedMeanMs: number;
    /** Mean CPU time of this process per check (server and client alike). */
    readonly cpuMs: {
      readonly inProcess: { readonly user: number; readonly system: number };
      readonly http: { readonly user: number; readonly system: number };
    };
  };
  readonly concurrent: { readonly clients: number; readonly http: LoadResult; readonly inProcess: LoadResult };
  /** Internal errors the server logged during the run, by message. */
  readonly serverErrors: readonly { readonly message: string; readonly count: number }[];
  readonly pieces: PieceFigures;
  readonly goals: readonly {
    readonly name: string;
    readonly goal: string;
    readonly value: string;
    readonly met: boolean;
  }[];
}

const ms = (n: number) => (Number.isNaN(n) ? '–' : n >= 100 ? `${n.toFixed(0)} ms` : `${n.toFixed(2)} ms`);
const cpu = (c: { user: number; system: number }) => `${ms(c.user + c.system)} (${ms(c.user)} + ${ms(c.system)})`;
const pct = (n: number) => `${(n * 100).toFixed(0)}%`;
const int = (n: number) => Math.round(n).toLocaleString('en-US');

export function renderServerReport(result: ServerBenchResult): string {
  const { catalog, sequential: seq, concurrent, pieces } = result;
  const lines: string[] = [
    `Server: ${result.server.version.split(' on ')[0] ?? result.server.version} at ${result.server.location}; Node ${result.node}, ${result.cpus} CPUs (load average ${result.loadAverage.map((n) => n.toFixed(2)).join(' ')}); API at ${result.server.api} (this process)`,
    `Catalog read by each check: ${int(catalog.principals)} principals (${int(catalog.logins)} logins; ${int(catalog.benchRoles)} the run's), ${int(catalog.tables)} tables and views (${int(catalog.labelled)} labelled), ${int(catalog.grants)} grants`,
    '',
    `Sequential, 1 client, alternating with the in-process check (${int(seq.checks)} each):`,
    `  ${''.padEnd(36)} ${'p50'.padStart(10)} ${'p99'.padStart(10)} ${'mean'.padStart(10)}`,
    `  ${'in process (checkAndHold)'.padEnd(36)} ${ms(seq.inProcess.p50).padStart(10)} ${ms(seq.inProcess.p99).padStart(10)} ${ms(seq.inProcess.mean).padStart(10)}`,
    `  ${'HTTP POST /api/v1/checks'.padEnd(36)} ${ms(seq.http.p50).padStart(10)} ${ms(seq.http.p99).padStart(10)} ${ms(seq.http.mean).padStart(10)}`,
    `  CPU of this process per check (mean, user + system): in process ${cpu(seq.cpuMs.inProcess)}; HTTP, client and server, ${cpu(seq.cpuMs.http)}`,
    `  errors: ${seq.errors}`,
    '',
    `  ${'change'.padEnd(66)} ${'decision'.padEnd(8)} ${'gaining'.padStart(7)} ${'in proc'.padStart(10)} ${'HTTP'.padStart(10)}`,
  ];
  for (const c of result.cases)
    lines.push(
      `  ${c.name.slice(0, 66).padEnd(66)} ${c.decision.padEnd(8)} ${int(c.principalsGaining).padStart(7)} ${ms(c.inProcessP50).padStart(10)} ${ms(c.httpP50).padStart(10)}`,
    );
  const load = (name: string, r: LoadResult) =>
    `  ${name.padEnd(28)} ${int(r.completed).padStart(6)} in ${r.seconds.toFixed(1).padStart(5)} s  ${r.perSecond.toFixed(1).padStart(7)}/s  p50 ${ms(r.latencyMs.p50).padStart(9)}  p99 ${ms(r.latencyMs.p99).padStart(9)}  errors ${r.errors}\n` +
    `  ${''.padEnd(28)} this process: ${ms(r.node.cpuPerRequestMs)} CPU per request, ${pct(r.node.cpuShare)} of a core, event loop busy ${pct(r.node.eventLoopBusy)}`;
  lines.push(
    '',
    `Concurrent, ${concurrent.clients} at a time (at most ${int(result.options.requests)} or ${result.options.seconds} s):`,
    load(`HTTP, ${concurrent.clients} keep-alive clients`, concurrent.http),
    load(`in process, ${concurrent.clients} in flight`, concurrent.inProcess),
  );
  for (const sample of [...concurrent.http.errorSamples, ...concurrent.inProcess.errorSamples])
    lines.push(`    ${sample.count} × ${sample.error}`);
  for (const error of result.serverErrors) lines.push(`    server log: ${error.count} × ${error.message}`);
  const serial = pieces.serialisation;
  const largest = serial.reduce(
    (a, b) => (b.bytes > a.bytes ? b : a),
    serial[0] ?? { id: '', bytes: 0, stringifyMs: 0, parseMs: 0 },
  );
  lines.push(
    '',
    'Where the time goes (sequential, in the same rounds):',
    `  ${''.padEnd(86)} ${'p50'.padStart(9)} ${'CPU'.padStart(9)}`,
    ...pieces.parts.map(
      (part) => `  ${PIECE_NAMES[part.id].padEnd(86)} ${ms(part.p50Ms).padStart(9)} ${ms(part.cpuMs).padStart(9)}`,
    ),
    `  snapshot read on a connection of its own: catalog queries ${ms(pieces.snapshotRead.catalogQueriesP50)} (${pieces.snapshotRead.queries
      .slice(0, 4)
      .map((q) => `${q.name} ${ms(q.p50)}`)
      .join(
        ', ',
      )}; ${pieces.snapshotRead.queries.reduce((n, q) => n + q.count, 0)} round trips), normalise ${ms(pieces.snapshotRead.normaliseP50)}, createSnapshot ${ms(pieces.snapshotRead.createSnapshotP50)}`,
    `  report JSON: ${serial.map((s) => `${int(s.bytes)} B`).join(', ')}; largest (${largest.id}) stringify ${ms(largest.stringifyMs)}, parse ${ms(largest.parseMs)}`,
    '',
    `The HTTP layer adds ${ms(seq.addedP50Ms)} at p50 (${ms(seq.http.p50)} − ${ms(seq.inProcess.p50)}); median of the back-to-back differences ${ms(seq.addedPairedMedianMs)}, mean ${ms(seq.addedMeanMs)}.`,
    '',
    'Goals:',
  );
  for (const goal of result.goals)
    lines.push(`  ${goal.name}: ${goal.value} (goal ${goal.goal}: ${goal.met ? 'met' : 'MISSED'})`);
  return `${lines.join('\n')}\n`;
}
