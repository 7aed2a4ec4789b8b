import type { LedgerEntry, VerifyReport } from '../../app/index.ts';
import { formatCount, plural } from './text.ts';

export function renderVerify(report: VerifyReport, location: string): string {
  const out: string[] = [];
  const head =
    report.head === undefined ? 'empty' : `head entry ${report.head.seq} (${report.head.hash.slice(0, 16)}…)`;
  const signed =
    report.latestCheckpoint === undefined
      ? 'no signed checkpoint'
      : `latest signed checkpoint at entry ${report.latestCheckpoint.seq} (${report.latestCheckpoint.at})`;
  if (report.ok) {
    out.push(
      `Ledger intact: ${plural(report.entries, 'entry', 'entries')}, ${head}, ${plural(report.checkpoints, 'checkpoint')}.`,
    );
    out.push(
      `  ${signed}${report.unsigned > 0 ? `; ${plural(report.unsigned, 'entry', 'entries')} after it not yet signed` : ''}.`,
    );
  } else {
    const first = report.findings[0];
    out.push(
      `Ledger TAMPERED: ${plural(report.findings.length, 'problem')}${report.truncatedFindings ? ' (and more)' : ''}; the first at entry ${first?.seq ?? '?'}.`,
    );
    for (const finding of report.findings)
      out.push(`  entry ${formatCount(finding.seq)}  ${finding.code.padEnd(19)} ${finding.message}`);
    out.push(`  ${plural(report.entries, 'entry', 'entries')} read, ${head}; ${signed}.`);
  }
  out.push(`  store: ${location}`);
  return `${out.join('\n')}\n`;
}

export function renderEntry(entry: LedgerEntry): string {
  const about = [entry.system, entry.subject].filter((x) => x !== undefined).join(' ');
  const detail =
    entry.kind === 'decision'
      ? ` ${String(entry.data.decision)}`
      : entry.kind === 'approval.refused'
        ? ` ${String(entry.data.action)}: ${String(entry.data.message)}`
        : '';
  return `${String(entry.seq).padStart(6)}  ${entry.at}  ${entry.kind.padEnd(18)} ${entry.actor}${about === '' ? '' : `  ${about}`}${detail}`;
}
