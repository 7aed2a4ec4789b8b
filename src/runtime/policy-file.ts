import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Document, isNode, isScalar, LineCounter, type Node, parseDocument, type Scalar } from 'yaml';
import { z } from 'zod';
import { FirebreakError } from '../core/index.ts';
import { compilePolicy, DECISIONS, MAX_APPROVALS, type Policy, type PolicyIssue } from '../core/policy/index.ts';

/**
 * Policy files (docs/policy.md): YAML, validated here once with strict objects, then compiled, so
 * that a misspelt field, a CEL syntax error or a condition that is not a bool stops the load with
 * one line naming the file, the line and the field.
 */
const decision = z.enum(DECISIONS);
const text = z.string().min(1);
/** A CEL condition; YAML reads `when: true` as a boolean, which is the CEL condition `true` too. */
const condition = z.union([text, z.boolean().transform(String)], { error: 'expected a CEL condition (a string)' });

const ruleSchema = z.strictObject({
  name: text,
  description: z.string().optional(),
  when: condition,
  decision,
  message: text.optional(),
  approvals: z.number().int().min(1).max(MAX_APPROVALS).optional(),
});

const invariantSchema = z.strictObject({
  name: text,
  description: z.string().optional(),
  resources: condition,
  readers: condition,
  decision: decision.optional(),
  message: text.optional(),
});

const policySchema = z.strictObject({
  version: z.literal(1),
  default: decision,
  rules: z.array(ruleSchema).optional(),
  invariants: z.array(invariantSchema).optional(),
});

/** The largest policy file read, far above any real one. */
const MAX_POLICY_BYTES = 1024 * 1024;

const DEFAULT_POLICY = fileURLToPath(new URL('../../policies/default.yaml', import.meta.url));

/**
 * Reads, validates and compiles a policy file. Throws a FirebreakError: `not_found` when the file
 * does not exist, `invalid_config` with one line naming the file, line and field otherwise.
 */
export async function loadPolicy(path: string): Promise<Policy> {
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT')
      throw new FirebreakError('not_found', `policy file ${path} does not exist`);
    throw new FirebreakError('invalid_config', `cannot read policy file ${path}: ${(error as Error).message}`);
  }
  if (Buffer.byteLength(source) > MAX_POLICY_BYTES)
    throw new FirebreakError('invalid_config', `policy file ${path} is larger than ${MAX_POLICY_BYTES} bytes`);
  return parsePolicy(source, path);
}

let shipped: Promise<Policy> | undefined;

/** The policy Firebreak ships (policies/default.yaml), read and compiled once. */
export function defaultPolicy(): Promise<Policy> {
  shipped ??= loadPolicy(DEFAULT_POLICY);
  return shipped;
}

/**
 * Parses, validates and compiles policy text; `name` is the file name used in errors, e.g.
 * `policy.yaml:14:21: No such key: knd at rules.2.when`. Reports the first problem and how many
 * more there are.
 */
export function parsePolicy(source: string, name: string): Policy {
  const lineCounter = new LineCounter();
  const document = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntax = document.errors[0];
  if (syntax !== undefined) {
    const { line, col } = lineCounter.linePos(syntax.pos[0]);
    throw new FirebreakError('invalid_config', `${name}:${line}:${col}: ${syntax.message.split('\n')[0]}`);
  }
  const at: Located = { source, name, document, lineCounter };
  const parsed = policySchema.safeParse(document.toJS() ?? {}, { reportInput: true });
  if (!parsed.success) {
    // A misspelt field explains the missing one it was meant to be: report it first.
    const issues = parsed.error.issues.flatMap(fromZod);
    throw invalid(
      [...issues.filter((i) => i.code === 'unknown_field'), ...issues.filter((i) => i.code !== 'unknown_field')],
      at,
    );
  }
  const compiled = compilePolicy(parsed.data);
  if (!compiled.ok) throw invalid(compiled.error, at);
  return compiled.value;
}

/** zod's issues, with an unknown field located at the field itself and a missing one named. */
function fromZod(issue: z.core.$ZodIssue): PolicyIssue[] {
  const path = issue.path.map((key) => (typeof key === 'number' ? key : String(key)));
  if (issue.code === 'unrecognized_keys')
    return issue.keys.map((key) => ({
      code: 'unknown_field',
      path: [...path, key],
      message: `unknown field "${key}"`,
    }));
  if (issue.input === undefined && path.length > 0)
    return [{ code: 'missing_field', path, message: `missing required field "${String(path.at(-1))}"` }];
  return [{ code: issue.code, path, message: issue.message.replace(/^Invalid (input|option): /, '') }];
}

interface Located {
  readonly source: string;
  readonly name: string;
  readonly document: Document;
  readonly lineCounter: LineCounter;
}

function invalid(issues: readonly PolicyIssue[], at: Located): FirebreakError {
  const [issue] = issues;
  if (issue === undefined) return new FirebreakError('internal', `${at.name}: invalid policy without an issue`);
  const node = nodeAt(at.document, issue.path);
  let where = '';
  if (node?.range) {
    const inside =
      isScalar(node) && issue.line !== undefined && issue.column !== undefined
        ? positionIn(node, issue.line, issue.column, at)
        : undefined;
    const { line, col } = inside ?? at.lineCounter.linePos(node.range[0]);
    where = inside === undefined ? `:${line}` : `:${line}:${col}`;
  }
  const field = issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problems)` : '';
  return new FirebreakError('invalid_config', `${at.name}${where}: ${issue.message}${field}${more}`);
}

/** The node at the path, or at its deepest existing prefix (a missing field points at its object). */
function nodeAt(document: Document, path: readonly (string | number)[]): Node | undefined {
  for (let length = path.length; length >= 0; length--) {
    const node = document.getIn(path.slice(0, length), true);
    if (isNode(node)) return node;
  }
  return undefined;
}

/**
 * Where in the file a position inside a scalar's value is. Folded and plain scalars join their
 * lines with a space, literal ones with a newline: one character either way, so walking the
 * source lines of the scalar finds the line (exact unless the scalar has escapes or blank lines).
 */
function positionIn(
  node: Scalar,
  line: number,
  column: number,
  at: Located,
): { line: number; col: number } | undefined {
  const value = String(node.value);
  const range = node.range;
  if (!range) return undefined;
  const lines = value.split('\n');
  let offset = column - 1;
  for (const l of lines.slice(0, line - 1)) offset += l.length + 1;
  const block = node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED';
  const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
  const raw = at.source.slice(range[0], range[1]).split('\n');
  const start = at.lineCounter.linePos(range[0]);
  // A block scalar keeps indentation beyond its first line's; flow scalars drop all of it.
  const first = raw[1] ?? '';
  const blockIndent = first.length - first.trimStart().length;
  for (let i = block ? 1 : 0; i < raw.length; i++) {
    const text = raw[i] ?? '';
    const indent = i === 0 ? (quoted ? 1 : 0) : block ? blockIndent : text.length - text.trimStart().length;
    const length = text.length - indent;
    if (offset <= length) return { line: start.line + i, col: (i === 0 ? start.col : 1) + indent + offset };
    offset -= length + 1;
  }
  return undefined;
}
