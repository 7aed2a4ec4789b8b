import { type Actor, checkAndHold, type Store, type SystemRegistry } from '../../app/index.ts';
import type { Policy } from '../../core/index.ts';

/**
 * A short history for the demo server, so that a newcomer's first page is not empty: the forum
 * incident denied, a person's change held for approval, a harmless query allowed. Run only on a
 * store that has no decisions yet.
 */
const HISTORY: readonly { readonly actor: Actor; readonly sql: string }[] = [
  { actor: { kind: 'agent', name: 'forum-helper' }, sql: 'GRANT pg_read_all_data TO engineering;' },
  { actor: { kind: 'user', name: 'maya' }, sql: 'GRANT SELECT ON payments.cards TO finance;' },
  { actor: { kind: 'agent', name: 'forum-helper' }, sql: 'SELECT count(*) FROM metrics.daily_active_users;' },
  { actor: { kind: 'user', name: 'tom' }, sql: 'REVOKE SELECT ON payments.cards FROM PUBLIC;' },
];

export async function seedDemoHistory(options: {
  readonly store: Store;
  readonly systems: SystemRegistry;
  readonly policy: Policy;
  readonly clock: () => Date;
}): Promise<number> {
  if ((await options.store.listDecisions({ limit: 1 })).length > 0) return 0;
  const { source, rules } = await options.systems.open('demo');
  for (const { actor, sql } of HISTORY)
    await checkAndHold({
      source,
      rules,
      pieces: [{ sql, origin: 'demo', line: 1 }],
      actor,
      policy: options.policy,
      store: options.store,
      expiresAt: new Date(options.clock().getTime() + 7 * 24 * 60 * 60 * 1000).toISOString(),
    });
  return HISTORY.length;
}
