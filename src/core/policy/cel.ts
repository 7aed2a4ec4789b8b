// The one file that knows the CEL library (docs/decisions/cel-library.md): it declares the
// variables and functions, compiles and type-checks expressions once, and runs them.
import { Environment } from '@marcbachmann/cel-js';
import { isLazyField, withLazyFields } from '../lazy-fields.ts';
import { err, ok, type Result } from '../result.ts';
import type { CelScope } from './cel-types.ts';

/** A compiled expression; running it never throws. */
export interface CelProgram {
  readonly source: string;
  /** The type the checker inferred, e.g. `bool`, `int`, `list<string>`, `dyn`. */
  readonly type: string;
  run(input: CelInput): Result<unknown, string>;
}

/** An activation converted for the library: integers as bigint. Build it once per evaluation. */
export type CelInput = Readonly<Record<string, unknown>> & { readonly __cel: true };

/** A syntax or type error, located in the expression's text (1-based) when the library says where. */
export interface CelProblem {
  readonly kind: 'syntax' | 'type';
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

/**
 * Functions added to CEL's standard library, kept few: each says in one call what would otherwise
 * take a nested macro, in the tests policies make most.
 */
const FUNCTIONS: readonly (readonly [signature: string, handler: (...args: never[]) => unknown])[] = [
  // `labels.hasAny(['pii', 'secret'])`: the lists share an element.
  [
    'list<string>.hasAny(list<string>): bool',
    (list: readonly string[], other: readonly string[]) => other.some((x) => list.includes(x)),
  ],
  // `reader.groups.hasAll(['staff', 'pii_readers'])`: every element of the argument is in the list.
  [
    'list<string>.hasAll(list<string>): bool',
    (list: readonly string[], other: readonly string[]) => other.every((x) => list.includes(x)),
  ],
];

/** A scope made ready for the library: its environment, and a converter for its activations. */
interface Runtime {
  readonly env: Environment;
  readonly convert: (activation: object) => CelInput;
}

/** One class per object type, and how to convert a plain value of each type. */
interface TypeTable {
  readonly classes: ReadonlyMap<string, new () => object>;
  readonly converterOf: (type: string) => Converter;
}

type Converter = (value: unknown) => unknown;
const identity: Converter = (value) => value;
/** CEL integers are bigint. A number that is not an integer stays a double, which an `int` field then rejects. */
const toInt: Converter = (value) => (typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value);

const tables = new WeakMap<CelScope['types'], TypeTable>();
const runtimes = new WeakMap<CelScope, Runtime>();
const objectClasses = new WeakSet<object>();

/** An object of one of the scopes' types (e.g. `actor`): its fields are its own properties. */
export function isCelObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && objectClasses.has(value.constructor);
}

/**
 * Each object type gets its own class, and activations are converted into instances of those
 * classes once per evaluation: the library then reads fields without converting anything again,
 * and an index into a list of objects (`delta.gained[0]`) yields a typed object as a macro's
 * variable does (the library converts plain objects only at the top level).
 */
function tableOf(types: CelScope['types']): TypeTable {
  let table = tables.get(types);
  if (table === undefined) {
    const classes = new Map<string, new () => object>();
    const converters = new Map<string, Converter>();
    const converterOf = (type: string): Converter => {
      if (type === 'int') return toInt;
      const list = /^list<(.+)>$/.exec(type)?.[1];
      if (list !== undefined) {
        const item = converterOf(list);
        if (item === identity) return identity;
        return (value) => (Array.isArray(value) ? value.map(item) : value);
      }
      return converters.get(type) ?? identity;
    };
    for (const [name, fields] of types) {
      const ctor = { [name]: class {} }[name] as new () => object;
      objectClasses.add(ctor);
      classes.set(name, ctor);
      const convertField = Object.entries(fields).map(([field, type]) => [field, converterOf(type)] as const);
      converters.set(name, (value) => {
        if (value === null || typeof value !== 'object') return value;
        const object = new ctor() as Record<string, unknown>;
        for (const [field, convert] of convertField) {
          // A field computed on demand (a long list of principals) stays so: read only if a rule asks.
          const record = value as Record<string, unknown>;
          if (isLazyField(value, field)) withLazyFields(object, [field], () => ({ [field]: convert(record[field]) }));
          else object[field] = convert(record[field]);
        }
        return object;
      });
    }
    table = { classes, converterOf };
    tables.set(types, table);
  }
  return table;
}

/** Creating an environment is the expensive part: one per scope, built on first use. */
function runtimeOf(scope: CelScope): Runtime {
  let runtime = runtimes.get(scope);
  if (runtime === undefined) {
    const { classes, converterOf } = tableOf(scope.types);
    const env = new Environment();
    for (const [name, fields] of scope.types)
      env.registerType(name, { ctor: classes.get(name), fields: { ...fields } });
    for (const [name, type] of Object.entries(scope.variables)) env.registerVariable(name, type);
    for (const [signature, handler] of FUNCTIONS) env.registerFunction(signature, handler);
    const variables = Object.entries(scope.variables).map(([name, type]) => [name, converterOf(type)] as const);
    const convert = (activation: object) => {
      const input: Record<string, unknown> = {};
      for (const [name, convertVariable] of variables)
        input[name] = convertVariable((activation as Record<string, unknown>)[name]);
      return input as CelInput;
    };
    runtime = { env, convert };
    runtimes.set(scope, runtime);
  }
  return runtime;
}

/** Parses and type-checks an expression against the scope's variables and functions. */
export function compileCel(scope: CelScope, source: string): Result<CelProgram, CelProblem> {
  const { env } = runtimeOf(scope);
  let parsed: ReturnType<Environment['parse']>;
  try {
    parsed = env.parse(source);
  } catch (error) {
    return err(problemOf('syntax', source, error));
  }
  const checked = parsed.check();
  if (!checked.valid)
    return err(problemOf(checked.error?.name === 'ParseError' ? 'syntax' : 'type', source, checked.error));
  return ok({
    source,
    type: checked.type ?? 'dyn',
    run(input) {
      try {
        return ok(parsed(input));
      } catch (error) {
        return err(summaryOf(error));
      }
    },
  });
}

/** Converts an activation of the scope for the library: build it once, run many expressions on it. */
export function toCelInput(scope: CelScope, activation: object): CelInput {
  return runtimeOf(scope).convert(activation);
}

function problemOf(kind: CelProblem['kind'], source: string, error: unknown): CelProblem {
  const message = summaryOf(error);
  const start = (error as { range?: { start?: unknown } } | undefined)?.range?.start;
  if (typeof start !== 'number') return { kind, message };
  const before = source.slice(0, start).split('\n');
  return { kind, message, line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

/** The library's one-line summary (its full message adds a drawing of the source). */
function summaryOf(error: unknown): string {
  if (error instanceof Error) {
    const summary = (error as { summary?: unknown }).summary;
    return typeof summary === 'string' && summary !== '' ? summary : (error.message.split('\n')[0] ?? error.name);
  }
  return String(error);
}
