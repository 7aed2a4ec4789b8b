import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store, SystemRegistry } from '../../src/app/index.ts';
import { defaultPolicy, openSystemRegistry, seedDemoHistory } from '../../src/runtime/index.ts';
import { type StoreTarget, storeTarget } from '../support/store.ts';

let target: StoreTarget;
let store: Store;
let systems: SystemRegistry;

beforeAll(async () => {
  target = storeTarget('postgres');
  store = await target.open();
  systems = await openSystemRegistry({ demoOnly: true }, { env: {}, cwd: target.directory });
});
afterAll(async () => {
  await systems.close();
  await store.close();
  await target.cleanup();
});

describe('the demo server history', () => {
  it('records a denial, a change held for approval with its blast radius, and allowed checks, once', async () => {
    const policy = await defaultPolicy();
    const clock = () => new Date('2030-01-01T00:00:00Z');
    expect(systems.names()).toEqual(['demo']);
    expect(await seedDemoHistory({ store, systems, policy, clock })).toBe(4);
    const decisions = await store.listDecisions();
    expect(decisions.map((d) => [d.actor, d.decision]).sort()).toEqual([
      ['agent:forum-helper', 'allow'],
      ['agent:forum-helper', 'deny'],
      ['user:maya', 'review'],
      ['user:tom', 'allow'],
    ]);
    const [pending] = await store.listApprovals({ state: 'pending' });
    expect(pending).toMatchObject({
      requester: 'user:maya',
      statements: ['GRANT SELECT ON payments.cards TO finance'],
      expiresAt: '2030-01-08T00:00:00.000Z',
      summary: '18 principals gain read access to 1 labelled resource (financial, pii)',
      blastRadius: { resources: [{ resource: 'payments.cards', labels: ['financial', 'pii'] }] },
    });
    expect(await seedDemoHistory({ store, systems, policy, clock })).toBe(0);
    expect((await store.ledger.verify()).ok).toBe(true);
  });
});
