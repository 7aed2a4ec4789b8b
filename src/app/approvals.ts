import { err, ok, type Result } from '../core/index.ts';
import { parseActor } from './actor.ts';
import type { BlastRadius } from './hold-change.ts';

/**
 * Approval requests: a held change waits for people to approve it. The rules live here, pure, so
 * that every store and every shell applies the same ones:
 *
 * - a request is bound to the exact change (its hash): executing anything else is refused;
 * - agents never approve or deny, and nobody approves their own request;
 * - `requiredApprovals` distinct people must approve (two-person rule); one denial ends it;
 * - a pending request past its expiry is expired, and nothing can happen to it but being read.
 *
 * pending → approved | denied | expired; approved → executed.
 */
export const APPROVAL_STATES = ['pending', 'approved', 'denied', 'expired', 'executed'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

export interface ApprovalRequest {
  readonly system: string;
  /** SHA-256 of the change's canonical text: what exactly is approved. */
  readonly changeHash: string;
  /** The statements, as the approver will read them. */
  readonly statements: readonly string[];
  /** Who asked: `agent:NAME` or `user:NAME`. */
  readonly requester: string;
  /** The policy rules that held the change. */
  readonly rules: readonly string[];
  /** Distinct approvers needed (1, or 2 for the two-person rule). */
  readonly requiredApprovals: number;
  readonly expiresAt: string;
  /** The decision that held the change. */
  readonly decisionId?: string;
  /** A short account of the blast radius for the approver. */
  readonly summary: string;
  /** Who would gain access, by route: what the approver's page draws. */
  readonly blastRadius?: BlastRadius;
}

export interface ApprovalVote {
  readonly by: string;
  readonly verdict: 'approve' | 'deny';
  readonly reason: string;
  readonly at: string;
}

export interface Approval extends ApprovalRequest {
  readonly id: string;
  readonly createdAt: string;
  readonly state: ApprovalState;
  readonly votes: readonly ApprovalVote[];
  readonly executedAt?: string;
}

export type ApprovalAction =
  | { readonly kind: 'approve'; readonly by: string; readonly reason?: string }
  | { readonly kind: 'deny'; readonly by: string; readonly reason: string }
  | { readonly kind: 'execute'; readonly by: string; readonly changeHash: string }
  | { readonly kind: 'expire' };

export interface ApprovalRefusal {
  /** `forbidden`: this person may not do this; `conflict`: the request's state does not allow it. */
  readonly code: 'forbidden' | 'conflict' | 'invalid_input';
  readonly message: string;
}

/** The most approvers a rule can require. */
export const MAX_REQUIRED_APPROVALS = 5;

export function validateApprovalRequest(request: ApprovalRequest): Result<ApprovalRequest, string> {
  if (!/^[0-9a-f]{64}$/.test(request.changeHash)) return err('changeHash must be a SHA-256 in hex');
  if (!parseActor(request.requester).ok) return err(`requester "${request.requester}" must be agent:NAME or user:NAME`);
  if (
    !Number.isInteger(request.requiredApprovals) ||
    request.requiredApprovals < 1 ||
    request.requiredApprovals > MAX_REQUIRED_APPROVALS
  )
    return err(`requiredApprovals must be an integer from 1 to ${MAX_REQUIRED_APPROVALS}`);
  if (Number.isNaN(Date.parse(request.expiresAt))) return err('expiresAt must be an ISO 8601 time');
  if (request.statements.length === 0) return err('an approval request needs the statements it approves');
  return ok(request);
}

/** The state a request is in at `now`: a pending request past its expiry is expired. */
export function effectiveState(approval: Approval, now: string): ApprovalState {
  return approval.state === 'pending' && Date.parse(now) >= Date.parse(approval.expiresAt) ? 'expired' : approval.state;
}

/** Applies an action at `now`; the new request, or why the action is refused. */
export function transitionApproval(
  approval: Approval,
  action: ApprovalAction,
  now: string,
): Result<Approval, ApprovalRefusal> {
  const state = effectiveState(approval, now);
  if (action.kind === 'expire') {
    if (state !== 'expired' || approval.state !== 'pending')
      return err({ code: 'conflict', message: `approval request ${approval.id} is ${state}, not due to expire` });
    return ok({ ...approval, state: 'expired' });
  }
  const who = parseActor(action.by);
  if (!who.ok) return err({ code: 'invalid_input', message: who.error });
  if (action.kind === 'execute') {
    if (state !== 'approved')
      return err({ code: 'conflict', message: `approval request ${approval.id} is ${state}, not approved` });
    if (action.changeHash !== approval.changeHash)
      return err({
        code: 'forbidden',
        message: `the change differs from the one approved in request ${approval.id}; it needs its own approval`,
      });
    return ok({ ...approval, state: 'executed', executedAt: now });
  }
  if (state !== 'pending')
    return err({
      code: 'conflict',
      message: `approval request ${approval.id} is ${state}; it can no longer be decided`,
    });
  if (who.value.kind === 'agent')
    return err({ code: 'forbidden', message: `${action.by} is an agent; agents never approve or deny changes` });
  if (approval.votes.some((v) => v.by === action.by))
    return err({ code: 'conflict', message: `${action.by} has already voted on request ${approval.id}` });
  const reason = (action.reason ?? '').trim();
  if (action.kind === 'deny') {
    if (reason === '') return err({ code: 'invalid_input', message: 'a denial needs a reason' });
    const votes = [...approval.votes, { by: action.by, verdict: 'deny' as const, reason, at: now }];
    return ok({ ...approval, state: 'denied', votes });
  }
  if (action.by === approval.requester)
    return err({ code: 'forbidden', message: `${action.by} requested this change; nobody approves their own request` });
  const votes = [...approval.votes, { by: action.by, verdict: 'approve' as const, reason, at: now }];
  const approvals = votes.filter((v) => v.verdict === 'approve').length;
  return ok({ ...approval, votes, state: approvals >= approval.requiredApprovals ? 'approved' : 'pending' });
}
