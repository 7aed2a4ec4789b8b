import { err, ok, type Result } from '../result.ts';
import { type CelProblem, type CelProgram, compileCel } from './cel.ts';
import { type CelScope, INVARIANT_RESOURCE_SCOPE, INVARIANT_SCOPE, RULE_SCOPE } from './cel-types.ts';
import { type Decision, MAX_APPROVALS, type PolicyDocument, type PolicyIssue } from './model.ts';
import { type CompiledTemplate, compileTemplate } from './template.ts';

export interface CompiledRule {
  readonly name: string;
  readonly decision: Decision;
  readonly when: CelProgram;
  /** The compiled `message`, or the fixed text used without one. */
  readonly message: CompiledTemplate | string;
  readonly approvals?: number;
}

export interface CompiledInvariant {
  readonly name: string;
  readonly decision: Decision;
  readonly resources: CelProgram;
  readonly readers: CelProgram;
  /** Absent: the message names the reader, the resource, its labels and the invariant. */
  readonly message?: CompiledTemplate;
}

/** A policy ready to evaluate: every expression parsed and type-checked once. Immutable. */
export interface Policy {
  readonly document: PolicyDocument;
  readonly default: Decision;
  readonly rules: readonly CompiledRule[];
  readonly invariants: readonly CompiledInvariant[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
/** The reason's rule name when no rule matched. */
export const DEFAULT_RULE = 'default';

/**
 * Compiles a policy document. Every problem is reported, not only the first: names that are
 * invalid, reserved or used twice, and each CEL syntax or type error (a misspelt field, an unknown
 * function, a condition that is not a bool), with its path, e.g. `['rules', 2, 'when']`, and its
 * line and column in the expression.
 *
 * @example
 * const policy = compilePolicy({ version: 1, default: 'review', rules: [
 *   { name: 'agents-expose', when: "actor.kind == 'agent' && delta.principalsGaining > 0", decision: 'deny' },
 * ] });
 */
export function compilePolicy(document: PolicyDocument): Result<Policy, readonly PolicyIssue[]> {
  const issues: PolicyIssue[] = [];
  const seen = new Set<string>();
  const checkName = (name: string, path: readonly (string | number)[]) => {
    if (!NAME.test(name))
      issues.push({ code: 'invalid_name', path, message: `"${name}" is not a valid name (letters, digits, - _ .)` });
    else if (name === DEFAULT_RULE)
      issues.push({ code: 'reserved_name', path, message: `"${DEFAULT_RULE}" names the policy's default` });
    else if (seen.has(name)) issues.push({ code: 'duplicate_name', path, message: `"${name}" is used twice` });
    seen.add(name);
  };
  const condition = (scope: CelScope, source: string, path: readonly (string | number)[]) => {
    const program = compileCel(scope, source);
    if (!program.ok) {
      issues.push(celIssue(program.error, path));
      return undefined;
    }
    if (program.value.type !== 'bool' && program.value.type !== 'dyn') {
      issues.push({ code: 'not_bool', path, message: `must be a bool condition, but is ${program.value.type}` });
      return undefined;
    }
    return program.value;
  };
  const template = (scope: CelScope, text: string, path: readonly (string | number)[]) => {
    const compiled = compileTemplate(scope, text);
    if (!compiled.ok) issues.push(...compiled.error.map((problem) => celIssue(problem, path)));
    return compiled.ok ? compiled.value : undefined;
  };

  const rules: CompiledRule[] = [];
  (document.rules ?? []).forEach((rule, index) => {
    const at = ['rules', index] as const;
    checkName(rule.name, [...at, 'name']);
    const when = condition(RULE_SCOPE, rule.when, [...at, 'when']);
    const message =
      rule.message === undefined
        ? (rule.description ?? `rule ${rule.name} matched`)
        : template(RULE_SCOPE, rule.message, [...at, 'message']);
    const approvals = rule.approvals;
    if (approvals !== undefined && !(Number.isInteger(approvals) && approvals >= 1 && approvals <= MAX_APPROVALS))
      issues.push({
        code: 'invalid_approvals',
        path: [...at, 'approvals'],
        message: `approvals must be a whole number from 1 to ${MAX_APPROVALS}`,
      });
    else if (when !== undefined && message !== undefined)
      rules.push({
        name: rule.name,
        decision: rule.decision,
        when,
        message,
        ...(approvals === undefined ? {} : { approvals }),
      });
  });

  const invariants: CompiledInvariant[] = [];
  (document.invariants ?? []).forEach((invariant, index) => {
    const at = ['invariants', index] as const;
    checkName(invariant.name, [...at, 'name']);
    const resources = condition(INVARIANT_RESOURCE_SCOPE, invariant.resources, [...at, 'resources']);
    const readers = condition(INVARIANT_SCOPE, invariant.readers, [...at, 'readers']);
    const message =
      invariant.message === undefined ? undefined : template(INVARIANT_SCOPE, invariant.message, [...at, 'message']);
    if (resources !== undefined && readers !== undefined && (invariant.message === undefined || message !== undefined))
      invariants.push({
        name: invariant.name,
        decision: invariant.decision ?? 'deny',
        resources,
        readers,
        ...(message === undefined ? {} : { message }),
      });
  });

  if (issues.length > 0) return err(issues);
  return ok(Object.freeze({ document, default: document.default, rules, invariants }));
}

function celIssue(problem: CelProblem, path: readonly (string | number)[]): PolicyIssue {
  return {
    code: problem.kind === 'syntax' ? 'cel_syntax_error' : 'cel_type_error',
    path,
    message: problem.message,
    ...(problem.line === undefined ? {} : { line: problem.line }),
    ...(problem.column === undefined ? {} : { column: problem.column }),
  };
}
