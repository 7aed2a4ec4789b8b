import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ClassificationSpec, LabelSpec, SystemSource } from '../app/index.ts';
import { readManifestFile } from '../connectors/manifest/index.ts';
import { FirebreakError, type Policy } from '../core/index.ts';
import {
  type ClassificationConfig,
  type LoadedConfig,
  loadConfig,
  resolveSecretRef,
  type SystemConfig,
} from './config.ts';
import { openDemoSystem } from './demo/open-demo.ts';
import { defaultPolicy, loadPolicy } from './policy-file.ts';
import { openPostgres } from './postgres-source.ts';

/** The built-in system name of the embedded demo warehouse, unless the configuration defines it. */
export const DEMO_SYSTEM = 'demo';

/** How a command names the system it works on. */
export interface SystemSelector {
  /** A PostgreSQL URL given directly (`--db`). */
  readonly db?: string;
  /** A system named in the configuration file (`--system`). */
  readonly system?: string;
  /** Path of the configuration file (`--config`); default `$FIREBREAK_CONFIG` or ./firebreak.yaml. */
  readonly config?: string;
}

export interface RuntimeContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

export interface OpenedSystem {
  readonly source: SystemSource;
  /** Classification from the configuration (empty for `--db`). */
  readonly classification: ClassificationSpec;
}

/** Opens the system a command names; exactly one of `db` and `system` must be given. */
export async function openSystem(selector: SystemSelector, context: RuntimeContext): Promise<OpenedSystem> {
  if ((selector.db === undefined) === (selector.system === undefined))
    throw new FirebreakError('invalid_input', 'name the system with exactly one of --db URL or --system NAME');
  if (selector.db !== undefined) {
    const name = databaseName(selector.db);
    return { source: await openPostgres(name, selector.db), classification: { labels: [] } };
  }
  const name = selector.system as string;
  const loaded = await loadConfigFor(selector, context, name === DEMO_SYSTEM);
  if (loaded === undefined || (name === DEMO_SYSTEM && loaded.config.systems[name] === undefined))
    return { source: await openDemoSystem(), classification: { labels: [] } };
  const system = loaded.config.systems[name];
  if (system === undefined) {
    const known = Object.keys(loaded.config.systems);
    throw new FirebreakError(
      'not_found',
      `no system "${name}" in ${loaded.path}${known.length > 0 ? ` (systems: ${known.join(', ')})` : ''}`,
    );
  }
  return {
    source: await openConfigured(name, system, loaded, context),
    classification: classificationOf(system.classification),
  };
}

async function openConfigured(
  name: string,
  system: SystemConfig,
  loaded: LoadedConfig,
  context: RuntimeContext,
): Promise<SystemSource> {
  switch (system.kind) {
    case 'postgres':
      return openPostgres(name, resolveSecretRef(system.url, `system ${name}`, context.env));
    case 'manifest': {
      const path = resolve(loaded.directory, system.path);
      return {
        name,
        kind: 'manifest',
        location: path,
        readSnapshot: () => readManifestFile(path, { system: name }),
        close: async () => {},
      };
    }
  }
}

/**
 * The policy that decides changes: `--policy`, else `$FIREBREAK_POLICY`, else the configuration's
 * `policy` (relative to the file), else the one Firebreak ships.
 */
export async function resolvePolicy(
  path: string | undefined,
  config: string | undefined,
  context: RuntimeContext,
): Promise<Policy> {
  const explicit = path ?? context.env.FIREBREAK_POLICY;
  if (explicit !== undefined && explicit !== '') return loadPolicy(resolve(context.cwd, explicit));
  const loaded = await loadConfigFor(config === undefined ? {} : { config }, context, true);
  if (loaded?.config.policy !== undefined) return loadPolicy(resolve(loaded.directory, loaded.config.policy));
  return defaultPolicy();
}

/** Loads the configuration; without one, `optional` returns undefined instead of failing. */
export async function loadConfigFor(
  selector: SystemSelector,
  context: RuntimeContext,
  optional: boolean,
): Promise<LoadedConfig | undefined> {
  const explicit = selector.config ?? context.env.FIREBREAK_CONFIG;
  if (explicit !== undefined && explicit !== '') return loadConfig(resolve(context.cwd, explicit));
  const fallback = resolve(context.cwd, 'firebreak.yaml');
  if (existsSync(fallback)) return loadConfig(fallback);
  if (optional) return undefined;
  throw new FirebreakError(
    'not_found',
    'no configuration file: --system needs firebreak.yaml here, --config PATH or FIREBREAK_CONFIG',
  );
}

function classificationOf(config: ClassificationConfig | undefined): ClassificationSpec {
  const labels: LabelSpec[] = Object.entries(config?.labels ?? {}).map(([label, globs]) => ({
    label,
    globs: typeof globs === 'string' ? [globs] : globs,
  }));
  return {
    labels,
    ...(config?.detectors === undefined ? {} : { detectors: config.detectors }),
    ...(config?.comments === undefined ? {} : { comments: config.comments }),
  };
}

function databaseName(url: string): string {
  try {
    const parsed = new URL(url);
    return decodeURIComponent(parsed.pathname.replace(/^\//, '')) || decodeURIComponent(parsed.username) || 'postgres';
  } catch {
    return 'postgres';
  }
}
