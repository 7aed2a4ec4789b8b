import {
  type AnalysisReport,
  analyseChange,
  type ChangeAnalyzer,
  type ChangePiece,
  decideChange,
  describeAnalysis,
  parseActor,
} from '../dist/app/index.js';
import { connectPostgres, type Queryable, readPostgresSnapshot } from '../dist/connectors/postgres/index.js';
import { interpretSql, loadParser } from '../dist/connectors/postgres/interpret/index.js';
import { verifyInSandbox } from '../dist/connectors/postgres/sandbox/index.js';
import {
  accessSetsOf,
  andInto,
  bitsOf,
  type ClassificationRules,
  classify,
  compileGlob,
  exposureOf,
  type Snapshot,
} from '../dist/core/index.js';
import { defaultPolicy } from '../dist/runtime/index.js';
import { type BenchTarget, ensureCatalog } from './bench-database.ts';
import { collectGarbage, median, timed } from './measure.ts';
import { DEFAULT_URL, numberOptions, parseBenchArgs, serverUrl, usageExit } from './options.ts';
import { log } from './progress.ts';
import { DEFAULT_SHAPE, LABEL_RULE, quoteIdent } from './synthetic-catalog.ts';

export const summary = 'checking one change: Firebreak on a warm snapshot vs applying it and asking PostgreSQL';

export const usage = `Usage: npm run bench -- check [options]

Checks single changes against the exposure benchmark's catalog (10,000 roles, 50,000 tables; built
by npm run bench -- exposure if missing) the way firebreak check does, on a warm snapshot: interpret,
delta, policy. Each change is checked once untimed first (it compiles the code paths it uses), then
--repeat times; the render column is the time to write the last report out as JSON, which showing
every name and route costs and a decision does not. In the same run, the baseline applies each
change to the catalog on the PostgreSQL server inside a transaction that is rolled back and asks
PostgreSQL the same question (has_table_privilege and schema USAGE over login roles × labelled
tables, on a sample of logins, extrapolated), as a sandbox that replays changes must.

Options:
  --repeat N     checks per change (default 30)
  --sample N     login roles the PostgreSQL baseline asks about, extrapolated to all (default 200)
  --sandbox      also time one replay in Firebreak's PGlite sandbox (slow on this catalog)
  --url URL      superuser URL of the server (default $FIREBREAK_BENCH_DATABASE_URL or
                 ${DEFAULT_URL})
  --json         machine-readable output
  -h, --help     this text`;

const TARGET = { database: 'firebreak_bench_exposure', rolePrefix: 'fbbexp_' } as const;

interface Options {
  readonly repeat: number;
  readonly sample: number;
  readonly sandbox: boolean;
  readonly url: string;
  readonly json: boolean;
  readonly help: boolean;
}

const OPTION_TYPES = {
  repeat: { type: 'string' },
  sample: { type: 'string' },
  sandbox: { type: 'boolean' },
  url: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseOptions(args: readonly string[]): Options | string {
  const values = parseBenchArgs(args, OPTION_TYPES);
  if (typeof values === 'string') return values;
  const numbers = numberOptions(values);
  const options: Options = {
    repeat: numbers.whole('repeat', 30, 1),
    sample: numbers.whole('sample', 200, 1),
    sandbox: values.sandbox === true,
    url: serverUrl(values.url),
    json: values.json === true,
    help: values.help === true,
  };
  return numbers.problems.length > 0 ? numbers.problems.join('; ') : options;
}

interface Case {
  readonly name: string;
  readonly sql: string;
}

/** The changes to check, on principals and tables picked from the catalog. */
function casesOf(snapshot: Snapshot): Case[] {
  const { closures } = accessSetsOf(snapshot);
  const loginsUnder = (group: string) => {
    const set = closures.heldBy(group).slice();
    andInto(set, closures.logins);
    return bitsOf(set).length;
  };
  const groups = snapshot.principals.filter((p) => !p.login && p.id.startsWith(TARGET.rolePrefix));
  const closest = (n: number) =>
    groups.reduce(
      (best, g) => (Math.abs(loginsUnder(g.id) - n) < Math.abs(loginsUnder(best.id) - n) ? g : best),
      groups[0] ?? { id: 'public' },
    ).id;
  const big = closest(2000);
  const small = closest(50);
  const login = snapshot.principals.find((p) => p.login && p.id.startsWith(TARGET.rolePrefix))?.id ?? 'postgres';
  const table = snapshot.resources.find((r) => r.readable && r.name.endsWith('_pii'));
  if (table === undefined) throw new Error('the catalog has no labelled table');
  const schema = table.path[0] ?? 'public';
  const q = quoteIdent;
  return [
    { name: `GRANT SELECT on a labelled table to one login`, sql: `grant select on ${table.name} to ${q(login)}` },
    { name: `GRANT SELECT to a group of ${loginsUnder(small)}`, sql: `grant select on ${table.name} to ${q(small)}` },
    { name: 'REVOKE SELECT from PUBLIC', sql: `revoke select on ${table.name} from public` },
    {
      name: `GRANT SELECT ON ALL TABLES IN SCHEMA (${snapshot.resources.filter((r) => r.parent === `schema:${schema}`).length} tables) to ${loginsUnder(big)} logins`,
      sql: `grant select on all tables in schema ${q(schema)} to ${q(big)}`,
    },
    {
      name: 'CREATE VIEW over a labelled table, GRANT it to PUBLIC',
      sql: `create view ${q(schema)}.bench_leak as select * from ${table.name}; grant select on ${q(schema)}.bench_leak to public`,
    },
    { name: `GRANT pg_read_all_data TO a group of ${loginsUnder(big)}`, sql: `grant pg_read_all_data to ${q(big)}` },
    { name: 'GRANT a group to one login', sql: `grant ${q(small)} to ${q(login)}` },
    {
      name: 'CREATE ROLE, GRANT it SELECT',
      sql: `create role bench_new login; grant select on ${table.name} to bench_new`,
    },
    { name: 'ALTER ROLE … SUPERUSER', sql: `alter role ${q(login)} superuser` },
    { name: 'SELECT (read-only)', sql: `select count(*) from ${table.name}` },
    { name: 'DO block (opaque; sandbox not timed here)', sql: `do $$ begin perform 1; end $$` },
  ];
}

interface CaseFigures {
  readonly name: string;
  readonly p50: number;
  readonly p99: number;
  readonly decision: string;
  readonly gaining: number;
  readonly baselineMs: number;
  /** JSON.stringify of the last check's whole report: the cost of showing every name and route. */
  readonly renderMs: number;
}

function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

export async function run(args: readonly string[]): Promise<number> {
  const options = parseOptions(args);
  const exit = usageExit(options, usage);
  if (exit !== undefined || typeof options === 'string') return exit ?? 2;
  const target: BenchTarget = { adminUrl: options.url, ...TARGET };
  const catalog = await ensureCatalog(target, DEFAULT_SHAPE, false);
  const connection = await connectPostgres(catalog.url);
  try {
    return await measure(connection.db, options);
  } finally {
    await connection.close();
  }
}

async function measure(db: Queryable, options: Options): Promise<number> {
  log('Reading the snapshot and warming it up (classification, closures, exposure)…');
  const raw = await readPostgresSnapshot(db, 'bench');
  const glob = compileGlob(LABEL_RULE.glob);
  if (!glob.ok) throw new Error(glob.error);
  const rules: ClassificationRules = { rules: [{ label: LABEL_RULE.label, glob: glob.value }] };
  const warm = await timed(async () => {
    const before = classify(raw, rules);
    exposureOf(before);
    return before;
  });
  const before = warm.value;
  const policy = await defaultPolicy();
  await loadParser();
  const actor = parseActor('agent:bench');
  if (!actor.ok) throw new Error(actor.error);
  // The check as firebreak check runs it, minus reading the system: the sandbox is not part of it.
  const analyzer: ChangeAnalyzer = {
    defaultActingRole: () => 'postgres',
    interpret: (snapshot, change, role) => interpretSql(snapshot, change, role),
    verify: async () => ({ ok: false, reason: 'the sandbox is timed separately' }),
  };
  const cases = casesOf(raw);
  const results: CaseFigures[] = [];
  const all: number[] = [];
  for (const item of cases) {
    log(`Checking: ${item.name}`);
    const pieces: ChangePiece[] = [{ sql: item.sql, origin: 'bench', line: 1 }];
    const samples: number[] = [];
    let decision = '';
    let report: AnalysisReport | undefined;
    const check = async () => {
      const analysis = await analyseChange({ analyzer, raw, before, rules, pieces, actingAs: 'postgres' });
      const described = describeAnalysis(analysis, actor.value, pieces);
      return { decision: decideChange(policy, analysis, described, 'postgres').decision, report: described };
    };
    // One check untimed: the first of a kind compiles the code it runs (a server has run it before).
    await check();
    collectGarbage();
    for (let i = 0; i < options.repeat; i++) {
      const { value, ms } = await timed(check);
      samples.push(ms);
      decision = value.decision;
      report = value.report;
    }
    const gaining = report?.summary.principalsGaining ?? 0;
    // Rendering the whole report (every principal by name, every route group) is paid by whoever
    // shows it (JSON output, the dashboard), not by the decision: timed on its own.
    const renderMs = (await timed(async () => JSON.stringify(report).length)).ms;
    all.push(...samples);
    const baselineMs = await baseline(db, item.sql, options.sample);
    results.push({
      name: item.name,
      p50: median(samples),
      p99: percentile(samples, 99),
      decision,
      gaining,
      baselineMs,
      renderMs,
    });
  }
  let sandboxMs: number | undefined;
  if (options.sandbox) {
    log('Replaying one change in the PGlite sandbox (builds a shadow of the whole catalog)…');
    sandboxMs = (
      await timed(() => verifyInSandbox(raw, cases[0]?.sql ?? 'select 1', 'postgres', { timeoutMs: 1_800_000 }))
    ).ms;
  }
  const p50 = median(all);
  const p99 = percentile(all, 99);
  const baselineP50 = median(results.map((r) => r.baselineMs));
  const figures = { warmUpMs: warm.ms, cases: results, p50, p99, baselineP50, ratio: baselineP50 / p50, sandboxMs };
  if (options.json) process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  else process.stdout.write(render(figures, raw));
  return 0;
}

/**
 * What a sandbox must do for each change: apply it (here on the server, in a transaction that is
 * rolled back) and ask PostgreSQL who can read the labelled tables now; extrapolated from a sample.
 */
async function baseline(db: Queryable, sql: string, sample: number): Promise<number> {
  const logins = (
    (await db.query(`select rolname::text as name from pg_roles where rolcanlogin order by rolname`)).rows as {
      name: string;
    }[]
  ).map((r) => r.name);
  const sampled = logins.filter((_, i) => i % Math.max(1, Math.floor(logins.length / sample)) === 0).slice(0, sample);
  await db.query('begin');
  try {
    const applied = await timed(() => db.query(sql));
    const asked = await timed(() =>
      db.query(
        `select r.name, c.oid from unnest($1::text[]) as r(name)
         cross join lateral (select c.oid from pg_class c join pg_namespace n on n.oid = c.relnamespace
                             where c.relname like '%\\_pii' and c.relkind = 'r') c
         where has_table_privilege(r.name, c.oid, 'SELECT')
           and has_schema_privilege(r.name, (select relnamespace from pg_class where oid = c.oid), 'USAGE')`,
        [sampled],
      ),
    );
    return applied.ms + asked.ms * (logins.length / sampled.length);
  } finally {
    await db.query('rollback');
  }
}

function render(
  figures: {
    warmUpMs: number;
    cases: CaseFigures[];
    p50: number;
    p99: number;
    baselineP50: number;
    ratio: number;
    sandboxMs: number | undefined;
  },
  snapshot: Snapshot,
): string {
  const ms = (n: number) => (n >= 100 ? `${n.toFixed(0)} ms` : `${n.toFixed(1)} ms`);
  const lines = [
    `Catalog: ${snapshot.principals.length.toLocaleString('en-US')} principals, ${snapshot.resources.length.toLocaleString('en-US')} resources; warm-up (classify + closures + exposure) ${ms(figures.warmUpMs)}`,
    '',
    `${'change'.padEnd(70)} ${'p50'.padStart(9)} ${'p99'.padStart(9)} ${'baseline'.padStart(10)} ${'ratio'.padStart(7)}  decision  gaining  ${'render'.padStart(8)}`,
  ];
  for (const c of figures.cases)
    lines.push(
      `${c.name.slice(0, 70).padEnd(70)} ${ms(c.p50).padStart(9)} ${ms(c.p99).padStart(9)} ${ms(c.baselineMs).padStart(10)} ${`${(c.baselineMs / c.p50).toFixed(0)}×`.padStart(7)}  ${c.decision.padEnd(8)}  ${c.gaining.toLocaleString('en-US').padStart(7)}  ${ms(c.renderMs).padStart(8)}`,
    );
  lines.push(
    '',
    `All checks: p50 ${ms(figures.p50)} (goal < 10 ms: ${figures.p50 < 10 ? 'met' : 'MISSED'}), p99 ${ms(figures.p99)} (goal < 50 ms: ${figures.p99 < 50 ? 'met' : 'MISSED'})`,
    `Baseline (apply, then ask PostgreSQL), median over the changes: ${ms(figures.baselineP50)}; ratio to Firebreak's p50: ${figures.ratio.toFixed(0)}× (goal ≥ 100×: ${figures.ratio >= 100 ? 'met' : 'MISSED'})`,
  );
  if (figures.sandboxMs !== undefined)
    lines.push(`One replay in Firebreak's PGlite sandbox of this catalog: ${ms(figures.sandboxMs)}`);
  return `${lines.join('\n')}\n`;
}
