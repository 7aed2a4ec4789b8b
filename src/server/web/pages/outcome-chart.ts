import { html } from 'hono/html';
import { DECISIONS, type Decision } from '../../../core/index.ts';
import { count } from '../format.ts';
import type { Html } from '../layout.ts';

export type DayCounts = { readonly day: string } & Readonly<Record<Decision, number>>;

/** Counts decisions by outcome for each of the `days` UTC days ending with `today`. */
export function countByDay(
  decisions: readonly { at: string; decision: Decision }[],
  today: Date,
  days: number,
): DayCounts[] {
  const result = new Map<string, Record<Decision, number>>();
  for (let i = days - 1; i >= 0; i--) {
    const day = new Date(today.getTime() - i * 86_400_000).toISOString().slice(0, 10);
    result.set(day, { allow: 0, review: 0, deny: 0 });
  }
  for (const d of decisions) {
    const bucket = result.get(d.at.slice(0, 10));
    if (bucket !== undefined) bucket[d.decision] += 1;
  }
  return [...result].map(([day, counts]) => ({ day, ...counts }));
}

const BAR = 28;
const GAP = 12;
const HEIGHT = 120;

/**
 * A stacked bar per day, drawn in SVG (no script, no inline style), and the same numbers as a
 * table for anyone who does not see the picture.
 */
export function outcomeChart(days: readonly DayCounts[]): Html {
  const totals = days.map((d) => DECISIONS.reduce((sum, k) => sum + d[k], 0));
  const highest = Math.max(1, ...totals);
  const width = days.length * (BAR + GAP);
  const sums = Object.fromEntries(DECISIONS.map((k) => [k, days.reduce((s, d) => s + d[k], 0)]));
  const description = `${DECISIONS.map((k) => `${count(sums[k] ?? 0)} ${k}`).join(', ')} in ${days.length} days`;
  return html`<figure>
<svg class="chart" role="img" aria-label="Decisions by outcome per day: ${description}" width="${width}" height="${HEIGHT + 18}" viewBox="0 0 ${width} ${HEIGHT + 18}">
${days.map((d, i) => bars(d, i, highest))}
</svg>
<ul class="legend">${DECISIONS.map((k) => html`<li><span class="${k}" aria-hidden="true"></span>${k}</li>`)}</ul>
<figcaption class="muted">${description}.</figcaption>
</figure>
<table>
<caption class="sr-only">Decisions by outcome per day</caption>
<thead><tr><th scope="col">Outcome</th>${days.map((d) => html`<th scope="col" class="num">${d.day.slice(5)}</th>`)}</tr></thead>
<tbody>${DECISIONS.map(
    (k) => html`<tr><th scope="row">${k}</th>${days.map((d) => html`<td class="num">${count(d[k])}</td>`)}</tr>`,
  )}</tbody></table>`;
}

function bars(day: DayCounts, index: number, highest: number): Html {
  const x = index * (BAR + GAP) + GAP / 2;
  let top = HEIGHT;
  const rects = DECISIONS.map((k) => {
    const h = Math.round((day[k] / highest) * HEIGHT);
    top -= h;
    return h === 0 ? '' : html`<rect class="${k}" x="${x}" y="${top}" width="${BAR}" height="${h}"></rect>`;
  });
  return html`${rects}<text x="${x + BAR / 2}" y="${HEIGHT + 14}" text-anchor="middle">${day.day.slice(8)}</text>`;
}
