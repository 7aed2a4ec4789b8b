import {
  type ClassificationRules,
  canonicalJson,
  classify,
  FirebreakError,
  type Policy,
  type PrincipalId,
  sha256Hex,
} from '../core/index.ts';
import { type Actor, formatActor } from './actor.ts';
import { analyseChange, type ChangePiece } from './analyse-change.ts';
import { type CheckReport, describeAnalysis } from './check-report.ts';
import { decideChange } from './decide.ts';
import type { SystemSource } from './ports.ts';
import type { Store } from './store-port.ts';

export interface CheckRequest {
  readonly source: SystemSource;
  readonly rules: ClassificationRules;
  readonly pieces: readonly ChangePiece[];
  readonly actor: Actor;
  readonly policy: Policy;
  /** The role the change runs as; the system's connecting role by default. */
  readonly actingAs?: PrincipalId;
  /** Replay the change in the sandbox even when every statement could be interpreted. */
  readonly verify?: boolean;
  /** Where the decision is recorded before it is returned; checks without one are not recorded. */
  readonly store?: Store;
}

/** What exactly a change is: the SHA-256 of its statements' text, in order. */
export function changeHashOf(pieces: readonly ChangePiece[]): string {
  return sha256Hex(canonicalJson(pieces.map((p) => p.sql)));
}

/**
 * Checks a proposed change before anyone runs it: what it does to who can read labelled data, and
 * what the policy decides. Nothing of the change runs on the system. With a store, the decision is
 * in the audit ledger before it is returned; a store that fails fails the check (fail closed).
 */
export async function checkChange(request: CheckRequest): Promise<CheckReport> {
  const { source, rules, pieces, actor, policy } = request;
  const analyzer = source.analyzer;
  if (analyzer === undefined)
    throw new FirebreakError('invalid_input', `changes to ${source.kind} systems cannot be analysed`);
  const raw = await source.readSnapshot();
  const analysis = await analyseChange({
    analyzer,
    raw,
    before: classify(raw, rules),
    rules,
    pieces,
    ...(request.actingAs === undefined ? {} : { actingAs: request.actingAs }),
    ...(request.verify === undefined ? {} : { verify: request.verify }),
  });
  const report = describeAnalysis(analysis, actor, pieces);
  const decision = decideChange(policy, analysis, report, source.kind);
  const reasons = decision.reasons.map(({ rule, decision, message }) => ({ rule, decision, message }));
  const changeHash = changeHashOf(pieces);
  const recorded = await request.store?.recordDecision({
    system: report.system,
    actor: formatActor(actor),
    inputHash: changeHash,
    decision: decision.decision,
    reasons,
    summary: {
      principalsGaining: report.summary.principalsGaining,
      resourcesGaining: report.summary.resourcesGaining,
      labelsGained: report.summary.labelsGained,
    },
    statements: report.statements.length,
  });
  return {
    ...report,
    decision: decision.decision,
    reasons,
    ...(decision.decision === 'review' ? { approvals: decision.approvals } : {}),
    changeHash,
    ...(recorded === undefined ? {} : { recorded: { decision: recorded.id, ledgerEntry: recorded.seq } }),
  };
}
