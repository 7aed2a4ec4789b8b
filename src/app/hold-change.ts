import { formatActor } from './actor.ts';
import type { Approval } from './approvals.ts';
import { type CheckRequest, checkChange } from './check-change.ts';
import type { CheckReport } from './check-report.ts';
import type { Store } from './store-port.ts';

/**
 * Who gains access, grouped by route, as an approver sees it: every resource and route with its
 * count, and up to {@link MAX_NAMED} names per route (the counts stay exact).
 */
export interface BlastRadius {
  readonly principalsGaining: number;
  readonly resourcesGaining: number;
  readonly labels: readonly string[];
  readonly resources: readonly {
    readonly resource: string;
    readonly kind: string;
    readonly labels: readonly string[];
    readonly count: number;
    readonly paths: readonly { readonly via: string; readonly count: number; readonly principals: readonly string[] }[];
    readonly untraced: number;
  }[];
}

export const MAX_NAMED = 100;

export function blastRadiusOf(report: CheckReport): BlastRadius {
  return {
    principalsGaining: report.summary.principalsGaining,
    resourcesGaining: report.summary.resourcesGaining,
    labels: report.summary.labelsGained,
    resources: report.gained.map((g) => ({
      resource: g.resource,
      kind: g.kind,
      labels: g.labels,
      count: g.count,
      paths: g.paths.map((p) => ({ via: p.via, count: p.count, principals: p.principals.slice(0, MAX_NAMED) })),
      untraced: g.untraced,
    })),
  };
}

export interface HoldRequest extends CheckRequest {
  readonly store: Store;
  /** When a request opened for this change expires (the shell knows the time). */
  readonly expiresAt: string;
}

/**
 * Checks a change and, when the policy says review, holds it: an approval request bound to the
 * exact change, with the approvers the policy asks for and the blast radius drawn for them.
 */
export async function checkAndHold(
  request: HoldRequest,
): Promise<{ readonly report: CheckReport; readonly approval?: Approval }> {
  const report = await checkChange(request);
  if (report.decision !== 'review') return { report };
  const approval = await request.store.requestApproval({
    system: report.system,
    changeHash: report.changeHash,
    statements: report.statements.map((s) => s.sql),
    requester: formatActor(report.actor),
    rules: report.reasons.filter((r) => r.decision === 'review').map((r) => r.rule),
    requiredApprovals: report.approvals ?? 1,
    expiresAt: request.expiresAt,
    ...(report.recorded === undefined ? {} : { decisionId: report.recorded.decision }),
    summary: summaryOf(report),
    blastRadius: blastRadiusOf(report),
  });
  return { report, approval };
}

function summaryOf(report: CheckReport): string {
  const { principalsGaining, resourcesGaining, labelsGained } = report.summary;
  if (principalsGaining === 0) return 'no one gains read access to labelled data';
  const principals = principalsGaining === 1 ? '1 principal gains' : `${principalsGaining} principals gain`;
  const resources = resourcesGaining === 1 ? '1 labelled resource' : `${resourcesGaining} labelled resources`;
  return `${principals} read access to ${resources} (${labelsGained.join(', ')})`;
}
