import type { Result } from '../result.ts';
import type { InvariantContext, InvariantPair, PolicyActivation } from './activation.ts';
import { type CelInput, toCelInput } from './cel.ts';
import { INVARIANT_SCOPE, RULE_SCOPE } from './cel-types.ts';
import { type CompiledInvariant, DEFAULT_RULE, type Policy } from './compile.ts';
import {
  approvalsOf,
  type Decision,
  type InvariantReason,
  type PolicyDecision,
  type PolicyReason,
  stricter,
  strictestOf,
} from './model.ts';
import { formatValue } from './template.ts';

/**
 * What a rule whose expression cannot be evaluated contributes: it counts as matched, and never
 * as less than review. A broken deny rule still denies; a broken allow rule cannot let a change
 * through. Either way the error is in the reason, for the person who reviews it.
 */
export function failClosed(decision: Decision): Decision {
  return stricter(decision, 'review');
}

/**
 * Decides about a change. Every rule whose `when` is true contributes a reason; a rule whose `when`
 * fails (an integer overflow, an index out of range…) contributes `failClosed(decision)` with the
 * error. The strictest decision wins. When no rule matches, the policy's default applies, except
 * that a change which is not read-only never falls through to allow: it gets review.
 *
 * @example
 * const { decision, reasons } = evaluatePolicy(policy, activation);
 */
export function evaluatePolicy(policy: Policy, activation: PolicyActivation): PolicyDecision {
  const input = toCelInput(RULE_SCOPE, activation);
  const reasons: PolicyReason[] = [];
  for (const rule of policy.rules) {
    const matched = rule.when.run(input);
    if (!matched.ok || typeof matched.value !== 'boolean') {
      const error = matched.ok ? `the condition gave ${formatValue(matched.value)}, not a bool` : matched.error;
      reasons.push({
        rule: rule.name,
        decision: failClosed(rule.decision),
        message: `rule ${rule.name} could not be evaluated, so it counts as matched: ${error}`,
        error,
        ...(rule.approvals === undefined ? {} : { approvals: rule.approvals }),
      });
    } else if (matched.value)
      reasons.push({
        rule: rule.name,
        decision: rule.decision,
        message: typeof rule.message === 'string' ? rule.message : rule.message.render(input),
        ...(rule.approvals === undefined ? {} : { approvals: rule.approvals }),
      });
  }
  if (reasons.length === 0) reasons.push(defaultReason(policy.default, activation));
  return { decision: strictestOf(reasons), reasons, approvals: approvalsOf(reasons) };
}

function defaultReason(decision: Decision, activation: PolicyActivation): PolicyReason {
  if (decision === 'allow' && !activation.change.readOnly)
    return {
      rule: DEFAULT_RULE,
      decision: 'review',
      message: 'no rule matched, and a change that modifies the system never falls through to allow',
    };
  return { rule: DEFAULT_RULE, decision, message: `no rule matched: the policy's default is ${decision}` };
}

/**
 * Checks every invariant on (resource, reader) pairs: the readers a change gains, or every reader
 * of a system for a monitor. A pair violates an invariant when its `resources` selects the
 * resource and its `readers` does not hold for the reader; each violation is a reason with the
 * invariant's decision. An expression that fails counts as a violation, with
 * `failClosed(decision)` and the error. `resources` is evaluated once per resource name.
 */
export function checkInvariants(
  policy: Policy,
  pairs: Iterable<InvariantPair>,
  context: InvariantContext,
): readonly InvariantReason[] {
  if (policy.invariants.length === 0) return [];
  const reasons: InvariantReason[] = [];
  const selected = policy.invariants.map(() => new Map<string, boolean | string>());
  for (const pair of pairs) {
    const input = toCelInput(INVARIANT_SCOPE, { resource: pair.resource, reader: pair.reader, system: context.system });
    policy.invariants.forEach((invariant, i) => {
      const cache = selected[i] as Map<string, boolean | string>;
      let selects = cache.get(pair.resource.name);
      if (selects === undefined) {
        selects = outcome(invariant.resources.run(input));
        cache.set(pair.resource.name, selects);
      }
      const holds = selects === false ? true : selects === true ? outcome(invariant.readers.run(input)) : selects;
      if (holds !== true) reasons.push(violation(invariant, pair, input, holds === false ? undefined : holds));
    });
  }
  return reasons;
}

/** `true` or `false`, or the error (a non-bool result is one). */
function outcome(result: Result<unknown, string>): boolean | string {
  if (!result.ok) return result.error;
  return typeof result.value === 'boolean'
    ? result.value
    : `the condition gave ${formatValue(result.value)}, not a bool`;
}

function violation(
  invariant: CompiledInvariant,
  pair: InvariantPair,
  input: CelInput,
  error: string | undefined,
): InvariantReason {
  const names = { resource: pair.resource.name, reader: pair.reader.name };
  if (error !== undefined)
    return {
      rule: invariant.name,
      decision: failClosed(invariant.decision),
      message: `invariant ${invariant.name} could not be evaluated for ${pair.reader.name} on ${pair.resource.name}, so it counts as violated: ${error}`,
      error,
      ...names,
    };
  const labels = pair.resource.labels.length > 0 ? ` (${pair.resource.labels.join(', ')})` : '';
  const message =
    invariant.message?.render(input) ??
    `${pair.reader.name} can read ${pair.resource.name}${labels}, which invariant ${invariant.name} does not allow`;
  return { rule: invariant.name, decision: invariant.decision, message, ...names };
}
