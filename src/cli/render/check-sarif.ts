import type { CheckReport } from '../../app/index.ts';
import type { Decision } from '../../core/index.ts';

/**
 * The check as SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html), so
 * that CI systems show it on a pull request: one result per reason that asks for review or
 * denies, located at the statements it concerns (the opaque ones for the opaque rule, the
 * statements that edit access for the others).
 */
export function renderSarif(report: CheckReport, version: string): string {
  const level: Record<Decision, 'error' | 'warning' | 'note'> = { deny: 'error', review: 'warning', allow: 'note' };
  const flagged = report.reasons.filter((r) => r.decision !== 'allow');
  const rules = [...new Map(flagged.map((r) => [r.rule, r])).values()].map((r) => ({
    id: r.rule,
    name: r.rule,
    shortDescription: { text: r.rule.replaceAll('-', ' ') },
    defaultConfiguration: { level: level[r.decision] },
  }));
  const locationsFor = (rule: string) => {
    const statements = report.statements.filter((s) =>
      rule === 'opaque-statements' ? s.effect === 'opaque' : s.effect === 'edits' && s.edits.length > 0,
    );
    return statements.map((s) => {
      const at = s.origin.lastIndexOf(':');
      return {
        physicalLocation: {
          artifactLocation: { uri: s.origin.slice(0, at) },
          region: { startLine: Number(s.origin.slice(at + 1)) || 1, snippet: { text: s.sql } },
        },
      };
    });
  };
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'Firebreak', version, rules } },
        results: flagged.map((r) => ({
          ruleId: r.rule,
          level: level[r.decision],
          message: { text: r.message },
          locations: locationsFor(r.rule),
        })),
        properties: { decision: report.decision, actor: report.actor, summary: report.summary },
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

/** A SARIF log with nothing to report: an input with no SQL in it. */
export function renderEmptySarif(version: string): string {
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      { tool: { driver: { name: 'Firebreak', version, rules: [] } }, results: [], properties: { decision: 'allow' } },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
