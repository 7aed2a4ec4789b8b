import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import type { Issue } from '../../core/index.ts';

type Path = readonly (string | number)[];

/**
 * Turns zod's issues into the manifest's own codes and one-line messages: `unknown_field` (one
 * per field, its path ending with the field), `missing_field`, `invalid_type`, `invalid_value`,
 * `too_small`, and the codes refinements carry (`invalid_label`, `invalid_name`, `reserved_name`).
 * A failed union reports the issues of the alternative whose shape the input had, not all of them.
 */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[], prefix: Path = []): Issue[] {
  return issues.flatMap((issue) => fromZodIssue(issue, prefix));
}

function fromZodIssue(issue: z.core.$ZodIssue, prefix: Path): Issue[] {
  const path: Path = [...prefix, ...issue.path.map((key) => (typeof key === 'number' ? key : String(key)))];
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        code: 'unknown_field',
        path: [...path, key],
        message: `unknown field "${key}"`,
      }));
    case 'invalid_type':
      if (issue.input === undefined && path.length > 0)
        return [{ code: 'missing_field', path, message: `missing required field "${String(path.at(-1))}"` }];
      return [{ code: 'invalid_type', path, message: withoutPrefix(issue.message) }];
    case 'invalid_union': {
      const matching = issue.errors.filter((branch) => !branch.some((i) => i.path.length === 0 && isShapeIssue(i)));
      const [branch] = matching;
      if (matching.length === 1 && branch !== undefined) return fromZodIssues(branch, path);
      return [{ code: 'invalid_type', path, message: issue.message }];
    }
    case 'custom': {
      const code: unknown = issue.params?.code;
      return [{ code: typeof code === 'string' ? code : 'invalid_value', path, message: issue.message }];
    }
    case 'too_small': {
      const message =
        issue.origin === 'string' ? 'must not be empty' : issue.origin === 'array' ? 'must list at least one item' : '';
      return [{ code: 'too_small', path, message: message || withoutPrefix(issue.message) }];
    }
    default:
      return [{ code: issue.code, path, message: withoutPrefix(issue.message) }];
  }
}

/** The input was not of the alternative's type at all (as opposed to a problem inside it). */
const isShapeIssue = (issue: z.core.$ZodIssue) => issue.code === 'invalid_type' || issue.code === 'invalid_value';

const withoutPrefix = (message: string) => message.replace(/^Invalid (input|option): /, '');

/** Where in the text a document path is, for messages: 1-based line, or undefined when unknown. */
export type Locator = (path: Path) => number | undefined;

/**
 * Locates paths by parsing the text again with the `yaml` package (JSON is YAML too). The node of
 * the deepest existing prefix of the path is used, so a missing field points at its object; a
 * path ending in a mapping key points at the key.
 */
export function createLocator(text: string): Locator {
  let parsed: { doc: Document; lines: LineCounter } | undefined;
  return (path) => {
    if (parsed === undefined) {
      const lines = new LineCounter();
      parsed = { doc: parseDocument(text, { lineCounter: lines, uniqueKeys: false }), lines };
    }
    const offset = offsetOf(parsed.doc.contents, path);
    return offset === undefined ? undefined : parsed.lines.linePos(offset).line;
  };
}

function offsetOf(root: unknown, path: Path): number | undefined {
  let node: unknown = root;
  let offset = rangeStart(node);
  for (const [i, segment] of path.entries()) {
    let next: unknown;
    if (isSeq(node) && typeof segment === 'number') next = node.items[segment];
    else if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === segment);
      next = pair === undefined ? undefined : i === path.length - 1 ? pair.key : pair.value;
    }
    const start = rangeStart(next);
    if (start === undefined) break;
    node = next;
    offset = start;
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  return typeof node === 'object' && node !== null && 'range' in node ? (node as Node).range?.[0] : undefined;
}

/** Appends the location of each issue to its message, e.g. `unknown field "x" (access.yaml:12)`. */
export function withLines(issues: readonly Issue[], locate: Locator, sourceName?: string): Issue[] {
  return issues.map((issue) => {
    const line = locate(issue.path);
    if (line === undefined) return issue;
    const where = sourceName === undefined ? `line ${line}` : `${sourceName}:${line}`;
    return { ...issue, message: `${issue.message} (${where})` };
  });
}
