import {
  type AccessChanges,
  type Bitset,
  compareText,
  countBits,
  createRouteFinder,
  type Decision,
  type Edit,
  groupByRoute,
  labelNamesOf,
  memoized,
  memoKey,
  principalsIn,
  type Resource,
  type ResourceDelta,
  type RouteShape,
  routeKey,
  type Snapshot,
  withLazyFields,
} from '../core/index.ts';
import type { Actor } from './actor.ts';
import type { ChangeAnalysis, ChangePiece, Verification } from './analyse-change.ts';

/** The result of checking a change, as every interface shows it (the CLI's JSON is exactly this). */
export interface CheckReport {
  readonly system: string;
  readonly actor: Actor;
  /** The role the change was analysed as running as. */
  readonly actingAs: string;
  readonly decision: Decision;
  readonly reasons: readonly { readonly rule: string; readonly decision: Decision; readonly message: string }[];
  readonly statements: readonly StatementReport[];
  /** Labelled resources some principals gain access to, blast radius first. */
  readonly gained: readonly ResourceChangeReport[];
  readonly lost: readonly ResourceChangeReport[];
  readonly potentialGained: readonly PotentialReport[];
  readonly latentGained: readonly LatentChangeReport[];
  readonly summary: {
    readonly principalsGaining: number;
    readonly principalsLosing: number;
    readonly resourcesGaining: number;
    readonly resourcesAffected: number;
    readonly labelsGained: readonly string[];
  };
  readonly verification?: Verification;
  /** When the decision is review: how many different people must approve (2: two-person rule). */
  readonly approvals?: number;
  /** SHA-256 of the change's statements: what an approval of this change is bound to. */
  readonly changeHash: string;
  /** Where the decision was recorded, when it was. */
  readonly recorded?: { readonly decision: string; readonly ledgerEntry: number };
}

export interface StatementReport {
  readonly index: number;
  readonly sql: string;
  readonly effect: 'read-only' | 'edits' | 'opaque';
  /** Where the statement is: `fix.sql:3`, `answer.md:14`. */
  readonly origin: string;
  readonly edits: readonly string[];
  readonly notes: readonly string[];
  readonly reason?: string;
  /** Powers beyond privileges on data that logins newly have (see `StatementAnalysis.powers`). */
  readonly powers?: readonly string[];
}

export interface ResourceChangeReport {
  readonly resource: string;
  readonly kind: string;
  readonly labels: readonly string[];
  /** The resource is new (or newly labelled), or gone. */
  readonly created: boolean;
  readonly removed: boolean;
  readonly principals: readonly string[];
  readonly count: number;
  /** How many principals end with each kind of access (gained) or lost it from each kind (lost). */
  readonly access: {
    readonly full: number;
    readonly filtered: number;
    readonly columns: number;
    readonly none: number;
  };
  /**
   * Principals grouped by the route of their access (after the change when gained, before when
   * lost). Each traced principal appears once; see `untraced` for those beyond the tracing budget.
   */
  readonly paths: readonly { readonly via: string; readonly principals: readonly string[]; readonly count: number }[];
  /** Principals in `principals` whose route was not traced (the report's tracing budget ran out). */
  readonly untraced: number;
}

export interface PotentialReport {
  readonly resource: string;
  readonly labels: readonly string[];
  readonly routine: string;
  readonly principals: readonly string[];
  readonly count: number;
}

export interface LatentChangeReport {
  readonly creator: string;
  readonly container?: string;
  readonly grantee: string;
  readonly privilege: string;
  readonly principals: readonly string[];
  readonly count: number;
  readonly labelledInContainer: number;
}

/** Everything of the report but the decision, which the policy adds. */
export type AnalysisReport = Omit<CheckReport, 'decision' | 'reasons' | 'approvals' | 'changeHash' | 'recorded'>;

/**
 * How many readers one report traces one by one. Readers who read as themselves are grouped by
 * route a set at a time, whatever their number; those who read through another identity (SET
 * ROLE) are traced one by one, and a change that exposes many resources to thousands of them would
 * cost more to trace than to analyse. Every resource gets at least `perResource` traces, and more
 * when few resources change.
 */
export interface RouteBudget {
  readonly pairs: number;
  readonly perResource: number;
}

export const DEFAULT_ROUTE_BUDGET: RouteBudget = { pairs: 2_000, perResource: 5 };

export function describeAnalysis(
  analysis: ChangeAnalysis,
  actor: Actor,
  pieces: readonly ChangePiece[],
  budget: RouteBudget = DEFAULT_ROUTE_BUDGET,
): AnalysisReport {
  const { before, after, delta } = analysis;
  const name = (snapshot: Snapshot, id: string) => snapshot.principalById.get(id)?.name ?? id;
  const routesAfter = createRouteFinder(after);
  const routesBefore = createRouteFinder(before);
  const changing = delta.resources.filter((r) => r.gained.count > 0 || r.lost.count > 0).length;
  const traced = Math.max(budget.perResource, Math.floor(budget.pairs / Math.max(1, changing)));
  const gained = delta.resources
    .filter((r) => r.gained.count > 0)
    .map((r) => resourceReport(after, r, r.gained, 'after', routesAfter, traced));
  const lost = delta.resources
    .filter((r) => r.lost.count > 0)
    .map((r) => resourceReport(before, r, r.lost, 'before', routesBefore, traced));
  gained.sort((a, b) => b.count - a.count || (a.resource < b.resource ? -1 : 1));
  lost.sort((a, b) => b.count - a.count || (a.resource < b.resource ? -1 : 1));
  const potentialGained = delta.resources.flatMap((r) =>
    r.potentialGained.map((p) => ({
      resource: r.resource.name,
      labels: labelNamesOf(r.resource),
      routine: after.resourceById.get(p.routine)?.name ?? p.routine,
      principals: p.principals.map((x) => name(after, x)),
      count: p.principals.length,
    })),
  );
  const latentGained = delta.latent
    .filter((l) => l.gained.length > 0)
    .map((l) => ({
      creator: name(after, l.grant.creator),
      ...(l.grant.container === undefined
        ? {}
        : { container: after.resourceById.get(l.grant.container)?.name ?? l.grant.container }),
      grantee: name(after, l.grant.principal),
      privilege: l.grant.privilege,
      principals: l.gained.map((x) => name(after, x)),
      count: l.gained.length,
      labelledInContainer: l.labelledInContainer,
    }));
  return {
    system: before.system,
    actor,
    actingAs: name(before, analysis.actingAs),
    statements: analysis.statements.map((s) => ({
      index: s.index,
      sql: s.sql,
      effect: s.effect,
      origin: `${pieces[s.piece]?.origin ?? 'change'}:${s.originLine}`,
      edits: s.edits.map(describeEdit),
      notes: s.notes,
      ...(s.reason === undefined ? {} : { reason: s.reason }),
      ...(s.powers === undefined ? {} : { powers: s.powers }),
    })),
    gained,
    lost,
    potentialGained,
    latentGained,
    summary: {
      principalsGaining: delta.principalsGaining,
      principalsLosing: delta.principalsLosing,
      resourcesGaining: delta.resourcesGaining,
      resourcesAffected: delta.resourcesAffected,
      labelsGained: [...new Set(gained.flatMap((g) => g.labels))].sort(),
    },
    ...(analysis.verification === undefined ? {} : { verification: analysis.verification }),
  };
}

function resourceReport(
  snapshot: Snapshot,
  delta: ResourceDelta,
  changes: AccessChanges,
  side: 'before' | 'after',
  routeOf: ReturnType<typeof createRouteFinder>,
  traced: number,
): ResourceChangeReport {
  // The delta holds the resource as it is after the change, unless the change removed it.
  const resource =
    side === 'after' && !delta.removed
      ? delta.resource
      : (snapshot.resourceById.get(delta.resource.id) ?? delta.resource);
  const name = (id: string) => snapshot.principalById.get(id)?.name ?? id;
  const { full, filtered, columns, none } = changes.levels(side);
  const entry = {
    resource: delta.resource.name,
    kind: delta.resource.kind,
    labels: labelNamesOf(delta.resource),
    created: delta.created,
    removed: delta.removed,
    count: changes.count,
    access: { full, filtered, columns, none },
  };
  const listed = withLazyFields(entry, ['principals'], () => ({ principals: changes.principals().map(name) }));
  return withLazyFields(listed, ['paths', 'untraced'], () => pathsOf(snapshot, resource, changes, routeOf, traced));
}

/** The principals of a change grouped by the route of their access, in words; largest group first. */
function pathsOf(
  snapshot: Snapshot,
  resource: Resource,
  changes: AccessChanges,
  routeOf: ReturnType<typeof createRouteFinder>,
  traced: number,
): Pick<ResourceChangeReport, 'paths' | 'untraced'> {
  const name = (id: string) => snapshot.principalById.get(id)?.name ?? id;
  const { groups, untraced } = groupByRoute(
    snapshot,
    resource,
    { ids: changes.space.ids, set: changes.set },
    routeOf,
    traced,
  );
  // Routes that read the same in words are one path.
  const byText = new Map<string, { members: Bitset[]; count: number }>();
  for (const group of groups) {
    const via = group.route === undefined ? 'a route Firebreak could not summarise' : routeText(snapshot, group.route);
    const path = byText.get(via) ?? { members: [], count: 0 };
    path.members.push(group.members);
    path.count += countBits(group.members);
    byText.set(via, path);
  }
  const paths = [...byText]
    .map(([via, { members, count }]) =>
      withLazyFields({ via, count }, ['principals'], () => {
        const ids = members.flatMap((set) => principalsIn(snapshot, set));
        return { principals: (members.length > 1 ? ids.sort(compareText) : ids).map(name) };
      }),
    )
    .sort((a, b) => b.count - a.count);
  return { paths, untraced };
}

const ROUTE_TEXTS = memoKey<Map<string, string>>('route texts');

/** A route's words, once per route shape and snapshot: one route serves many readers. */
function routeText(snapshot: Snapshot, route: RouteShape): string {
  const texts = memoized(snapshot, ROUTE_TEXTS, () => new Map<string, string>());
  const key = routeKey(route);
  let text = texts.get(key);
  if (text === undefined) {
    text = describeRoute(snapshot, route);
    texts.set(key, text);
  }
  return text;
}

/**
 * A route in words, the same for every principal that reads the same way, so that routes group:
 * `member of engineering → pg_read_all_data (predefined role pg_read_all_data)`,
 * `SET ROLE analysts → grant to analysts`, `grant to PUBLIC`, `superuser`.
 */
export function describeRoute(snapshot: Snapshot, route: RouteShape): string {
  const name = (id: string) => snapshot.principalById.get(id)?.name ?? id;
  const acting = route.acting === undefined ? '' : `SET ROLE ${name(route.acting)} → `;
  const through = route.through === undefined ? '' : `member of ${name(route.through)} → `;
  switch (route.holder.kind) {
    case 'superuser':
      return `${acting}superuser`;
    case 'blanket':
      return `${acting}${through}${name(route.holder.principal)} (${route.holder.reason})`;
    case 'grant': {
      const holder = route.holder.principal === 'public' ? 'PUBLIC' : name(route.holder.principal);
      const column = route.holder.column === undefined ? '' : ` on column ${route.holder.column}`;
      return `${acting}${through}grant${column} to ${holder}`;
    }
  }
}

function describeEdit(edit: Edit): string {
  return edit.kind;
}
