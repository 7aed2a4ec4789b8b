import { html } from 'hono/html';
import type { ExposureSummary } from '../exposure-cache.ts';
import { count, labels, plural, when } from '../format.ts';
import type { Html } from '../layout.ts';

/** A system's labelled resources and how many logins read each, as last read. */
export function exposureTable(summary: ExposureSummary): Html {
  if (summary.resources.length === 0)
    return html`<p class="muted">No labelled resources in <code>${summary.system}</code>.</p>`;
  return html`<p>${plural(summary.resources.length, 'labelled resource')};
${count(summary.readers)} of ${plural(summary.loginPrincipals, 'login')} read at least one. Read ${when(summary.readAt)}.</p>
<table>
<caption class="sr-only">Labelled resources of ${summary.system} and their readers</caption>
<thead><tr><th scope="col">Resource</th><th scope="col">Kind</th><th scope="col">Labels</th><th scope="col" class="num">Readers</th>
<th scope="col" class="num">Full</th><th scope="col" class="num">Filtered</th><th scope="col" class="num">Columns</th><th scope="col" class="num">Via code</th></tr></thead>
<tbody>${summary.resources.map(
    (r) => html`<tr><th scope="row"><code>${r.resource}</code></th><td>${r.kind}</td><td>${labels(r.labels)}</td>
<td class="num">${count(r.readers)}</td><td class="num">${count(r.full)}</td><td class="num">${count(r.filtered)}</td>
<td class="num">${count(r.columns)}</td><td class="num">${count(r.viaCode)}</td></tr>`,
  )}</tbody></table>`;
}

export function exposurePage(summary: ExposureSummary): Html {
  return html`<p><a href="/">← Overview</a></p>
<h1>Exposure of <code>${summary.system}</code></h1>
${exposureTable(summary)}
<p class="muted">Readers: logins that can read the resource (all rows, filtered rows, or some columns). Via code: logins
that can run a function or view that reads it with its owner's rights.</p>`;
}
