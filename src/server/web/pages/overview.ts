import { html } from 'hono/html';
import type { ExposureSummary } from '../exposure-cache.ts';
import { count, pathTo } from '../format.ts';
import type { Html } from '../layout.ts';
import { exposureTable } from './exposure.ts';
import { type DayCounts, outcomeChart } from './outcome-chart.ts';

export interface OverviewView {
  readonly systems: readonly { readonly name: string; readonly exposure: ExposureSummary | undefined }[];
  readonly pending: number;
  readonly days: readonly DayCounts[];
  /** True when the decisions counted were cut at the read limit. */
  readonly capped: boolean;
  readonly ledgerHead: number | undefined;
}

/** The first page: what waits for people, what was decided lately, and who reads what. */
export function overviewPage(view: OverviewView): Html {
  const decided = view.days.reduce((sum, d) => sum + d.allow + d.review + d.deny, 0);
  return html`<h1>Overview</h1>
<div class="cards">
  <div class="card"><div class="big">${count(view.pending)}</div><a href="/approvals?state=pending">pending approvals</a></div>
  <div class="card"><div class="big">${count(decided)}</div><a href="/decisions">decisions</a> in ${view.days.length} days</div>
  <div class="card"><div class="big">${view.ledgerHead === undefined ? '—' : count(view.ledgerHead)}</div><a href="/audit">audit ledger entries</a></div>
</div>
<h2>Decisions by outcome</h2>
${view.capped ? html`<p class="muted">Counted from the latest 1,000 decisions.</p>` : ''}
${outcomeChart(view.days)}
<h2>Systems</h2>
${view.systems.length === 0 ? html`<p class="muted">No systems are configured.</p>` : view.systems.map(system)}`;
}

function system(entry: OverviewView['systems'][number]): Html {
  const link = pathTo('systems', entry.name);
  return html`<h3><code>${entry.name}</code></h3>
${
  entry.exposure === undefined
    ? html`<p><a href="${link}">Read its exposure</a> <span class="muted">(reads the system's access state; can take a few seconds)</span></p>`
    : html`${exposureTable(entry.exposure)}<p><a href="${link}">Read it again</a></p>`
}`;
}
