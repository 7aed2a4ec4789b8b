import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CheckReport, StatementReport } from '../../app/index.ts';
import type { Decision } from '../../core/index.ts';

/**
 * One input file of a SARIF log and what became of it: checked (a report), holding no SQL
 * (`empty`), or not checked (`failed`, with the error's message).
 */
export type SarifInput = { readonly uri: string } & (
  | { readonly kind: 'checked'; readonly report: CheckReport }
  | { readonly kind: 'empty' }
  | { readonly kind: 'failed'; readonly message: string; readonly line?: number }
);

const LEVEL: Readonly<Record<Decision, 'error' | 'warning' | 'note'>> = {
  deny: 'error',
  review: 'warning',
  allow: 'note',
};
const RANK: Readonly<Record<Decision, number>> = { allow: 0, review: 1, deny: 2 };
/** The rule of a result for an input that could not be checked. */
const NOT_CHECKED = 'not-checked';

/**
 * The SARIF `artifactLocation.uri` of an input: the path as given, relative to the working
 * directory (`sub/dir/mig.sql`), `/`-separated and percent-encoded; a `file:` URI for a file
 * outside the working directory; `stdin` for standard input.
 */
export function artifactUri(path: string, cwd: string): string {
  if (path === '-') return 'stdin';
  const absolute = resolve(cwd, path);
  const inside = relative(cwd, absolute);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return pathToFileURL(absolute).href;
  return inside.split(sep).map(encodeURIComponent).join('/');
}

/**
 * The check as SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html), so
 * that CI systems show it on a pull request: one result per reason that asks for review or
 * denies, located at the statements it concerns (the opaque ones for the opaque rule, the
 * statements that edit access for the others). Without `uri`, locations name the file of each
 * statement's origin.
 */
export function renderSarif(report: CheckReport, version: string, uri?: string): string {
  const file = report.statements[0]?.origin ?? 'change';
  return renderSarifLog([{ kind: 'checked', report, uri: uri ?? file.slice(0, file.lastIndexOf(':')) }], version);
}

/**
 * One SARIF log with one run for several inputs (`review a.md b.md`): GitHub code scanning rejects
 * several runs of one tool in an upload, and two logs back to back are not JSON. Every result has
 * a location: when no statement fits its rule, the change's first statement, else line 1 of the
 * file. An input that could not be checked gives an error result of the rule `not-checked`.
 */
export function renderSarifLog(inputs: readonly SarifInput[], version: string): string {
  const results = inputs.flatMap(resultsOf);
  const ruleIds = [...new Set(results.map((r) => r.ruleId))];
  const rules = ruleIds.map((id) => ({
    id,
    name: id,
    shortDescription: { text: id.replaceAll('-', ' ') },
    defaultConfiguration: { level: results.find((r) => r.ruleId === id)?.level ?? 'warning' },
  }));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'Firebreak', version, rules } },
        invocations: [{ executionSuccessful: inputs.every((input) => input.kind !== 'failed') }],
        results,
        properties: propertiesOf(inputs),
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

/** A single input keeps the run properties of `check` (decision, actor, summary); several list each. */
function propertiesOf(inputs: readonly SarifInput[]): Record<string, unknown> {
  const [only] = inputs;
  if (inputs.length === 1 && only !== undefined) {
    if (only.kind === 'checked') {
      const { decision, actor, summary } = only.report;
      return { decision, actor, summary };
    }
    return only.kind === 'empty' ? { decision: 'allow' } : {};
  }
  const decisions = inputs.flatMap((input) =>
    input.kind === 'checked' ? [input.report.decision] : input.kind === 'empty' ? ['allow' as const] : [],
  );
  const strictest = decisions.reduce<Decision | undefined>(
    (a, b) => (a === undefined || RANK[b] > RANK[a] ? b : a),
    undefined,
  );
  return {
    ...(strictest === undefined ? {} : { decision: strictest }),
    inputs: inputs.map((input) =>
      input.kind === 'checked'
        ? { uri: input.uri, decision: input.report.decision, summary: input.report.summary }
        : input.kind === 'empty'
          ? { uri: input.uri, decision: 'allow' }
          : { uri: input.uri, error: input.message },
    ),
  };
}

function resultsOf(input: SarifInput) {
  if (input.kind === 'empty') return [];
  if (input.kind === 'failed')
    return [
      {
        ruleId: NOT_CHECKED,
        level: 'error' as const,
        message: { text: `${input.uri} could not be checked: ${input.message}` },
        locations: [location(input.uri, input.line ?? 1)],
      },
    ];
  const { report } = input;
  return report.reasons
    .filter((r) => r.decision !== 'allow')
    .map((r) => ({
      ruleId: r.rule,
      level: LEVEL[r.decision],
      message: { text: r.message },
      locations: locationsFor(r.rule, report.statements, input.uri),
    }));
}

/**
 * The statements a rule concerns; when none does (a deny that the sandbox found in a change of
 * only DO blocks), the opaque statements, else the first statement, else the file's first line.
 */
function locationsFor(rule: string, statements: readonly StatementReport[], uri: string) {
  const concerned = statements.filter((s) =>
    rule === 'opaque-statements' ? s.effect === 'opaque' : s.effect === 'edits' && s.edits.length > 0,
  );
  const opaque = statements.filter((s) => s.effect === 'opaque');
  const first = statements.slice(0, 1);
  const located = [concerned, opaque, first].find((list) => list.length > 0);
  if (located === undefined) return [location(uri, 1)];
  return located.map((s) => location(uri, Number(s.origin.slice(s.origin.lastIndexOf(':') + 1)) || 1, s.sql));
}

function location(uri: string, startLine: number, snippet?: string) {
  return {
    physicalLocation: {
      artifactLocation: { uri },
      region: { startLine, ...(snippet === undefined ? {} : { snippet: { text: snippet } }) },
    },
  };
}
