import type { Store } from './store-port.ts';

/**
 * Records an attempt to act on an approval request that was refused before the request itself
 * was touched (a role that may not approve, a malformed request): who tried what is part of the
 * record, whichever interface they came through.
 */
export async function recordApprovalRefusal(
  store: Store,
  refusal: {
    readonly id: string;
    readonly by: string;
    readonly action: 'approve' | 'deny';
    readonly code: string;
    readonly message: string;
  },
): Promise<void> {
  await store.ledger.append({
    kind: 'approval.refused',
    actor: refusal.by,
    subject: refusal.id,
    data: { action: refusal.action, code: refusal.code, message: refusal.message },
  });
}
