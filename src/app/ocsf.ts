import type { LedgerEntry, LedgerKind } from './store-port.ts';

/**
 * Ledger entries as OCSF events (Open Cybersecurity Schema Framework 1.1, class API Activity,
 * 6003), so that a SIEM can ingest the audit trail without a custom parser. The entry itself rides
 * along in `unmapped`, with its hash in `metadata.uid`, so the export can be checked against the
 * ledger.
 */
const OCSF_VERSION = '1.1.0';
const API_ACTIVITY = 6003;
const APPLICATION_ACTIVITY = 6;

/** OCSF API Activity activity_id: 1 Create, 2 Read, 3 Update, 4 Delete, 99 Other. */
const ACTIVITY: Readonly<Record<LedgerKind, 1 | 3 | 4 | 99>> = {
  'ledger.opened': 1,
  decision: 99,
  'approval.requested': 1,
  'approval.voted': 3,
  'approval.approved': 3,
  'approval.denied': 3,
  'approval.expired': 3,
  'approval.executed': 3,
  'approval.refused': 99,
  'snapshot.changed': 3,
  'incident.opened': 1,
  'token.created': 1,
  'token.revoked': 4,
  'revert.started': 99,
  'revert.finished': 99,
};

const SEVERITY = { informational: 1, low: 2, medium: 3, high: 4, critical: 5 } as const;

export function toOcsf(entry: LedgerEntry): Record<string, unknown> {
  const activity = ACTIVITY[entry.kind];
  const [actorKind, ...rest] = entry.actor.split(':');
  const actorName = rest.length > 0 ? rest.join(':') : entry.actor;
  const refused = entry.kind === 'approval.refused';
  return {
    class_uid: API_ACTIVITY,
    category_uid: APPLICATION_ACTIVITY,
    activity_id: activity,
    type_uid: API_ACTIVITY * 100 + activity,
    time: Date.parse(entry.at),
    severity_id: severityOf(entry),
    status_id: refused ? 2 : 1,
    status: refused ? 'Failure' : 'Success',
    message: messageOf(entry),
    metadata: {
      version: OCSF_VERSION,
      uid: entry.hash,
      sequence: entry.seq,
      log_name: 'firebreak-ledger',
      product: { name: 'Firebreak', vendor_name: 'Firebreak' },
    },
    actor: {
      user: {
        name: actorName,
        type: actorKind === 'agent' ? 'AI agent' : actorKind === 'user' ? 'User' : 'System',
        type_id: actorKind === 'user' ? 1 : actorKind === 'agent' ? 99 : 3,
      },
    },
    api: { operation: entry.kind, service: { name: 'firebreak' } },
    src_endpoint: { name: 'firebreak' },
    resources: [
      ...(entry.system === undefined ? [] : [{ name: entry.system, type: 'system' }]),
      ...(entry.subject === undefined ? [] : [{ uid: entry.subject, type: entry.kind.split('.')[0] }]),
    ],
    unmapped: { ledger: { seq: entry.seq, prev: entry.prev, hash: entry.hash, data: entry.data } },
  };
}

function severityOf(entry: LedgerEntry): number {
  if (entry.kind === 'incident.opened') {
    const severity = entry.data.severity;
    return typeof severity === 'string' && severity in SEVERITY ? SEVERITY[severity as keyof typeof SEVERITY] : 4;
  }
  if (entry.kind === 'decision') return entry.data.decision === 'deny' ? 3 : entry.data.decision === 'review' ? 2 : 1;
  return entry.kind === 'approval.refused' ? 3 : 1;
}

function messageOf(entry: LedgerEntry): string {
  const data = entry.data;
  switch (entry.kind) {
    case 'decision':
      return `${String(data.decision)} for a change by ${entry.actor} on ${entry.system ?? 'a system'}`;
    case 'approval.refused':
      return `refused ${String(data.action)} by ${entry.actor}: ${String(data.message)}`;
    case 'incident.opened':
      return `incident on ${entry.system ?? 'a system'}: ${String(data.title)}`;
    default:
      return `${entry.kind} by ${entry.actor}${entry.subject === undefined ? '' : ` (${entry.subject})`}`;
  }
}
