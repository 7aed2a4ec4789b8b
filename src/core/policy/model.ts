import type { Issue } from '../result.ts';

/** What a policy decides about a change, weakest first: the strictest decision of all reasons wins. */
export const DECISIONS = ['allow', 'review', 'deny'] as const;
export type Decision = (typeof DECISIONS)[number];

/** Orders decisions: negative when `a` is weaker than `b`. */
export function compareDecisions(a: Decision, b: Decision): number {
  return DECISIONS.indexOf(a) - DECISIONS.indexOf(b);
}

/** The stricter of two decisions. */
export function stricter(a: Decision, b: Decision): Decision {
  return compareDecisions(a, b) >= 0 ? a : b;
}

/**
 * A policy file as written (YAML, validated at the edge). Expressions are CEL; `message` fields are
 * templates whose `{{ … }}` parts are CEL too. See docs/policy.md.
 */
export interface PolicyDocument {
  readonly version: 1;
  /** The decision when no rule matches. A change that modifies the system never falls through to allow. */
  readonly default: Decision;
  readonly rules?: readonly RuleDocument[] | undefined;
  readonly invariants?: readonly InvariantDocument[] | undefined;
}

export interface RuleDocument {
  /** Letters, digits, `-`, `_`, `.`; unique among rules and invariants; `default` is reserved. */
  readonly name: string;
  readonly description?: string | undefined;
  /** CEL over `actor`, `system`, `change`, `delta`; must be a bool. */
  readonly when: string;
  readonly decision: Decision;
  /** Template; the description (or the name) when absent. */
  readonly message?: string | undefined;
  /**
   * How many different people must approve a change this rule sends to review (1 when absent; 2
   * is the two-person rule). The strictest matching rule's count applies.
   */
  readonly approvals?: number | undefined;
}

/** The most approvals a rule can ask for. */
export const MAX_APPROVALS = 5;

export interface InvariantDocument {
  readonly name: string;
  readonly description?: string | undefined;
  /** CEL over `resource` and `system`: which resources the invariant protects. */
  readonly resources: string;
  /** CEL over `resource`, `reader` and `system`: what must hold for every reader of those resources. */
  readonly readers: string;
  /** The decision for each violation; `deny` when absent. */
  readonly decision?: Decision | undefined;
  /** Template; by default it names the reader, the resource and the invariant. */
  readonly message?: string | undefined;
}

/** Why a policy decided what it did: one per rule that matched (or failed), or the default. */
export interface PolicyReason {
  /** The rule's or invariant's name, or `default` when no rule matched. */
  readonly rule: string;
  readonly decision: Decision;
  readonly message: string;
  /** Set when the rule's expression could not be evaluated: the rule then counts as matched (fail closed). */
  readonly error?: string;
  /** The rule's `approvals`, when it sets one. */
  readonly approvals?: number;
}

/** A violation of an invariant by one reader of one resource. */
export interface InvariantReason extends PolicyReason {
  readonly resource: string;
  readonly reader: string;
}

export interface PolicyDecision {
  readonly decision: Decision;
  /** People who must approve when the decision is review: the most any matching rule asks for, at least 1. */
  readonly approvals: number;
  /** Never empty: the reasons in policy order, or the single `default` reason. */
  readonly reasons: readonly PolicyReason[];
}

/**
 * A problem in a policy document. `path` points at the field (e.g. `['rules', 2, 'when']`);
 * `line` and `column` locate a CEL error inside that field's text, 1-based, when known.
 */
export interface PolicyIssue extends Issue {
  readonly line?: number;
  readonly column?: number;
}

/** The strictest decision among reasons; `review` for none (a caller bug, never an allow). */
export function strictestOf(reasons: readonly PolicyReason[]): Decision {
  if (reasons.length === 0) return 'review';
  return reasons.reduce<Decision>((decision, reason) => stricter(decision, reason.decision), 'allow');
}

/**
 * Adds reasons (e.g. invariant violations of the same change) to a decision: the strictest wins.
 * A decision that came only from the default keeps its default reason alongside the new ones.
 */
export function withReasons(decision: PolicyDecision, reasons: readonly PolicyReason[]): PolicyDecision {
  if (reasons.length === 0) return decision;
  const all = [...decision.reasons, ...reasons];
  return { decision: strictestOf(all), reasons: all, approvals: approvalsOf(all) };
}

/** The most approvals any reason asking for review requires; one person otherwise. */
export function approvalsOf(reasons: readonly PolicyReason[]): number {
  return Math.max(1, ...reasons.filter((r) => r.decision === 'review').map((r) => r.approvals ?? 1));
}
