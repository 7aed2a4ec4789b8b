import type { CatalogCounts } from './catalog-counts.ts';
import { type MemoryFigures, median } from './measure.ts';
import type { CatalogShape } from './synthetic-catalog.ts';

/** Milliseconds of repeated runs. */
export interface Stat {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly samples: readonly number[];
}

export function statOf(samples: readonly number[]): Stat {
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples };
}

/** What Firebreak saw in the snapshot and found in its exposure. */
export interface FirebreakCounts {
  readonly principals: number;
  readonly logins: number;
  readonly memberships: number;
  readonly longestChain: number;
  readonly resources: number;
  /** Grants in the model: one per grantee, privilege and object (owners' implicit ones made explicit). */
  readonly grants: number;
  readonly labelledResources: number;
  /** (login, labelled resource) pairs with some read access. */
  readonly readerEntries: number;
  readonly distinctReaders: number;
  readonly byAccess: { readonly full: number; readonly filtered: number; readonly columns: number };
}

export interface BaselineTiming {
  /** Time for the sampled login roles. */
  readonly sampleMs: Stat;
  /** Median sample time scaled linearly from the sampled login roles to all of them. */
  readonly extrapolatedMs: number;
}

export interface Goal {
  readonly name: string;
  readonly target: string;
  readonly measured: string;
  /** The same figures as numbers, in `unit`. */
  readonly value: number;
  readonly limit: number;
  readonly unit: 'ratio' | 'ms' | 'bytes';
  readonly met: boolean;
}

export interface ExposureBenchResult {
  readonly benchmark: 'exposure';
  readonly server: string;
  readonly labelRule: string;
  readonly catalog: {
    readonly database: string;
    readonly marker: string;
    readonly shape: CatalogShape;
    /** Seconds this run spent building the catalog; null when an existing one was reused. */
    readonly buildSeconds: number | null;
  };
  readonly counts: CatalogCounts;
  readonly firebreak: FirebreakCounts;
  readonly timings: {
    readonly snapshotReadMs: Stat;
    readonly snapshotBreakdownMs: {
      readonly catalogQueries: number;
      readonly normalise: number;
      readonly createSnapshot: number;
    };
    readonly classifyMs: Stat;
    readonly closureMs: Stat;
    readonly exposureMs: Stat;
    readonly closureExposureMs: Stat;
  };
  readonly memory: MemoryFigures;
  readonly baseline: {
    readonly loginRoles: number;
    readonly sampledRoles: number;
    readonly tables: number;
    /** Each role the outer loop: PostgreSQL's best case (it caches one role's memberships at a time). */
    readonly roleMajor: BaselineTiming;
    /** Each table the outer loop: the role changes on every call, PostgreSQL's worst case. */
    readonly tableMajor: BaselineTiming;
    /** The loop a plain `roles cross join tables` gets from the planner here. */
    readonly plainJoinOuter: 'roles' | 'tables' | 'unknown';
    readonly pairsFound: number;
    readonly pairsConfirmedByFirebreak: number;
    /** Pairs only Firebreak reports: SET ROLE paths of NOINHERIT roles and column grants. */
    readonly firebreakOnlyPairs: number;
  } | null;
  readonly goals: readonly Goal[];
}

const GOAL_RATIO = 20;
const GOAL_CLOSURE_EXPOSURE_MS = 2000;
const GOAL_PEAK_BYTES = 1e9;

export function goalsOf(
  timings: ExposureBenchResult['timings'],
  memory: MemoryFigures,
  baseline: ExposureBenchResult['baseline'],
): Goal[] {
  const inMemory = timings.closureExposureMs.median;
  const goals: Goal[] = [];
  if (baseline !== null) {
    const ratio = baseline.roleMajor.extrapolatedMs / inMemory;
    goals.push({
      name: 'exposure vs PostgreSQL (its best order)',
      target: `≥ ${GOAL_RATIO}× faster`,
      measured: `${ratio.toFixed(ratio < 10 ? 1 : 0)}×`,
      value: ratio,
      limit: GOAL_RATIO,
      unit: 'ratio',
      met: ratio >= GOAL_RATIO,
    });
  }
  goals.push(
    {
      name: 'closure + exposure',
      target: `< ${seconds(GOAL_CLOSURE_EXPOSURE_MS)}`,
      measured: seconds(inMemory),
      value: inMemory,
      limit: GOAL_CLOSURE_EXPOSURE_MS,
      unit: 'ms',
      met: inMemory < GOAL_CLOSURE_EXPOSURE_MS,
    },
    {
      name: 'peak memory (RSS)',
      target: `< ${megabytes(GOAL_PEAK_BYTES)}`,
      measured: megabytes(memory.peakRssBytes),
      value: memory.peakRssBytes,
      limit: GOAL_PEAK_BYTES,
      unit: 'bytes',
      met: memory.peakRssBytes < GOAL_PEAK_BYTES,
    },
  );
  return goals;
}

const count = (n: number) => n.toLocaleString('en-US');
const seconds = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(2)} s`);
const megabytes = (bytes: number) => `${count(Math.round(bytes / 1e6))} MB`;

/** Pads cells into aligned columns: names and notes (first and last) left-aligned, figures right-aligned. */
function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  return rows
    .map((row) =>
      row
        .map((cell, i) =>
          i === 0 || i === row.length - 1 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0),
        )
        .join('   ')
        .trimEnd(),
    )
    .map((line) => `  ${line}\n`)
    .join('');
}

export function renderExposureReport(result: ExposureBenchResult): string {
  const { counts, firebreak, timings, memory, baseline, catalog } = result;
  const aclItems = counts.tableAclItems + counts.columnAclItems + counts.schemaAclItems;
  const built = catalog.buildSeconds === null ? 'reused' : `built in ${catalog.buildSeconds.toFixed(1)} s this run`;
  const t = (stat: Stat) => [seconds(stat.median), seconds(stat.min), seconds(stat.max)];
  const inMemory = timings.closureExposureMs.median;
  const goal = (name: string) => result.goals.find((g) => g.name === name);
  const mark = (g: Goal | undefined) => (g === undefined ? ['', ''] : [g.target, g.met ? 'met' : 'MISSED']);
  const b = timings.snapshotBreakdownMs;
  const out = [
    'Firebreak exposure benchmark\n',
    `  server     ${result.server.split(' on ')[0] ?? result.server}\n`,
    `  catalog    database ${catalog.database}, ${built}\n`,
    `             ${catalog.marker}\n`,
    `  labels     ${result.labelRule}\n\n`,
    'Catalog (as PostgreSQL counts it)\n',
    table([
      [
        'roles',
        count(counts.roles),
        `${count(counts.benchRoles)} generated, ${count(counts.benchLogins)} of them LOGIN`,
      ],
      ['login roles', count(counts.logins), ''],
      ['memberships', count(counts.memberships), `longest chain ${firebreak.longestChain} edges`],
      ['schemas', count(counts.schemas), ''],
      [
        'tables',
        count(counts.tables),
        `${count(counts.columns)} columns, ${count(counts.rowSecurityTables)} with row security`,
      ],
      [
        'ACL entries',
        count(aclItems),
        `table ${count(counts.tableAclItems)}, column ${count(counts.columnAclItems)}, schema ${count(counts.schemaAclItems)} (grantee × object, owners' own excluded)`,
      ],
    ]),
    '\nFirebreak’s view\n',
    table([
      ['principals', count(firebreak.principals), `${count(firebreak.logins)} login (PUBLIC counted)`],
      ['resources', count(firebreak.resources), 'database, schemas, relations'],
      ['grants', count(firebreak.grants), 'one per grantee × privilege × object'],
      ['labelled tables', count(firebreak.labelledResources), `expected ${count(catalog.shape.labelled)}`],
      [
        'readers found',
        count(firebreak.readerEntries),
        `(login, table) pairs: ${count(firebreak.byAccess.full)} full, ${count(firebreak.byAccess.filtered)} filtered, ${count(firebreak.byAccess.columns)} columns; ${count(firebreak.distinctReaders)} distinct logins`,
      ],
    ]),
    `\nTimings (median of ${timings.classifyMs.samples.length} in-memory runs, ${timings.snapshotReadMs.samples.length} snapshot reads)\n`,
    table([
      ['', 'median', 'min', 'max', 'goal', ''],
      ['snapshot read (readPostgresSnapshot)', ...t(timings.snapshotReadMs)],
      ['  catalog queries + row validation', seconds(b.catalogQueries), '', '', '', ''],
      ['  normalise', seconds(b.normalise), '', '', '', ''],
      ['  createSnapshot', seconds(b.createSnapshot), '', '', '', ''],
      ['classify (label rule + detectors)', ...t(timings.classifyMs)],
      ['closure (accessSetsOf)', ...t(timings.closureMs)],
      ['exposure (computeExposure)', ...t(timings.exposureMs)],
      ['closure + exposure', ...t(timings.closureExposureMs), ...mark(goal('closure + exposure'))],
    ]),
    '\nMemory\n',
    table([
      ['peak RSS', megabytes(memory.peakRssBytes), ...mark(goal('peak memory (RSS)'))],
      ['peak heap used (sampled)', megabytes(memory.peakHeapUsedBytes), '', ''],
      ['peak external (sampled)', megabytes(memory.peakExternalBytes), '', ''],
    ]),
  ];
  if (baseline !== null) {
    const scale = baseline.loginRoles / baseline.sampledRoles;
    const classifyMedian = timings.classifyMs.median;
    const endToEnd = timings.snapshotReadMs.median + classifyMedian + inMemory;
    const ratio = (ms: number, of: number) => `${(ms / of).toFixed(ms / of < 10 ? 1 : 0)}×`;
    const best = baseline.roleMajor.extrapolatedMs;
    const worst = baseline.tableMajor.extrapolatedMs;
    out.push(
      `\nPostgreSQL baseline: has_table_privilege ∧ has_schema_privilege over ${count(baseline.sampledRoles)} of ${count(baseline.loginRoles)} login roles × ${count(baseline.tables)} labelled tables,\n` +
        `  extrapolated linearly to all login roles (× ${scale.toFixed(1)}); a plain cross join puts the ${baseline.plainJoinOuter} in the outer loop here\n`,
      table([
        ['', 'sample', 'all logins', ''],
        [
          'role-major (best case)',
          seconds(baseline.roleMajor.sampleMs.median),
          seconds(best),
          `median of ${baseline.roleMajor.sampleMs.samples.length}`,
        ],
        ['table-major (worst case)', seconds(baseline.tableMajor.sampleMs.median), seconds(worst), 'one run'],
      ]),
      table([
        [
          'pairs PostgreSQL found',
          count(baseline.pairsFound),
          `${count(baseline.pairsConfirmedByFirebreak)} also reported by Firebreak${baseline.pairsConfirmedByFirebreak === baseline.pairsFound ? '' : ' (MISMATCH)'}`,
        ],
        [
          'pairs only Firebreak found',
          count(baseline.firebreakOnlyPairs),
          'SET ROLE to NOINHERIT memberships, column grants',
        ],
      ]),
      '\nRatios (PostgreSQL, extrapolated ÷ Firebreak, medians)\n',
      table([
        ['Firebreak part', 'best case', 'worst case', 'goal', ''],
        [
          'closure + exposure',
          ratio(best, inMemory),
          ratio(worst, inMemory),
          ...mark(goal('exposure vs PostgreSQL (its best order)')),
        ],
        [
          'classify + closure + exposure',
          ratio(best, classifyMedian + inMemory),
          ratio(worst, classifyMedian + inMemory),
          '',
          '',
        ],
        ['snapshot read + all of the above', ratio(best, endToEnd), ratio(worst, endToEnd), '', ''],
      ]),
    );
  }
  out.push(
    '\nGoals (reported, not asserted)\n',
    table(result.goals.map((g) => [g.name, g.measured, g.target, g.met ? 'met' : 'MISSED'])),
  );
  return out.join('');
}
