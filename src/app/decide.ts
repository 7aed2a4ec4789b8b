import {
  checkInvariants,
  type Edit,
  type EditInfo,
  evaluatePolicy,
  groupsOf,
  type InvariantPair,
  type InvariantReason,
  type Policy,
  type PolicyActivation,
  type PolicyDecision,
  type PolicyReason,
  type ResourceChangeInfo,
  withLazyFields,
  withReasons,
} from '../core/index.ts';
import type { ChangeAnalysis } from './analyse-change.ts';
import type { AnalysisReport, ResourceChangeReport } from './check-report.ts';

/**
 * The policy's decision on an analysed change: rules over the change and its delta, then the
 * invariants over every reader the change adds. The strictest reason wins.
 */
export function decideChange(
  policy: Policy,
  analysis: ChangeAnalysis,
  report: AnalysisReport,
  systemKind: string,
): PolicyDecision {
  const system = { name: report.system, kind: systemKind };
  const decision = evaluatePolicy(policy, activationOf(analysis, report, system));
  if (policy.invariants.length === 0) return decision;
  return withReasons(decision, summariseViolations(checkInvariants(policy, invariantPairs(analysis), { system })));
}

/**
 * One reason per invariant and decision: a change that lets 2,000 engineers read 15 tables
 * violates an invariant 30,000 times, and a reader needs the count and an example, not the list.
 */
function summariseViolations(reasons: readonly InvariantReason[]): readonly PolicyReason[] {
  const groups = new Map<string, InvariantReason[]>();
  for (const reason of reasons) {
    const key = `${reason.rule}\u0000${reason.decision}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [reason]);
    else group.push(reason);
  }
  return [...groups.values()].map((group) => {
    const first = group[0] as InvariantReason;
    if (group.length === 1) return first;
    const readers = new Set(group.map((r) => r.reader)).size;
    const resources = new Set(group.map((r) => r.resource)).size;
    const { resource: _resource, reader: _reader, ...reason } = first;
    return {
      ...reason,
      message: `${first.message}; in all ${group.length.toLocaleString('en-US')} violations: ${counted(readers, 'reader')} of ${counted(resources, 'resource')}`,
    };
  });
}

function counted(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? noun : `${noun}s`}`;
}

export function activationOf(
  analysis: ChangeAnalysis,
  report: AnalysisReport,
  system: { name: string; kind: string },
): PolicyActivation {
  const name = (id: string) =>
    analysis.after.principalById.get(id)?.name ?? analysis.before.principalById.get(id)?.name ?? id;
  const resource = (id: string) =>
    analysis.after.resourceById.get(id)?.name ?? analysis.before.resourceById.get(id)?.name ?? id;
  const statements = report.statements.map((s) => ({
    index: s.index,
    sql: s.sql,
    effect: s.effect,
    edits: s.edits,
    reason: s.reason ?? '',
    powers: s.powers ?? [],
  }));
  return {
    actor: report.actor,
    system,
    change: {
      statements,
      opaque: statements.some((s) => s.effect === 'opaque'),
      readOnly: statements.every((s) => s.effect === 'read-only'),
      mutations: statements.filter((s) => s.effect !== 'read-only').length,
      powers: statements.flatMap((s) => s.powers),
      edits: analysis.statements.flatMap((s) => s.edits.map((e) => editInfo(e, name, resource))),
    },
    // Per resource only when a rule reads them: a change can touch 500 labelled resources, and most
    // rules read the counts.
    delta: withLazyFields(
      {
        potentialGained: report.potentialGained,
        latentGained: report.latentGained.map((l) => ({ ...l, container: l.container ?? '' })),
        principalsGaining: report.summary.principalsGaining,
        principalsLosing: report.summary.principalsLosing,
        resourcesGaining: report.summary.resourcesGaining,
        resourcesAffected: report.summary.resourcesAffected,
        labelsGained: report.summary.labelsGained,
      },
      ['gained', 'lost'],
      () => ({ gained: report.gained.map(changeInfo), lost: report.lost.map(changeInfo) }),
    ),
  };
}

function changeInfo(r: ResourceChangeReport): ResourceChangeInfo {
  const info = {
    resource: r.resource,
    kind: r.kind,
    labels: r.labels,
    count: r.count,
    full: r.access.full,
    filtered: r.access.filtered,
    columns: r.access.columns,
    created: r.created,
  };
  // Read only by the rules that ask for it: the list can name a million pairs.
  return withLazyFields(info, ['principals'], () => ({ principals: r.principals }));
}

function editInfo(edit: Edit, name: (id: string) => string, resource: (id: string) => string): EditInfo {
  const blank = { kind: edit.kind, principal: '', resource: '', privilege: '', member: '', group: '' };
  switch (edit.kind) {
    case 'add-grant':
    case 'remove-grant':
      return {
        ...blank,
        principal: name(edit.grant.principal),
        resource: resource(edit.grant.resource),
        privilege: edit.grant.privilege,
      };
    case 'add-membership':
      return { ...blank, member: name(edit.membership.member), group: name(edit.membership.group) };
    case 'remove-membership':
      return { ...blank, member: name(edit.member), group: name(edit.group) };
    case 'add-principal':
      return { ...blank, principal: edit.principal.name };
    case 'update-principal':
    case 'remove-principal':
      return { ...blank, principal: name(edit.principal) };
    case 'add-resource':
      return { ...blank, resource: edit.resource.name };
    case 'update-resource':
    case 'remove-resource':
      return { ...blank, resource: resource(edit.resource) };
    case 'add-default-grant':
    case 'remove-default-grant':
      return {
        ...blank,
        principal: name(edit.grant.principal),
        resource: edit.grant.container === undefined ? '' : resource(edit.grant.container),
        privilege: edit.grant.privilege,
      };
    case 'opaque':
      return blank;
  }
}

/** Every (resource, reader) pair the change adds, with what invariants may ask of the reader. */
function* invariantPairs(analysis: ChangeAnalysis): Generator<InvariantPair> {
  const { after } = analysis;
  const groups = new Map<string, string[]>();
  for (const delta of analysis.delta.resources) {
    const labels = [
      ...new Set([...delta.resource.labels, ...delta.resource.columns.flatMap((c) => c.labels)].map((l) => l.name)),
    ].sort();
    for (const change of delta.gained.list()) {
      let readerGroups = groups.get(change.principal);
      if (readerGroups === undefined) {
        readerGroups = groupsOf(after, change.principal).map((g) => after.principalById.get(g)?.name ?? g);
        groups.set(change.principal, readerGroups);
      }
      const principal = after.principalById.get(change.principal);
      yield {
        resource: { name: delta.resource.name, kind: delta.resource.kind, labels },
        reader: {
          name: principal?.name ?? change.principal,
          access: change.after,
          groups: readerGroups,
          superuser: principal?.superuser === true,
        },
      };
    }
  }
}
