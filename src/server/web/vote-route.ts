import type { Context, Hono, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import {
  type Approval,
  type ApprovalAction,
  actorOfToken,
  may,
  recordApprovalRefusal,
  type Store,
} from '../../app/index.ts';
import { isFirebreakError } from '../../core/index.ts';
import { STATUS_BY_CODE } from '../api-error.ts';
import { pathTo, roleToken } from './format.ts';
import { acceptForm, requireCsrf, type WebEnv } from './guards.ts';
import { sendPage } from './layout.ts';
import { approvalPage } from './pages/approval.ts';
import { messagePage } from './pages/message.ts';
import type { Sessions } from './session.ts';

const voteForm = z.object({
  verdict: z.enum(['approve', 'deny'], 'choose Approve or Deny'),
  reason: z.string().max(2_000, 'the reason is longer than 2,000 characters').optional(),
});

/** Store refusals the page explains; anything else is a failure for the error page. */
const EXPLAINED = ['forbidden', 'conflict', 'not_found', 'invalid_input'] as const;
type Explained = (typeof EXPLAINED)[number];

/**
 * Approve or deny from the approval page, as `POST /api/v1/approvals/{id}/approve|deny` does:
 * the store applies the approval rules, and every refusal is in the ledger, those decided here
 * (a role that may not approve, a malformed form) as well as the store's own.
 */
export function voteRoute(
  routes: Hono<WebEnv>,
  deps: { readonly store: Store; readonly sessions: Sessions; readonly signedIn: MiddlewareHandler<WebEnv> },
): void {
  const { store, sessions } = deps;

  routes.post('/approvals/:id/vote', deps.signedIn, acceptForm(), requireCsrf(), async (c) => {
    const session = c.get('session');
    const id = c.req.param('id');
    const by = actorOfToken(session.token);
    const form = c.get('form');
    const action = form.verdict === 'deny' ? 'deny' : 'approve';
    const refuse = async (code: 'forbidden' | 'invalid_input', message: string) => {
      await recordApprovalRefusal(store, { id, by, action, code, message });
      return answer(c, id, { code, message, reason: form.reason });
    };
    if (!may(session.token.role, 'approve'))
      return refuse('forbidden', `${roleToken(session.token.role)} may not approve or deny changes`);
    const parsed = voteForm.safeParse(form);
    if (!parsed.success) return refuse('invalid_input', parsed.error.issues[0]?.message ?? 'invalid form');
    const { verdict, reason } = parsed.data;
    const vote: ApprovalAction =
      verdict === 'approve'
        ? { kind: 'approve', by, ...(reason === undefined || reason.trim() === '' ? {} : { reason }) }
        : { kind: 'deny', by, reason: reason ?? '' };
    let after: Approval;
    try {
      after = await store.actOnApproval(id, vote);
    } catch (error) {
      if (!isFirebreakError(error) || !(EXPLAINED as readonly string[]).includes(error.code)) throw error;
      return answer(c, id, { code: error.code as Explained, message: error.message, reason });
    }
    sessions.flash(session.id, confirmation(after, verdict));
    return c.redirect(pathTo('approvals', id), 303);
  });

  /** The approval page again, with why the vote was refused and the reason as typed. */
  const answer = async (
    c: Context<WebEnv>,
    id: string,
    refusal: { readonly code: Explained; readonly message: string; readonly reason: string | undefined },
  ) => {
    const session = c.get('session');
    const status = STATUS_BY_CODE[refusal.code] as 400 | 403 | 404 | 409;
    const flash = { tone: 'error' as const, text: `Refused: ${refusal.message}.` };
    const approval = await store.getApproval(id);
    if (approval === undefined) {
      const body = messagePage({ heading: 'Not found', message: `There is no approval request ${id}.` });
      return sendPage(c, { title: 'Not found', section: 'approvals', session, body }, 404);
    }
    const body = approvalPage({
      approval,
      session,
      mayApprove: may(session.token.role, 'approve'),
      ...(refusal.reason === undefined ? {} : { reason: refusal.reason }),
    });
    return sendPage(c, { title: 'Approval request', section: 'approvals', session, flash, body }, status);
  };
}

function confirmation(after: Approval, verdict: 'approve' | 'deny'): string {
  if (verdict === 'deny') return 'You denied this request.';
  if (after.state === 'approved') return 'You approved this request: it is approved.';
  const received = after.votes.filter((v) => v.verdict === 'approve').length;
  return `You approved this request: ${after.requiredApprovals - received} more approval needed.`;
}
