/**
 * The policy language: YAML documents whose rules and invariants have CEL conditions, compiled
 * once and evaluated in microseconds. docs/policy.md describes the language.
 */
export type {
  ActorInfo,
  ChangeInfo,
  DeltaInfo,
  EditInfo,
  InvariantContext,
  InvariantPair,
  InvariantReader,
  InvariantResource,
  LatentChangeInfo,
  PolicyActivation,
  PotentialChangeInfo,
  ResourceChangeInfo,
  StatementEffect,
  StatementInfo,
  SystemInfo,
} from './activation.ts';
export { type CompiledInvariant, type CompiledRule, compilePolicy, DEFAULT_RULE, type Policy } from './compile.ts';
export { checkInvariants, evaluatePolicy, failClosed } from './evaluate.ts';
export {
  approvalsOf,
  compareDecisions,
  DECISIONS,
  type Decision,
  type InvariantDocument,
  type InvariantReason,
  MAX_APPROVALS,
  type PolicyDecision,
  type PolicyDocument,
  type PolicyIssue,
  type PolicyReason,
  type RuleDocument,
  stricter,
  strictestOf,
  withReasons,
} from './model.ts';
