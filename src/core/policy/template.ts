import { err, ok, type Result } from '../result.ts';
import { type CelInput, type CelProblem, type CelProgram, compileCel, isCelObject } from './cel.ts';
import type { CelScope } from './cel-types.ts';

/** A message with `{{ CEL }}` parts, compiled once. */
export interface CompiledTemplate {
  readonly source: string;
  /** Never throws: a part that fails to evaluate shows as `<error: …>`. */
  render(input: CelInput): string;
}

/** Lists longer than this show their first items and how many more there are. */
const LIST_ITEMS_SHOWN = 10;

/**
 * Compiles `text`, in which each `{{ expression }}` is CEL over the scope's variables. Problems are
 * located in `text` itself (1-based line and column), so a message on one line points at the column.
 */
export function compileTemplate(scope: CelScope, text: string): Result<CompiledTemplate, readonly CelProblem[]> {
  const parts: (string | CelProgram)[] = [];
  const problems: CelProblem[] = [];
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf('{{', at);
    if (open < 0) break;
    const close = text.indexOf('}}', open + 2);
    if (close < 0) {
      problems.push(locate(text, open, { kind: 'syntax', message: 'unclosed "{{" (every "{{" needs a "}}")' }));
      break;
    }
    parts.push(text.slice(at, open));
    const source = text.slice(open + 2, close);
    if (source.trim() === '') problems.push(locate(text, open, { kind: 'syntax', message: 'empty "{{ }}"' }));
    else {
      const program = compileCel(scope, source);
      if (program.ok) parts.push(program.value);
      else problems.push(shift(text, open + 2, program.error));
    }
    at = close + 2;
  }
  parts.push(text.slice(at));
  if (problems.length > 0) return err(problems);
  const pieces = parts.filter((p) => p !== '');
  return ok({
    source: text,
    render: (input) => pieces.map((p) => (typeof p === 'string' ? p : renderPart(p, input))).join(''),
  });
}

function renderPart(program: CelProgram, input: CelInput): string {
  const value = program.run(input);
  return value.ok ? formatValue(value.value) : `<error: ${value.error}>`;
}

/**
 * How a CEL value reads in a message: strings as they are, numbers in decimal, a list as its items
 * separated by commas (the first ten, then how many more), objects and maps as `{field: value}`.
 * Lists inside other values are bracketed.
 */
export function formatValue(value: unknown, nested = false): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) {
    const shown = value.slice(0, LIST_ITEMS_SHOWN).map((item) => formatValue(item, true));
    const more = value.length - LIST_ITEMS_SHOWN;
    const text = `${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
    return nested ? `[${text}]` : text;
  }
  const entries = value instanceof Map ? [...value.entries()] : isCelObject(value) ? Object.entries(value) : undefined;
  if (entries !== undefined)
    return `{${entries.map(([k, v]) => `${formatValue(k, true)}: ${formatValue(v, true)}`).join(', ')}}`;
  return String(value);
}

/** A problem at an offset of the text. */
function locate(text: string, offset: number, problem: CelProblem): CelProblem {
  const before = text.slice(0, offset).split('\n');
  return { ...problem, line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

/** A problem located in an expression that starts at `offset` of the text, located in the text. */
function shift(text: string, offset: number, problem: CelProblem): CelProblem {
  if (problem.line === undefined || problem.column === undefined) return locate(text, offset, problem);
  const start = locate(text, offset, problem);
  const line = (start.line ?? 1) + problem.line - 1;
  const column = problem.line === 1 ? (start.column ?? 1) + problem.column - 1 : problem.column;
  return { ...problem, line, column };
}
