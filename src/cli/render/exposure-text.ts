import type { ExposureReport } from '../../app/index.ts';
import { formatCount, plural, renderTable, sampleList } from './text.ts';

/** The exposure report as a table a person can scan: blast radius first. */
export function renderExposureTable(report: ExposureReport): string {
  const facts = [
    report.source,
    report.facts.server?.split(' on ')[0],
    report.facts.database && `database ${report.facts.database}`,
  ]
    .filter((f) => f !== undefined && f !== '')
    .join(' · ');
  const out = [
    `Exposure of ${report.system} (${facts})`,
    `${plural(report.summary.resources, 'labelled resource')} · ${plural(report.summary.loginPrincipals, 'login principal')} · ${formatCount(report.summary.readers)} can read at least one`,
    '',
  ];
  if (report.resources.length === 0) {
    out.push(
      'No labelled resources. Label data with --label NAME=GLOB, a [firebreak: LABEL] comment, or column names the detectors know.',
    );
    return `${out.join('\n')}\n`;
  }
  const rows = report.resources.map((r) => {
    const count = (access: string) => formatCount(r.readers.filter((x) => x.access === access).length);
    const viaCode = new Set(r.potentialReaders.flatMap((p) => p.principals)).size;
    const order = { full: 0, filtered: 1, columns: 2 } as const;
    const names = [...r.readers].sort((a, b) => order[a.access] - order[b.access]).map((x) => x.principal);
    return [
      r.resource,
      r.kind,
      r.labels.join(','),
      formatCount(r.readers.length),
      count('full'),
      count('filtered'),
      count('columns'),
      viaCode === 0 ? '' : formatCount(viaCode),
      sampleList(names),
    ];
  });
  out.push(
    renderTable(['RESOURCE', 'KIND', 'LABELS', 'READERS', 'FULL', 'FILTERED', 'COLUMNS', 'VIA CODE', 'WHO'], rows, [
      'READERS',
      'FULL',
      'FILTERED',
      'COLUMNS',
      'VIA CODE',
    ]),
  );
  if (report.latent.length > 0) {
    out.push('', 'Latent exposure (default privileges given to future objects):');
    for (const l of report.latent)
      out.push(
        `  future ${l.kind}s created by ${l.creator}${l.container === undefined ? ' anywhere' : ` in ${l.container}`}: ${l.privilege} to ${l.grantee} → ${plural(l.principals.length, 'login principal')}` +
          (l.labelledResourcesInContainer > 0
            ? ` (${plural(l.labelledResourcesInContainer, 'labelled resource')} there today)`
            : ''),
      );
  }
  out.push(
    '',
    'FULL: every row and column · FILTERED: row-level security applies · COLUMNS: some columns only · VIA CODE: can run a SECURITY DEFINER function that reads it',
    'Who and why: firebreak explain PRINCIPAL RESOURCE … · every reader: --format json',
  );
  return `${out.join('\n')}\n`;
}

/** The exposure report in the format a command was asked for. */
export function formatExposure(report: ExposureReport, format: string | undefined): string {
  return format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderExposureTable(report);
}
