import { type ClassificationRules, classify, FirebreakError, type Policy, type PrincipalId } from '../core/index.ts';
import type { Actor } from './actor.ts';
import { analyseChange, type ChangePiece } from './analyse-change.ts';
import { type CheckReport, describeAnalysis } from './check-report.ts';
import { decideChange } from './decide.ts';
import type { SystemSource } from './ports.ts';

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
}

/**
 * Checks a proposed change before anyone runs it: what it does to who can read labelled data, and
 * what the policy decides. Nothing of the change runs on the system.
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
  return {
    ...report,
    decision: decision.decision,
    reasons: decision.reasons.map(({ rule, decision, message }) => ({ rule, decision, message })),
  };
}
