import { html } from 'hono/html';
import type { DecisionRecord } from '../../../app/index.ts';
import { DECISIONS, type Decision } from '../../../core/index.ts';
import { badge, count, labels, plural, when } from '../format.ts';
import type { Html } from '../layout.ts';

export interface DecisionsView {
  readonly decisions: readonly DecisionRecord[];
  readonly systems: readonly string[];
  readonly system: string | undefined;
  readonly outcome: Decision | undefined;
}

/** The decisions log, newest first: who asked for what, the verdict and the rules behind it. */
export function decisionsPage(view: DecisionsView): Html {
  return html`<h1>Decisions</h1>
<form class="filters" method="get" action="/decisions">
  <div><label for="system">System</label><br>
  <select id="system" name="system"><option value="">all</option>
  ${view.systems.map((s) => html`<option value="${s}"${s === view.system ? html` selected` : ''}>${s}</option>`)}</select></div>
  <div><label for="outcome">Outcome</label><br>
  <select id="outcome" name="outcome"><option value="">all</option>
  ${DECISIONS.map((d) => html`<option value="${d}"${d === view.outcome ? html` selected` : ''}>${d}</option>`)}</select></div>
  <button type="submit">Show</button>
</form>
${view.decisions.length === 0 ? html`<p class="muted">No decisions.</p>` : table(view.decisions)}`;
}

function table(decisions: readonly DecisionRecord[]): Html {
  return html`<table>
<caption class="sr-only">Decisions, newest first</caption>
<thead><tr><th scope="col">When</th><th scope="col">Outcome</th><th scope="col">System</th><th scope="col">Actor</th>
<th scope="col">Who gains</th><th scope="col">Labels</th><th scope="col">Why</th><th scope="col" class="num">Entry</th></tr></thead>
<tbody>${decisions.map(
    (d) => html`<tr>
<td>${when(d.at)}</td>
<td>${badge(d.decision)}</td>
<td><code>${d.system}</code></td>
<td><code>${d.actor}</code></td>
<td>${plural(d.summary.principalsGaining, 'principal')}, ${plural(d.summary.resourcesGaining, 'resource')}</td>
<td>${labels(d.summary.labelsGained)}</td>
<td>${reasons(d)}</td>
<td class="num">${count(d.seq)}</td>
</tr>`,
  )}</tbody></table>`;
}

function reasons(d: DecisionRecord): Html {
  if (d.reasons.length === 0) return html`<span class="muted">no rule matched</span>`;
  return html`<details><summary>${d.reasons.map((r, i) => html`${i > 0 ? ', ' : ''}<code>${r.rule}</code>`)}</summary>
<ul>${d.reasons.map((r) => html`<li>${badge(r.decision)} ${r.message}</li>`)}</ul></details>`;
}
