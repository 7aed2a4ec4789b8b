import { describe, expect, it } from 'vitest';
import {
  type ChangeInfo,
  checkInvariants,
  compilePolicy,
  type DeltaInfo,
  evaluatePolicy,
  type InvariantPair,
  type Policy,
  type PolicyActivation,
  type PolicyDocument,
  type ResourceChangeInfo,
  type RuleDocument,
  withReasons,
} from '../../src/core/policy/index.ts';

function policyOf(document: Omit<PolicyDocument, 'version'> & { version?: 1 }): Policy {
  const compiled = compilePolicy({ version: 1, ...document });
  if (!compiled.ok) throw new Error(compiled.error.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
  return compiled.value;
}

const rulesOf = (...rules: RuleDocument[]) => policyOf({ default: 'review', rules });

/** A read-only change by an agent that changes nothing, with the parts given replaced. */
function activation(
  parts: { agent?: boolean; change?: Partial<ChangeInfo>; delta?: Partial<DeltaInfo> } = {},
): PolicyActivation {
  return {
    actor: { kind: parts.agent === false ? 'user' : 'agent', name: 'claude' },
    system: { name: 'warehouse', kind: 'postgres' },
    change: { statements: [], opaque: false, readOnly: true, mutations: 0, powers: [], edits: [], ...parts.change },
    delta: {
      gained: [],
      lost: [],
      potentialGained: [],
      latentGained: [],
      principalsGaining: 0,
      principalsLosing: 0,
      resourcesGaining: 0,
      resourcesAffected: 0,
      labelsGained: [],
      ...parts.delta,
    },
  };
}

function gained(resource: string, principals: string[], labels = ['pii']): ResourceChangeInfo {
  const count = principals.length;
  return { resource, kind: 'table', labels, principals, count, full: count, filtered: 0, columns: 0, created: false };
}

const exposing = activation({
  change: { readOnly: false, mutations: 1 },
  delta: {
    gained: [gained('public.users', ['alice', 'bob'])],
    principalsGaining: 2,
    resourcesGaining: 1,
    labelsGained: ['pii'],
  },
});

describe('combining rules', () => {
  it('the strictest decision of the matching rules wins, and every matching rule gives a reason, in policy order', () => {
    const policy = rulesOf(
      { name: 'always-allow', when: 'true', decision: 'allow', message: 'fine' },
      { name: 'agents-expose', when: 'delta.principalsGaining > 0', decision: 'deny', message: 'no' },
      { name: 'never', when: 'false', decision: 'deny' },
      { name: 'changes', when: '!change.readOnly', decision: 'review', message: 'look' },
    );
    expect(evaluatePolicy(policy, exposing)).toEqual({
      decision: 'deny',
      approvals: 1,
      reasons: [
        { rule: 'always-allow', decision: 'allow', message: 'fine' },
        { rule: 'agents-expose', decision: 'deny', message: 'no' },
        { rule: 'changes', decision: 'review', message: 'look' },
      ],
    });
    expect(evaluatePolicy(policy, activation()).decision).toBe('allow');
  });

  it('review beats allow', () => {
    const policy = rulesOf(
      { name: 'a', when: 'true', decision: 'allow' },
      { name: 'b', when: 'true', decision: 'review' },
    );
    expect(evaluatePolicy(policy, activation()).decision).toBe('review');
  });

  it('when no rule matches, the default applies with the reason "default"', () => {
    const policy = policyOf({ default: 'deny', rules: [{ name: 'never', when: 'false', decision: 'allow' }] });
    expect(evaluatePolicy(policy, activation())).toEqual({
      decision: 'deny',
      approvals: 1,
      reasons: [{ rule: 'default', decision: 'deny', message: "no rule matched: the policy's default is deny" }],
    });
  });

  it('a review needs as many approvers as the most demanding matching review rule asks for (two-person rule)', () => {
    const policy = rulesOf(
      { name: 'one', when: 'true', decision: 'review' },
      { name: 'two', when: '!change.readOnly', decision: 'review', approvals: 2 },
      { name: 'three', when: 'false', decision: 'review', approvals: 3 },
      { name: 'fine', when: 'true', decision: 'allow', approvals: 4 },
    );
    expect(evaluatePolicy(policy, exposing)).toMatchObject({ decision: 'review', approvals: 2 });
    expect(evaluatePolicy(policy, activation())).toMatchObject({ decision: 'review', approvals: 1 });
    expect(
      compilePolicy({
        version: 1,
        default: 'review',
        rules: [{ name: 'x', when: 'true', decision: 'review', approvals: 9 }],
      }),
    ).toMatchObject({
      ok: false,
      error: [{ code: 'invalid_approvals', path: ['rules', 0, 'approvals'] }],
    });
  });

  it('a default of allow applies to read-only changes, but a change that modifies the system gets review', () => {
    const policy = policyOf({ default: 'allow' });
    expect(evaluatePolicy(policy, activation()).decision).toBe('allow');
    const modifying = evaluatePolicy(policy, activation({ change: { readOnly: false, mutations: 1 } }));
    expect(modifying.decision).toBe('review');
    expect(modifying.reasons[0]?.message).toMatch(/never falls through to allow/);
    const opaque = activation({ change: { readOnly: false, opaque: true, mutations: 1 } });
    expect(evaluatePolicy(policy, opaque).decision).toBe('review');
  });

  it('a rule without a message explains itself with its description, or its name', () => {
    const policy = rulesOf(
      { name: 'described', description: 'Agents must not expose data.', when: 'true', decision: 'allow' },
      { name: 'bare', when: 'true', decision: 'allow' },
    );
    expect(evaluatePolicy(policy, activation()).reasons.map((r) => r.message)).toEqual([
      'Agents must not expose data.',
      'rule bare matched',
    ]);
  });

  it('invariant violations join a decision, and the strictest still wins', () => {
    const decision = evaluatePolicy(rulesOf({ name: 'ok', when: 'true', decision: 'allow' }), activation());
    const joined = withReasons(decision, [{ rule: 'pii-readers-only', decision: 'deny', message: 'bob reads pii' }]);
    expect(joined.decision).toBe('deny');
    expect(joined.reasons.map((r) => r.rule)).toEqual(['ok', 'pii-readers-only']);
    expect(withReasons(decision, [])).toBe(decision);
  });
});

describe('failing closed', () => {
  it('a deny rule whose condition fails to evaluate still denies, with the error in the reason', () => {
    const policy = rulesOf({ name: 'first-gained', when: "delta.gained[0].resource == 'x'", decision: 'deny' });
    const { decision, reasons } = evaluatePolicy(policy, activation());
    expect(decision).toBe('deny');
    expect(reasons).toEqual([
      {
        rule: 'first-gained',
        decision: 'deny',
        message: expect.stringMatching(
          /^rule first-gained could not be evaluated, so it counts as matched: .*index out of bounds/,
        ),
        error: expect.stringMatching(/index out of bounds/),
      },
    ]);
  });

  it('an allow rule that fails to evaluate gives review, never allow', () => {
    const policy = policyOf({
      default: 'allow',
      rules: [{ name: 'ratio', when: 'delta.principalsLosing / delta.principalsGaining > 1', decision: 'allow' }],
    });
    const result = evaluatePolicy(policy, activation());
    expect(result.decision).toBe('review');
    expect(result.reasons[0]?.error).toMatch(/division by zero/);
  });

  it('integer overflow is an error, not a wrapped number', () => {
    const policy = rulesOf({
      name: 'huge',
      when: 'delta.principalsGaining * 9223372036854775807 > 0',
      decision: 'allow',
    });
    const result = evaluatePolicy(policy, exposing);
    expect(result.decision).toBe('review');
    expect(result.reasons[0]?.error).toMatch(/overflow/);
  });

  it('a condition whose dynamic value is not a bool fails closed', () => {
    const policy = rulesOf({ name: 'dynamic', when: 'dyn(delta.principalsGaining)', decision: 'allow' });
    const result = evaluatePolicy(policy, exposing);
    expect(result.decision).toBe('review');
    expect(result.reasons[0]?.error).toBe('the condition gave 2, not a bool');
  });

  it('an activation with a fractional count fails closed on the rules that read it, and only on those', () => {
    const policy = rulesOf(
      { name: 'counts', when: 'delta.principalsGaining > 0', decision: 'allow' },
      { name: 'actor', when: "actor.kind == 'agent'", decision: 'allow' },
    );
    const broken = activation({ delta: { principalsGaining: 1.5 } });
    const result = evaluatePolicy(policy, broken);
    expect(result.decision).toBe('review');
    expect(result.reasons.map((r) => [r.rule, r.decision])).toEqual([
      ['counts', 'review'],
      ['actor', 'allow'],
    ]);
  });

  it('other rules are still evaluated after one fails', () => {
    const policy = rulesOf(
      { name: 'broken', when: 'delta.gained[3].count > 0', decision: 'allow' },
      { name: 'agents', when: "actor.kind == 'agent' && delta.principalsGaining > 0", decision: 'deny' },
    );
    expect(evaluatePolicy(policy, exposing).reasons.map((r) => r.decision)).toEqual(['review', 'deny']);
  });
});

describe('message templates', () => {
  const message = (template: string, input = exposing) =>
    evaluatePolicy(rulesOf({ name: 'm', when: 'true', decision: 'allow', message: template }), input).reasons[0]
      ?.message;

  it('fill each {{ }} with the value of its CEL expression', () => {
    expect(
      message('{{actor.name}} gives {{delta.principalsGaining}} principals access to {{delta.labelsGained}} data'),
    ).toBe('claude gives 2 principals access to pii data');
    expect(message('{{ delta.principalsGaining + 1 }} / {{!change.readOnly}} / {{1.5}} / {{null}}')).toBe(
      '3 / true / 1.5 / null',
    );
  });

  it('show lists separated by commas, the first ten items and how many more', () => {
    const many = activation({
      delta: {
        gained: [
          gained(
            't',
            Array.from({ length: 12 }, (_, i) => `u${i}`),
          ),
        ],
      },
    });
    expect(message('{{delta.gained[0].principals}}', many)).toBe('u0, u1, u2, u3, u4, u5, u6, u7, u8, u9 and 2 more');
    expect(message("{{delta.gained.map(g, g.resource + ': ' + g.principals.join(' '))}}")).toBe(
      'public.users: alice bob',
    );
  });

  it('show objects as their fields, with the lists inside them bracketed', () => {
    expect(message('{{actor}}')).toBe('{kind: agent, name: claude}');
    expect(message('{{delta.gained[0].labels}} / {{[[1, 2], [3]]}}')).toBe('pii / [1, 2], [3]');
  });

  it('show a part that fails to evaluate as an error, without changing the decision', () => {
    const policy = rulesOf({
      name: 'm',
      when: 'true',
      decision: 'deny',
      message: 'first: {{delta.lost[0].resource}}.',
    });
    const result = evaluatePolicy(policy, exposing);
    expect(result.decision).toBe('deny');
    expect(result.reasons[0]?.message).toMatch(/^first: <error: .*index out of bounds.*>\.$/);
  });

  it('are plain text without {{ }}', () => {
    expect(message('nothing to fill in: { } }}')).toBe('nothing to fill in: { } }}');
  });
});

describe('functions added to CEL', () => {
  const holds = (when: string) => {
    const policy = rulesOf({ name: 'f', when, decision: 'deny' });
    return evaluatePolicy(policy, exposing).decision === 'deny';
  };

  it('hasAny: the lists share an element', () => {
    expect(holds("delta.labelsGained.hasAny(['secret', 'pii'])")).toBe(true);
    expect(holds("delta.labelsGained.hasAny(['secret'])")).toBe(false);
    expect(holds('delta.labelsGained.hasAny([])')).toBe(false);
  });

  it('hasAll: every element of the argument is in the list', () => {
    expect(holds("delta.gained[0].principals.hasAll(['bob', 'alice'])")).toBe(true);
    expect(holds("delta.gained[0].principals.hasAll(['bob', 'carol'])")).toBe(false);
    expect(holds('delta.gained[0].principals.hasAll([])')).toBe(true);
  });

  it('the standard macros and string functions work on the activation', () => {
    expect(holds("delta.gained.exists(g, 'pii' in g.labels && g.principals.all(p, p.size() > 2))")).toBe(true);
    expect(holds("delta.gained.filter(g, g.resource.startsWith('public.')).size() == 1")).toBe(true);
    expect(
      holds("delta.gained.map(g, g.count).exists(c, c == 2) && has(actor.name) && actor.name.matches('^cl')"),
    ).toBe(true);
  });
});

describe('invariants', () => {
  const system = { system: { name: 'warehouse', kind: 'postgres' } };
  const users = { name: 'public.users', kind: 'table', labels: ['pii'] };
  const orders = { name: 'public.orders', kind: 'table', labels: ['financial'] };
  const reader = (name: string, groups: string[] = [], superuser = false) => ({
    name,
    access: 'full',
    groups,
    superuser,
  });
  const piiReadersOnly = policyOf({
    default: 'review',
    invariants: [
      {
        name: 'pii-readers-only',
        resources: "'pii' in resource.labels",
        readers: "'pii_readers' in reader.groups || reader.superuser",
      },
    ],
  });

  it('each reader of a selected resource for whom the condition is false is a violation, denied by default', () => {
    const pairs: InvariantPair[] = [
      { resource: users, reader: reader('bob', ['staff']) },
      { resource: users, reader: reader('alice', ['staff', 'pii_readers']) },
      { resource: users, reader: reader('postgres', [], true) },
      { resource: orders, reader: reader('bob', ['staff']) },
    ];
    expect(checkInvariants(piiReadersOnly, pairs, system)).toEqual([
      {
        rule: 'pii-readers-only',
        decision: 'deny',
        message: 'bob can read public.users (pii), which invariant pii-readers-only does not allow',
        resource: 'public.users',
        reader: 'bob',
      },
    ]);
  });

  it('use their own decision and message template over resource, reader and system', () => {
    const policy = policyOf({
      default: 'review',
      invariants: [
        {
          name: 'no-superusers-on-pii',
          resources: "resource.labels.hasAny(['pii'])",
          readers: '!reader.superuser',
          decision: 'review',
          message: '{{reader.name}} ({{reader.access}}) reads {{resource.name}} on {{system.name}}',
        },
      ],
    });
    const reasons = checkInvariants(policy, [{ resource: users, reader: reader('postgres', [], true) }], system);
    expect(reasons).toEqual([
      {
        rule: 'no-superusers-on-pii',
        decision: 'review',
        message: 'postgres (full) reads public.users on warehouse',
        resource: 'public.users',
        reader: 'postgres',
      },
    ]);
  });

  it('an expression that fails counts as a violation, at least review, with the error', () => {
    const policy = policyOf({
      default: 'review',
      invariants: [
        { name: 'broken', resources: 'true', readers: "reader.groups[2] == 'x'", decision: 'allow' },
        { name: 'broken-selection', resources: "resource.labels[3] == 'pii'", readers: 'true' },
      ],
    });
    const reasons = checkInvariants(policy, [{ resource: users, reader: reader('bob') }], system);
    expect(reasons.map((r) => [r.rule, r.decision, r.reader, r.resource])).toEqual([
      ['broken', 'review', 'bob', 'public.users'],
      ['broken-selection', 'deny', 'bob', 'public.users'],
    ]);
    expect(reasons[0]?.error).toMatch(/index out of bounds/);
    expect(reasons[0]?.message).toMatch(/^invariant broken could not be evaluated for bob on public.users/);
  });

  it('a policy without invariants finds nothing', () => {
    expect(checkInvariants(rulesOf(), [{ resource: users, reader: reader('bob') }], system)).toEqual([]);
  });

  it('report every violating pair among many, and only those', () => {
    const pairs = Array.from({ length: 20_000 }, (_, i) => ({
      resource: { name: `t${i % 100}`, kind: 'table', labels: i % 2 === 0 ? ['pii'] : [] },
      reader: reader(`u${i}`, i % 4 === 0 ? ['pii_readers'] : []),
    }));
    const reasons = checkInvariants(piiReadersOnly, pairs, system);
    expect(reasons).toHaveLength(5_000);
  });
});
