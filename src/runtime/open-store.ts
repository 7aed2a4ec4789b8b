import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Store } from '../app/index.ts';
import { FirebreakError } from '../core/index.ts';
import { openStore } from '../store/index.ts';
import { resolveSecretRef } from './config.ts';
import { loadConfigFor, type RuntimeContext } from './open-system.ts';

export interface StoreSelector {
  /** `--data`: the data directory. */
  readonly data?: string;
  /** `--config`: the configuration file. */
  readonly config?: string;
}

/** Where the store and the ledger key are, once every source of settings has been consulted. */
export interface StoreLocation {
  readonly url?: string;
  readonly directory: string;
  readonly keyPath: string;
}

/**
 * Finds the store: a PostgreSQL server when `FIREBREAK_STORE_URL` or the configuration's `store`
 * names one, else the embedded store in the data directory (`--data`, `$FIREBREAK_DATA`, the
 * configuration's `data`, else `$XDG_DATA_HOME/firebreak` or `~/.local/share/firebreak`).
 */
export async function locateStore(selector: StoreSelector, context: RuntimeContext): Promise<StoreLocation> {
  const loaded = await loadConfigFor(selector.config === undefined ? {} : { config: selector.config }, context, true);
  const fromConfig = (path: string | undefined) =>
    path === undefined || loaded === undefined ? undefined : resolve(loaded.directory, path);
  const directory =
    nonEmpty(selector.data, (d) => resolve(context.cwd, d)) ??
    nonEmpty(context.env.FIREBREAK_DATA, (d) => resolve(context.cwd, d)) ??
    fromConfig(loaded?.config.data) ??
    defaultDataDirectory(context);
  const url =
    nonEmpty(context.env.FIREBREAK_STORE_URL, (u) => u) ??
    (loaded?.config.store === undefined ? undefined : resolveSecretRef(loaded.config.store, 'store', context.env));
  const keyPath =
    nonEmpty(context.env.FIREBREAK_LEDGER_KEY, (k) => resolve(context.cwd, k)) ??
    fromConfig(loaded?.config.ledgerKey) ??
    join(directory, 'ledger.key');
  return { ...(url === undefined ? {} : { url }), directory, keyPath };
}

/** Opens the store; `existing` refuses to create an embedded store that is not there yet. */
export async function openConfiguredStore(
  selector: StoreSelector,
  context: RuntimeContext,
  options: { readonly existing?: boolean } = {},
): Promise<Store> {
  const location = await locateStore(selector, context);
  if (options.existing === true && location.url === undefined && !existsSync(join(location.directory, 'store')))
    throw new FirebreakError(
      'not_found',
      `no store in ${location.directory}: nothing has been recorded there (--data DIR or FIREBREAK_DATA names another)`,
    );
  return openStore({
    ...(location.url === undefined ? { directory: join(location.directory, 'store') } : { url: location.url }),
    keyPath: location.keyPath,
  });
}

function defaultDataDirectory(context: RuntimeContext): string {
  const xdg = context.env.XDG_DATA_HOME;
  if (xdg !== undefined && xdg !== '') return join(xdg, 'firebreak');
  const home = context.env.HOME;
  if (home !== undefined && home !== '') return join(home, '.local', 'share', 'firebreak');
  throw new FirebreakError(
    'invalid_config',
    'no data directory for the store: pass --data DIR, set FIREBREAK_DATA, or set data: in firebreak.yaml',
  );
}

function nonEmpty<T>(value: string | undefined, map: (value: string) => T): T | undefined {
  return value === undefined || value === '' ? undefined : map(value);
}
