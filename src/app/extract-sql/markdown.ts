import { splitLines } from './text-lines.ts';

/** A fenced or indented code block: its content lines, with container markers and indentation removed. */
export interface CodeBlock {
  readonly kind: 'fenced' | 'indented';
  /** The fence's info string, trimmed; empty for indented blocks. */
  readonly info: string;
  readonly lines: readonly string[];
  /** Markdown line of the first content line. */
  readonly firstLine: number;
}

/** A paragraph or heading, where inline code spans may be. */
export interface Prose {
  readonly kind: 'prose';
  readonly lines: readonly string[];
  readonly firstLine: number;
}

type Container = { readonly kind: 'quote' } | { readonly kind: 'item'; readonly indent: number };

type Leaf =
  | { readonly kind: 'none' }
  | { readonly kind: 'paragraph'; readonly lines: string[]; readonly firstLine: number }
  | { readonly kind: 'indented'; readonly lines: string[]; readonly firstLine: number }
  | {
      readonly kind: 'fence';
      readonly char: string;
      readonly length: number;
      readonly indent: number;
      readonly info: string;
      readonly lines: string[];
      readonly firstLine: number;
    };

/** A line being read: the text left, and the column it starts at (tabs stop every 4 columns). */
interface Cursor {
  text: string;
  pos: number;
  col: number;
}

const NONE: Leaf = { kind: 'none' };
const FENCE = /^(`{3,}|~{3,})(.*)$/;
const LIST_MARKER = /^(?:[-+*]|(\d{1,9})[.)])(?=[ \t]|$)/;
const THEMATIC_BREAK = /^(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$/;
const HEADING = /^#{1,6}(?:[ \t]|$)/;

/** Columns of blank space at the cursor, and where it ends. */
function indentOf(c: Cursor): { readonly columns: number; readonly end: number } {
  let [col, pos] = [c.col, c.pos];
  for (; c.text[pos] === ' ' || c.text[pos] === '\t'; pos++) col += c.text[pos] === '\t' ? 4 - (col % 4) : 1;
  return { columns: col - c.col, end: pos };
}

/** Removes up to `columns` columns of blank space, splitting a tab when it spans the limit. */
function consumeColumns(c: Cursor, columns: number): void {
  let left = columns;
  while (left > 0 && (c.text[c.pos] === ' ' || c.text[c.pos] === '\t')) {
    const width = c.text[c.pos] === '\t' ? 4 - (c.col % 4) : 1;
    if (width <= left) {
      [c.pos, c.col, left] = [c.pos + 1, c.col + width, left - width];
    } else {
      c.text = ' '.repeat(width - left) + c.text.slice(c.pos + 1);
      [c.pos, c.col, left] = [0, c.col + left, 0];
    }
  }
}

const rest = (c: Cursor) => c.text.slice(c.pos);
const isBlank = (c: Cursor) => indentOf(c).end === c.text.length;

/** Whether the line at the cursor opens a block, so it cannot lazily continue a paragraph. */
function startsBlock(c: Cursor): boolean {
  const { columns, end } = indentOf(c);
  if (columns > 3) return false;
  const text = c.text.slice(end, end + 200);
  return /^>/.test(text) || LIST_MARKER.test(text) || FENCE.test(text) || HEADING.test(text);
}

function isClosingFence(c: Cursor, fence: Extract<Leaf, { kind: 'fence' }>): boolean {
  const { columns, end } = indentOf(c);
  if (columns > 3) return false;
  let at = end;
  while (c.text[at] === fence.char) at++;
  return at - end >= fence.length && /^[ \t]*$/.test(c.text.slice(at));
}

/**
 * Finds the code blocks and prose of a CommonMark document (https://spec.commonmark.org/0.31.2/):
 * fenced blocks (``` or ~~~, three or more, closed by a fence of the same character at least as
 * long, or by the end of their container or document), indented blocks, and paragraphs and
 * headings, inside block quotes and list items at any depth. Linear in the document's length.
 */
export function scanMarkdown(markdown: string): (CodeBlock | Prose)[] {
  const blocks: (CodeBlock | Prose)[] = [];
  const containers: Container[] = [];
  let leaf: Leaf = NONE;
  const close = () => {
    if (leaf.kind === 'paragraph') blocks.push({ kind: 'prose', lines: leaf.lines, firstLine: leaf.firstLine });
    if (leaf.kind === 'fence')
      blocks.push({ kind: 'fenced', info: leaf.info, lines: leaf.lines, firstLine: leaf.firstLine });
    if (leaf.kind === 'indented') {
      const lines = leaf.lines;
      while (lines.length > 0 && /^[ \t]*$/.test(lines[lines.length - 1] ?? '')) lines.pop();
      blocks.push({ kind: 'indented', info: '', lines, firstLine: leaf.firstLine });
    }
    leaf = NONE;
  };

  splitLines(markdown).forEach((text, index) => {
    const line = index + 1;
    const c: Cursor = { text, pos: 0, col: 0 };
    let matched = 0;
    for (const container of containers) {
      const { columns, end } = indentOf(c);
      if (container.kind === 'quote') {
        if (columns > 3 || c.text[end] !== '>') break;
        consumeColumns(c, columns);
        [c.pos, c.col] = [c.pos + 1, c.col + 1];
        consumeColumns(c, 1);
      } else if (end < c.text.length) {
        if (columns < container.indent) break;
        consumeColumns(c, container.indent);
      }
      matched++;
    }

    if (leaf.kind === 'fence' && matched === containers.length) {
      if (isClosingFence(c, leaf)) {
        close();
      } else {
        consumeColumns(c, leaf.indent);
        leaf.lines.push(rest(c));
      }
      return;
    }
    if (matched < containers.length) {
      if (leaf.kind === 'paragraph' && !isBlank(c) && !startsBlock(c)) {
        leaf.lines.push(c.text.slice(indentOf(c).end));
        return;
      }
      close();
      containers.length = matched;
    }
    if (leaf.kind === 'indented') {
      const { columns } = indentOf(c);
      if (isBlank(c) || columns >= 4) {
        consumeColumns(c, 4);
        leaf.lines.push(rest(c));
        return;
      }
      close();
    }

    for (;;) {
      const { columns, end } = indentOf(c);
      if (columns > 3 || end === c.text.length) break;
      const start = c.text.slice(end, end + 12);
      if (start.startsWith('>')) {
        close();
        consumeColumns(c, columns);
        [c.pos, c.col] = [c.pos + 1, c.col + 1];
        consumeColumns(c, 1);
        containers.push({ kind: 'quote' });
        continue;
      }
      const marker = LIST_MARKER.exec(start);
      if (marker === null || THEMATIC_BREAK.test(c.text.slice(end))) break;
      const empty = /^[ \t]*$/.test(c.text.slice(end + marker[0].length));
      const ordered = marker[1] !== undefined;
      if (leaf.kind === 'paragraph' && (empty || (ordered && Number(marker[1]) !== 1))) break;
      close();
      consumeColumns(c, columns);
      [c.pos, c.col] = [c.pos + marker[0].length, c.col + marker[0].length];
      const after = indentOf(c).columns;
      const padding = empty || after > 4 ? 1 : after;
      consumeColumns(c, padding);
      containers.push({ kind: 'item', indent: columns + marker[0].length + padding });
    }

    const { columns } = indentOf(c);
    if (isBlank(c)) {
      if (leaf.kind === 'paragraph') close();
      return;
    }
    if (columns >= 4 && leaf.kind !== 'paragraph') {
      close();
      consumeColumns(c, 4);
      leaf = { kind: 'indented', lines: [rest(c)], firstLine: line };
      return;
    }
    consumeColumns(c, columns);
    const content = rest(c);
    const fence = FENCE.exec(content);
    const [run, info] = [fence?.[1] ?? '', fence?.[2] ?? ''];
    if (fence !== null && !(run.startsWith('`') && info.includes('`'))) {
      close();
      const char = run[0] ?? '`';
      leaf = {
        kind: 'fence',
        char,
        length: run.length,
        indent: columns,
        info: info.trim(),
        lines: [],
        firstLine: line + 1,
      };
    } else if (HEADING.test(content)) {
      close();
      blocks.push({ kind: 'prose', lines: [content], firstLine: line });
    } else if (THEMATIC_BREAK.test(content)) {
      close();
    } else if (leaf.kind === 'paragraph') {
      leaf.lines.push(content);
    } else {
      close();
      leaf = { kind: 'paragraph', lines: [content], firstLine: line };
    }
  });
  close();
  return blocks;
}
