import { accessSetsOf, type ResourceAccessSets } from './access-sets.ts';
import { andInto, type Bitset, bitsOf, equalSets, hasBit, isEmpty } from './bitset.ts';
import { type Closures, loginsActingAs } from './closure.ts';
import type { DefaultGrant, PrincipalId, Resource, ResourceId } from './model.ts';
import type { Snapshot } from './snapshot.ts';

/** How much of a resource a reader can see, weakest first. */
export const ACCESS_LEVELS = ['none', 'columns', 'filtered', 'full'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];
export type ReadAccess = Exclude<AccessLevel, 'none'>;

/** Orders access levels: negative when `a` gives less than `b`. */
export function compareAccess(a: AccessLevel, b: AccessLevel): number {
  return ACCESS_LEVELS.indexOf(a) - ACCESS_LEVELS.indexOf(b);
}

/**
 * A login principal that can read a resource. `full`: every row and column; `filtered`: every
 * column but row security applies; `columns`: only the listed columns.
 */
export interface Reader {
  readonly principal: PrincipalId;
  readonly access: ReadAccess;
  readonly columns?: readonly string[];
}

/** Principals that can invoke code which reads the resource with its owner's privileges. */
export interface PotentialPath {
  readonly routine: ResourceId;
  readonly owner: PrincipalId;
  readonly principals: readonly PrincipalId[];
}

export interface ResourceExposure {
  readonly resource: Resource;
  readonly readers: readonly Reader[];
  readonly potential: readonly PotentialPath[];
}

/** A default grant that will expose resources not yet created, and to whom. */
export interface LatentExposure {
  readonly grant: DefaultGrant;
  readonly principals: readonly PrincipalId[];
  /** Labelled resources already in the container: the kind of data future resources will hold. */
  readonly labelledInContainer: number;
}

export interface Exposure {
  readonly system: string;
  readonly resources: readonly ResourceExposure[];
  readonly latent: readonly LatentExposure[];
}

export interface ExposureOptions {
  /** Which resources to report; by default every readable resource that carries a label. */
  readonly include?: (resource: Resource) => boolean;
}

const isLabelledReadable = (resource: Resource) =>
  resource.readable && (resource.labels.length > 0 || resource.columns.some((c) => c.labels.length > 0));

/**
 * Exposure of each sensitive resource: every login principal that can read it, how much, and the
 * code paths that could read it for others; plus latent exposure from default grants.
 */
export function computeExposure(snapshot: Snapshot, options: ExposureOptions = {}): Exposure {
  const include = options.include ?? isLabelledReadable;
  const sets = accessSetsOf(snapshot);
  const routines = snapshot.resources.filter((r) => r.routine !== undefined && r.routine.runsAs === 'owner');
  const resources = snapshot.resources
    .filter(include)
    .sort((a, b) => compareText(a.name, b.name))
    .map((resource) => {
      const access = sets.forResource(resource);
      return {
        resource,
        readers: readersOf(sets.closures, access),
        potential: routines.length === 0 ? [] : potentialPaths(snapshot, access, routines),
      };
    });
  return {
    system: snapshot.system,
    resources,
    latent: snapshot.defaultGrants.length === 0 ? [] : latentExposure(snapshot),
  };
}

/** Access of one principal to one resource, by the same rules as {@link computeExposure}. */
export function accessOf(snapshot: Snapshot, principal: PrincipalId, resource: Resource): Reader | undefined {
  const sets = accessSetsOf(snapshot);
  const index = sets.closures.indexOf.get(principal);
  if (index === undefined) return undefined;
  return readerAt(sets.closures, sets.forResource(resource), index);
}

/**
 * Readers of one resource. The sets of logins that can act as someone who reads all rows, all
 * columns, or anything are found by walking `set` edges backwards from those acting identities;
 * only logins that read some columns and nothing more need their own roles scanned.
 */
function readersOf(closures: Closures, access: ResourceAccessSets): Reader[] {
  const readers: Reader[] = [];
  if (isEmpty(access.any)) return readers;
  const candidates = loginsActingAs(closures, access.any);
  andInto(candidates, access.sessionGate);
  // Without column grants or row security the three sets coincide: walk once.
  const filtered = equalSets(access.allColumns, access.any) ? candidates : loginsActingAs(closures, access.allColumns);
  const full = equalSets(access.allRows, access.allColumns) ? filtered : loginsActingAs(closures, access.allRows);
  for (const index of bitsOf(candidates)) {
    const principal = closures.ids[index] as PrincipalId;
    if (hasBit(full, index)) readers.push({ principal, access: 'full' });
    else if (hasBit(filtered, index)) readers.push({ principal, access: 'filtered' });
    else {
      const reader = readerAt(closures, access, index);
      if (reader !== undefined) readers.push(reader);
    }
  }
  return readers;
}

function readerAt(closures: Closures, access: ResourceAccessSets, index: number): Reader | undefined {
  if (!hasBit(closures.logins, index) || !hasBit(access.sessionGate, index)) return undefined;
  const actAs = closures.actAs(index);
  let filtered = false;
  let partial = false;
  for (const role of actAs) {
    if (!hasBit(access.any, role)) continue;
    if (hasBit(access.allRows, role)) return { principal: closures.ids[index] as PrincipalId, access: 'full' };
    if (hasBit(access.allColumns, role)) filtered = true;
    else partial = true;
  }
  const principal = closures.ids[index] as PrincipalId;
  if (filtered) return { principal, access: 'filtered' };
  if (!partial) return undefined;
  const columns = [...access.byColumn]
    .filter(([, set]) => actAs.some((role) => hasBit(set, role)))
    .map(([name]) => name);
  return { principal, access: 'columns', columns };
}

function potentialPaths(
  snapshot: Snapshot,
  access: ResourceAccessSets,
  routines: readonly Resource[],
): PotentialPath[] {
  const sets = accessSetsOf(snapshot);
  const { closures } = sets;
  const paths: PotentialPath[] = [];
  for (const routine of routines) {
    const reads = routine.routine?.reads;
    if (reads === undefined || routine.owner === undefined) continue;
    if (reads !== 'any' && !reads.includes(access.resource.id)) continue;
    const owner = closures.indexOf.get(routine.owner);
    if (owner === undefined || !hasBit(access.any, owner)) continue;
    const invokers = sets.holders(routine.routine?.invokePrivilege ?? '', routine).slice();
    andInto(invokers, sets.actingGate(routine));
    const principals = loginIdsActingAs(closures, invokers, sets.sessionGate(routine));
    if (principals.length > 0) paths.push({ routine: routine.id, owner: routine.owner, principals });
  }
  return paths;
}

function latentExposure(snapshot: Snapshot): LatentExposure[] {
  const sets = accessSetsOf(snapshot);
  const { closures } = sets;
  const labelledByContainer = new Map<ResourceId, number>();
  for (const resource of snapshot.resources)
    if (isLabelledReadable(resource) && resource.parent !== undefined)
      labelledByContainer.set(resource.parent, (labelledByContainer.get(resource.parent) ?? 0) + 1);
  const latent: LatentExposure[] = [];
  for (const grant of snapshot.defaultGrants) {
    if (grant.privilege !== snapshot.readPrivilege) continue;
    const future: Resource = {
      id: `${grant.container ?? '*'}\u0000future`,
      kind: grant.kind,
      name: 'future',
      path: [],
      readable: true,
      labels: [],
      columns: [],
      ...(grant.container === undefined ? {} : { parent: grant.container }),
    };
    const acting = closures.heldBy(grant.principal).slice();
    andInto(acting, sets.actingGate(future));
    latent.push({
      grant,
      principals: loginIdsActingAs(closures, acting, sets.sessionGate(future)),
      labelledInContainer: grant.container === undefined ? 0 : (labelledByContainer.get(grant.container) ?? 0),
    });
  }
  return latent;
}

/** Ids of the login principals that pass `sessionGate` and can act as some member of `acting`, sorted. */
function loginIdsActingAs(closures: Closures, acting: Bitset, sessionGate: Bitset): PrincipalId[] {
  const logins = loginsActingAs(closures, acting);
  andInto(logins, sessionGate);
  return bitsOf(logins).map((index) => closures.ids[index] as PrincipalId);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
