import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { FirebreakError } from '../core/index.ts';

/**
 * `firebreak.yaml`: the systems Firebreak reads and how to classify them. Validated once here;
 * secrets appear only as references (`env:NAME`), never inline.
 */
const labelsSchema = z.record(z.string(), z.union([z.string(), z.array(z.string()).min(1)]));

const classificationSchema = z.strictObject({
  labels: labelsSchema.optional(),
  detectors: z.boolean().optional(),
  comments: z.boolean().optional(),
});

const postgresSystem = z.strictObject({
  kind: z.literal('postgres'),
  url: z.string().min(1),
  classification: classificationSchema.optional(),
});

const manifestSystem = z.strictObject({
  kind: z.literal('manifest'),
  path: z.string().min(1),
  classification: classificationSchema.optional(),
});

const configSchema = z.strictObject({
  /** Policy file for check and review, relative to this file; the shipped default policy otherwise. */
  policy: z.string().min(1).optional(),
  /** Directory of the embedded store and the ledger key, relative to this file. */
  data: z.string().min(1).optional(),
  /** Firebreak's store on a PostgreSQL server (`postgres://…` without a password, or `env:NAME`). */
  store: z.string().min(1).optional(),
  /** The key that signs ledger checkpoints (default: ledger.key in the data directory). */
  ledgerKey: z.string().min(1).optional(),
  systems: z.record(
    z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'system names are letters, digits, _ . -'),
    z.discriminatedUnion('kind', [postgresSystem, manifestSystem]),
  ),
});

export type Config = z.infer<typeof configSchema>;
export type SystemConfig = Config['systems'][string];
export type ClassificationConfig = z.infer<typeof classificationSchema>;

/** The largest configuration file read, far above any real one. */
const MAX_CONFIG_BYTES = 1024 * 1024;

export interface LoadedConfig {
  readonly path: string;
  /** Directory relative paths in the file are resolved against. */
  readonly directory: string;
  readonly config: Config;
}

export async function loadConfig(path: string): Promise<LoadedConfig> {
  const absolute = resolve(path);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') throw new FirebreakError('not_found', `configuration file ${path} does not exist`);
    throw new FirebreakError('invalid_config', `cannot read configuration file ${path}: ${(error as Error).message}`);
  }
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES)
    throw new FirebreakError('invalid_config', `configuration file ${path} is larger than ${MAX_CONFIG_BYTES} bytes`);
  return { path: absolute, directory: resolve(absolute, '..'), config: parseConfig(text, path) };
}

/** Parses and validates configuration text; errors name the file, the line and the field. */
export function parseConfig(text: string, name: string): Config {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntax = document.errors[0];
  if (syntax !== undefined) {
    const { line, col } = lineCounter.linePos(syntax.pos[0]);
    throw new FirebreakError('invalid_config', `${name}:${line}:${col}: ${syntax.message.split('\n')[0]}`);
  }
  const parsed = configSchema.safeParse(document.toJS() ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path ?? [];
  const node = document.getIn(path, true) as { range?: [number, number, number] } | undefined;
  const at = node?.range === undefined ? '' : `:${lineCounter.linePos(node.range[0]).line}`;
  const field = path.length === 0 ? '' : ` at ${path.join('.')}`;
  const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problems)` : '';
  throw new FirebreakError(
    'invalid_config',
    `${name}${at}: ${issue?.message ?? 'invalid configuration'}${field}${more}`,
  );
}

/**
 * Resolves a connection value: `env:NAME` reads the environment; a literal URL is accepted only
 * without a password, so secrets never sit in the file.
 */
export function resolveSecretRef(
  value: string,
  where: string,
  env: Readonly<Record<string, string | undefined>>,
): string {
  if (value.startsWith('env:')) {
    const name = value.slice(4);
    const resolved = env[name];
    if (resolved === undefined || resolved === '')
      throw new FirebreakError('invalid_config', `${where}: environment variable ${name} is not set`);
    return resolved;
  }
  let password = '';
  try {
    password = new URL(value).password;
  } catch {
    // Not a URL: the connector reports it.
  }
  if (password !== '')
    throw new FirebreakError(
      'invalid_config',
      `${where}: the URL contains a password; put it in an environment variable and write url: env:NAME`,
    );
  return value;
}
