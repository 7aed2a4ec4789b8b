import { andInto, type Bitset, bitsOf, createBitset, fullBitset, hasBit, setBit } from './bitset.ts';
import { type PrincipalId, PUBLIC_ID } from './model.ts';
import type { Snapshot } from './snapshot.ts';

/**
 * Membership closures of one snapshot. The two kinds of reach are kept apart, as PostgreSQL keeps
 * them: holding a group's privileges (inheritance) is not the same as being able to act as the
 * group (SET ROLE), which also brings the group's attributes. Each closure is computed the first
 * time it is asked for and kept for the life of the snapshot.
 */
export interface Closures {
  readonly size: number;
  /** Principal ids in code-unit order: iterating indexes yields principals sorted by id. */
  readonly ids: readonly PrincipalId[];
  readonly indexOf: ReadonlyMap<PrincipalId, number>;
  /**
   * Every principal that holds the privileges of principal `id` through inheritance, itself
   * included. Everyone holds PUBLIC's privileges. Unknown ids give the empty set.
   */
  heldBy(id: PrincipalId): Bitset;
  /** Principals the login at `index` can act as, itself first, through chains of `set` edges. */
  actAs(index: number): Int32Array;
  /** `setMembers[g]`: principals with a `set` edge to g (one step of actAs, reversed). */
  readonly setMembers: readonly Int32Array[];
  readonly logins: Bitset;
  readonly superusers: Bitset;
  /** Superusers and principals that bypass row security. */
  readonly rowSecurityBypass: Bitset;
  readonly everyone: Bitset;
}

export function computeClosures(snapshot: Snapshot): Closures {
  const ids = snapshot.principals.map((p) => p.id).sort();
  const size = ids.length;
  const indexOf = new Map(ids.map((id, i) => [id, i]));
  const at = (id: PrincipalId) => indexOf.get(id) ?? -1;

  const logins = createBitset(size);
  const superusers = createBitset(size);
  const rowSecurityBypass = createBitset(size);
  for (const p of snapshot.principals) {
    const i = at(p.id);
    if (p.login) setBit(logins, i);
    if (p.superuser) setBit(superusers, i);
    if (p.superuser || p.bypassRowSecurity) setBit(rowSecurityBypass, i);
  }

  const inheritMembers: number[][] = ids.map(() => []);
  const setGroups: number[][] = ids.map(() => []);
  const setMembers: number[][] = ids.map(() => []);
  for (const m of snapshot.memberships) {
    const member = at(m.member);
    const group = at(m.group);
    if (m.inherit) inheritMembers[group]?.push(member);
    if (m.set) {
      setGroups[member]?.push(group);
      setMembers[group]?.push(member);
    }
  }

  const everyone = fullBitset(size);
  const empty = createBitset(size);
  const heldByCache = new Map<number, Bitset>();
  const actAsCache = new Map<number, Int32Array>();
  return {
    size,
    ids,
    indexOf,
    heldBy(id) {
      const group = at(id);
      if (group < 0) return empty;
      if (id === PUBLIC_ID) return everyone;
      let set = heldByCache.get(group);
      if (set === undefined) {
        set = walk(size, group, inheritMembers).reached;
        heldByCache.set(group, set);
      }
      return set;
    },
    actAs(index) {
      let reach = actAsCache.get(index);
      if (reach === undefined) {
        reach = Int32Array.from(walk(size, index, setGroups).order);
        actAsCache.set(index, reach);
      }
      return reach;
    },
    setMembers: setMembers.map((members) => Int32Array.from(members)),
    logins,
    superusers,
    rowSecurityBypass,
    everyone,
  };
}

/**
 * Everything reachable from `start` along `edges`, `start` included, as a set and in the order
 * reached (nearest first). Cycles are harmless.
 */
function walk(size: number, start: number, edges: readonly number[][]): { reached: Bitset; order: number[] } {
  const reached = createBitset(size);
  setBit(reached, start);
  const order = [start];
  for (let i = 0; i < order.length; i++)
    for (const next of edges[order[i] as number] ?? [])
      if (!hasBit(reached, next)) {
        setBit(reached, next);
        order.push(next);
      }
  return { reached, order };
}

/**
 * Login principals that can act as at least one member of `roots`: a walk backwards along `set`
 * edges, touching each principal and edge at most once.
 */
export function loginsActingAs(closures: Closures, roots: Bitset): Bitset {
  const reached = roots.slice();
  const queue = bitsOf(roots);
  for (let i = 0; i < queue.length; i++)
    for (const member of closures.setMembers[queue[i] as number] ?? [])
      if (!hasBit(reached, member)) {
        setBit(reached, member);
        queue.push(member);
      }
  andInto(reached, closures.logins);
  return reached;
}

/**
 * Whether `member` holds the privileges of `group` (it is the group, or reaches it along
 * inheriting memberships). A walk for one question, without building closures.
 */
export function inheritsFrom(snapshot: Snapshot, member: PrincipalId, group: PrincipalId): boolean {
  if (member === group || group === PUBLIC_ID) return true;
  const seen = new Set([member]);
  const queue = [member];
  for (let i = 0; i < queue.length; i++)
    for (const edge of snapshot.membershipsOf.get(queue[i] as PrincipalId) ?? []) {
      if (!edge.inherit || seen.has(edge.group)) continue;
      if (edge.group === group) return true;
      seen.add(edge.group);
      queue.push(edge.group);
    }
  return false;
}
