import {
  type AccessLevel,
  type AccessPath,
  type ClassificationRules,
  type Explanation,
  explainAccess,
  FirebreakError,
  findPrincipal,
  findResource,
  type GateCheck,
  type Holding,
  labelNamesOf,
  type Membership,
  type MissingLink,
  type RowsVerdict,
  type Snapshot,
  type SourceCheck,
} from '../core/index.ts';
import type { SystemSource } from './ports.ts';
import { readClassified } from './read-classified.ts';

/** One membership edge on a path, by name. */
export interface StepReport {
  readonly member: string;
  readonly group: string;
  readonly inherit: boolean;
  readonly set: boolean;
  readonly implicit?: string;
}

/** Why an identity holds a privilege, by name. */
export interface HoldingReport {
  readonly via: 'superuser' | 'grant' | 'predefined';
  /** The principal the grant names (the superuser itself for `superuser`). */
  readonly holder: string;
  /** Inheritance chain from the identity to the holder. */
  readonly chain: readonly StepReport[];
  readonly privilege?: string;
  readonly on?: string;
  /** Kind of the resource the grant is on, e.g. `table`, `schema`. */
  readonly onKind?: string;
  readonly column?: string;
  readonly grantor?: string;
  /** Why the grant exists without a GRANT statement (built-in defaults), or the predefined role's reason. */
  readonly note?: string;
}

export interface GateReport {
  readonly privilege: string;
  readonly on: string;
  /** Kind of the resource the gate is on, e.g. `schema`, `database`. */
  readonly onKind: string;
  readonly checkedAs: 'session' | 'acting';
  readonly holding: HoldingReport;
}

export interface SourceReport {
  readonly resource: string;
  readonly checkedAs: string;
  readonly holding: HoldingReport;
  readonly rows: RowsVerdict;
  readonly sources?: readonly SourceReport[];
}

export interface PathReport {
  readonly access: Exclude<AccessLevel, 'none'>;
  readonly acting: string;
  readonly actingChain: readonly StepReport[];
  readonly holding?: HoldingReport;
  readonly columns?: readonly { readonly column: string; readonly holding: HoldingReport }[];
  readonly gates: readonly GateReport[];
  readonly rows: RowsVerdict;
  readonly derivation?: { readonly runsAs: 'owner' | 'invoker'; readonly sources: readonly SourceReport[] };
}

export interface ExplainReport {
  readonly system: string;
  readonly principal: string;
  readonly resource: string;
  readonly kind: string;
  readonly labels: readonly string[];
  readonly access: AccessLevel;
  readonly columns?: readonly string[];
  readonly sessionGates: readonly GateReport[];
  readonly paths: readonly PathReport[];
  readonly omittedPaths: number;
  /** Sentences naming each missing link, for people; `missingLinks` has the structure. */
  readonly missing: readonly string[];
  readonly missingLinks: readonly MissingLink[];
}

/** Explains how (or why not) a principal can read a resource, both named as a person would. */
export async function reportExplanation(
  source: SystemSource,
  rules: ClassificationRules,
  principal: string,
  resource: string,
): Promise<ExplainReport> {
  const snapshot = await readClassified(source, rules);
  return explainByName(snapshot, principal, resource);
}

export function explainByName(snapshot: Snapshot, principalText: string, resourceText: string): ExplainReport {
  const principal = findPrincipal(snapshot, principalText);
  if (!principal.ok) throw new FirebreakError('not_found', principal.error);
  const resource = findResource(snapshot, resourceText);
  if (!resource.ok) throw new FirebreakError('not_found', resource.error);
  return describeExplanation(snapshot, explainAccess(snapshot, principal.value.id, resource.value));
}

export function describeExplanation(snapshot: Snapshot, explanation: Explanation): ExplainReport {
  const p = (id: string) => snapshot.principalById.get(id)?.name ?? id;
  const r = (id: string) => snapshot.resourceById.get(id)?.name ?? id;
  const step = (m: Membership): StepReport => ({
    member: p(m.member),
    group: p(m.group),
    inherit: m.inherit,
    set: m.set,
    ...(m.implicit === undefined ? {} : { implicit: m.implicit }),
  });
  const holding = (h: Holding): HoldingReport => {
    if (h.kind === 'superuser') return { via: 'superuser', holder: p(h.principal), chain: [] };
    if (h.kind === 'blanket')
      return {
        via: 'predefined',
        holder: p(h.blanket.principal),
        chain: h.chain.map(step),
        privilege: h.blanket.privilege,
        note: h.blanket.reason,
      };
    return {
      via: 'grant',
      holder: p(h.grant.principal),
      chain: h.chain.map(step),
      privilege: h.grant.privilege,
      on: r(h.grant.resource),
      onKind: snapshot.resourceById.get(h.grant.resource)?.kind ?? 'resource',
      ...(h.grant.column === undefined ? {} : { column: h.grant.column }),
      ...(h.grant.grantor === undefined ? {} : { grantor: p(h.grant.grantor) }),
      ...(h.grant.implicit === undefined ? {} : { note: h.grant.implicit }),
    };
  };
  const gate = (g: GateCheck): GateReport => ({
    privilege: g.privilege,
    on: r(g.resource),
    onKind: snapshot.resourceById.get(g.resource)?.kind ?? 'resource',
    checkedAs: g.checkedAs,
    holding: holding(g.holding),
  });
  const sourceReport = (s: SourceCheck): SourceReport => ({
    resource: r(s.resource),
    checkedAs: p(s.checker),
    holding: holding(s.holding),
    rows: s.rows,
    ...(s.sources === undefined ? {} : { sources: s.sources.map(sourceReport) }),
  });
  const path = (a: AccessPath): PathReport => ({
    access: a.access,
    acting: p(a.acting),
    actingChain: a.actingChain.map(step),
    ...(a.holding === undefined ? {} : { holding: holding(a.holding) }),
    ...(a.columns === undefined
      ? {}
      : { columns: a.columns.map((c) => ({ column: c.column, holding: holding(c.holding) })) }),
    gates: a.gates.map(gate),
    rows: a.rows,
    ...(a.derivation === undefined
      ? {}
      : { derivation: { runsAs: a.derivation.runsAs, sources: a.derivation.sources.map(sourceReport) } }),
  });
  const resource = snapshot.resourceById.get(explanation.resource);
  return {
    system: snapshot.system,
    principal: p(explanation.principal),
    resource: r(explanation.resource),
    kind: resource?.kind ?? 'unknown',
    labels: resource === undefined ? [] : labelNamesOf(resource),
    access: explanation.access,
    ...(explanation.columns === undefined ? {} : { columns: explanation.columns }),
    sessionGates: explanation.sessionGates.map(gate),
    paths: explanation.paths.map(path),
    omittedPaths: explanation.omitted,
    missing: explanation.missing.map((link) => describeMissing(link, p, r)),
    missingLinks: explanation.missing,
  };
}

function describeMissing(link: MissingLink, p: (id: string) => string, r: (id: string) => string): string {
  const list = (ids: readonly string[]) => (ids.length === 0 ? 'nobody' : ids.map(p).join(', '));
  switch (link.kind) {
    case 'unknown':
      return `${p(link.principal)} does not exist`;
    case 'not-login':
      return `${p(link.principal)} cannot log in, so it is never a reader itself (it may still pass privileges to members)`;
    case 'gate':
      return link.checkedAs === 'session'
        ? `${p(link.acting)} lacks ${link.privilege} on ${r(link.resource)}, checked when the session starts (granted to: ${list(link.grantees)})`
        : `acting as ${p(link.acting)}, ${link.privilege} on ${r(link.resource)} is missing (granted to: ${list(link.grantees)})`;
    case 'privilege':
      return `none of the identities available (${list(link.acting)}) holds ${link.privilege} on ${r(link.resource)} (granted to: ${list(link.grantees)})`;
    case 'source':
      return `acting as ${p(link.acting)}, ${r(link.resource)} must be readable by ${p(link.checker)}, which lacks ${link.privilege} on it (granted to: ${list(link.grantees)})`;
  }
}
