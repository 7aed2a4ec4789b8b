import type { CheckReport, ResourceChangeReport } from '../../app/index.ts';
import { formatActor } from '../../app/index.ts';
import { formatCount, plural, sampleList } from './text.ts';

const MAX_RESOURCES = 10;
const MAX_PATHS = 3;

/** The verdict with the blast radius first, then why, then what each statement does. */
export function renderCheck(report: CheckReport): string {
  const out = [headline(report), ''];
  if (report.gained.length > 0) {
    out.push('Newly readable:');
    out.push(...resourceLines(report.gained, 'gain'));
  }
  if (report.potentialGained.length > 0) {
    out.push("New code paths (SECURITY DEFINER functions that read with their owner's rights):");
    for (const p of report.potentialGained)
      out.push(`  ${p.resource} (${p.labels.join(', ')}): ${plural(p.count, 'principal')} may call ${p.routine}`);
  }
  if (report.latentGained.length > 0) {
    out.push('Future tables (default privileges):');
    for (const l of report.latentGained)
      out.push(
        `  created by ${l.creator}${l.container === undefined ? ' anywhere' : ` in ${l.container}`}: ${l.privilege} to ${l.grantee} → ${plural(l.count, 'principal')}` +
          (l.labelledInContainer > 0 ? ` (${plural(l.labelledInContainer, 'labelled resource')} there today)` : ''),
      );
  }
  if (report.lost.length > 0) {
    out.push('No longer readable:');
    out.push(...resourceLines(report.lost, 'lose'));
  }
  if (report.gained.length + report.lost.length + report.potentialGained.length + report.latentGained.length === 0)
    out.push('No principal gains or loses access to labelled data.');

  out.push('', 'Why:');
  for (const reason of report.reasons) out.push(`  ${reason.decision.padEnd(6)} ${reason.rule}: ${reason.message}`);

  out.push('', `Statements (analysed as role ${report.actingAs}):`);
  const originWidth = Math.max(16, ...report.statements.map((s) => s.origin.length));
  for (const s of report.statements) {
    const text = s.sql.replace(/\s+/g, ' ');
    out.push(
      `  ${String(s.index).padStart(2)}  ${s.origin.padEnd(originWidth)} ${s.effect.padEnd(9)} ${text.length > 70 ? `${text.slice(0, 67)}...` : text}`,
    );
    if (s.reason !== undefined) out.push(`      ${' '.repeat(originWidth)} ${s.reason}`);
  }
  const verification = report.verification;
  if (verification !== undefined) {
    out.push('');
    if (!verification.ran) out.push(`Sandbox: could not run the change (${verification.reason ?? 'unknown reason'}).`);
    else {
      const agreement =
        verification.agrees === undefined
          ? ''
          : verification.agrees
            ? ' It agrees with the static analysis.'
            : ' It DISAGREES with the static analysis.';
      out.push(`Sandbox: replayed in a shadow copy (no data, not the real system).${agreement}`);
      for (const failed of verification.failedStatements)
        out.push(`  statement ${failed.index} failed there: ${failed.error}`);
      for (const warning of verification.warnings) out.push(`  note: ${warning}`);
    }
  }
  out.push(
    '',
    report.recorded === undefined
      ? 'Not recorded (--no-record).'
      : `Recorded as decision ${report.recorded.decision} (audit ledger entry ${report.recorded.ledgerEntry}).`,
  );
  return `${out.join('\n')}\n`;
}

function headline(report: CheckReport): string {
  const verdict = report.decision.toUpperCase();
  const who = formatActor(report.actor);
  const { principalsGaining, resourcesGaining, labelsGained } = report.summary;
  if (principalsGaining > 0)
    return `${verdict}: this change by ${who} makes ${kindsOf(report)} (${labelsGained.join(', ')}) readable by ${plural(principalsGaining, 'principal')} who could not read ${resourcesGaining === 1 ? 'it' : 'them'}.`;
  if (report.statements.some((s) => s.powers !== undefined))
    return `${verdict}: this change by ${who} gives logins powers that reach past every privilege on data.`;
  if (report.statements.some((s) => s.effect === 'opaque'))
    return `${verdict}: this change by ${who} runs statements Firebreak cannot analyse.`;
  if (report.summary.principalsLosing > 0)
    return `${verdict}: this change by ${who} only narrows access: ${principalsThat(report.summary.principalsLosing, 'lose')} access to labelled data.`;
  return `${verdict}: this change by ${who} gives no one new access to labelled data.`;
}

/** `1 principal gains`, `2 principals gain`: the verb agrees with the count. */
function principalsThat(n: number, verb: 'gain' | 'lose'): string {
  return `${plural(n, 'principal')} ${n === 1 ? `${verb}s` : verb}`;
}

/** `14 tables and 1 view`: what gains readers, by kind. */
function kindsOf(report: CheckReport): string {
  const counts = new Map<string, number>();
  for (const change of report.gained) counts.set(change.kind, (counts.get(change.kind) ?? 0) + 1);
  const parts = [...counts].map(([kind, n]) => plural(n, kind));
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

function resourceLines(changes: readonly ResourceChangeReport[], verb: 'gain' | 'lose'): string[] {
  const lines: string[] = [];
  for (const change of changes.slice(0, MAX_RESOURCES)) {
    const kinds = (['full', 'filtered', 'columns'] as const)
      .filter((k) => change.access[k] > 0)
      .map((k) => `${formatCount(change.access[k])} ${k}`);
    const state = change.created ? ' (new)' : change.removed ? ' (dropped)' : '';
    lines.push(
      `  ${change.resource}${state} (${[change.kind, ...change.labels].join(' · ')}): ${principalsThat(change.count, verb)}${kinds.length > 0 ? ` (${kinds.join(', ')})` : ''}`,
    );
    for (const path of change.paths.slice(0, MAX_PATHS))
      lines.push(`      via ${path.via}: ${sampleList(path.principals)}`);
    if (change.paths.length > MAX_PATHS)
      lines.push(`      … and ${plural(change.paths.length - MAX_PATHS, 'other route')}`);
    if (change.untraced > 0)
      lines.push(`      … and ${plural(change.untraced, 'principal')} whose routes were not traced`);
  }
  if (changes.length > MAX_RESOURCES)
    lines.push(`  … and ${plural(changes.length - MAX_RESOURCES, 'more resource')} (--format json lists all)`);
  return lines;
}
