import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ChangeInfo,
  type DeltaInfo,
  evaluatePolicy,
  type LatentChangeInfo,
  type Policy,
  type PolicyActivation,
  type PolicyDecision,
  type ResourceChangeInfo,
  type StatementInfo,
} from '../../src/core/policy/index.ts';
import { defaultPolicy } from '../../src/runtime/policy-file.ts';

/** The policy that ships, policies/default.yaml, read through the same loader as any policy file. */
let policy: Policy;
beforeAll(async () => {
  policy = await defaultPolicy();
});

type Actor = 'agent' | 'user';

function statement(index: number, effect: StatementInfo['effect'], reason = '', powers: string[] = []): StatementInfo {
  const edits = effect === 'edits' ? ['add-grant'] : [];
  return { index, sql: `-- statement ${index}`, effect, edits, reason, powers };
}

/** A change of the given statements; the summary fields follow from them. */
function change(...statements: StatementInfo[]): ChangeInfo {
  return {
    statements,
    opaque: statements.some((s) => s.effect === 'opaque'),
    readOnly: statements.every((s) => s.effect === 'read-only'),
    mutations: statements.filter((s) => s.effect !== 'read-only').length,
    powers: statements.flatMap((s) => s.powers),
    edits: [],
  };
}

function resource(name: string, principals: string[], labels = ['pii']): ResourceChangeInfo {
  const count = principals.length;
  return {
    resource: name,
    kind: 'table',
    labels,
    principals,
    count,
    full: count,
    filtered: 0,
    columns: 0,
    created: false,
  };
}

const NO_DELTA: DeltaInfo = {
  gained: [],
  lost: [],
  potentialGained: [],
  latentGained: [],
  principalsGaining: 0,
  principalsLosing: 0,
  resourcesGaining: 0,
  resourcesAffected: 0,
  labelsGained: [],
};

function decide(actor: Actor, changed: ChangeInfo, delta: Partial<DeltaInfo> = {}): PolicyDecision {
  const activation: PolicyActivation = {
    actor: { kind: actor, name: actor === 'agent' ? 'claude' : 'dana' },
    system: { name: 'warehouse', kind: 'postgres' },
    change: changed,
    delta: { ...NO_DELTA, ...delta },
  };
  return evaluatePolicy(policy, activation);
}

const rules = (decision: PolicyDecision) => decision.reasons.map((r) => `${r.rule}: ${r.decision}`);

const grant = change(statement(0, 'edits'));
const exposure: Partial<DeltaInfo> = {
  gained: [resource('public.users', ['alice', 'bob']), resource('public.orders', ['bob'], ['financial'])],
  principalsGaining: 2,
  resourcesGaining: 2,
  resourcesAffected: 2,
  labelsGained: ['financial', 'pii'],
};
const definerPath: Partial<DeltaInfo> = {
  potentialGained: [
    { resource: 'public.users', labels: ['pii'], routine: 'public.lookup_user(text)', principals: ['bob'], count: 1 },
  ],
  resourcesAffected: 1,
};
function latent(labelledInContainer: number): Partial<DeltaInfo> {
  const entry: LatentChangeInfo = {
    creator: 'app_owner',
    container: 'public',
    grantee: 'analysts',
    privilege: 'SELECT',
    principals: ['alice', 'bob'],
    count: 2,
    labelledInContainer,
  };
  return { latentGained: [entry] };
}

describe('the default policy', () => {
  it('denies an agent that gives new principals read access to labelled data', () => {
    const result = decide('agent', grant, exposure);
    expect(result.decision).toBe('deny');
    expect(rules(result)).toEqual(['agent-exposes-labelled-data: deny']);
    expect(result.reasons[0]?.message).toBe(
      'agent claude would give new principals read access to labelled data (financial, pii): 2 principals gain access to public.users, public.orders',
    );
  });

  it('says "1 principal gains" for one', () => {
    const one = { ...exposure, gained: [resource('public.users', ['bob'])], principalsGaining: 1, resourcesGaining: 1 };
    expect(decide('user', grant, one).reasons[0]?.message).toBe(
      'dana would give new principals read access to labelled data (financial, pii): 1 principal gains access to public.users',
    );
  });

  it('denies an agent that gives logins powers past every privilege, and sends a person to review', () => {
    const power = change(statement(1, 'edits', '', ['REPLICATION (copies the whole cluster): alice']));
    const agent = decide('agent', power);
    expect(agent.decision).toBe('deny');
    expect(rules(agent)).toEqual(['agent-grants-powers: deny']);
    expect(agent.reasons[0]?.message).toBe(
      'agent claude would give logins powers that reach past every privilege on data: REPLICATION (copies the whole cluster): alice',
    );
    expect(rules(decide('user', power))).toEqual(['person-grants-powers: review']);
  });

  it('sends a person who does the same to review', () => {
    const result = decide('user', grant, exposure);
    expect(result.decision).toBe('review');
    expect(rules(result)).toEqual(['person-exposes-labelled-data: review']);
    expect(result.reasons[0]?.message).toMatch(/^dana would give new principals read access to labelled data/);
  });

  it('sends opaque statements to review, for agents and people, naming them and why', () => {
    const dynamic = change(statement(1, 'read-only'), statement(2, 'opaque', 'EXECUTE of dynamic SQL'));
    for (const actor of ['agent', 'user'] as const) {
      const result = decide(actor, dynamic);
      expect(result.decision).toBe('review');
      expect(rules(result)).toEqual(['opaque-statements: review']);
      expect(result.reasons[0]?.message).toBe(
        'Firebreak cannot tell what these statements do to access, so a person must check them: statement 2 (EXECUTE of dynamic SQL)',
      );
    }
  });

  it('denies an agent whose opaque change also exposes labelled data: the strictest decision wins', () => {
    const result = decide('agent', change(statement(0, 'edits'), statement(1, 'opaque', 'DO block')), exposure);
    expect(result.decision).toBe('deny');
    expect(rules(result)).toEqual(['agent-exposes-labelled-data: deny', 'opaque-statements: review']);
  });

  it('allows queries', () => {
    for (const actor of ['agent', 'user'] as const) {
      const result = decide(actor, change(statement(0, 'read-only')));
      expect(result).toEqual({
        decision: 'allow',
        approvals: 1,
        reasons: [
          {
            rule: 'no-new-access-to-labelled-data',
            decision: 'allow',
            message: 'the change only reads (principals losing access: 0)',
          },
        ],
      });
    }
  });

  it('allows a change that only narrows access to labelled data', () => {
    const revoke = { lost: [resource('public.users', ['bob'])], principalsLosing: 1, resourcesAffected: 1 };
    const result = decide('agent', grant, revoke);
    expect(result.decision).toBe('allow');
    expect(result.reasons[0]?.message).toBe('no one gains access to labelled data (principals losing access: 1)');
  });

  it('allows a change that touches nothing labelled', () => {
    expect(decide('agent', grant).decision).toBe('allow');
    expect(decide('user', grant).decision).toBe('allow');
  });

  it('sends a new path through a function that runs with its owner rights to review, and denies it to agents', () => {
    const person = decide('user', grant, definerPath);
    expect(person.decision).toBe('review');
    expect(rules(person)).toEqual(['person-adds-definer-path: review']);
    expect(person.reasons[0]?.message).toMatch(/public\.lookup_user\(text\) reads public\.users$/);
    const agent = decide('agent', grant, definerPath);
    expect(agent.decision).toBe('deny');
    expect(rules(agent)).toEqual(['agent-adds-definer-path: deny']);
  });

  it('sends new latent exposure in a schema that holds labelled data to review, and denies it to agents', () => {
    const person = decide('user', grant, latent(3));
    expect(person.decision).toBe('review');
    expect(rules(person)).toEqual(['person-adds-latent-exposure: review']);
    expect(person.reasons[0]?.message).toBe(
      'dana would let new principals read objects created later where labelled data already is: 2 through SELECT to analysts by app_owner in public',
    );
    const agent = decide('agent', grant, latent(3));
    expect(agent.decision).toBe('deny');
    expect(rules(agent)).toEqual(['agent-adds-latent-exposure: deny']);
  });

  it('allows new default privileges in a schema that holds no labelled data', () => {
    expect(decide('agent', grant, latent(0)).decision).toBe('allow');
  });

  it('falls back to review and has no invariants', () => {
    expect(policy.default).toBe('review');
    expect(policy.invariants).toEqual([]);
  });

  it('decides in microseconds once compiled', () => {
    const started = performance.now();
    for (let i = 0; i < 1_000; i++) decide('agent', grant, exposure);
    // Measured at about 9 µs per decision (docs/decisions/cel-library.md); the bound allows slow machines.
    expect((performance.now() - started) / 1_000).toBeLessThan(1);
  });
});
