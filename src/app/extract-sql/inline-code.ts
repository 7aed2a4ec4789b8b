import { lineLocator } from './text-lines.ts';

/** The content of an inline code span, and the Markdown line its opening backticks are on. */
export interface CodeSpan {
  readonly text: string;
  readonly line: number;
}

interface Run {
  readonly at: number;
  readonly length: number;
}

/**
 * Finds the code spans of a paragraph (https://spec.commonmark.org/0.31.2/#code-spans): a run of
 * backticks opens a span that the next run of the same length closes; line endings inside become
 * spaces, and one space is stripped from each end when both ends have one. A backslash before an
 * opening run escapes its first backtick. O(n log n): each opener looks its closer up by length.
 */
export function findCodeSpans(lines: readonly string[], firstLine: number): CodeSpan[] {
  const text = lines.join('\n');
  const runs: Run[] = [];
  for (let at = text.indexOf('`'); at !== -1; ) {
    let end = at;
    while (text[end] === '`') end++;
    runs.push({ at, length: end - at });
    at = text.indexOf('`', end);
  }
  const byLength = new Map<number, number[]>();
  runs.forEach((run, index) => {
    const list = byLength.get(run.length) ?? [];
    list.push(index);
    byLength.set(run.length, list);
  });
  const lineOf = lineLocator(text, firstLine);
  const spans: CodeSpan[] = [];
  for (let index = 0; index < runs.length; index++) {
    const run = runs[index] as Run;
    let backslashes = 0;
    while (text[run.at - 1 - backslashes] === '\\') backslashes++;
    const escaped = backslashes % 2 === 1;
    const length = escaped ? run.length - 1 : run.length;
    const closer = length === 0 ? undefined : nextRunOfLength(byLength.get(length) ?? [], index);
    if (closer === undefined) continue;
    const open = runs[closer] as Run;
    const content = text.slice(run.at + run.length, open.at).replace(/\n/g, ' ');
    const strip = content.length > 1 && content.startsWith(' ') && content.endsWith(' ') && /\S/.test(content);
    spans.push({ text: strip ? content.slice(1, -1) : content, line: lineOf(run.at) });
    index = closer;
  }
  return spans;
}

/** The first index in the ascending `indices` greater than `after`. */
function nextRunOfLength(indices: readonly number[], after: number): number | undefined {
  let [low, high] = [0, indices.length];
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((indices[middle] ?? 0) <= after) low = middle + 1;
    else high = middle;
  }
  return indices[low];
}
