import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { LedgerRecord, Store } from '../dist/app/index.js';
import { redactUrl } from '../dist/connectors/postgres/index.js';
import { canonicalJson } from '../dist/core/index.js';
import { openStore, type StoreOptions } from '../dist/store/index.js';
import { encodeEntry, GENESIS_HASH } from '../dist/store/ledger-entry.js';
import { type AuditOptions, parseAuditOptions, usage } from './audit-options.ts';
import { POPULATE_BATCH, populateChain, type Sql } from './audit-populate.ts';
import { addProbes, EMPTY_PROBE, installProbe, type Probe } from './audit-probe.ts';
import { type AppendOutcome, killChildren, startChild, type VerifyOutcome } from './audit-process.ts';
import {
  type AppendCase,
  type AuditBenchResult,
  breakdownOf,
  type Goal,
  renderAuditReport,
  type VerifyCase,
} from './audit-report.ts';
import { createRecords, type LoadOptions, type LoadResult, percentile, runLoad } from './audit-workload.ts';
import { isRunning, withCleanup } from './cleanup.ts';
import { usageExit } from './options.ts';
import { createProgress, log } from './progress.ts';

export { usage };

export const summary =
  'audit ledger: appends/s on PGlite and a server (group commit, concurrent writer processes), verifying 1,000,000 entries';

/** The store's default, passed explicitly so that the chains built here follow the same rhythm. */
const CHECKPOINT_EVERY = 1_000;
/** Connections of the baseline that inserts one row per transaction concurrently. */
const BASELINE_CONNECTIONS = 16;
const APPENDS_GOAL = 5_000;
const VERIFY_GOAL_MS = 20_000;
const SCHEMA_PREFIX = 'fbbench_audit_';

export async function run(args: readonly string[]): Promise<number> {
  const options = parseAuditOptions(args);
  const exit = usageExit(options, usage);
  if (exit !== undefined || typeof options === 'string') return exit ?? 2;
  const location = redactUrl(options.url);
  const admin = new pg.Client({ connectionString: options.url, application_name: 'firebreak-bench-audit' });
  try {
    await admin.connect();
  } catch (error) {
    process.stderr.write(`Cannot reach the server at ${location}: ${(error as Error).message}\n`);
    return 1;
  }
  const base = `${SCHEMA_PREFIX}${process.pid}_${randomBytes(3).toString('hex')}`;
  const schemas = { ledger: `${base}_l`, verify: `${base}_v`, baseline: `${base}_b` };
  const temp = mkdtempSync(join(tmpdir(), 'firebreak-bench-audit-'));
  const cleanup = async () => {
    killChildren();
    for (const schema of Object.values(schemas))
      await admin.query(`drop schema if exists ${quote(schema)} cascade`).catch((error: unknown) => {
        log(`Could not drop schema ${schema}: ${(error as Error).message}`);
      });
    await admin.end().catch(() => {});
    rmSync(temp, { recursive: true, force: true });
  };
  return withCleanup(
    cleanup,
    (signal) => log(`Interrupted (${signal}): dropping the benchmark's schemas…`),
    async () => {
      await dropLeftovers(admin);
      log(`Schemas ${base}_{l,b,v} and ${temp} (all removed at the end).`);
      const result = await measure(options, { admin, location, schemas, temp });
      process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : renderAuditReport(result));
      return 0;
    },
  );
}

interface Setup {
  readonly admin: pg.Client;
  readonly location: string;
  readonly schemas: { readonly ledger: string; readonly verify: string; readonly baseline: string };
  readonly temp: string;
}

async function measure(options: AuditOptions, setup: Setup): Promise<AuditBenchResult> {
  const { admin, temp, schemas } = setup;
  const info = (
    await admin.query<Record<string, string>>(
      `select version() as version, current_setting('synchronous_commit') as synchronous_commit,
              current_setting('fsync') as fsync, current_setting('wal_sync_method') as wal_sync_method,
              current_setting('commit_delay') as commit_delay`,
    )
  ).rows[0] as Record<string, string>;
  const { version = '', ...settings } = info;
  const probe = installProbe();
  const appends: AppendCase[] = [];
  const load = (inFlight: number): LoadOptions => ({ inFlight, limit: options.appends, seconds: options.seconds });
  /** Cases (a) and (b) on one store: one writer awaiting each append, then many in flight. */
  const oneWriterCases = async (store: Store, kind: 'server' | 'pglite', idPrefix: string, withProbe?: Probe) => [
    await appendCase(store, kind, `${idPrefix}a`, '(a) 1 writer, each append awaited', load(1), withProbe),
    await appendCase(
      store,
      kind,
      `${idPrefix}b`,
      `(b) 1 writer, ${options.inFlight} appends in flight`,
      load(options.inFlight),
      withProbe,
    ),
  ];

  appends.push(...(await measureBaseline(options, setup)));

  const serverStore = (keyName: string, schema: string): StoreOptions => ({
    url: options.url,
    schema,
    keyPath: join(temp, keyName),
    checkpointEvery: CHECKPOINT_EVERY,
  });
  const shared = serverStore('server.key', schemas.ledger);
  log('Server ledger: one writer…');
  await withStore(shared, async (store) => {
    appends.push(...(await oneWriterCases(store, 'server', '', probe)));
  });
  appends.push(await concurrentWriters(options, shared));
  log('Verifying the chain the writers shared…');
  const sharedChain = await withStore(shared, async (store) => {
    const started = performance.now();
    const report = await store.ledger.verify();
    return { entries: report.entries, ok: report.ok, seconds: (performance.now() - started) / 1000 };
  });

  log('PGlite ledger: one writer (initdb of a new data directory first)…');
  const pglite: StoreOptions = {
    directory: join(temp, 'pglite-appends'),
    keyPath: join(temp, 'pglite.key'),
    checkpointEvery: CHECKPOINT_EVERY,
  };
  await withStore(pglite, async (store) => {
    appends.push(...(await oneWriterCases(store, 'pglite', 'pglite-')));
  });

  const verify: VerifyCase[] = [];
  if (options.verifyEntries > 0)
    verify.push(
      await verifyCase(options, 'server', serverStore('verify.key', schemas.verify), options.verifyEntries, (work) =>
        work(
          async <Row>(text: string, params: readonly unknown[] = []) =>
            (await admin.query(text, [...params])).rows as Row[],
        ),
      ),
    );
  if (options.pgliteVerifyEntries > 0) {
    const directory = join(temp, 'pglite-verify');
    verify.push(
      await verifyCase(
        options,
        'pglite',
        { directory, keyPath: join(temp, 'pglite-verify.key'), checkpointEvery: CHECKPOINT_EVERY },
        options.pgliteVerifyEntries,
        async (work) => {
          const db = await PGlite.create(join(directory, 'pgdata'));
          try {
            return await work(
              async <Row>(text: string, params: readonly unknown[] = []) =>
                (await db.query<Row>(text, [...params])).rows,
            );
          } finally {
            await db.close();
          }
        },
      ),
    );
  }

  const next = createRecords(7);
  const dataBytes: number[] = [];
  const entryBytes: number[] = [];
  for (let i = 0; i < 2_000; i++) {
    const record = next();
    dataBytes.push(Buffer.byteLength(canonicalJson(record.data)));
    entryBytes.push(Buffer.byteLength(encodeEntry(record, 1_000_000 + i, new Date().toISOString(), GENESIS_HASH).text));
  }
  const spread = (values: number[]) => ({
    min: Math.min(...values),
    mean: values.reduce((a, b) => a + b, 0) / values.length,
    max: Math.max(...values),
  });
  return {
    benchmark: 'audit',
    server: { location: setup.location, version, settings },
    cpus: availableParallelism(),
    records: { dataBytes: spread(dataBytes), entryBytes: spread(entryBytes) },
    options: {
      seconds: options.seconds,
      appends: options.appends,
      inFlight: options.inFlight,
      writers: options.writers,
      checkpointEvery: CHECKPOINT_EVERY,
      baselineConnections: BASELINE_CONNECTIONS,
    },
    appends,
    sharedChain,
    verify,
    goals: goalsOf(appends, verify, options),
  };
}

async function withStore<T>(options: StoreOptions, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(options);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

function caseOf(
  base: Omit<AppendCase, 'appends' | 'seconds' | 'perSecond' | 'latencyMs'>,
  results: readonly LoadResult[],
  rowsPerCall = 1,
): AppendCase {
  const appends = results.reduce((sum, r) => sum + r.appends, 0) * rowsPerCall;
  const wallMs = Math.max(...results.map((r) => r.endedAt)) - Math.min(...results.map((r) => r.startedAt));
  const latencies = results.flatMap((r) => r.latenciesMs);
  return {
    ...base,
    appends,
    seconds: wallMs / 1000,
    perSecond: appends / (wallMs / 1000),
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
  };
}

async function appendCase(
  store: Store,
  kind: 'server' | 'pglite',
  id: string,
  name: string,
  load: LoadOptions,
  probe?: Probe,
): Promise<AppendCase> {
  const next = createRecords(id.length * 7919);
  const append = (record: LedgerRecord) => store.ledger.append(record);
  log(`  ${name}: warming up, then ${load.seconds} s or ${load.limit.toLocaleString('en-US')} appends…`);
  await runLoad(append, next, { ...load, limit: Math.max(20, load.inFlight * 5), seconds: 30 });
  probe?.reset();
  const result = await runLoad(append, next, load);
  const measured = caseOf({ store: kind, id, name, chained: true, writers: 1, inFlight: load.inFlight }, [result]);
  const transactions = breakdownOf(probe?.read(), result.endedAt - result.startedAt);
  log(`    ${Math.round(measured.perSecond).toLocaleString('en-US')} appends/s`);
  return transactions === undefined ? measured : { ...measured, transactions };
}

/** (c): separate processes, each with its own store on the same schema and key, appending at once. */
async function concurrentWriters(options: AuditOptions, store: StoreOptions): Promise<AppendCase> {
  log(`Server ledger: ${options.writers} writer processes, ${options.inFlight} appends in flight each…`);
  const children = Array.from({ length: options.writers }, (_, i) =>
    startChild<AppendOutcome>({
      mode: 'append',
      store,
      seed: 1_000 + i,
      warmup: options.inFlight * 5,
      load: {
        inFlight: options.inFlight,
        limit: Math.ceil(options.appends / options.writers),
        seconds: options.seconds,
      },
    }),
  );
  try {
    await Promise.all(children.map((c) => c.ready));
    for (const child of children) child.go();
    const outcomes = await Promise.all(children.map((c) => c.outcome));
    const name = `(c) ${options.writers} writer processes, ${options.inFlight} in flight each`;
    const measured = caseOf(
      { store: 'server', id: 'c', name, chained: true, writers: options.writers, inFlight: options.inFlight },
      outcomes,
    );
    const probe = outcomes.reduce((sum, o) => addProbes(sum, o.probe ?? EMPTY_PROBE), EMPTY_PROBE);
    const transactions = breakdownOf(probe, measured.seconds * 1000);
    log(`    ${Math.round(measured.perSecond).toLocaleString('en-US')} appends/s in all`);
    return {
      ...measured,
      perWriter: outcomes.map((o) => ({
        appends: o.appends,
        perSecond: o.appends / ((o.endedAt - o.startedAt) / 1000),
      })),
      ...(transactions === undefined ? {} : { transactions }),
    };
  } finally {
    for (const child of children) child.kill();
  }
}

/**
 * The cost of durability alone: the same entry texts inserted into a plain table with the ledger's
 * columns and indexes, with no chain, no lock and no hashing in the client.
 */
async function measureBaseline(options: AuditOptions, setup: Setup): Promise<AppendCase[]> {
  const t = `${quote(setup.schemas.baseline)}.plain`;
  await setup.admin.query(`create schema ${quote(setup.schemas.baseline)}`);
  await setup.admin.query(
    `create table ${t} (id bigint generated always as identity primary key, at timestamptz not null, kind text not null,
                        hash text not null unique, entry text not null);
     create index on ${t} (kind, id)`,
  );
  const next = createRecords(99);
  const texts = Array.from({ length: 1_000 }, (_, i) => {
    const record = next();
    return { kind: record.kind, entry: encodeEntry(record, i + 1, new Date().toISOString(), GENESIS_HASH).text };
  });
  let n = 0;
  const row = () => {
    const text = texts[n++ % texts.length] as { kind: string; entry: string };
    return [new Date().toISOString(), text.kind, randomBytes(32).toString('hex'), text.entry];
  };
  const insertOne = `insert into ${t} (at, kind, hash, entry) values ($1, $2, $3, $4)`;
  const cases: AppendCase[] = [];
  const timedLoad = async (
    call: () => Promise<unknown>,
    inFlight: number,
    limit: number,
    id: string,
    name: string,
    rows = 1,
  ) => {
    log(`  ${name}…`);
    const noRecord = () => ({ kind: 'decision', actor: 'bench', data: {} }) as const;
    await runLoad(call, noRecord, { inFlight, limit: Math.max(20, inFlight * 5), seconds: 30 });
    const result = await runLoad(call, noRecord, { inFlight, limit, seconds: options.seconds });
    const measured = caseOf({ store: 'server', id, name, chained: false, writers: 1, inFlight }, [result], rows);
    log(`    ${Math.round(measured.perSecond).toLocaleString('en-US')} rows/s`);
    cases.push(measured);
  };
  log('Server baseline (plain table, no chain)…');
  const client = new pg.Client({ connectionString: options.url });
  await client.connect();
  try {
    await timedLoad(
      () => client.query(insertOne, row()),
      1,
      options.appends,
      'baseline-single',
      'single-row INSERT per transaction, 1 connection',
    );
    const batch = options.inFlight;
    await timedLoad(
      () => {
        const rows = Array.from({ length: batch }, row);
        return client.query(
          `insert into ${t} (at, kind, hash, entry) select * from unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[])`,
          [0, 1, 2, 3].map((c) => rows.map((r) => r[c])),
        );
      },
      1,
      Math.ceil(options.appends / batch),
      'baseline-batched',
      `${batch}-row INSERT per transaction, 1 connection`,
      batch,
    );
  } finally {
    await client.end();
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: BASELINE_CONNECTIONS,
  });
  try {
    await timedLoad(
      () => pool.query(insertOne, row()),
      BASELINE_CONNECTIONS,
      options.appends,
      'baseline-connections',
      `single-row INSERT per transaction, ${BASELINE_CONNECTIONS} connections`,
    );
  } finally {
    await pool.end();
  }
  return cases;
}

/** Builds a chain of `entries` in a new store, then times ledger.verify() in a process of its own. */
async function verifyCase(
  options: AuditOptions,
  kind: 'server' | 'pglite',
  store: StoreOptions,
  entries: number,
  withSql: (work: (sql: Sql) => Promise<{ checkpoints: number }>) => Promise<{ checkpoints: number }>,
): Promise<VerifyCase> {
  const label = kind === 'server' ? 'server' : 'PGlite';
  log(`Verify (${label}): building a chain of ${entries.toLocaleString('en-US')} entries (${options.populate})…`);
  const started = performance.now();
  let how: string;
  if (options.populate === 'append') {
    await withStore(store, async (opened) => {
      const progress = createProgress(`appending (${label})`, entries - 1);
      await runLoad(
        (record) => opened.ledger.append(record),
        createRecords(4242),
        { inFlight: 2_000, limit: entries - 1, seconds: Number.POSITIVE_INFINITY },
        () => progress.advance(1),
      );
      progress.done();
    });
    how = 'ledger.append, 2,000 in flight';
  } else {
    // openStore creates the schema and writes the first entry; the rest is inserted directly.
    await withStore(store, async () => {});
    await withSql((sql) =>
      populateChain(sql, {
        schema: kind === 'server' ? quote(store.schema ?? 'firebreak') : quote('firebreak'),
        keyPath: store.keyPath,
        total: entries,
        checkpointEvery: CHECKPOINT_EVERY,
        seed: 4242,
        label,
      }),
    );
    how = `rows encoded with the store's encodeEntry and inserted ${POPULATE_BATCH.toLocaleString('en-US')} per INSERT (unnest), a signed checkpoint every ${CHECKPOINT_EVERY.toLocaleString('en-US')}`;
  }
  const populateSeconds = (performance.now() - started) / 1000;
  const child = startChild<VerifyOutcome>({ mode: 'verify', store, label });
  try {
    await child.ready;
    child.go();
    const outcome = await child.outcome;
    if (!outcome.ok) log(`  verify reported findings: ${outcome.findings.join('; ')}`);
    return {
      store: kind,
      entries: outcome.entries,
      checkpoints: outcome.checkpoints,
      populate: { how, seconds: populateSeconds },
      seconds: outcome.ms / 1000,
      perSecond: outcome.entries / (outcome.ms / 1000),
      ok: outcome.ok,
      findings: outcome.findings,
      rssAfterOpenBytes: outcome.rssAfterOpenBytes,
      peakRssBytes: outcome.peakRssBytes,
      peakHeapUsedBytes: outcome.peakHeapUsedBytes,
    };
  } finally {
    child.kill();
  }
}

function goalsOf(appends: readonly AppendCase[], verify: readonly VerifyCase[], options: AuditOptions): Goal[] {
  const goals: Goal[] = [];
  const concurrent = appends.find((c) => c.id === 'c');
  if (concurrent !== undefined)
    goals.push({
      name: `appends/s on the server, ${options.writers} concurrent writer processes`,
      target: `≥ ${APPENDS_GOAL.toLocaleString('en-US')}/s`,
      measured: `${Math.round(concurrent.perSecond).toLocaleString('en-US')}/s`,
      met: concurrent.perSecond >= APPENDS_GOAL,
    });
  const server = verify.find((v) => v.store === 'server');
  if (server !== undefined) {
    const scaled = (server.seconds * 1_000_000) / server.entries;
    const exact = server.entries === 1_000_000;
    goals.push({
      name: 'verifying 1,000,000 entries on the server',
      target: `< ${VERIFY_GOAL_MS / 1000} s`,
      measured: exact
        ? `${server.seconds.toFixed(1)} s`
        : `${scaled.toFixed(1)} s (${server.seconds.toFixed(1)} s for ${server.entries.toLocaleString('en-US')}, scaled linearly)`,
      met: scaled * 1000 < VERIFY_GOAL_MS && server.ok,
    });
  }
  return goals;
}

/** Drops schemas left by runs that were killed before they could clean up (their process is gone). */
async function dropLeftovers(admin: pg.Client): Promise<void> {
  const { rows } = await admin.query<{ name: string }>(
    `select nspname::text as name from pg_catalog.pg_namespace where starts_with(nspname, $1)`,
    [SCHEMA_PREFIX],
  );
  for (const { name } of rows) {
    const pid = Number(/^fbbench_audit_(\d+)_/.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid === process.pid || isRunning(pid)) continue;
    log(`Dropping schema ${name}, left by an interrupted run (process ${pid} is gone).`);
    await admin.query(`drop schema if exists ${quote(name)} cascade`);
  }
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
