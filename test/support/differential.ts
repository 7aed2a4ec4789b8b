import { type Queryable, readPostgresSnapshot } from '../../src/connectors/postgres/index.ts';
import {
  classify,
  compileGlob,
  computeExposure,
  explainAccess,
  type Reader,
  type Snapshot,
} from '../../src/core/index.ts';
import { type Observed, observeAccess } from './oracle.ts';
import { ADMIN, type CatalogSpec, catalogSql, relationSql } from './random-catalog.ts';

export interface Mismatch {
  readonly login: string;
  readonly resource: string;
  readonly predicted: Observed;
  readonly observed: Observed;
  readonly explained?: Observed;
}

export interface CatalogCheck {
  readonly mismatches: readonly Mismatch[];
  readonly functionMismatches: readonly {
    function: string;
    predicted: readonly string[];
    observed: readonly string[];
  }[];
  readonly comparisons: number;
}

const PREDEFINED = ['pg_read_all_data', 'pg_write_all_data', 'pg_database_owner'];

/** Reads the database's snapshot and labels every relation of the catalog's schemas. */
export async function labelledSnapshot(db: Queryable, prefix: string): Promise<Snapshot> {
  const raw = await readPostgresSnapshot(db, 'differential');
  const glob = compileGlob(`${prefix}*.*`);
  if (!glob.ok) throw new Error(glob.error);
  return classify(raw, { rules: [{ label: 'pii', glob: glob.value }], detectors: false });
}

/**
 * Applies a catalog to the database behind `db` (a superuser session), then compares Firebreak's
 * exposure and explanations with what the database allows, for every login role × relation.
 */
export async function checkCatalog(
  db: Queryable,
  spec: CatalogSpec,
  database: string,
  modern: boolean,
): Promise<CatalogCheck> {
  for (const statement of catalogSql(spec, database, modern)) await db.query(statement);
  const snapshot = await labelledSnapshot(db, spec.prefix);
  const exposure = computeExposure(snapshot);

  const logins = spec.roles.filter((r) => r.login).map((r) => r.name);
  const targets = spec.relations.map((r) => ({
    sql: relationSql(r),
    key: `${r.schema}.${r.name}`,
    columns: r.columns,
    rows: 3,
  }));
  const observation = await observeAccess(db, {
    admin: ADMIN,
    logins,
    candidates: [...spec.roles.map((r) => r.name), ...PREDEFINED],
    targets,
    functions: spec.functions.map((f) => ({ key: `${f.schema}.${f.name}`, call: `"${f.schema}"."${f.name}"()` })),
  });

  const mismatches: Mismatch[] = [];
  let comparisons = 0;
  for (const target of targets) {
    const entry = exposure.resources.find((e) => e.resource.name === target.key);
    const resource = snapshot.resources.find((r) => r.name === target.key);
    if (entry === undefined || resource === undefined)
      throw new Error(`relation ${target.key} missing from the exposure report`);
    for (const login of logins) {
      comparisons++;
      const predicted = asObserved(entry.readers.find((r) => r.principal === login));
      const observed = observation.access.get(login)?.get(target.key) ?? { access: 'none' };
      const explanation = explainAccess(snapshot, login, resource);
      const explained: Observed =
        explanation.columns === undefined
          ? { access: explanation.access }
          : { access: explanation.access, columns: explanation.columns };
      if (!same(predicted, observed) || !same(predicted, explained))
        mismatches.push({ login, resource: target.key, predicted, observed, explained });
    }
  }

  const functionMismatches = [];
  for (const fn of spec.functions) {
    const key = `${fn.schema}.${fn.name}`;
    const entry = exposure.resources.find((e) => e.resource.name === `${fn.reads.schema}.${fn.reads.name}`);
    const path = entry?.potential.find((p) => p.routine === `function:${key}()`);
    const predicted = (path?.principals ?? []).filter((p) => p.startsWith(spec.prefix)).sort();
    const observed = [...(observation.executors.get(key) ?? [])].sort();
    if (predicted.join() !== observed.join()) functionMismatches.push({ function: key, predicted, observed });
  }
  return { mismatches, functionMismatches, comparisons };
}

function asObserved(reader: Reader | undefined): Observed {
  if (reader === undefined) return { access: 'none' };
  return reader.columns === undefined ? { access: reader.access } : { access: reader.access, columns: reader.columns };
}

function same(a: Observed, b: Observed): boolean {
  return a.access === b.access && (a.columns ?? []).join() === (b.columns ?? []).join();
}

/** Everything needed to replay a failure by hand. */
export function describeFailure(
  seed: number,
  spec: CatalogSpec,
  database: string,
  modern: boolean,
  check: CatalogCheck,
): string {
  return [
    `seed ${seed} (replay with FIREBREAK_SEED=${seed})`,
    'mismatches:',
    ...check.mismatches.map((m) => `  ${JSON.stringify(m)}`),
    ...check.functionMismatches.map((m) => `  ${JSON.stringify(m)}`),
    'catalog:',
    ...catalogSql(spec, database, modern).map((s) => `  ${s};`),
  ].join('\n');
}
