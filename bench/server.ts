import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import {
  actorOfToken,
  type CheckReport,
  checkAndHold,
  checkChange,
  parseActor,
  type Store,
  type SystemRegistry,
} from '../dist/app/index.js';
import { readCatalog } from '../dist/connectors/postgres/catalog.js';
import type { Queryable } from '../dist/connectors/postgres/index.js';
import { redactUrl } from '../dist/connectors/postgres/index.js';
import { normaliseCatalog } from '../dist/connectors/postgres/normalise.js';
import { classify, createSnapshot, type Policy } from '../dist/core/index.js';
import { defaultPolicy, openSystemRegistry } from '../dist/runtime/index.js';
import { type RunningServer, startServer } from '../dist/server/index.js';
import { openStore } from '../dist/store/index.js';
import { databaseUrl } from './bench-database.ts';
import { withCleanup } from './cleanup.ts';
import { collectGarbage } from './measure.ts';
import { usageExit } from './options.ts';
import { log } from './progress.ts';
import {
  type BenchCase,
  type BenchNames,
  benchCases,
  benchNames,
  buildDatabase,
  dropLeftovers,
  dropRun,
} from './server-database.ts';
import {
  type HttpClient,
  httpClient,
  type LoadStretch,
  type Outcome,
  runLoad,
  startBareServer,
  statsOf,
  summariseLoad,
} from './server-load.ts';
import { parseServerOptions, type ServerBenchOptions, usage } from './server-options.ts';
import {
  GOAL_ADDED_P50_MS,
  type PieceFigures,
  type PieceId,
  renderServerReport,
  type ServerBenchResult,
} from './server-report.ts';

export { usage };

export const summary =
  'the HTTP API: POST /api/v1/checks from concurrent clients, and what HTTP adds to an in-process check';

const SYSTEM = 'app';
const DAY_MS = 24 * 60 * 60 * 1000;

export async function run(args: readonly string[]): Promise<number> {
  const options = parseServerOptions(args);
  const exit = usageExit(options, usage);
  if (exit !== undefined || typeof options === 'string') return exit ?? 2;
  const location = redactUrl(options.url);
  const admin = new pg.Client({ connectionString: options.url, application_name: 'firebreak-bench-server' });
  admin.on('error', () => {});
  try {
    await admin.connect();
  } catch (error) {
    process.stderr.write(`Cannot reach the server at ${location}: ${(error as Error).message}\n`);
    return 1;
  }
  const names = benchNames(process.pid, randomBytes(3).toString('hex'));
  const temp = mkdtempSync(join(tmpdir(), 'firebreak-bench-server-'));
  const open: Partial<Opened> = {};
  const cleanup = async () => {
    open.client?.close();
    await open.server?.close().catch((error: unknown) => log(`Could not stop the server: ${(error as Error).message}`));
    await open.systems?.close().catch(() => {});
    await open.store?.close().catch(() => {});
    await dropRun(admin, names);
    await admin.end().catch(() => {});
    rmSync(temp, { recursive: true, force: true });
  };
  return withCleanup(
    cleanup,
    (signal) => log(`Interrupted (${signal}): dropping the benchmark's database, roles and store…`),
    async () => {
      await dropLeftovers(admin);
      const version = ((await admin.query<{ v: string }>('select version() as v')).rows[0] as { v: string }).v;
      await buildDatabase(
        admin,
        async () => {
          const client = new pg.Client({ connectionString: databaseUrl(options.url, names.database) });
          await client.connect();
          return client;
        },
        names,
      );
      log(`Store in schema ${names.storeSchema}, configuration and key in ${temp} (all removed at the end).`);
      await setUp(options, names, temp, open);
      const result = await measure(options, names, open as Opened, { location, version });
      process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : renderServerReport(result));
      return 0;
    },
  );
}

interface Opened {
  store: Store;
  systems: SystemRegistry;
  server: RunningServer;
  client: HttpClient;
  token: string;
  /** The policy the server decides with; the in-process checks use the same one. */
  policy: Policy;
  /** Errors the server logged, by message. */
  serverErrors: Map<string, number>;
}

async function setUp(options: ServerBenchOptions, names: BenchNames, temp: string, open: Partial<Opened>) {
  const config = join(temp, 'firebreak.yaml');
  writeFileSync(config, `systems:\n  ${SYSTEM}:\n    kind: postgres\n    url: env:BENCH_APP_URL\n`);
  open.store = await openStore({ url: options.url, schema: names.storeSchema, keyPath: join(temp, 'ledger.key') });
  open.systems = await openSystemRegistry(
    { config },
    { env: { BENCH_APP_URL: databaseUrl(options.url, names.database) }, cwd: temp },
  );
  const policy = await defaultPolicy();
  open.policy = policy;
  open.token = (await open.store.createToken({ name: 'bench-agent', role: 'agent', by: 'user:bench' })).token;
  // The server's own log: its internal errors say why a request failed with 500.
  const errors = new Map<string, number>();
  open.serverErrors = errors;
  const serverLog = (event: Record<string, unknown>) => {
    if (event.level !== 'error') return;
    const message = `${String(event.msg)}: ${String(event.error)}`;
    if (!errors.has(message)) log(`  server log: ${message}`);
    errors.set(message, (errors.get(message) ?? 0) + 1);
  };
  open.server = await startServer({
    store: open.store,
    systems: open.systems,
    policy,
    host: '127.0.0.1',
    port: 0,
    log: serverLog,
  });
  open.client = httpClient(open.server.url, options.clients);
}

async function measure(
  options: ServerBenchOptions,
  names: BenchNames,
  opened: Opened,
  server: { location: string; version: string },
): Promise<ServerBenchResult> {
  const { store, systems, client, token, policy } = opened;
  const cases = benchCases(names, options.review);
  const caseOf = (i: number) => cases[i % cases.length] as BenchCase;
  const tokenRecord = await store.authenticate(token);
  if (tokenRecord === undefined) throw new Error('the agent token does not authenticate');
  const actor = parseActor(actorOfToken(tokenRecord));
  if (!actor.ok) throw new Error(actor.error);

  const { source, rules } = await systems.open(SYSTEM);
  const raw = await source.readSnapshot();
  const classified = classify(raw, rules);
  const catalog = {
    principals: raw.principals.length,
    logins: raw.principals.filter((p) => p.login).length,
    benchRoles: raw.principals.filter((p) => p.id.startsWith(names.rolePrefix)).length,
    resources: raw.resources.length,
    tables: raw.resources.filter((r) => r.kind === 'table' || r.kind === 'view').length,
    labelled: classified.resources.filter(
      (r) =>
        (r.kind === 'table' || r.kind === 'view') &&
        (r.labels.length > 0 || r.columns.some((column) => column.labels.length > 0)),
    ).length,
    grants: raw.grants.length,
  };
  log(
    `Catalog: ${catalog.principals} principals (${catalog.logins} logins), ${catalog.tables} tables and views, ${catalog.labelled} labelled.`,
  );

  // The check exactly as POST /api/v1/checks makes it, minus HTTP: the baseline.
  const inProcess = async (item: BenchCase): Promise<CheckReport> => {
    const opened = await systems.open(SYSTEM);
    const held = await checkAndHold({
      source: opened.source,
      rules: opened.rules,
      pieces: [{ sql: item.sql, origin: 'request', line: 1 }],
      actor: actor.value,
      policy,
      store,
      expiresAt: new Date(Date.now() + DAY_MS).toISOString(),
    });
    return held.report;
  };
  const bodies = new Map(cases.map((c) => [c.id, JSON.stringify({ system: SYSTEM, sql: c.sql })]));
  const overHttp = async (item: BenchCase): Promise<Outcome> => {
    const response = await client.request('POST', '/api/v1/checks', { token, json: bodies.get(item.id) as string });
    return outcomeOf(item, response.status, response.body);
  };
  const inProcessOutcome = async (item: BenchCase): Promise<Outcome> => {
    const report = await inProcess(item);
    return report.decision === item.expected
      ? { ok: true }
      : { ok: false, error: `${item.id}: ${report.decision}, expected ${item.expected}` };
  };

  log('Warming up (each change 5 times in process and over HTTP)…');
  const reports = new Map<string, CheckReport>();
  for (let round = 0; round < 5; round++)
    for (const item of cases) {
      const report = await inProcess(item);
      reports.set(item.id, report);
      if (report.decision !== item.expected)
        throw new Error(`"${item.name}" was decided ${report.decision}, not ${item.expected}: the catalog is off`);
      const outcome = await overHttp(item);
      if (!outcome.ok) throw new Error(`"${item.name}" over HTTP: ${outcome.error}`);
    }

  // The parts of a check and of the HTTP layer, measured in the same loop as the checks.
  const pieceSteps: Record<PieceName, (item: BenchCase) => Promise<void>> = {
    readSnapshot: async () => {
      await source.readSnapshot();
    },
    checkNotRecorded: async (item) => {
      await checkChange({
        source,
        rules,
        pieces: [{ sql: item.sql, origin: 'request', line: 1 }],
        actor: actor.value,
        policy,
      });
    },
    recordDecision: async (item) => {
      const report = reports.get(item.id) as CheckReport;
      await store.recordDecision({
        system: report.system,
        actor: actorOfToken(tokenRecord),
        inputHash: report.changeHash,
        decision: report.decision,
        reasons: report.reasons,
        summary: {
          principalsGaining: report.summary.principalsGaining,
          resourcesGaining: report.summary.resourcesGaining,
          labelsGained: report.summary.labelsGained,
        },
        statements: report.statements.length,
      });
    },
    authenticate: async () => {
      if ((await store.authenticate(token)) === undefined) throw new Error('the token no longer authenticates');
    },
    bare: async (item) =>
      expectStatus(await bareClient.request('POST', '/', { token, json: bodies.get(item.id) as string }), 200),
    healthz: async () => expectStatus(await client.request('GET', '/healthz'), 200),
    whoami: async () => expectStatus(await client.request('GET', '/api/v1/whoami', { token }), 200),
    refused: async () =>
      expectStatus(
        await client.request('POST', '/api/v1/checks', { token, json: JSON.stringify({ system: SYSTEM }) }),
        400,
      ),
  };
  const pieceSamples = new Map(PIECES.map((name) => [name, { ms: [] as number[], cpuMs: [] as number[] }]));
  const split = await snapshotSplitter(databaseUrl(options.url, names.database));
  // The floor: a bare node:http server answering a report-sized body, with the same client.
  const largest = [...reports.values()].reduce((a, b) => (JSON.stringify(b).length > JSON.stringify(a).length ? b : a));
  const bare = await startBareServer(JSON.stringify(largest)).catch(async (error: unknown) => {
    await split.close();
    throw error;
  });
  const bareClient = httpClient(bare.url, 1);

  // 1 and 3: sequential, one request at a time. The in-process check and the HTTP one alternate
  // (which goes first too), so that drift (the ledger growing, other load on the machine) touches
  // both alike; the pieces follow in the same loop for the same reason.
  log(
    `Sequential: ${options.repeat} rounds of a check in process, one over HTTP, and each piece once (about ${Math.ceil(options.repeat / 10)} s)…`,
  );
  collectGarbage();
  const seq = { inProcess: [] as number[], http: [] as number[] };
  const paired: number[] = [];
  const seqCpu = {
    inProcess: { user: [] as number[], system: [] as number[] },
    http: { user: [] as number[], system: [] as number[] },
  };
  const perCase = new Map(cases.map((c) => [c.id, { inProcess: [] as number[], http: [] as number[] }]));
  let sequentialErrors = 0;
  try {
    for (let i = 0; i < options.repeat; i++) {
      const item = caseOf(i);
      const samples = perCase.get(item.id) as { inProcess: number[]; http: number[] };
      const order = i % 2 === 0 ? (['inProcess', 'http'] as const) : (['http', 'inProcess'] as const);
      const round = { inProcess: 0, http: 0 };
      for (const mode of order) {
        const cpu = process.cpuUsage();
        const t0 = performance.now();
        const outcome = mode === 'http' ? await overHttp(item) : await inProcessOutcome(item);
        const ms = performance.now() - t0;
        const used = process.cpuUsage(cpu);
        seqCpu[mode].user.push(used.user / 1000);
        seqCpu[mode].system.push(used.system / 1000);
        round[mode] = ms;
        seq[mode].push(ms);
        samples[mode].push(ms);
        if (!outcome.ok) sequentialErrors++;
      }
      paired.push(round.http - round.inProcess);
      for (const name of PIECES) {
        const cpu = process.cpuUsage();
        const t0 = performance.now();
        await pieceSteps[name](item);
        const ms = performance.now() - t0;
        const used = process.cpuUsage(cpu);
        pieceSamples.get(name)?.ms.push(ms);
        pieceSamples.get(name)?.cpuMs.push((used.user + used.system) / 1000);
      }
      await split.once();
    }
  } finally {
    await split.close();
    bareClient.close();
    await bare.close();
  }

  // 2: concurrent, over HTTP, and in process with as many checks in flight (the baseline); in
  // halves, HTTP–in process–in process–HTTP, so that a change of load mid-way touches both alike.
  const half = {
    workers: options.clients,
    limit: Math.ceil(options.requests / 2),
    seconds: options.seconds / 2,
  };
  log(
    `Concurrent: ${options.clients} clients over HTTP, then ${options.clients} checks in flight in process, each for ${options.requests} requests or ${options.seconds} s, whichever first, in halves…`,
  );
  const stretches = { http: [] as LoadStretch[], inProcess: [] as LoadStretch[] };
  for (const mode of ['http', 'inProcess', 'inProcess', 'http'] as const) {
    collectGarbage();
    const stretch = await runLoad((i) => (mode === 'http' ? overHttp(caseOf(i)) : inProcessOutcome(caseOf(i))), half);
    stretches[mode].push(stretch);
    log(
      `  ${mode === 'http' ? 'HTTP' : 'in process'}: ${(stretch.latencies.length / stretch.seconds).toFixed(1)}/s, ${[...stretch.errors.values()].reduce((a, b) => a + b, 0)} errors`,
    );
  }
  const httpLoad = summariseLoad(stretches.http);
  const inProcessLoad = summariseLoad(stretches.inProcess);

  const serialisation = cases.map((item) => {
    const report = reports.get(item.id) as CheckReport;
    const text = JSON.stringify(report);
    const rounds = 1000;
    const t0 = performance.now();
    for (let i = 0; i < rounds; i++) JSON.stringify(report);
    const t1 = performance.now();
    for (let i = 0; i < rounds; i++) JSON.parse(text);
    const t2 = performance.now();
    return {
      id: item.id,
      bytes: Buffer.byteLength(text),
      stringifyMs: (t1 - t0) / rounds,
      parseMs: (t2 - t1) / rounds,
    };
  });

  const inProcessSeq = statsOf(seq.inProcess);
  const httpSeq = statsOf(seq.http);
  const addedP50 = httpSeq.p50 - inProcessSeq.p50;
  return {
    benchmark: 'server',
    server: { ...server, api: opened.server.url },
    cpus: availableParallelism(),
    node: process.version,
    loadAverage: loadavg(),
    catalog,
    options: {
      repeat: options.repeat,
      clients: options.clients,
      requests: options.requests,
      seconds: options.seconds,
      review: options.review,
    },
    cases: cases.map((c) => {
      const samples = perCase.get(c.id) as { inProcess: number[]; http: number[] };
      const report = reports.get(c.id) as CheckReport;
      return {
        id: c.id,
        name: c.name,
        sql: c.sql,
        decision: report.decision,
        principalsGaining: report.summary.principalsGaining,
        inProcessP50: statsOf(samples.inProcess).p50,
        httpP50: statsOf(samples.http).p50,
      };
    }),
    sequential: {
      checks: seq.inProcess.length,
      errors: sequentialErrors,
      inProcess: inProcessSeq,
      http: httpSeq,
      addedP50Ms: addedP50,
      addedPairedMedianMs: statsOf(paired).p50,
      addedMeanMs: httpSeq.mean - inProcessSeq.mean,
      cpuMs: {
        inProcess: { user: statsOf(seqCpu.inProcess.user).mean, system: statsOf(seqCpu.inProcess.system).mean },
        http: { user: statsOf(seqCpu.http.user).mean, system: statsOf(seqCpu.http.system).mean },
      },
    },
    concurrent: { clients: options.clients, http: httpLoad, inProcess: inProcessLoad },
    serverErrors: [...opened.serverErrors].map(([message, count]) => ({ message, count })),
    pieces: {
      parts: PIECES.map((id) => {
        const samples = pieceSamples.get(id) ?? { ms: [], cpuMs: [] };
        return { id, p50Ms: statsOf(samples.ms).p50, cpuMs: statsOf(samples.cpuMs).mean };
      }),
      snapshotRead: split.figures(),
      serialisation,
    },
    goals: [
      {
        name: 'the HTTP layer adds, at p50 (1 client)',
        goal: `< ${GOAL_ADDED_P50_MS} ms`,
        value: `${addedP50.toFixed(2)} ms`,
        met: addedP50 < GOAL_ADDED_P50_MS,
      },
      {
        name: `errors, ${options.clients} concurrent clients`,
        goal: '0',
        value: String(httpLoad.errors),
        met: httpLoad.errors === 0,
      },
    ],
  };
}

const PIECES = [
  'readSnapshot',
  'checkNotRecorded',
  'recordDecision',
  'authenticate',
  'bare',
  'healthz',
  'whoami',
  'refused',
] as const satisfies readonly PieceId[];
type PieceName = (typeof PIECES)[number];

function outcomeOf(item: BenchCase, status: number, body: string): Outcome {
  if (status !== 200) {
    let code = '';
    try {
      code = (JSON.parse(body) as { error?: { code?: string } }).error?.code ?? '';
    } catch {}
    return { ok: false, error: `HTTP ${status}${code === '' ? '' : ` ${code}`}` };
  }
  const decision = (JSON.parse(body) as { decision?: string }).decision;
  return decision === item.expected
    ? { ok: true }
    : { ok: false, error: `${item.id}: ${decision ?? 'no decision'}, expected ${item.expected}` };
}

function expectStatus(exchange: { status: number }, status: number): void {
  if (exchange.status !== status) throw new Error(`HTTP ${exchange.status}, expected ${status}`);
}

/**
 * What the snapshot read is made of, on a connection of its own to the same database: each
 * catalog query (named by the first catalog it reads), then normalising the rows and building
 * the snapshot.
 */
async function snapshotSplitter(url: string) {
  const client = new pg.Client({ connectionString: url, application_name: 'firebreak-bench-server' });
  client.on('error', () => {});
  await client.connect();
  const perQuery = new Map<string, number[]>();
  const timedDb: Queryable = {
    async query(text, params) {
      const t0 = performance.now();
      const result = await client.query(text, params);
      const name =
        /\bfrom\s+pg_catalog\.(\w+)/i.exec(text)?.[1] ??
        (/^\s*select\b/i.test(text) ? 'settings' : text.trim().split(/\s+/)[0]) ??
        '?';
      const samples = perQuery.get(name) ?? [];
      samples.push(performance.now() - t0);
      perQuery.set(name, samples);
      return result;
    },
  };
  const total = { catalog: [] as number[], normalise: [] as number[], create: [] as number[] };
  return {
    async once() {
      const t0 = performance.now();
      const rows = await readCatalog(timedDb);
      const t1 = performance.now();
      const data = normaliseCatalog(rows, SYSTEM);
      const t2 = performance.now();
      createSnapshot(data);
      total.catalog.push(t1 - t0);
      total.normalise.push(t2 - t1);
      total.create.push(performance.now() - t2);
    },
    figures(): PieceFigures['snapshotRead'] {
      const reads = total.catalog.length;
      return {
        catalogQueriesP50: statsOf(total.catalog).p50,
        normaliseP50: statsOf(total.normalise).p50,
        createSnapshotP50: statsOf(total.create).p50,
        queries: [...perQuery]
          .map(([name, samples]) => ({ name, count: samples.length / reads, p50: statsOf(samples).p50 }))
          .sort((a, b) => b.p50 * b.count - a.p50 * a.count),
      };
    },
    close: () => client.end(),
  };
}
