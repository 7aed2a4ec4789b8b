import {
  type AccessLevel,
  compareAccess,
  exposureOf,
  type LatentExposure,
  type Reader,
  type ResourceExposure,
} from './exposure.ts';
import type { DefaultGrant, PrincipalId, Resource, ResourceId } from './model.ts';
import type { Snapshot } from './snapshot.ts';

/** How one principal's access to one resource changed. */
export interface AccessChange {
  readonly principal: PrincipalId;
  readonly before: AccessLevel;
  readonly after: AccessLevel;
  /** Readable columns, when the access is `columns`. */
  readonly columnsBefore?: readonly string[];
  readonly columnsAfter?: readonly string[];
}

/** Principals who can newly (or no longer) run code that reads the resource with its owner's rights. */
export interface PotentialChange {
  readonly routine: ResourceId;
  readonly principals: readonly PrincipalId[];
}

export interface ResourceDelta {
  /** The resource as it is after the change (as it was, when the change removes it). */
  readonly resource: Resource;
  /** The resource is new, or newly labelled (e.g. a copy of labelled data). */
  readonly created: boolean;
  /** The resource no longer exists, or no longer carries labels. */
  readonly removed: boolean;
  /** Readers whose access grows: none → columns → filtered → full, or more columns. */
  readonly gained: readonly AccessChange[];
  /** Readers whose access shrinks. */
  readonly lost: readonly AccessChange[];
  readonly potentialGained: readonly PotentialChange[];
  readonly potentialLost: readonly PotentialChange[];
}

/** A default grant whose future readers changed: new ones in `gained`, gone ones in `lost`. */
export interface LatentChange {
  readonly grant: DefaultGrant;
  readonly gained: readonly PrincipalId[];
  readonly lost: readonly PrincipalId[];
  readonly labelledInContainer: number;
}

/** What a change does to who can read labelled data: exposure(after) − exposure(before). */
export interface AccessDelta {
  /** Labelled resources whose readers (or potential readers) changed, by name. */
  readonly resources: readonly ResourceDelta[];
  readonly latent: readonly LatentChange[];
  /** Distinct principals that gain access to at least one labelled resource. */
  readonly principalsGaining: number;
  readonly principalsLosing: number;
  /** Labelled resources with at least one reader gained. */
  readonly resourcesGaining: number;
  /** Labelled resources with any change. */
  readonly resourcesAffected: number;
}

/**
 * The access delta between two snapshots of the same system. Only labelled resources count; a
 * resource that becomes labelled counts as created, with every reader gained.
 */
export function computeDelta(before: Snapshot, after: Snapshot): AccessDelta {
  const was = byResource(exposureOf(before).resources);
  const now = byResource(exposureOf(after).resources);
  const resources: ResourceDelta[] = [];
  for (const id of new Set([...was.keys(), ...now.keys()])) {
    const old = was.get(id);
    const current = now.get(id);
    const delta = resourceDelta(old, current);
    if (delta !== undefined) resources.push(delta);
  }
  resources.sort((a, b) => (a.resource.name < b.resource.name ? -1 : a.resource.name > b.resource.name ? 1 : 0));
  const gaining = new Set(resources.flatMap((r) => r.gained.map((c) => c.principal)));
  const losing = new Set(resources.flatMap((r) => r.lost.map((c) => c.principal)));
  return {
    resources,
    latent: latentDelta(exposureOf(before).latent, exposureOf(after).latent),
    principalsGaining: gaining.size,
    principalsLosing: losing.size,
    resourcesGaining: resources.filter((r) => r.gained.length > 0).length,
    resourcesAffected: resources.length,
  };
}

function byResource(entries: readonly ResourceExposure[]): Map<ResourceId, ResourceExposure> {
  return new Map(entries.map((e) => [e.resource.id, e]));
}

function resourceDelta(
  old: ResourceExposure | undefined,
  current: ResourceExposure | undefined,
): ResourceDelta | undefined {
  const resource = (current ?? old)?.resource;
  if (resource === undefined) return undefined;
  // Entries a derived exposure kept from its parent are unchanged by construction.
  if (
    old !== undefined &&
    current !== undefined &&
    old.readers === current.readers &&
    old.potential === current.potential
  )
    return undefined;
  // Both reader lists are sorted by principal id: walk them side by side.
  const was = old?.readers ?? [];
  const now = current?.readers ?? [];
  const gained: AccessChange[] = [];
  const lost: AccessChange[] = [];
  for (let i = 0, j = 0; i < was.length || j < now.length; ) {
    const a = was[i];
    const b = now[j];
    const order =
      a === undefined ? 1 : b === undefined ? -1 : a.principal < b.principal ? -1 : a.principal > b.principal ? 1 : 0;
    if (order <= 0) i++;
    if (order >= 0) j++;
    if (order === 0 && (a === b || (a?.access === b?.access && a?.access !== 'columns'))) continue;
    const principal = (order <= 0 ? a : b)?.principal as PrincipalId;
    const change = accessChange(principal, order <= 0 ? a : undefined, order >= 0 ? b : undefined);
    if (grows(change)) gained.push(change);
    if (shrinks(change)) lost.push(change);
  }
  const potentialGained = potentialDifference(current, old);
  const potentialLost = potentialDifference(old, current);
  if (gained.length + lost.length + potentialGained.length + potentialLost.length === 0) return undefined;
  return {
    resource,
    created: old === undefined,
    removed: current === undefined,
    gained,
    lost,
    potentialGained,
    potentialLost,
  };
}

function accessChange(principal: PrincipalId, before: Reader | undefined, after: Reader | undefined): AccessChange {
  return {
    principal,
    before: before?.access ?? 'none',
    after: after?.access ?? 'none',
    ...(before?.columns === undefined ? {} : { columnsBefore: before.columns }),
    ...(after?.columns === undefined ? {} : { columnsAfter: after.columns }),
  };
}

/** More access: a higher level, or, staying at `columns`, a column not readable before. */
function grows(change: AccessChange): boolean {
  const order = compareAccess(change.after, change.before);
  if (order !== 0) return order > 0;
  return (
    change.after === 'columns' && (change.columnsAfter ?? []).some((c) => !(change.columnsBefore ?? []).includes(c))
  );
}

function shrinks(change: AccessChange): boolean {
  const order = compareAccess(change.after, change.before);
  if (order !== 0) return order < 0;
  return (
    change.after === 'columns' && (change.columnsBefore ?? []).some((c) => !(change.columnsAfter ?? []).includes(c))
  );
}

/** Principals with a potential path in `a` that `b` does not give them, per routine. */
function potentialDifference(a: ResourceExposure | undefined, b: ResourceExposure | undefined): PotentialChange[] {
  const had = new Set((b?.potential ?? []).flatMap((p) => p.principals));
  const changes: PotentialChange[] = [];
  for (const path of a?.potential ?? []) {
    const principals = path.principals.filter((p) => !had.has(p));
    if (principals.length > 0) changes.push({ routine: path.routine, principals });
  }
  return changes;
}

function latentDelta(before: readonly LatentExposure[], after: readonly LatentExposure[]): LatentChange[] {
  const key = (g: DefaultGrant) => [g.creator, g.container ?? '', g.kind, g.principal, g.privilege].join('\u0000');
  const old = new Map(before.map((l) => [key(l.grant), l]));
  const current = new Map(after.map((l) => [key(l.grant), l]));
  const changes: LatentChange[] = [];
  for (const k of new Set([...old.keys(), ...current.keys()])) {
    const was = old.get(k);
    const now = current.get(k);
    const entry = (now ?? was) as LatentExposure;
    const had = new Set(was?.principals ?? []);
    const has = new Set(now?.principals ?? []);
    const gained = [...has].filter((p) => !had.has(p));
    const lost = [...had].filter((p) => !has.has(p));
    if (gained.length + lost.length > 0)
      changes.push({ grant: entry.grant, gained, lost, labelledInContainer: entry.labelledInContainer });
  }
  return changes;
}
