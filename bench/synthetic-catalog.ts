import { createRandom, type Random } from '../test/support/random.ts';

/**
 * A synthetic access catalog for benchmarks, generated as SQL from a seed: the same shape and seed
 * always give the same roles, memberships, tables and grants.
 *
 * - Roles: a fifth are NOLOGIN groups, the rest LOGIN users. One group per schema owns the schema
 *   and its tables; the other groups form `depth` levels, each group a member of one or two groups
 *   of the level above, so a user in a bottom-level group sits at the end of a chain `depth` deep.
 *   Users join one to three groups, mostly near the bottom; 3% are NOINHERIT (they reach their
 *   groups' privileges only through SET ROLE); each owner role is granted to two users.
 * - Schemas: USAGE to PUBLIC (30%) or to 15–30 groups and up to 5 users.
 * - Tables (`id`, `created_on`, `amount_cents`, no toastable column so that creation stays cheap):
 *   SELECT to 2–6 groups; 30% also SELECT, INSERT, UPDATE to one or two users; 3% SELECT to PUBLIC;
 *   5% a column grant to a user.
 * - Labelled tables, spread evenly: half have an `email text` column (labelled `pii` by Firebreak's
 *   column-name detector), half are named `…_pii` (labelled by the rule {@link LABEL_RULE}); one in
 *   ten has row security with a policy for one group and a row filter for everyone else.
 */
export interface CatalogShape {
  readonly roles: number;
  readonly tables: number;
  readonly schemas: number;
  readonly labelled: number;
  readonly depth: number;
  readonly seed: number;
}

export const DEFAULT_SHAPE: CatalogShape = {
  roles: 10_000,
  tables: 50_000,
  schemas: 100,
  labelled: 500,
  depth: 8,
  seed: 1,
};

/** Bumped whenever the generator changes, so that an older catalog is rebuilt rather than reused. */
const GENERATOR_VERSION = 1;

/** The label rule that, with the `email` detector, labels exactly the planned tables. */
export const LABEL_RULE = { label: 'pii', glob: '*.*_pii' } as const;

/** One statement batch, sent as a single simple-protocol query (one implicit transaction). */
export interface SqlBatch {
  readonly sql: string;
  /** How many units of the step this batch completes (roles, groups, schemas or tables). */
  readonly units: number;
}

/** A step of the build: progress is reported per step. */
export interface BuildStep {
  readonly name: string;
  readonly total: number;
  /** Where to run it: cluster-wide objects on the admin connection, the rest in the new database. */
  readonly on: 'cluster' | 'database';
  readonly batches: () => Iterable<SqlBatch>;
}

/** Why a shape cannot be built, or undefined when it can. */
export function shapeProblem(shape: CatalogShape): string | undefined {
  const groups = groupCount(shape);
  if (Object.values(shape).some((n) => !Number.isSafeInteger(n) || n < 0)) return 'sizes must be whole numbers';
  if (shape.depth < 1 || shape.schemas < 1) return '--depth and --schemas must be at least 1';
  if (groups - shape.schemas < shape.depth * 2)
    return `--roles ${shape.roles} leaves too few groups for ${shape.schemas} schema owners and ${shape.depth} levels`;
  if (shape.roles - groups < 10) return `--roles ${shape.roles} leaves too few login roles`;
  if (shape.tables < shape.schemas) return '--tables must be at least --schemas';
  if (shape.labelled > shape.tables) return '--labelled cannot exceed --tables';
  return undefined;
}

/** The string kept as the database comment: equal strings mean the catalog can be reused. */
export function markerOf(shape: CatalogShape): string {
  const { roles, tables, schemas, labelled, depth, seed } = shape;
  return `firebreak-bench exposure v${GENERATOR_VERSION} roles=${roles} tables=${tables} schemas=${schemas} labelled=${labelled} depth=${depth} seed=${seed}`;
}

export const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

const groupCount = (shape: CatalogShape) => Math.round(shape.roles / 5);
const pad = (n: number, total: number) => String(n).padStart(String(Math.max(total - 1, 1)).length, '0');

interface Layout {
  readonly logins: readonly string[];
  readonly noInherit: ReadonlySet<number>;
  /** Hierarchy groups by level, level 0 at the top. */
  readonly levels: readonly (readonly string[])[];
  readonly hierarchy: readonly string[];
  readonly owners: readonly string[];
}

function layoutOf(shape: CatalogShape, prefix: string, random: Random): Layout {
  const groups = groupCount(shape);
  const hierarchyCount = groups - shape.schemas;
  const loginCount = shape.roles - groups;
  const logins = Array.from({ length: loginCount }, (_, i) => `${prefix}u${pad(i, loginCount)}`);
  const hierarchy = Array.from({ length: hierarchyCount }, (_, i) => `${prefix}g${pad(i, hierarchyCount)}`);
  const levels = Array.from({ length: shape.depth }, (_, level) =>
    hierarchy.filter((_, i) => Math.floor((i * shape.depth) / hierarchyCount) === level),
  );
  const owners = Array.from({ length: shape.schemas }, (_, i) => `${prefix}owner_${pad(i, shape.schemas)}`);
  const noInherit = new Set<number>();
  for (let i = 0; i < loginCount; i++) if (random.chance(0.03)) noInherit.add(i);
  return { logins, noInherit, levels, hierarchy, owners };
}

/** `count` distinct items picked at random (all of them when there are fewer). */
function pickDistinct<T>(random: Random, items: readonly T[], count: number): T[] {
  const picked = new Set<T>();
  while (picked.size < Math.min(count, items.length)) picked.add(random.pick(items));
  return [...picked];
}

function* chunks<T>(items: readonly T[], size: number): Iterable<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

const list = (names: readonly string[]) => names.map(quoteIdent).join(', ');
const schemaName = (shape: CatalogShape, i: number) => `app_${pad(i, shape.schemas)}`;

function roleStatements({ hierarchy, owners, logins, noInherit }: Layout): string[] {
  return [
    ...hierarchy.map((name) => `create role ${quoteIdent(name)} nologin`),
    ...owners.map((name) => `create role ${quoteIdent(name)} nologin`),
    ...logins.map((name, i) => `create role ${quoteIdent(name)} login ${noInherit.has(i) ? 'noinherit' : 'inherit'}`),
  ];
}

/** One `grant group to members` per group: the level above, users (mostly near the bottom), deployers of owners. */
function membershipStatements(shape: CatalogShape, { levels, hierarchy, owners, logins }: Layout, random: Random) {
  const membersOf = new Map<string, Set<string>>();
  const addMember = (group: string, member: string) => {
    const members = membersOf.get(group) ?? new Set<string>();
    members.add(member);
    membersOf.set(group, members);
  };
  levels.forEach((level, depth) => {
    const above = levels[depth - 1];
    if (above === undefined) return;
    for (const group of level)
      for (const parent of pickDistinct(random, above, random.chance(0.5) ? 2 : 1)) addMember(parent, group);
  });
  for (const login of logins)
    for (let n = random.int(1, 3); n > 0; n--) {
      const roll = random.next();
      const depth =
        roll < 0.6 ? shape.depth - 1 : roll < 0.85 ? Math.max(shape.depth - 2, 0) : random.int(0, shape.depth - 1);
      addMember(random.pick(levels[depth] ?? hierarchy), login);
    }
  for (const owner of owners) for (const login of pickDistinct(random, logins, 2)) addMember(owner, login);
  return [...membersOf].map(([group, members]) => `grant ${quoteIdent(group)} to ${list([...members])}`);
}

function schemaStatements(shape: CatalogShape, { owners, hierarchy, logins }: Layout, random: Random): string[] {
  return owners.map((owner, i) => {
    const schema = quoteIdent(schemaName(shape, i));
    const grantees = random.chance(0.3)
      ? 'public'
      : list([
          ...pickDistinct(random, hierarchy, random.int(15, 30)),
          ...pickDistinct(random, logins, random.int(0, 5)),
        ]);
    return `create schema ${schema} authorization ${quoteIdent(owner)};\ngrant usage on schema ${schema} to ${grantees}`;
  });
}

/** Where the labelled tables are (spread evenly) and how each is recognised. */
function labelledTables(shape: CatalogShape): Map<number, 'email' | 'name'> {
  const labelledAt = new Map<number, 'email' | 'name'>();
  for (let i = 0; i < shape.labelled; i++)
    labelledAt.set(Math.floor(((i + 0.5) * shape.tables) / shape.labelled), i % 2 === 0 ? 'email' : 'name');
  return labelledAt;
}

function tableStatements(
  { hierarchy, logins }: Layout,
  random: Random,
  table: { readonly schema: string; readonly name: string; readonly labelled: 'email' | 'name' | undefined },
): string {
  const name = `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
  const columns =
    table.labelled === 'email'
      ? '"id" int8, "email" text, "created_on" date'
      : '"id" int8, "created_on" date, "amount_cents" int4';
  const out = [
    `create table ${name} (${columns})`,
    `grant select on ${name} to ${list(pickDistinct(random, hierarchy, random.int(2, 6)))}`,
  ];
  if (random.chance(0.3))
    out.push(`grant select, insert, update on ${name} to ${list(pickDistinct(random, logins, random.int(1, 2)))}`);
  if (random.chance(0.03)) out.push(`grant select on ${name} to public`);
  if (random.chance(0.05))
    out.push(`grant select ("id", "created_on") on ${name} to ${quoteIdent(random.pick(logins))}`);
  if (table.labelled !== undefined && random.chance(0.1))
    out.push(
      `alter table ${name} enable row level security`,
      `create policy "team" on ${name} for select to ${quoteIdent(random.pick(hierarchy))} using (true)`,
      `create policy "recent" on ${name} for select to public using ("id" > 0)`,
    );
  return out.join(';\n');
}

const batchesOf = (statements: readonly string[], size: number): SqlBatch[] =>
  [...chunks(statements, size)].map((c) => ({ sql: c.join(';\n'), units: c.length }));

/**
 * The build, step by step. Roles and memberships are cluster-wide; schemas and tables go into the
 * benchmark's database. Tables are created as their schema's owner, so they are owned by it.
 */
export function buildSteps(shape: CatalogShape, prefix: string): BuildStep[] {
  const random = createRandom(shape.seed);
  const layout = layoutOf(shape, prefix, random);
  const roles = roleStatements(layout);
  const memberships = membershipStatements(shape, layout, random);
  const schemas = schemaStatements(shape, layout, random);
  const labelledAt = labelledTables(shape);
  const tablesPerSchema = Math.ceil(shape.tables / shape.schemas);

  function* tableBatches(): Iterable<SqlBatch> {
    // A stream of its own, so that the tables are the same however the steps before them are run.
    const tableRandom = createRandom(shape.seed + 1);
    for (let s = 0; s < shape.schemas; s++) {
      const first = s * tablesPerSchema;
      const last = Math.min(first + tablesPerSchema, shape.tables);
      // At most 1,000 tables per transaction: each new relation holds a lock until commit, and the
      // lock table has room for max_locks_per_transaction × max_connections (6,400 by default).
      for (let start = first; start < last; start += 1000) {
        const end = Math.min(start + 1000, last);
        const body = [];
        for (let i = start; i < end; i++) {
          const labelled = labelledAt.get(i);
          const name = `t${pad(i, shape.tables)}${labelled === 'name' ? '_pii' : ''}`;
          body.push(tableStatements(layout, tableRandom, { schema: schemaName(shape, s), name, labelled }));
        }
        const owner = quoteIdent(layout.owners[s] as string);
        yield { sql: `set role ${owner};\n${body.join(';\n')};\nreset role`, units: end - start };
      }
    }
  }

  return [
    { name: 'roles', total: roles.length, on: 'cluster', batches: () => batchesOf(roles, 1000) },
    {
      name: 'memberships (groups granted)',
      total: memberships.length,
      on: 'cluster',
      batches: () => batchesOf(memberships, 500),
    },
    { name: 'schemas', total: schemas.length, on: 'database', batches: () => batchesOf(schemas, schemas.length) },
    { name: 'tables', total: shape.tables, on: 'database', batches: tableBatches },
  ];
}
