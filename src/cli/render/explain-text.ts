import type {
  ExplainReport,
  GateReport,
  HoldingReport,
  PathReport,
  SourceReport,
  StepReport,
} from '../../app/index.ts';
import type { RowsVerdict } from '../../core/index.ts';

/** An explanation as a person reads it: the verdict, then each path, then what is missing. */
export function renderExplanation(report: ExplainReport): string {
  const what = `${report.resource} (${[report.kind, ...report.labels].join(' · ')})`;
  const out: string[] = [];
  if (report.access === 'none') out.push(`${report.principal} CANNOT read ${what}.`);
  else
    out.push(
      `${report.principal} CAN read ${what}: ${report.columns === undefined ? report.access : `columns ${report.columns.join(', ')}`}.`,
    );
  for (const gate of report.sessionGates) out.push(`  session: ${describeGate(gate)}`);

  // Paths that reach the same grants after a SET ROLE add no new exposure: list them on one line.
  const shown = new Map<string, { number: number; also: string[] }>();
  for (const path of report.paths) {
    const key = grantsKey(path);
    const earlier = shown.get(key);
    if (earlier !== undefined) {
      earlier.also.push(path.acting);
      continue;
    }
    const number = shown.size + 1;
    shown.set(key, { number, also: [] });
    const columns = path.columns === undefined ? '' : `: ${path.columns.map((c) => c.column).join(', ')}`;
    out.push('', `  Path ${number} (${path.access}${columns})`);
    out.push(...describePath(path).map((line) => `    ${line}`));
  }
  const repeats = [...shown.values()].filter((entry) => entry.also.length > 0);
  if (repeats.length > 0) out.push('');
  for (const { number, also } of repeats)
    out.push(`  The grants of path ${number} also apply after SET ROLE to ${also.join(', ')}.`);
  if (report.omittedPaths > 0)
    out.push('', `  … and ${report.omittedPaths} more paths (--format json lists the first ones too)`);
  if (report.missing.length > 0) {
    out.push('', report.access === 'none' ? '  Why not:' : '  Routes that do not work:');
    for (const line of report.missing) out.push(`    - ${line}`);
  }
  return `${out.join('\n')}\n`;
}

function describePath(path: PathReport): string[] {
  const lines = [
    `as:     ${path.acting}${path.actingChain.length === 0 ? '' : ` (SET ROLE: ${chain(path.actingChain)})`}`,
  ];
  if (path.holding !== undefined) lines.push(`read:   ${describeHolding(path.holding)}`);
  for (const column of path.columns ?? []) lines.push(`column: ${column.column}: ${describeHolding(column.holding)}`);
  for (const gate of path.gates) lines.push(`gate:   ${describeGate(gate)}`);
  lines.push(`rows:   ${describeRows(path.rows)}`);
  if (path.derivation !== undefined) {
    lines.push(
      `view:   runs with the rights of ${path.derivation.runsAs === 'owner' ? 'its owner' : 'the reader (security_invoker)'}`,
    );
    for (const source of path.derivation.sources) lines.push(...describeSource(source, '        '));
  }
  return lines;
}

function describeSource(source: SourceReport, indent: string): string[] {
  const lines = [
    `${indent}${source.checkedAs} reads ${source.resource}: ${describeHolding(source.holding)}; rows: ${describeRows(source.rows)}`,
  ];
  for (const nested of source.sources ?? []) lines.push(...describeSource(nested, `${indent}  `));
  return lines;
}

function describeGate(gate: GateReport): string {
  return `${gate.privilege} on ${gate.onKind} ${gate.on}${gate.checkedAs === 'session' ? ' (checked at login)' : ''}: ${describeHolding(gate.holding)}`;
}

/** What a path reads through, independent of the identity it acts as. */
function grantsKey(path: PathReport): string {
  const grant = (h: HoldingReport) => `${h.via}:${h.holder}:${h.privilege ?? ''}:${h.on ?? ''}:${h.column ?? ''}`;
  return [
    path.access,
    path.holding === undefined ? '' : grant(path.holding),
    ...(path.columns ?? []).map((c) => `${c.column}=${grant(c.holding)}`),
    ...path.gates.map((g) => grant(g.holding)),
  ].join('|');
}

export function describeHolding(holding: HoldingReport): string {
  const via = holding.chain.length === 0 ? '' : ` — via ${chain(holding.chain)}`;
  switch (holding.via) {
    case 'superuser':
      return `${holding.holder} is a superuser`;
    case 'predefined':
      return `${holding.note ?? `member of ${holding.holder}`}${via}`;
    case 'grant': {
      // SQL writes the object type for everything but tables and views: GRANT USAGE ON SCHEMA hr.
      const kind =
        holding.onKind === undefined || /table|view/.test(holding.onKind) ? '' : `${holding.onKind.toUpperCase()} `;
      const target = `${holding.privilege ?? ''}${holding.column === undefined ? '' : ` (${holding.column})`} ON ${kind}${holding.on ?? ''}`;
      const grantee = holding.holder === 'PUBLIC' ? 'PUBLIC' : holding.holder;
      const note = holding.note === undefined ? '' : ` [${holding.note}]`;
      return `GRANT ${target} TO ${grantee}${note}${via}`;
    }
  }
}

function chain(steps: readonly StepReport[]): string {
  const first = steps[0];
  if (first === undefined) return '';
  return [first.member, ...steps.map((s) => `${s.group}${s.implicit === undefined ? '' : ` (${s.implicit})`}`)].join(
    ' → ',
  );
}

function describeRows(rows: RowsVerdict): string {
  switch (rows.reason) {
    case 'no-row-security':
      return 'all (no row-level security)';
    case 'superuser':
      return 'all (superusers bypass row-level security)';
    case 'bypass':
      return 'all (BYPASSRLS)';
    case 'owner':
      return 'all (the owner bypasses row-level security unless it is forced)';
    case 'policy-admits-all':
      return `all (policy ${rows.policies?.join(', ') ?? ''} admits every row)`;
    case 'policies':
      return rows.policies.length === 0
        ? 'none: row-level security is on and no policy applies'
        : `filtered by policy ${rows.policies.join(', ')}`;
  }
}
