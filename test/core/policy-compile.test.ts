import { describe, expect, it } from 'vitest';
import {
  compilePolicy,
  type InvariantDocument,
  type PolicyIssue,
  type RuleDocument,
} from '../../src/core/policy/index.ts';

function issuesOf(rules: RuleDocument[], invariants: InvariantDocument[] = []): readonly PolicyIssue[] {
  const compiled = compilePolicy({ version: 1, default: 'review', rules, invariants });
  return compiled.ok ? [] : compiled.error;
}

const rule = (when: string, extra: Partial<RuleDocument> = {}): RuleDocument => ({
  name: 'r',
  when,
  decision: 'deny',
  ...extra,
});

describe('compiling a policy', () => {
  it('keeps the rules and invariants in order, with invariants denying by default', () => {
    const compiled = compilePolicy({
      version: 1,
      default: 'review',
      rules: [
        { name: 'b', when: 'true', decision: 'allow' },
        { name: 'a', when: "actor.kind == 'agent'", decision: 'deny' },
      ],
      invariants: [{ name: 'i', resources: 'true', readers: 'reader.superuser' }],
    });
    expect(compiled.ok).toBe(true);
    if (!compiled.ok) return;
    expect(compiled.value.rules.map((r) => [r.name, r.decision])).toEqual([
      ['b', 'allow'],
      ['a', 'deny'],
    ]);
    expect(compiled.value.invariants.map((i) => [i.name, i.decision])).toEqual([['i', 'deny']]);
    expect(compiled.value.default).toBe('review');
  });

  it('accepts a policy with no rules at all', () => {
    expect(compilePolicy({ version: 1, default: 'deny' }).ok).toBe(true);
  });
});

describe('a CEL error is an issue at the field, with its line and column in the expression', () => {
  it('a syntax error', () => {
    expect(issuesOf([rule("actor.kind == 'agent' &&")])).toEqual([
      {
        code: 'cel_syntax_error',
        path: ['rules', 0, 'when'],
        message: 'Unexpected token: EOF',
        line: 1,
        column: 25,
      },
    ]);
  });

  it('a misspelt field, found when the policy is compiled rather than when a change arrives', () => {
    expect(issuesOf([rule("actor.knd == 'agent'")])).toEqual([
      { code: 'cel_type_error', path: ['rules', 0, 'when'], message: 'No such key: knd', line: 1, column: 7 },
    ]);
    expect(issuesOf([rule('delta.gained.exists(g, g.principalCount > 0)')])[0]).toMatchObject({
      message: 'No such key: principalCount',
      column: 26,
    });
  });

  it('on a later line of a multi-line expression', () => {
    expect(issuesOf([rule("actor.kind == 'agent'\n  && delta.principalsGainin > 0")])[0]).toMatchObject({
      code: 'cel_type_error',
      line: 2,
      column: 12,
    });
  });

  it('a comparison of values of different types', () => {
    expect(issuesOf([rule('actor.kind == 1')])[0]).toMatchObject({
      code: 'cel_type_error',
      message: 'no such overload: string == int',
    });
  });

  it('an unknown function, or a function given the wrong type', () => {
    expect(issuesOf([rule('labelled(delta.labelsGained)')])[0]?.message).toMatch(/labelled/);
    expect(issuesOf([rule("actor.name.hasAny(['x'])")])[0]?.code).toBe('cel_type_error');
  });

  it('a variable that is not in scope: rules cannot see reader, invariants cannot see delta', () => {
    expect(issuesOf([rule('reader.superuser')])[0]).toMatchObject({ message: 'Unknown variable: reader', column: 1 });
    const invariant = { name: 'i', resources: 'delta.principalsGaining > 0', readers: 'true' };
    expect(issuesOf([], [invariant])[0]).toMatchObject({
      path: ['invariants', 0, 'resources'],
      message: 'Unknown variable: delta',
    });
  });

  it("an invariant's resources selects resources alone: it cannot see the reader", () => {
    const invariant = { name: 'i', resources: '!reader.superuser', readers: 'reader.superuser' };
    expect(issuesOf([], [invariant])).toEqual([
      {
        code: 'cel_type_error',
        path: ['invariants', 0, 'resources'],
        message: 'Unknown variable: reader',
        line: 1,
        column: 2,
      },
    ]);
  });
});

describe('conditions must be bool', () => {
  it('a rule whose condition is an int, a string or a list', () => {
    for (const [when, type] of [
      ['delta.principalsGaining', 'int'],
      ['actor.name', 'string'],
      ['delta.labelsGained', 'list<string>'],
    ] as const)
      expect(issuesOf([rule(when)])).toEqual([
        { code: 'not_bool', path: ['rules', 0, 'when'], message: `must be a bool condition, but is ${type}` },
      ]);
  });

  it("an invariant's resources and readers", () => {
    expect(
      issuesOf([], [{ name: 'i', resources: 'resource.labels', readers: 'reader.name' }]).map((i) => i.path),
    ).toEqual([
      ['invariants', 0, 'resources'],
      ['invariants', 0, 'readers'],
    ]);
  });
});

describe('message templates are compiled with the policy', () => {
  it('a CEL error inside {{ }} is located in the message', () => {
    expect(issuesOf([rule('true', { message: 'agent {{actor.nam}} exposes data' })])).toEqual([
      { code: 'cel_type_error', path: ['rules', 0, 'message'], message: 'No such key: nam', line: 1, column: 15 },
    ]);
  });

  it('an unclosed {{ and an empty {{ }}', () => {
    expect(issuesOf([rule('true', { message: 'a {{ }} b {{actor.name' })]).map((i) => [i.message, i.column])).toEqual([
      ['empty "{{ }}"', 3],
      ['unclosed "{{" (every "{{" needs a "}}")', 11],
    ]);
  });

  it("in an invariant's message, over resource and reader", () => {
    const invariant = {
      name: 'i',
      resources: 'true',
      readers: 'true',
      message: '{{reader.name}} on {{change.opaque}}',
    };
    expect(issuesOf([], [invariant])[0]).toMatchObject({ path: ['invariants', 0, 'message'], column: 22 });
  });
});

describe('names', () => {
  it('must be unique among rules and invariants, must not be "default", and must be simple', () => {
    const issues = issuesOf(
      [
        rule('true', { name: 'same' }),
        rule('true', { name: 'default' }),
        rule('true', { name: 'has spaces' }),
        rule('true', { name: '' }),
      ],
      [{ name: 'same', resources: 'true', readers: 'true' }],
    );
    expect(issues.map((i) => [i.code, i.path.join('.')])).toEqual([
      ['reserved_name', 'rules.1.name'],
      ['invalid_name', 'rules.2.name'],
      ['invalid_name', 'rules.3.name'],
      ['duplicate_name', 'invariants.0.name'],
    ]);
  });
});

it('every problem of a policy is reported at once', () => {
  const issues = issuesOf([
    rule('actor.knd', { name: 'one' }),
    rule('delta.principalsGaining', { name: 'two' }),
    rule('true', { name: 'three', message: '{{1 +}}' }),
  ]);
  expect(issues.map((i) => i.path.join('.'))).toEqual(['rules.0.when', 'rules.1.when', 'rules.2.message']);
});
