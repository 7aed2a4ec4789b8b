import { html } from 'hono/html';
import { APPROVAL_STATES, type Approval, type ApprovalState } from '../../../app/index.ts';
import { badge, count, pathTo, when } from '../format.ts';
import type { Html } from '../layout.ts';

/** The approvals queue: pending requests first, then the rest, newest first within each. */
export function approvalsPage(view: {
  readonly approvals: readonly Approval[];
  readonly state: ApprovalState | undefined;
}): Html {
  const ordered = [...view.approvals].sort((a, b) => Number(b.state === 'pending') - Number(a.state === 'pending'));
  const pending = view.approvals.filter((a) => a.state === 'pending').length;
  return html`<h1>Approvals</h1>
<form class="filters" method="get" action="/approvals">
  <div><label for="state">State</label><br>
  <select id="state" name="state">
    <option value=""${view.state === undefined ? html` selected` : ''}>all</option>
    ${APPROVAL_STATES.map((s) => html`<option value="${s}"${s === view.state ? html` selected` : ''}>${s}</option>`)}
  </select></div>
  <button type="submit">Show</button>
</form>
<p>${view.state === undefined ? html`${count(pending)} pending of ${count(view.approvals.length)} shown.` : html`${count(view.approvals.length)} ${view.state}.`}</p>
${ordered.length === 0 ? html`<p class="muted">No approval requests.</p>` : table(ordered)}`;
}

function table(approvals: readonly Approval[]): Html {
  return html`<table>
<caption class="sr-only">Approval requests</caption>
<thead><tr><th scope="col">State</th><th scope="col">Request</th><th scope="col">System</th><th scope="col">Requested by</th>
<th scope="col" class="num">Approvals</th><th scope="col">Requested</th><th scope="col">Expires</th></tr></thead>
<tbody>${approvals.map(
    (a) => html`<tr>
<td>${badge(a.state)}</td>
<td><a href="${pathTo('approvals', a.id)}">${a.summary}</a></td>
<td><code>${a.system}</code></td>
<td><code>${a.requester}</code></td>
<td class="num">${count(a.votes.filter((v) => v.verdict === 'approve').length)} / ${count(a.requiredApprovals)}</td>
<td>${when(a.createdAt)}</td>
<td>${when(a.expiresAt)}</td>
</tr>`,
  )}</tbody></table>`;
}
