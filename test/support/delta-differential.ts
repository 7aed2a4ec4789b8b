import { type Queryable, readPostgresSnapshot } from '../../src/connectors/postgres/index.ts';
import { interpretSql } from '../../src/connectors/postgres/interpret/index.ts';
import {
  type AccessLevel,
  classify,
  compileGlob,
  computeDelta,
  computeExposure,
  createSnapshot,
  exposureOf,
  type Snapshot,
} from '../../src/core/index.ts';
import { labelledSnapshot } from './differential.ts';
import { type Observed, observeAccess } from './oracle.ts';
import { ADMIN, type CatalogSpec, catalogSql } from './random-catalog.ts';

const PREDEFINED = ['pg_read_all_data', 'pg_write_all_data', 'pg_database_owner'];

export interface DeltaCheck {
  readonly script: readonly string[];
  /** Differences between the predicted and the actual access after the change. */
  readonly mismatches: readonly string[];
  readonly comparisons: number;
}

/**
 * Applies a catalog, predicts what a change script does (interpretation → delta), runs the script
 * for real, and compares: Firebreak's predicted delta must equal the difference between what the
 * database allowed before and allows after, for every login role × relation.
 */
export async function checkChange(
  db: Queryable,
  spec: CatalogSpec,
  script: readonly string[],
  database: string,
  modern: boolean,
): Promise<DeltaCheck> {
  for (const statement of catalogSql(spec, database, modern)) await db.query(statement);
  const sql = script.map((s) => `${s.replaceAll('__DATABASE__', `"${database}"`)};`).join('\n');
  const raw = await readPostgresSnapshot(db, 'differential');
  // One rules object for before and after, as `firebreak check` does: the after state is then
  // classified and its exposure computed incrementally, which this test also checks below.
  const labelRules = rules(spec.prefix);
  const before = classify(raw, labelRules);
  const observedBefore = await observe(db, spec.prefix);

  const interpretation = await interpretSql(raw, sql, ADMIN);
  if (!interpretation.ok)
    return { script, mismatches: [`interpretation failed: ${JSON.stringify(interpretation.error)}`], comparisons: 0 };
  const opaque = interpretation.statements.filter((s) => s.effect === 'opaque');
  if (opaque.length > 0)
    return { script, mismatches: opaque.map((s) => `statement ${s.index} was opaque: ${s.reason}`), comparisons: 0 };
  const predicted = classify(interpretation.after, labelRules);

  for (const statement of sql.split(';\n')) if (statement.trim() !== '') await db.query(statement.replace(/;$/, ''));
  const observedAfter = await observe(db, spec.prefix);
  const actualAfter = await labelledSnapshot(db, spec.prefix);

  const mismatches: string[] = [];
  const predictedRelations = relationNames(predicted, spec.prefix);
  const actualRelations = relationNames(actualAfter, spec.prefix);
  if (predictedRelations.join() !== actualRelations.join())
    mismatches.push(
      `relations after: predicted ${predictedRelations.join(', ')}; actual ${actualRelations.join(', ')}`,
    );

  const delta = computeDelta(before, predicted);
  const incremental = new Map(exposureOf(predicted).resources.map((e) => [e.resource.id, e.readers]));
  const full = computeExposure(classify(readAgain(interpretation.after), rules(spec.prefix)));
  for (const entry of full.resources)
    if (JSON.stringify(entry.readers) !== JSON.stringify(incremental.get(entry.resource.id) ?? []))
      mismatches.push(`incremental exposure of ${entry.resource.name} differs from the full computation`);
  const predictedChanges = new Set<string>();
  for (const resource of delta.resources)
    for (const [kind, changes] of [
      ['gained', resource.gained],
      ['lost', resource.lost],
    ] as const)
      for (const change of changes.list())
        if (change.principal.startsWith(spec.prefix))
          predictedChanges.add(
            `${kind} ${change.principal} ${resource.resource.name}: ${show(change.before, change.columnsBefore)} → ${show(change.after, change.columnsAfter)}`,
          );
  const actualChanges = new Set<string>();
  let comparisons = 0;
  const logins = new Set([...observedBefore.keys(), ...observedAfter.keys()]);
  const relations = new Set([...relationNames(before, spec.prefix), ...actualRelations]);
  for (const login of logins)
    for (const relation of relations) {
      comparisons++;
      const was = observedBefore.get(login)?.get(relation) ?? { access: 'none' };
      const now = observedAfter.get(login)?.get(relation) ?? { access: 'none' };
      for (const kind of changeKinds(was, now))
        actualChanges.add(
          `${kind} ${login} ${relation}: ${show(was.access, was.columns)} → ${show(now.access, now.columns)}`,
        );
    }
  // A reader whose level stays the same is predicted to gain when a row policy that applies to
  // them changed: whether its condition admits more rows is not analysed, so such a prediction is a
  // possibility, and only its converse (more rows seen, not predicted) is a mismatch.
  for (const change of predictedChanges)
    if (!actualChanges.has(change) && !sameLevel(change)) mismatches.push(`predicted but not observed: ${change}`);
  for (const change of actualChanges)
    if (!predictedChanges.has(change)) mismatches.push(`observed but not predicted: ${change}`);
  return { script, mismatches, comparisons };
}

function rules(prefix: string) {
  const glob = compileGlob(`${prefix}*.*`);
  if (!glob.ok) throw new Error(glob.error);
  return { rules: [{ label: 'pii', glob: glob.value }], detectors: false };
}

/** What the database allows every login role of the catalog, on every relation of its schemas. */
async function observe(db: Queryable, prefix: string): Promise<Map<string, Map<string, Observed>>> {
  const roles = (
    await db.query('select rolname::text as name, rolcanlogin as login from pg_roles where starts_with(rolname, $1)', [
      prefix,
    ])
  ).rows as {
    name: string;
    login: boolean;
  }[];
  const relations = (
    await db.query(
      `select n.nspname::text as schema, c.relname::text as name,
         array(select attname::text from pg_attribute where attrelid = c.oid and attnum > 0 and not attisdropped order by attnum) as columns
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where starts_with(n.nspname, $1) and c.relkind in ('r', 'v', 'm', 'p')`,
      [prefix],
    )
  ).rows as { schema: string; name: string; columns: string[] }[];
  const observation = await observeAccess(db, {
    admin: ADMIN,
    logins: roles.filter((r) => r.login).map((r) => r.name),
    candidates: [...roles.map((r) => r.name), ...PREDEFINED],
    targets: relations.map((r) => ({
      sql: `"${r.schema}"."${r.name}"`,
      key: `${r.schema}.${r.name}`,
      columns: r.columns,
      rows: 3,
    })),
  });
  return observation.access as Map<string, Map<string, Observed>>;
}

function relationNames(snapshot: Snapshot, prefix: string): string[] {
  return snapshot.resources
    .filter((r) => r.readable && r.path[0]?.startsWith(prefix) === true)
    .map((r) => r.name)
    .sort();
}

const ORDER: readonly AccessLevel[] = ['none', 'columns', 'filtered', 'full'];

function changeKinds(was: Observed, now: Observed): ('gained' | 'lost')[] {
  const order = ORDER.indexOf(now.access) - ORDER.indexOf(was.access);
  if (order > 0) return ['gained'];
  if (order < 0) return ['lost'];
  if (now.access === 'filtered') return (now.rows ?? 0) > (was.rows ?? 0) ? ['gained'] : [];
  if (now.access !== 'columns') return [];
  const before = was.columns ?? [];
  const after = now.columns ?? [];
  const kinds: ('gained' | 'lost')[] = [];
  if (after.some((c) => !before.includes(c))) kinds.push('gained');
  if (before.some((c) => !after.includes(c))) kinds.push('lost');
  return kinds;
}

/** Whether a predicted change keeps the reader's level (and columns): `A → A`. */
function sameLevel(change: string): boolean {
  const [from, to] = change.slice(change.lastIndexOf(': ') + 2).split(' → ');
  return from === to;
}

function show(access: AccessLevel, columns: readonly string[] | undefined): string {
  return access === 'columns' ? `columns(${(columns ?? []).join(',')})` : access;
}

/** A copy of a snapshot with no history: its exposure is computed from scratch. */
function readAgain(snapshot: Snapshot): Snapshot {
  const copy = createSnapshot({
    system: snapshot.system,
    source: snapshot.source,
    readPrivilege: snapshot.readPrivilege,
    principals: snapshot.principals,
    memberships: snapshot.memberships,
    resources: snapshot.resources,
    grants: snapshot.grants,
    blanketGrants: snapshot.blanketGrants,
    defaultGrants: snapshot.defaultGrants,
    ...(snapshot.facts === undefined ? {} : { facts: snapshot.facts }),
  });
  if (!copy.ok) throw new Error(copy.error[0]?.message);
  return copy.value;
}
