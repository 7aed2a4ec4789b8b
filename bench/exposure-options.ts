import { DEFAULT_URL, numberOptions, parseBenchArgs, serverUrl } from './options.ts';
import { type CatalogShape, DEFAULT_SHAPE, shapeProblem } from './synthetic-catalog.ts';

export const usage = `Usage: npm run bench -- exposure [options]

Builds (or reuses) a synthetic catalog in its own database, then measures Firebreak reading it
(readPostgresSnapshot), classifying it and computing exposure, and PostgreSQL answering the same
question with has_table_privilege/has_schema_privilege over a sample of login roles.

Options:
  --url URL            superuser URL of the server (default $FIREBREAK_BENCH_DATABASE_URL or
                       ${DEFAULT_URL}); the catalog goes in database
                       firebreak_bench_exposure, its roles are named fbbexp_*
  --fresh              rebuild the catalog even if one with the same parameters exists
  --drop               drop the database and the fbbexp_* roles, then exit
  --roles N            roles (default ${DEFAULT_SHAPE.roles}; a fifth are groups)
  --tables N           tables (default ${DEFAULT_SHAPE.tables})
  --schemas N          schemas (default ${DEFAULT_SHAPE.schemas})
  --labelled N         labelled tables among them (default ${DEFAULT_SHAPE.labelled})
  --depth N            levels of groups, i.e. longest membership chain (default ${DEFAULT_SHAPE.depth})
  --seed N             generator seed (default ${DEFAULT_SHAPE.seed})
  --repeat N           in-memory runs (classify, closure, exposure) to take the median of (default 5)
  --snapshot-repeat N  snapshot reads to take the median of (default 3)
  --sample N           login roles PostgreSQL is asked about; 0 skips the baseline (default 200)
  --json               print the figures as JSON instead of a table
  --help               show this help`;

export interface ExposureOptions {
  readonly adminUrl: string;
  readonly shape: CatalogShape;
  readonly repeat: number;
  readonly snapshotRepeat: number;
  readonly sample: number;
  readonly fresh: boolean;
  readonly drop: boolean;
  readonly json: boolean;
  readonly help: boolean;
}

const number = { type: 'string' } as const;
const OPTION_TYPES = {
  url: { type: 'string' },
  fresh: { type: 'boolean' },
  drop: { type: 'boolean' },
  roles: number,
  tables: number,
  schemas: number,
  labelled: number,
  depth: number,
  seed: number,
  repeat: number,
  'snapshot-repeat': number,
  sample: number,
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

/** The options, or a message saying what is wrong with them. */
export function parseExposureOptions(args: readonly string[]): ExposureOptions | string {
  const values = parseBenchArgs(args, OPTION_TYPES);
  if (typeof values === 'string') return values;
  const numbers = numberOptions(values);
  const { problems } = numbers;
  const int = (name: keyof typeof values, fallback: number, min = 0) => numbers.whole(name, fallback, min);
  const shape: CatalogShape = {
    roles: int('roles', DEFAULT_SHAPE.roles),
    tables: int('tables', DEFAULT_SHAPE.tables),
    schemas: int('schemas', DEFAULT_SHAPE.schemas, 1),
    labelled: int('labelled', DEFAULT_SHAPE.labelled),
    depth: int('depth', DEFAULT_SHAPE.depth, 1),
    seed: int('seed', DEFAULT_SHAPE.seed),
  };
  const options: ExposureOptions = {
    adminUrl: serverUrl(values.url),
    shape,
    repeat: int('repeat', 5, 1),
    snapshotRepeat: int('snapshot-repeat', 3, 1),
    sample: int('sample', 200),
    fresh: values.fresh === true,
    drop: values.drop === true,
    json: values.json === true,
    help: values.help === true,
  };
  const shapeIssue = problems.length === 0 ? shapeProblem(shape) : undefined;
  if (shapeIssue !== undefined) problems.push(shapeIssue);
  return problems.length > 0 ? problems.join('; ') : options;
}
