import { readCatalog } from '../dist/connectors/postgres/catalog.js';
import { connectPostgres, type Queryable, readPostgresSnapshot } from '../dist/connectors/postgres/index.js';
import { normaliseCatalog } from '../dist/connectors/postgres/normalise.js';
import {
  accessSetsOf,
  type ClassificationRules,
  classify,
  compileGlob,
  computeExposure,
  createSnapshot,
  type Exposure,
  type Snapshot,
} from '../dist/core/index.js';
import { type BenchTarget, dropCatalog, ensureCatalog } from './bench-database.ts';
import { readCatalogCounts } from './catalog-counts.ts';
import { type ExposureOptions, parseExposureOptions, usage } from './exposure-options.ts';
import {
  type ExposureBenchResult,
  type FirebreakCounts,
  goalsOf,
  renderExposureReport,
  statOf,
} from './exposure-report.ts';
import { collectGarbage, type MemoryPeak, timed, timedSync, trackMemory } from './measure.ts';
import { usageExit } from './options.ts';
import { measurePostgresBaseline } from './postgres-baseline.ts';
import { log } from './progress.ts';
import { LABEL_RULE } from './synthetic-catalog.ts';

export { usage };

const TARGET = { database: 'firebreak_bench_exposure', rolePrefix: 'fbbexp_' } as const;

export const summary = 'who can read labelled tables: Firebreak vs PostgreSQL, 10,000 roles × 50,000 tables';

export async function run(args: readonly string[]): Promise<number> {
  const options = parseExposureOptions(args);
  const exit = usageExit(options, usage);
  if (exit !== undefined || typeof options === 'string') return exit ?? 2;
  const target: BenchTarget = { adminUrl: options.adminUrl, ...TARGET };
  if (options.drop) {
    await dropCatalog(target);
    log(`Dropped database ${target.database} and the ${target.rolePrefix}* roles.`);
    return 0;
  }
  const catalog = await ensureCatalog(target, options.shape, options.fresh);
  const connection = await connectPostgres(catalog.url);
  try {
    const result = await measure(connection.db, options, target);
    const full: ExposureBenchResult = {
      ...result,
      catalog: {
        database: target.database,
        marker: catalog.marker,
        shape: options.shape,
        buildSeconds: catalog.buildMs === undefined ? null : catalog.buildMs / 1000,
      },
    };
    process.stdout.write(options.json ? `${JSON.stringify(full, null, 2)}\n` : renderExposureReport(full));
  } finally {
    await connection.close();
  }
  return 0;
}

const RULES: ClassificationRules = (() => {
  const glob = compileGlob(LABEL_RULE.glob);
  if (!glob.ok) throw new Error(glob.error);
  return { rules: [{ label: LABEL_RULE.label, glob: glob.value }] };
})();

async function measure(
  db: Queryable,
  options: ExposureOptions,
  target: BenchTarget,
): Promise<Omit<ExposureBenchResult, 'catalog'>> {
  const server = ((await db.query('select version() as v')).rows[0] as { v: string }).v;
  log('Counting the catalog…');
  const counts = await readCatalogCounts(db, target.rolePrefix);
  const memory = trackMemory();

  log(`Reading the snapshot (${options.snapshotRepeat}× and once in stages)…`);
  const reads: number[] = [];
  let snapshot: Snapshot | undefined;
  let breakdown: Awaited<ReturnType<typeof snapshotBreakdown>> | undefined;
  for (let i = 0; i < options.snapshotRepeat; i++) {
    snapshot = undefined;
    collectGarbage();
    // The staged read runs once the code is warm (after the first read) and alone in memory.
    if (i === 1 || options.snapshotRepeat === 1) breakdown = await snapshotBreakdown(db, memory);
    collectGarbage();
    const read = await timed(() => readPostgresSnapshot(db, 'bench'));
    memory.sample();
    snapshot = read.value;
    reads.push(read.ms);
    log(`  read ${i + 1}: ${(read.ms / 1000).toFixed(2)} s`);
  }
  if (snapshot === undefined || breakdown === undefined) throw new Error('no snapshot was read');

  log(`Classifying and computing exposure (${options.repeat}×)…`);
  const inMemory = measureInMemory(snapshot, options.repeat, memory);
  const exposure = inMemory.result;
  const firebreak = firebreakCounts(snapshot, exposure);
  const memoryFigures = memory.stop();

  const baseline = options.sample > 0 ? await compareWithPostgres(db, exposure, options) : null;

  const timings = {
    snapshotReadMs: statOf(reads),
    snapshotBreakdownMs: breakdown,
    classifyMs: inMemory.classify,
    closureMs: inMemory.closure,
    exposureMs: inMemory.exposure,
    closureExposureMs: inMemory.closureExposure,
  };
  return {
    benchmark: 'exposure',
    server,
    labelRule: `${LABEL_RULE.label}=${LABEL_RULE.glob} (plus the built-in column-name detectors)`,
    counts,
    firebreak,
    timings,
    memory: memoryFigures,
    baseline,
    goals: goalsOf(timings, memoryFigures, baseline),
  };
}

/**
 * Asks PostgreSQL the same question about the tables Firebreak found labelled, and checks that
 * every pair it finds readable is among Firebreak's readers.
 */
async function compareWithPostgres(
  db: Queryable,
  exposure: Exposure,
  options: ExposureOptions,
): Promise<NonNullable<ExposureBenchResult['baseline']>> {
  const tables = exposure.resources.map((r) => ({ schema: r.resource.path[0] ?? '', name: r.resource.path[1] ?? '' }));
  log(`Asking PostgreSQL about ${options.sample} login roles × ${tables.length} labelled tables…`);
  const measured = await measurePostgresBaseline(db, tables, {
    sample: options.sample,
    seed: options.shape.seed,
    repeat: 3,
  });
  log(
    `  role-major ${measured.roleMajor.sampleMs.map((t) => ms(t)).join(', ')}; ` +
      `table-major ${measured.tableMajor.sampleMs.map((t) => ms(t)).join(', ')}`,
  );
  const sampled = new Set(measured.sampledRoles);
  const firebreakPairs = new Set<string>();
  for (const entry of exposure.resources)
    for (const reader of entry.readers)
      if (sampled.has(reader.principal))
        firebreakPairs.add(`${reader.principal}\u0000${entry.resource.path[0]}\u0000${entry.resource.path[1]}`);
  let confirmed = 0;
  for (const pair of measured.pairs) if (firebreakPairs.has(pair)) confirmed++;
  return {
    loginRoles: measured.loginRoles,
    sampledRoles: measured.sampledRoles.length,
    tables: measured.tables,
    roleMajor: { sampleMs: statOf(measured.roleMajor.sampleMs), extrapolatedMs: measured.roleMajor.extrapolatedMs },
    tableMajor: { sampleMs: statOf(measured.tableMajor.sampleMs), extrapolatedMs: measured.tableMajor.extrapolatedMs },
    plainJoinOuter: measured.plainJoinOuter,
    pairsFound: measured.pairs.size,
    pairsConfirmedByFirebreak: confirmed,
    firebreakOnlyPairs: firebreakPairs.size - confirmed,
  };
}

/** One read, split into its stages: catalog queries with row validation, normalising, indexing. */
async function snapshotBreakdown(db: Queryable, memory: MemoryPeak) {
  collectGarbage();
  const rows = await timed(() => readCatalog(db));
  const data = timedSync(() => normaliseCatalog(rows.value, 'bench'));
  const created = timedSync(() => createSnapshot(data.value));
  memory.sample();
  return { catalogQueries: rows.ms, normalise: data.ms, createSnapshot: created.ms };
}

/**
 * Runs classify → closures (accessSetsOf) → computeExposure `repeat` times. classify is memoised
 * per snapshot and rules object, and the access sets per snapshot: each run passes rules of its
 * own, so that it classifies afresh and gets a new snapshot, and computes everything again.
 */
function measureInMemory(snapshot: Snapshot, repeat: number, memory: MemoryPeak) {
  const times = { classify: [] as number[], closure: [] as number[], exposure: [] as number[], both: [] as number[] };
  let exposure: Exposure | undefined;
  for (let i = 0; i < repeat; i++) {
    exposure = undefined;
    collectGarbage();
    const rules: ClassificationRules = { ...RULES };
    const classified = timedSync(() => classify(snapshot, rules));
    const labelled = classified.value;
    const closure = timedSync(() => accessSetsOf(labelled));
    const computed = timedSync(() => computeExposure(labelled));
    memory.sample();
    exposure = computed.value;
    times.classify.push(classified.ms);
    times.closure.push(closure.ms);
    times.exposure.push(computed.ms);
    times.both.push(closure.ms + computed.ms);
    log(`  run ${i + 1}: classify ${ms(classified.ms)}, closure ${ms(closure.ms)}, exposure ${ms(computed.ms)}`);
  }
  if (exposure === undefined) throw new Error('no exposure was computed');
  return {
    classify: statOf(times.classify),
    closure: statOf(times.closure),
    exposure: statOf(times.exposure),
    closureExposure: statOf(times.both),
    result: exposure,
  };
}

const ms = (value: number) => `${value.toFixed(0)} ms`;

function firebreakCounts(snapshot: Snapshot, exposure: Exposure): FirebreakCounts {
  const readers = new Set<string>();
  const byAccess = { full: 0, filtered: 0, columns: 0 };
  let entries = 0;
  for (const resource of exposure.resources)
    for (const reader of resource.readers) {
      entries++;
      readers.add(reader.principal);
      byAccess[reader.access]++;
    }
  return {
    principals: snapshot.principals.length,
    logins: snapshot.principals.filter((p) => p.login).length,
    memberships: snapshot.memberships.length,
    longestChain: longestChain(snapshot),
    resources: snapshot.resources.length,
    grants: snapshot.grants.length,
    labelledResources: exposure.resources.length,
    readerEntries: entries,
    distinctReaders: readers.size,
    byAccess,
  };
}

/** Edges in the longest member → group chain (memberships form a DAG in PostgreSQL). */
function longestChain(snapshot: Snapshot): number {
  const memo = new Map<string, number>();
  const depthOf = (member: string): number => {
    const known = memo.get(member);
    if (known !== undefined) return known;
    memo.set(member, 0);
    let depth = 0;
    for (const edge of snapshot.membershipsOf.get(member) ?? []) depth = Math.max(depth, 1 + depthOf(edge.group));
    memo.set(member, depth);
    return depth;
  };
  return Math.max(0, ...snapshot.principals.map((p) => depthOf(p.id)));
}
