import { html } from 'hono/html';
import { type Approval, actorOfToken } from '../../../app/index.ts';
import { badge, capitalised, count, pathTo, roleToken, when } from '../format.ts';
import { csrfField, type Html } from '../layout.ts';
import type { Session } from '../session.ts';
import { blastRadiusSection } from './blast-radius.ts';

export interface ApprovalView {
  /** As the store gives it: a pending request past its expiry reads as expired. */
  readonly approval: Approval;
  readonly session: Session;
  readonly mayApprove: boolean;
  /** What the last attempt typed, kept when it was refused. */
  readonly reason?: string;
}

/** One approval request: the exact statements, who asked and why, the blast radius, the verdict form. */
export function approvalPage(view: ApprovalView): Html {
  const { approval } = view;
  const { state } = approval;
  const approvals = approval.votes.filter((v) => v.verdict === 'approve').length;
  return html`<p><a href="/approvals">← Approvals</a></p>
<h1>Approval request ${badge(state)}</h1>
<p>${approval.summary}</p>
<dl class="facts">
  <dt>System</dt><dd><code>${approval.system}</code></dd>
  <dt>Requested by</dt><dd><code>${approval.requester}</code></dd>
  <dt>Requested</dt><dd>${when(approval.createdAt)}</dd>
  <dt>Expires</dt><dd>${when(approval.expiresAt)}</dd>
  <dt>Held by rules</dt><dd>${approval.rules.length === 0 ? html`<span class="muted">none</span>` : html`${approval.rules.map((r, i) => html`${i > 0 ? ', ' : ''}<code>${r}</code>`)}`}</dd>
  <dt>Approvals</dt><dd>${count(approvals)} of ${count(approval.requiredApprovals)} needed</dd>
  ${approval.decisionId === undefined ? '' : html`<dt>Decision</dt><dd><code>${approval.decisionId}</code></dd>`}
  <dt>Change hash</dt><dd><code>${approval.changeHash}</code></dd>
  <dt>Request id</dt><dd><code>${approval.id}</code></dd>
</dl>
<h2 id="statements">Statements</h2>
<p class="muted">Approving approves exactly these statements, and no other change.</p>
<ol class="statements">${approval.statements.map((sql) => html`<li><pre><code>${sql}</code></pre></li>`)}</ol>
${blastRadiusSection(approval.blastRadius, approval.summary)}
${votes(approval)}
${verdictForm(view)}`;
}

function votes(approval: Approval): Html {
  if (approval.votes.length === 0) return html`<h2>Votes</h2><p class="muted">No votes yet.</p>`;
  return html`<h2>Votes</h2>
<table><thead><tr><th scope="col">By</th><th scope="col">Verdict</th><th scope="col">Reason</th><th scope="col">When</th></tr></thead>
<tbody>${approval.votes.map(
    (v) => html`<tr><td><code>${v.by}</code></td><td>${badge(v.verdict === 'approve' ? 'approved' : 'denied')}</td>
<td>${v.reason === '' ? html`<span class="muted">none given</span>` : v.reason}</td><td>${when(v.at)}</td></tr>`,
  )}</tbody></table>`;
}

function verdictForm(view: ApprovalView): Html {
  const { approval, session } = view;
  if (approval.state !== 'pending')
    return html`<h2>Decide</h2><p>This request is ${approval.state}; it can no longer be approved or denied.</p>`;
  if (!view.mayApprove)
    return html`<h2>Decide</h2><p>${capitalised(roleToken(session.token.role))} may read this request but not approve or deny it.</p>`;
  const me = actorOfToken(session.token);
  const note =
    me === approval.requester
      ? html`<p class="muted">You requested this change: you may deny it, but someone else must approve it.</p>`
      : approval.votes.some((v) => v.by === me)
        ? html`<p class="muted">You have already voted on this request.</p>`
        : '';
  return html`<h2 id="decide">Decide</h2>
${note}
<form class="stack" method="post" action="${pathTo('approvals', approval.id, 'vote')}">
  ${csrfField(session)}
  <label for="reason">Reason <span class="muted">(required to deny; recorded in the audit ledger)</span></label>
  <textarea id="reason" name="reason" maxlength="2000">${view.reason ?? ''}</textarea>
  <div class="actions">
    <button type="submit" name="verdict" value="approve" class="approve">Approve</button>
    <button type="submit" name="verdict" value="deny" class="deny">Deny</button>
  </div>
</form>`;
}
