import { type AccessLevel, compareAccess, type ReadAccess } from './exposure.ts';
import {
  type BlanketGrant,
  type Grant,
  type Membership,
  type Principal,
  type PrincipalId,
  PUBLIC_ID,
  type Resource,
  type ResourceId,
} from './model.ts';
import { ancestorsOf, type Snapshot } from './snapshot.ts';

/** Why an identity holds a privilege: it is a superuser, or a grant reaches it through a chain. */
export type Holding =
  | { readonly kind: 'superuser'; readonly principal: PrincipalId }
  | { readonly kind: 'grant'; readonly chain: readonly Membership[]; readonly grant: Grant }
  | { readonly kind: 'blanket'; readonly chain: readonly Membership[]; readonly blanket: BlanketGrant };

export interface GateCheck {
  readonly resource: ResourceId;
  readonly privilege: string;
  readonly checkedAs: 'session' | 'acting';
  readonly holding: Holding;
}

/** Whether row security filters what an identity reads from a resource, and why. */
export type RowsVerdict =
  | {
      readonly filtered: false;
      readonly reason: 'no-row-security' | 'superuser' | 'bypass' | 'policy-admits-all';
      readonly policies?: readonly string[];
    }
  | { readonly filtered: false; readonly reason: 'owner'; readonly holding: readonly Membership[] }
  | { readonly filtered: true; readonly reason: 'policies'; readonly policies: readonly string[] };

/** How the identity a derivation runs as reads one source. */
export interface SourceCheck {
  readonly resource: ResourceId;
  readonly checker: PrincipalId;
  readonly holding: Holding;
  readonly rows: RowsVerdict;
  readonly sources?: readonly SourceCheck[];
}

/** One way a login principal reads a resource. */
export interface AccessPath {
  /** The identity the read runs as, and the chain of `set` edges that lets the principal act as it. */
  readonly acting: PrincipalId;
  readonly actingChain: readonly Membership[];
  readonly access: ReadAccess;
  /** Holding of the read privilege on the whole resource; absent when only columns are held. */
  readonly holding?: Holding;
  /** Per readable column when only some columns are held. */
  readonly columns?: readonly { readonly column: string; readonly holding: Holding }[];
  readonly gates: readonly GateCheck[];
  readonly rows: RowsVerdict;
  readonly derivation?: { readonly runsAs: 'owner' | 'invoker'; readonly sources: readonly SourceCheck[] };
}

/** The first requirement that is not met on the way from a principal to a resource. */
export type MissingLink =
  | { readonly kind: 'not-login'; readonly principal: PrincipalId }
  | { readonly kind: 'unknown'; readonly principal: PrincipalId }
  | {
      readonly kind: 'gate';
      readonly acting: PrincipalId;
      readonly resource: ResourceId;
      readonly privilege: string;
      readonly checkedAs: 'session' | 'acting';
      readonly grantees: readonly PrincipalId[];
    }
  | {
      readonly kind: 'privilege';
      /** Identities the principal can act as; none of them holds the privilege. */
      readonly acting: readonly PrincipalId[];
      readonly resource: ResourceId;
      readonly privilege: string;
      readonly grantees: readonly PrincipalId[];
    }
  | {
      readonly kind: 'source';
      readonly acting: PrincipalId;
      readonly checker: PrincipalId;
      readonly resource: ResourceId;
      readonly privilege: string;
      readonly grantees: readonly PrincipalId[];
    };

export interface Explanation {
  readonly principal: PrincipalId;
  readonly resource: ResourceId;
  readonly access: AccessLevel;
  readonly columns?: readonly string[];
  readonly sessionGates: readonly GateCheck[];
  readonly paths: readonly AccessPath[];
  /** Paths not listed because of the limit. */
  readonly omitted: number;
  /** Why there is no access (or, for partial access, why not more), one link per blocked route. */
  readonly missing: readonly MissingLink[];
}

export interface ExplainOptions {
  /** Most paths to list; the rest are counted in `omitted`. */
  readonly maxPaths?: number;
}

/**
 * Every way `principalId` can read `resource`, or the missing links when it cannot. Follows the
 * same rules as the bulk engine in `access-sets.ts`, one pair at a time, keeping the evidence.
 */
export function explainAccess(
  snapshot: Snapshot,
  principalId: PrincipalId,
  resource: Resource,
  options: ExplainOptions = {},
): Explanation {
  const maxPaths = options.maxPaths ?? 50;
  const base = { principal: principalId, resource: resource.id, sessionGates: [], paths: [], omitted: 0 };
  const principal = snapshot.principalById.get(principalId);
  if (principal === undefined)
    return { ...base, access: 'none', missing: [{ kind: 'unknown', principal: principalId }] };
  if (!principal.login) return { ...base, access: 'none', missing: [{ kind: 'not-login', principal: principalId }] };

  const chains = createChainFinder(snapshot);
  const missing: MissingLink[] = [];
  const sessionGates: GateCheck[] = [];
  for (const gate of gatesAbove(snapshot, resource, 'session')) {
    const holding = firstHolding(snapshot, chains, principal, gate.privilege, gate.resource);
    if (holding === undefined) missing.push(gateMissing(snapshot, principalId, gate));
    else sessionGates.push({ ...gate, holding });
  }
  if (missing.length > 0) return { ...base, access: 'none', missing };

  const paths: AccessPath[] = [];
  const holdersFound: PrincipalId[] = [];
  for (const [acting, actingChain] of chains.actAs(principalId)) {
    const actor = snapshot.principalById.get(acting) as Principal;
    const result = pathsFor(snapshot, chains, actor, resource);
    if (result.kind === 'blocked') {
      if (result.link !== undefined) missing.push({ ...result.link, acting } as MissingLink);
      continue;
    }
    holdersFound.push(acting);
    for (const path of result.paths) paths.push({ ...path, acting, actingChain });
  }
  if (holdersFound.length === 0)
    missing.push({
      kind: 'privilege',
      acting: [...chains.actAs(principalId).keys()],
      resource: resource.id,
      privilege: snapshot.readPrivilege,
      grantees: granteesOf(snapshot, snapshot.readPrivilege, resource),
    });

  paths.sort((a, b) => compareAccess(b.access, a.access) || pathLength(a) - pathLength(b));
  const access = paths.reduce<AccessLevel>((best, p) => (compareAccess(p.access, best) > 0 ? p.access : best), 'none');
  const columns =
    access === 'columns'
      ? [...new Set(paths.flatMap((p) => (p.columns ?? []).map((c) => c.column)))].sort(
          (a, b) => columnOrder(resource, a) - columnOrder(resource, b),
        )
      : undefined;
  return {
    principal: principalId,
    resource: resource.id,
    access,
    ...(columns === undefined ? {} : { columns }),
    sessionGates,
    paths: paths.slice(0, maxPaths),
    omitted: Math.max(0, paths.length - maxPaths),
    missing: access === 'full' ? [] : missing,
  };
}

type AccessPathBody = Omit<AccessPath, 'acting' | 'actingChain'>;
type PartialLink = { readonly kind: 'gate' | 'source' } & Record<string, unknown>;
type PathsResult = { kind: 'paths'; paths: AccessPathBody[] } | { kind: 'blocked'; link?: PartialLink };

function pathsFor(snapshot: Snapshot, chains: ChainFinder, actor: Principal, resource: Resource): PathsResult {
  const gates: GateCheck[] = [];
  for (const gate of gatesAbove(snapshot, resource, 'acting')) {
    const holding = firstHolding(snapshot, chains, actor, gate.privilege, gate.resource);
    if (holding === undefined) {
      const hasRead =
        allHoldings(snapshot, chains, actor, resource).length > 0 ||
        readableColumns(snapshot, chains, actor, resource).length > 0;
      return hasRead
        ? { kind: 'blocked', link: { ...gate, kind: 'gate', grantees: granteesAt(snapshot, gate) } }
        : { kind: 'blocked' };
    }
    gates.push({ ...gate, holding });
  }

  const wholeHoldings = allHoldings(snapshot, chains, actor, resource);
  const columnHoldings = readableColumns(snapshot, chains, actor, resource);
  if (wholeHoldings.length === 0 && columnHoldings.length === 0) return { kind: 'blocked' };

  let derivation: AccessPath['derivation'];
  let derivedRowsFiltered = false;
  if (resource.derivation !== undefined && resource.derivation.materialized !== true) {
    const sources = checkSources(snapshot, chains, actor, resource, new Set());
    if (!sources.ok) return { kind: 'blocked', link: { ...sources.link, kind: 'source' } };
    derivation = { runsAs: resource.derivation.runsAs, sources: sources.checks };
    derivedRowsFiltered = sources.checks.some(isFiltered);
  }

  const rows = rowsVerdict(snapshot, chains, actor, resource);
  const filtered = rows.filtered || derivedRowsFiltered;
  const allColumns = resource.columns.length > 0 && columnHoldings.length === resource.columns.length;
  const common = { gates, rows, ...(derivation === undefined ? {} : { derivation }) };
  if (wholeHoldings.length > 0) {
    const access: ReadAccess = filtered ? 'filtered' : 'full';
    return { kind: 'paths', paths: wholeHoldings.map((holding) => ({ ...common, access, holding })) };
  }
  return {
    kind: 'paths',
    paths: [{ ...common, access: allColumns ? (filtered ? 'filtered' : 'full') : 'columns', columns: columnHoldings }],
  };
}

function isFiltered(check: SourceCheck): boolean {
  return check.rows.filtered || (check.sources ?? []).some(isFiltered);
}

type SourcesResult =
  | { ok: true; checks: SourceCheck[] }
  | {
      ok: false;
      link: { checker: PrincipalId; resource: ResourceId; privilege: string; grantees: readonly PrincipalId[] };
    };

/**
 * Checks the sources of a derived resource read by `actor` (the current user). Sources are checked
 * as the owner when the derivation runs as its owner, otherwise as the actor, at every level.
 */
function checkSources(
  snapshot: Snapshot,
  chains: ChainFinder,
  actor: Principal,
  derived: Resource,
  visiting: Set<ResourceId>,
): SourcesResult {
  const blocked = (checker: PrincipalId, target: Resource): SourcesResult => ({
    ok: false,
    link: {
      checker,
      resource: target.id,
      privilege: snapshot.readPrivilege,
      grantees: granteesOf(snapshot, snapshot.readPrivilege, target),
    },
  });
  if (visiting.has(derived.id)) return blocked(actor.id, derived);
  const checkerId = derived.derivation?.runsAs === 'owner' ? derived.owner : actor.id;
  const checker = checkerId === undefined ? undefined : snapshot.principalById.get(checkerId);
  if (checker === undefined) return blocked(checkerId ?? '', derived);
  visiting.add(derived.id);
  const checks: SourceCheck[] = [];
  for (const source of derived.derivation?.sources ?? []) {
    const target = snapshot.resourceById.get(source.resource);
    if (target === undefined) continue;
    const holding = sourceHolding(snapshot, chains, checker, target, source.columns);
    if (holding === undefined) return blocked(checker.id, target);
    let nested: SourceCheck[] | undefined;
    if (target.derivation !== undefined && target.derivation.materialized !== true) {
      const result = checkSources(snapshot, chains, actor, target, visiting);
      if (!result.ok) return result;
      nested = result.checks;
    }
    checks.push({
      resource: target.id,
      checker: checker.id,
      holding,
      rows: rowsVerdict(snapshot, chains, checker, target),
      ...(nested === undefined ? {} : { sources: nested }),
    });
  }
  visiting.delete(derived.id);
  return { ok: true, checks };
}

/** Holding of the read privilege on the listed columns of a source (any column when none are listed). */
function sourceHolding(
  snapshot: Snapshot,
  chains: ChainFinder,
  checker: Principal,
  resource: Resource,
  columns: readonly string[],
): Holding | undefined {
  const whole = firstHolding(snapshot, chains, checker, snapshot.readPrivilege, resource.id);
  if (whole !== undefined || resource.columns.length === 0) return whole;
  const wanted = columns.length > 0 ? columns : resource.columns.map((c) => c.name);
  const held = wanted.map((column) =>
    firstHolding(snapshot, chains, checker, snapshot.readPrivilege, resource.id, column),
  );
  if (columns.length === 0) return held.find((h) => h !== undefined);
  return held.every((h) => h !== undefined) ? held[0] : undefined;
}

function rowsVerdict(snapshot: Snapshot, chains: ChainFinder, actor: Principal, resource: Resource): RowsVerdict {
  const security = resource.rowSecurity;
  if (security === undefined || !security.enabled) return { filtered: false, reason: 'no-row-security' };
  if (actor.superuser) return { filtered: false, reason: 'superuser' };
  if (actor.bypassRowSecurity) return { filtered: false, reason: 'bypass' };
  if (!security.forced && resource.owner !== undefined) {
    const chain = chains.inherits(actor.id).get(resource.owner);
    if (chain !== undefined) return { filtered: false, reason: 'owner', holding: chain };
  }
  const inherited = chains.inherits(actor.id);
  const applying = security.policies.filter(
    (p) =>
      (p.privileges === '*' || p.privileges.includes(snapshot.readPrivilege)) &&
      p.principals.some((id) => inherited.has(id)),
  );
  const admits = applying.some((p) => p.permissive && p.admitsAllRows);
  const restricts = applying.some((p) => !p.permissive && !p.admitsAllRows);
  const policies = applying.map((p) => p.name);
  if (admits && !restricts) return { filtered: false, reason: 'policy-admits-all', policies };
  return { filtered: true, reason: 'policies', policies };
}

function gatesAbove(snapshot: Snapshot, resource: Resource, checkedAs: 'session' | 'acting') {
  return ancestorsOf(snapshot, resource)
    .filter((a) => a.gate?.checkedAs === checkedAs)
    .map((a) => ({ resource: a.id, privilege: a.gate?.privilege ?? '', checkedAs }))
    .reverse();
}

function gateMissing(snapshot: Snapshot, acting: PrincipalId, gate: GateRef): MissingLink {
  return { kind: 'gate', acting, ...gate, grantees: granteesAt(snapshot, gate) };
}

function granteesAt(snapshot: Snapshot, gate: GateRef): PrincipalId[] {
  return granteesOf(snapshot, gate.privilege, snapshot.resourceById.get(gate.resource) as Resource);
}

interface GateRef {
  readonly resource: ResourceId;
  readonly privilege: string;
  readonly checkedAs: 'session' | 'acting';
}

/** Direct grantees of a privilege on a resource (whole-resource grants and blanket grants). */
function granteesOf(snapshot: Snapshot, privilege: string, resource: Resource): PrincipalId[] {
  const grantees = new Set<PrincipalId>();
  for (const g of snapshot.grantsByResource.get(resource.id) ?? [])
    if (g.privilege === privilege && g.column === undefined) grantees.add(g.principal);
  for (const b of snapshot.blanketGrants)
    if (b.privilege === privilege && b.kinds.includes(resource.kind)) grantees.add(b.principal);
  return [...grantees].sort();
}

function allHoldings(snapshot: Snapshot, chains: ChainFinder, actor: Principal, resource: Resource): Holding[] {
  return holdings(snapshot, chains, actor, snapshot.readPrivilege, resource.id);
}

function readableColumns(snapshot: Snapshot, chains: ChainFinder, actor: Principal, resource: Resource) {
  const out: { column: string; holding: Holding }[] = [];
  for (const column of resource.columns) {
    const holding = firstHolding(snapshot, chains, actor, snapshot.readPrivilege, resource.id, column.name);
    if (holding !== undefined) out.push({ column: column.name, holding });
  }
  return out;
}

function firstHolding(
  snapshot: Snapshot,
  chains: ChainFinder,
  actor: Principal,
  privilege: string,
  resourceId: ResourceId,
  column?: string,
): Holding | undefined {
  return holdings(snapshot, chains, actor, privilege, resourceId, column)[0];
}

/**
 * Every holding of `privilege` on the resource by `actor`, shortest chains first. With `column`,
 * whole-resource grants count too (a table grant covers every column).
 */
function holdings(
  snapshot: Snapshot,
  chains: ChainFinder,
  actor: Principal,
  privilege: string,
  resourceId: ResourceId,
  column?: string,
): Holding[] {
  if (actor.superuser) return [{ kind: 'superuser', principal: actor.id }];
  const resource = snapshot.resourceById.get(resourceId);
  if (resource === undefined) return [];
  const inherited = chains.inherits(actor.id);
  const found: Holding[] = [];
  for (const grant of snapshot.grantsByResource.get(resourceId) ?? []) {
    if (grant.privilege !== privilege) continue;
    if (grant.column !== undefined && grant.column !== column) continue;
    const chain = inherited.get(grant.principal);
    if (chain !== undefined) found.push({ kind: 'grant', chain, grant });
  }
  for (const blanket of snapshot.blanketGrants) {
    if (blanket.privilege !== privilege || !blanket.kinds.includes(resource.kind)) continue;
    const chain = inherited.get(blanket.principal);
    if (chain !== undefined) found.push({ kind: 'blanket', chain, blanket });
  }
  return found.sort((a, b) => holdingLength(a) - holdingLength(b));
}

const holdingLength = (h: Holding) => (h.kind === 'superuser' ? 0 : h.chain.length);
const pathLength = (p: AccessPath) => p.actingChain.length + (p.holding === undefined ? 0 : holdingLength(p.holding));
const columnOrder = (resource: Resource, name: string) => resource.columns.findIndex((c) => c.name === name);

interface ChainFinder {
  /** Groups whose privileges `id` holds, with the shortest chain of inherit edges (PUBLIC: empty). */
  inherits(id: PrincipalId): ReadonlyMap<PrincipalId, readonly Membership[]>;
  /** Identities `id` can act as (itself first), with the shortest chain of set edges. */
  actAs(id: PrincipalId): ReadonlyMap<PrincipalId, readonly Membership[]>;
}

function createChainFinder(snapshot: Snapshot): ChainFinder {
  const walk = (start: PrincipalId, follow: (m: Membership) => boolean) => {
    const chains = new Map<PrincipalId, readonly Membership[]>([[start, []]]);
    const queue = [start];
    for (let i = 0; i < queue.length; i++) {
      const current = queue[i] as PrincipalId;
      const chain = chains.get(current) ?? [];
      for (const edge of snapshot.membershipsOf.get(current) ?? []) {
        if (!follow(edge) || chains.has(edge.group)) continue;
        chains.set(edge.group, [...chain, edge]);
        queue.push(edge.group);
      }
    }
    return chains;
  };
  const inheritCache = new Map<PrincipalId, Map<PrincipalId, readonly Membership[]>>();
  const actAsCache = new Map<PrincipalId, Map<PrincipalId, readonly Membership[]>>();
  return {
    inherits(id) {
      let chains = inheritCache.get(id);
      if (chains === undefined) {
        chains = walk(id, (m) => m.inherit);
        if (!chains.has(PUBLIC_ID)) chains.set(PUBLIC_ID, []);
        inheritCache.set(id, chains);
      }
      return chains;
    },
    actAs(id) {
      let chains = actAsCache.get(id);
      if (chains === undefined) {
        chains = walk(id, (m) => m.set);
        actAsCache.set(id, chains);
      }
      return chains;
    },
  };
}
