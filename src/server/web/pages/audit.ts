import { html } from 'hono/html';
import type { LedgerEntry } from '../../../app/index.ts';
import { badge, count, pathTo, plural, when } from '../format.ts';
import type { Html } from '../layout.ts';
import type { LedgerCheckState } from '../ledger-check.ts';

/** Data longer than this folds away behind its first characters. */
const SHORT_DATA = 160;

/** The audit ledger: whether the chain verifies, and its latest entries, newest first. */
export function auditPage(view: {
  readonly check: LedgerCheckState;
  readonly entries: readonly LedgerEntry[];
  /** Where the next older page starts, when there is one. */
  readonly older: number | undefined;
}): Html {
  return html`<h1>Audit ledger</h1>
${verification(view.check)}
<h2>Entries</h2>
${view.entries.length === 0 ? html`<p class="muted">No entries.</p>` : table(view.entries)}
${view.older === undefined ? '' : html`<p><a href="/audit?before=${view.older}">Older entries</a></p>`}`;
}

function verification(check: LedgerCheckState): Html {
  const heading = html`<h2 id="verify-heading">Verification</h2>`;
  const { report } = check;
  if (report === undefined) {
    if (check.error !== undefined)
      return html`<section aria-labelledby="verify-heading">${heading}
<p id="verify-status" class="notice error" role="alert">${badge('tampered')} The ledger could not be verified: ${check.error}</p></section>`;
    return html`<section aria-labelledby="verify-heading">${heading}
<p id="verify-status">Verifying every entry of the ledger${check.runningSince === undefined ? '' : html` (started ${when(check.runningSince)})`}; reload this page to see the result.</p></section>`;
  }
  const checked = html`Verified ${check.finishedAt === undefined ? '' : when(check.finishedAt)}${check.runningSince === undefined ? '' : html`; a new verification started ${when(check.runningSince)} is running`}.`;
  const checkpoint =
    report.latestCheckpoint === undefined
      ? 'no signed checkpoint yet'
      : html`latest signed checkpoint at entry ${count(report.latestCheckpoint.seq)} (${when(report.latestCheckpoint.at)})`;
  if (report.ok)
    return html`<section aria-labelledby="verify-heading">${heading}
<p id="verify-status">${badge('intact')} Ledger intact: ${plural(report.entries, 'entry', 'entries')}${report.head === undefined ? '' : html`, head entry ${count(report.head.seq)} (<code>${report.head.hash.slice(0, 16)}…</code>)`},
${plural(report.checkpoints, 'checkpoint')}; ${checkpoint}; ${count(report.unsigned)} not yet signed. ${checked}</p></section>`;
  return html`<section aria-labelledby="verify-heading">${heading}
<p id="verify-status" class="notice error" role="alert">${badge('tampered')} The ledger does not verify: ${plural(report.findings.length, 'problem')}${report.truncatedFindings ? ' (and more)' : ''} in ${plural(report.entries, 'entry', 'entries')}. ${checked}</p>
<table><thead><tr><th scope="col">Problem</th><th scope="col" class="num">Entry</th><th scope="col">What</th></tr></thead>
<tbody>${report.findings.map((f) => html`<tr><td><code>${f.code}</code></td><td class="num">${count(f.seq)}</td><td>${f.message}</td></tr>`)}</tbody></table>
</section>`;
}

function table(entries: readonly LedgerEntry[]): Html {
  return html`<table>
<caption class="sr-only">Ledger entries, newest first</caption>
<thead><tr><th scope="col" class="num">Entry</th><th scope="col">When</th><th scope="col">Kind</th><th scope="col">Actor</th>
<th scope="col">System</th><th scope="col">Subject</th><th scope="col">Data</th></tr></thead>
<tbody>${entries.map(
    (e) => html`<tr>
<td class="num">${count(e.seq)}</td>
<td>${when(e.at)}</td>
<td><code>${e.kind}</code></td>
<td><code>${e.actor}</code></td>
<td>${e.system === undefined ? '' : html`<code>${e.system}</code>`}</td>
<td>${subject(e)}</td>
<td class="data">${data(e)}</td>
</tr>`,
  )}</tbody></table>`;
}

function subject(e: LedgerEntry): Html | string {
  if (e.subject === undefined) return '';
  if (e.kind.startsWith('approval.'))
    return html`<a href="${pathTo('approvals', e.subject)}"><code>${e.subject.slice(0, 8)}</code></a>`;
  return html`<code title="${e.subject}">${e.subject.slice(0, 8)}</code>`;
}

function data(e: LedgerEntry): Html {
  const text = JSON.stringify(e.data);
  if (text.length <= SHORT_DATA) return html`<code>${text}</code>`;
  return html`<details><summary><code>${text.slice(0, SHORT_DATA)}…</code></summary><pre>${JSON.stringify(e.data, null, 2)}</pre></details>`;
}
