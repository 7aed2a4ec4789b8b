import { html } from 'hono/html';
import type { BlastRadius } from '../../../app/index.ts';
import { count, labels, plural } from '../format.ts';
import type { Html } from '../layout.ts';

/** Names shown before the rest fold away. */
const SHOWN_NAMES = 12;
const BAR_WIDTH = 160;

type ResourceGain = BlastRadius['resources'][number];
type PathGain = ResourceGain['paths'][number];

/**
 * Who would gain read access, drawn for the approver: each labelled resource, and under it each
 * route (the role or group path) with how many principals gain through it and who they are.
 */
export function blastRadiusSection(radius: BlastRadius | undefined, summary: string): Html {
  if (radius === undefined)
    return html`<h2 id="blast-radius">Blast radius</h2><p>${summary}</p>
<p class="muted">No blast radius was recorded with this request.</p>`;
  if (radius.resources.length === 0)
    return html`<h2 id="blast-radius">Blast radius</h2><p>No one gains read access to labelled data.</p>`;
  return html`<h2 id="blast-radius">Blast radius</h2>
<p><strong>${plural(radius.principalsGaining, 'principal')}</strong> would gain read access to
<strong>${plural(radius.resourcesGaining, 'labelled resource')}</strong> (${labels(radius.labels)}).</p>
${radius.resources.map(resourceGain)}`;
}

function resourceGain(gain: ResourceGain, index: number): Html {
  const heading = `resource-${index}`;
  const widest = Math.max(1, ...gain.paths.map((p) => p.count));
  return html`<section class="resource" aria-labelledby="${heading}">
<h3 id="${heading}"><code>${gain.resource}</code> <span class="muted">(${gain.kind})</span></h3>
<p>Labels: ${labels(gain.labels)} · <strong>${plural(gain.count, 'principal')}</strong> ${gain.count === 1 ? 'gains' : 'gain'} read access</p>
<table>
<caption class="muted">Routes to <code>${gain.resource}</code></caption>
<thead><tr><th scope="col">Path</th><th scope="col" class="num">Principals</th><th scope="col"><span class="sr-only">Share</span></th><th scope="col">Who</th></tr></thead>
<tbody>${gain.paths.map((p) => pathRow(p, widest))}</tbody>
</table>
${gain.untraced > 0 ? html`<p class="muted">${plural(gain.untraced, 'principal')} ${gain.untraced === 1 ? 'gains' : 'gain'} access by routes not traced here.</p>` : ''}
</section>`;
}

function pathRow(path: PathGain, widest: number): Html {
  const width = Math.max(2, Math.round((path.count / widest) * BAR_WIDTH));
  return html`<tr>
<th scope="row"><code>${path.via}</code></th>
<td class="num">${count(path.count)}</td>
<td><svg class="bar" width="${BAR_WIDTH}" height="12" aria-hidden="true" focusable="false"><rect class="track" width="${BAR_WIDTH}" height="12"></rect><rect class="fill" width="${width}" height="12"></rect></svg></td>
<td>${names(path)}</td>
</tr>`;
}

function names(path: PathGain): Html {
  const shown = path.principals.slice(0, SHOWN_NAMES);
  const more = path.count - shown.length;
  const unnamed = path.count > path.principals.length ? ` (the first ${count(path.principals.length)} are named)` : '';
  const all =
    path.principals.length > SHOWN_NAMES
      ? html`<details><summary>All ${count(path.principals.length)} named</summary><ul class="names">${path.principals.map(
          (name) => html`<li>${name}</li>`,
        )}</ul></details>`
      : '';
  return html`<span class="principals">${shown.join(', ')}</span>${more > 0 ? html` <span class="muted">and ${count(more)} more${unnamed}</span>` : ''}${all}`;
}
