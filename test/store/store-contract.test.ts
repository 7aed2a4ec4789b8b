import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApprovalRequest, Store } from '../../src/app/index.ts';
import { DRIVERS, type StoreTarget, storeTarget } from '../support/store.ts';

const HASH = 'a'.repeat(64);

function request(extra: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    system: 'warehouse',
    changeHash: HASH,
    statements: ['GRANT SELECT ON hr.salaries TO analysts'],
    requester: 'agent:helper',
    rules: ['agent-exposes-labelled-data'],
    requiredApprovals: 1,
    expiresAt: '2100-01-01T00:00:00.000Z',
    summary: '3 principals gain hr.salaries',
    ...extra,
  };
}

const decision = {
  system: 'warehouse',
  actor: 'agent:helper',
  inputHash: HASH,
  decision: 'deny' as const,
  reasons: [{ rule: 'agent-exposes-labelled-data', decision: 'deny' as const, message: 'no' }],
  summary: { principalsGaining: 3, resourcesGaining: 1, labelsGained: ['pii'] },
  statements: 1,
};

describe.each(DRIVERS)('the store on %s', (driver) => {
  let target: StoreTarget;
  let store: Store | undefined;
  beforeEach(() => {
    target = storeTarget(driver);
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await target.cleanup();
  });

  it('opens a new ledger with a first entry naming its signing key, and signs it on close', async () => {
    store = await target.open();
    const [first] = await store.ledger.read();
    expect(first).toMatchObject({ seq: 1, kind: 'ledger.opened', actor: 'firebreak', prev: '0'.repeat(64) });
    expect(String(first?.data.key)).toMatch(/^ed25519:[0-9a-f]{16}$/);
    await store.close();
    store = await target.open();
    const report = await store.ledger.verify();
    expect(report).toMatchObject({ ok: true, entries: 1, checkpoints: 1, unsigned: 0, findings: [] });
  });

  it('records a decision in the ledger and in the decisions it lists', async () => {
    store = await target.open();
    const recorded = await store.recordDecision(decision);
    expect(recorded).toMatchObject({ ...decision, seq: 2 });
    const [entry] = await store.ledger.read({ kind: 'decision' });
    expect(entry).toMatchObject({
      seq: 2,
      kind: 'decision',
      actor: 'agent:helper',
      system: 'warehouse',
      subject: recorded.id,
    });
    expect(entry?.data.decision).toBe('deny');
    expect(await store.listDecisions()).toEqual([recorded]);
    expect(await store.listDecisions({ system: 'elsewhere' })).toEqual([]);
  });

  it('chains concurrent appends without gaps, each linked to the one before', async () => {
    store = await target.open();
    const opened = store;
    const entries = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        opened.ledger.append({ kind: 'decision', actor: `user:u${i}`, data: { i } }),
      ),
    );
    expect(entries.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i + 2));
    const all = await store.ledger.read({ limit: 1_000 });
    for (let i = 1; i < all.length; i++) expect(all[i]?.prev).toBe(all[i - 1]?.hash);
    expect((await store.ledger.verify()).ok).toBe(true);
    expect((await store.ledger.tail(2)).map((e) => e.seq)).toEqual([300, 301]);
  });

  it('refuses to update or delete ledger rows', async () => {
    store = await target.open();
    await store.close();
    store = undefined;
    await expect(target.sql(`update ${target.table('ledger')} set kind = 'x'`)).rejects.toThrow(/append-only/);
    await expect(target.sql(`delete from ${target.table('ledger')}`)).rejects.toThrow(/append-only/);
  });

  it('keeps the chain across reopening', async () => {
    store = await target.open();
    await store.recordDecision(decision);
    await store.close();
    store = await target.open();
    await store.recordDecision(decision);
    const report = await store.ledger.verify();
    expect(report).toMatchObject({ ok: true, entries: 3 });
    expect(report.head?.seq).toBe(3);
  });

  it('takes an approval through the two-person rule to execution, refusing whoever may not act', async () => {
    store = await target.open();
    const opened = store;
    const approval = await store.requestApproval(request({ requiredApprovals: 2 }));
    expect(approval.state).toBe('pending');
    await expect(opened.actOnApproval(approval.id, { kind: 'approve', by: 'agent:reviewer' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(opened.actOnApproval(approval.id, { kind: 'approve', by: 'agent:helper' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    const once = await store.actOnApproval(approval.id, { kind: 'approve', by: 'user:alice', reason: 'ok' });
    expect(once.state).toBe('pending');
    await expect(opened.actOnApproval(approval.id, { kind: 'approve', by: 'user:alice' })).rejects.toMatchObject({
      code: 'conflict',
    });
    const twice = await store.actOnApproval(approval.id, { kind: 'approve', by: 'user:bob' });
    expect(twice.state).toBe('approved');
    await expect(
      opened.actOnApproval(approval.id, { kind: 'execute', by: 'agent:helper', changeHash: 'b'.repeat(64) }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    const executed = await store.actOnApproval(approval.id, { kind: 'execute', by: 'agent:helper', changeHash: HASH });
    expect(executed.state).toBe('executed');
    expect(await store.getApproval(approval.id)).toMatchObject({
      state: 'executed',
      votes: [{ by: 'user:alice' }, { by: 'user:bob' }],
    });
    const kinds = (await store.ledger.read({ limit: 100 })).map((e) => e.kind);
    expect(kinds).toEqual([
      'ledger.opened',
      'approval.requested',
      'approval.refused',
      'approval.refused',
      'approval.voted',
      'approval.refused',
      'approval.approved',
      'approval.refused',
      'approval.executed',
    ]);
    expect((await store.ledger.verify()).ok).toBe(true);
  });

  it('ends a request with one denial, which needs a reason', async () => {
    store = await target.open();
    const opened = store;
    const approval = await store.requestApproval(request());
    await expect(
      opened.actOnApproval(approval.id, { kind: 'deny', by: 'user:carol', reason: ' ' }),
    ).rejects.toMatchObject({
      code: 'invalid_input',
    });
    const denied = await store.actOnApproval(approval.id, { kind: 'deny', by: 'user:carol', reason: 'too broad' });
    expect(denied).toMatchObject({
      state: 'denied',
      votes: [{ by: 'user:carol', verdict: 'deny', reason: 'too broad' }],
    });
    expect((await store.listApprovals({ state: 'denied' })).map((a) => a.id)).toEqual([approval.id]);
    expect(await store.listApprovals({ state: 'pending' })).toEqual([]);
  });

  it('expires a pending request at its time and refuses to decide it afterwards', async () => {
    let now = new Date('2030-01-01T00:00:00.000Z');
    store = await target.open({ clock: () => now });
    const opened = store;
    const approval = await store.requestApproval(request({ expiresAt: '2030-01-01T01:00:00.000Z' }));
    expect((await store.listApprovals({ state: 'pending' })).length).toBe(1);
    now = new Date('2030-01-01T02:00:00.000Z');
    expect(await store.listApprovals({ state: 'pending' })).toEqual([]);
    expect((await store.listApprovals({ state: 'expired' })).map((a) => a.id)).toEqual([approval.id]);
    await expect(opened.actOnApproval(approval.id, { kind: 'approve', by: 'user:alice' })).rejects.toMatchObject({
      code: 'conflict',
    });
    expect(await store.getApproval(approval.id)).toMatchObject({ state: 'expired', votes: [] });
    expect((await store.ledger.tail(1))[0]?.kind).toBe('approval.expired');
  });

  it('rejects malformed approval requests and unknown ids', async () => {
    store = await target.open();
    await expect(store.requestApproval(request({ changeHash: 'nope' }))).rejects.toMatchObject({
      code: 'invalid_input',
    });
    await expect(store.requestApproval(request({ requiredApprovals: 0 }))).rejects.toMatchObject({
      code: 'invalid_input',
    });
    expect(await store.getApproval('not-a-uuid')).toBeUndefined();
    await expect(
      store.actOnApproval('00000000-0000-4000-8000-000000000000', { kind: 'approve', by: 'user:a' }),
    ).rejects.toMatchObject({ code: 'not_found' });
  });

  it('records snapshot fingerprints only when they change, and incidents', async () => {
    store = await target.open();
    expect(await store.recordFingerprint('warehouse', 'f1')).toEqual({ changed: true });
    expect(await store.recordFingerprint('warehouse', 'f1')).toEqual({ changed: false });
    expect(await store.recordFingerprint('warehouse', 'f2')).toEqual({ changed: true });
    expect((await store.fingerprints('warehouse')).map((f) => f.fingerprint)).toEqual(['f2', 'f1']);
    const incident = await store.openIncident({
      system: 'warehouse',
      severity: 'critical',
      title: 'hr.salaries readable by 2,113 engineers',
      details: { principals: 2113 },
      decisionId: '00000000-0000-4000-8000-000000000001',
    });
    expect(await store.listIncidents()).toEqual([incident]);
    const kinds = (await store.ledger.read()).map((e) => e.kind);
    expect(kinds).toEqual(['ledger.opened', 'snapshot.changed', 'snapshot.changed', 'incident.opened']);
  });
});
