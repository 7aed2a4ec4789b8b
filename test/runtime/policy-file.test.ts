import { mkdtempSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FirebreakError } from '../../src/core/index.ts';
import { checkInvariants, evaluatePolicy } from '../../src/core/policy/index.ts';
import { defaultPolicy, loadPolicy, parsePolicy } from '../../src/runtime/policy-file.ts';
import { testTmp } from '../support/store.ts';

/** The error parsing `text` as `policy.yaml` gives: its code and its one-line message. */
function errorOf(text: string): { code: string; message: string } {
  try {
    parsePolicy(text, 'policy.yaml');
  } catch (error) {
    if (!(error instanceof FirebreakError)) throw error;
    expect(error.message.split('\n')).toHaveLength(1);
    return { code: error.code, message: error.message };
  }
  throw new Error('the policy was accepted');
}

const HEAD = 'version: 1\ndefault: review\nrules:\n';

describe('an invalid policy file is refused with one line naming the file, the line and the field', () => {
  it('a YAML syntax error', () => {
    expect(errorOf(`${HEAD}  - name: a\n   when: true\n`)).toEqual({
      code: 'invalid_config',
      message: 'policy.yaml:5:1: Sequence item without - indicator',
    });
  });

  it('a key given twice', () => {
    expect(errorOf('version: 1\ndefault: review\ndefault: deny\n').message).toMatch(
      /^policy\.yaml:3:1: Map keys must be unique/,
    );
  });

  it('an unknown field, reported before the missing field it was meant to be', () => {
    expect(errorOf(`${HEAD}  - name: a\n    wen: "true"\n    decision: deny\n`)).toEqual({
      code: 'invalid_config',
      message: 'policy.yaml:5: unknown field "wen" at rules.0.wen (and 1 more problems)',
    });
  });

  it('a missing field, at its object', () => {
    expect(errorOf(`${HEAD}  - name: a\n    decision: deny\n`).message).toBe(
      'policy.yaml:4: missing required field "when" at rules.0.when',
    );
    expect(errorOf('version: 1\nrules: []\n').message).toBe(
      'policy.yaml:1: missing required field "default" at default',
    );
  });

  it('a decision that is not allow, review or deny', () => {
    expect(errorOf(`${HEAD}  - name: a\n    when: "true"\n    decision: block\n`).message).toBe(
      'policy.yaml:6: expected one of "allow"|"review"|"deny" at rules.0.decision',
    );
    expect(errorOf('version: 1\ndefault: maybe\n').message).toMatch(/^policy\.yaml:2: expected one of .* at default$/);
  });

  it('a version other than 1', () => {
    expect(errorOf('version: 2\ndefault: review\n').message).toBe('policy.yaml:1: expected 1 at version');
  });

  it('a condition that is not text', () => {
    expect(errorOf(`${HEAD}  - name: a\n    when: 12\n    decision: deny\n`).message).toBe(
      'policy.yaml:5: expected a CEL condition (a string) at rules.0.when',
    );
  });

  it('bad CEL, at the line and column of the error in the file', () => {
    expect(errorOf(`${HEAD}  - name: a\n    when: actor.knd == 'agent'\n    decision: deny\n`)).toEqual({
      code: 'invalid_config',
      message: 'policy.yaml:5:17: No such key: knd at rules.0.when',
    });
    expect(errorOf(`${HEAD}  - name: a\n    when: "actor.kind == 'agent' &&"\n    decision: deny\n`).message).toBe(
      'policy.yaml:5:36: Unexpected token: EOF at rules.0.when',
    );
  });

  it('bad CEL on a later line of a folded or literal block', () => {
    const folded = `${HEAD}  - name: a\n    when: >-\n      actor.kind == 'agent'\n      && delta.principalsGainin > 0\n    decision: deny\n`;
    expect(errorOf(folded).message).toBe('policy.yaml:7:16: No such key: principalsGainin at rules.0.when');
    const literal = `${HEAD}  - name: a\n    when: |\n      actor.kind == 'agent' &&\n        delta.principalsGainin > 0\n    decision: deny\n`;
    expect(errorOf(literal).message).toBe('policy.yaml:7:15: No such key: principalsGainin at rules.0.when');
  });

  it('bad CEL in a message template', () => {
    expect(
      errorOf(`${HEAD}  - name: a\n    when: "true"\n    decision: deny\n    message: "by {{actor.nam}}"\n`).message,
    ).toBe('policy.yaml:7:26: No such key: nam at rules.0.message');
  });

  it('a condition that is not a bool', () => {
    expect(errorOf(`${HEAD}  - name: a\n    when: delta.principalsGaining\n    decision: deny\n`).message).toBe(
      'policy.yaml:5: must be a bool condition, but is int at rules.0.when',
    );
  });

  it('a name used twice, counting every other problem', () => {
    const text = `${HEAD}  - { name: a, when: "true", decision: deny }\n  - { name: a, when: "1", decision: deny }\n`;
    expect(errorOf(text).message).toBe('policy.yaml:5: "a" is used twice at rules.1.name (and 1 more problems)');
  });
});

describe('reading policy files', () => {
  const dir = mkdtempSync(join(testTmp(), 'firebreak-policy-'));

  it('reads, validates and compiles a file; `when: true` is the condition true', async () => {
    const path = join(dir, 'ok.yaml');
    writeFileSync(path, `${HEAD}  - name: everything\n    when: true\n    decision: deny\n`);
    const policy = await loadPolicy(path);
    expect(policy.rules.map((r) => r.name)).toEqual(['everything']);
  });

  it('a missing file is not_found; the error names it', async () => {
    await expect(loadPolicy(join(dir, 'absent.yaml'))).rejects.toMatchObject({
      code: 'not_found',
      message: `policy file ${join(dir, 'absent.yaml')} does not exist`,
    });
  });

  it('an invalid file names its path', async () => {
    const path = join(dir, 'bad.yaml');
    writeFileSync(path, 'version: 1\ndefault: review\ncolour: red\n');
    await expect(loadPolicy(path)).rejects.toThrow(`${path}:3: unknown field "colour" at colour`);
  });

  it('the default policy is read once and shared', async () => {
    const policy = await defaultPolicy();
    expect(await defaultPolicy()).toBe(policy);
    expect(policy.rules.length).toBeGreaterThan(0);
  });

  it('the example policy compiles, and its invariant keeps pii to pii_readers', async () => {
    const policy = await loadPolicy(resolve(import.meta.dirname, '../../examples/policy.yaml'));
    const users = { name: 'public.users', kind: 'table', labels: ['pii'] };
    const reasons = checkInvariants(
      policy,
      [
        { resource: users, reader: { name: 'bob', access: 'full', groups: ['staff'], superuser: false } },
        { resource: users, reader: { name: 'ann', access: 'full', groups: ['pii_readers'], superuser: false } },
      ],
      { system: { name: 'warehouse', kind: 'postgres' } },
    );
    expect(reasons.map((r) => [r.rule, r.reader, r.decision])).toEqual([['pii-readers-only', 'bob', 'deny']]);
    expect(reasons[0]?.message).toBe(
      'bob would have full read access to public.users (labelled pii) without being a member of pii_readers',
    );
    const publicGrant = evaluatePolicy(policy, {
      actor: { kind: 'user', name: 'dana' },
      system: { name: 'warehouse', kind: 'postgres' },
      change: {
        statements: [
          {
            index: 0,
            sql: 'GRANT SELECT ON t TO PUBLIC',
            effect: 'edits',
            edits: ['add-grant'],
            reason: '',
            powers: [],
          },
        ],
        opaque: false,
        readOnly: false,
        mutations: 1,
        powers: [],
        edits: [
          { kind: 'add-grant', principal: 'public', resource: 'public.t', privilege: 'SELECT', member: '', group: '' },
        ],
      },
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
      },
    });
    expect(publicGrant.decision).toBe('deny');
    expect(publicGrant.reasons.map((r) => r.rule)).toEqual(['no-grants-to-public', 'no-new-access-to-labelled-data']);
  });
});
