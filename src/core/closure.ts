import { type Bitset, createBitset, fullBitset, orInto, setBit } from './bitset.ts';
import { type PrincipalId, PUBLIC_ID } from './model.ts';
import type { Snapshot } from './snapshot.ts';

/**
 * Membership closures of one snapshot, computed once. The two kinds of reach are kept apart, as
 * PostgreSQL keeps them: holding a group's privileges (inheritance) is not the same as being able
 * to act as the group (SET ROLE), which also brings the group's attributes.
 */
export interface Closures {
  readonly size: number;
  readonly ids: readonly PrincipalId[];
  readonly indexOf: ReadonlyMap<PrincipalId, number>;
  /**
   * `heldBy[g]`: every principal that holds g's privileges through inheritance, g included.
   * Everyone holds PUBLIC's privileges.
   */
  readonly heldBy: readonly Bitset[];
  /**
   * `actAs[p]`: principals p can act as, p first, through chains of `set` edges (login principals
   * only; empty for the rest, which never start a session).
   */
  readonly actAs: readonly Int32Array[];
  readonly logins: Bitset;
  readonly superusers: Bitset;
  /** Superusers and principals that bypass row security. */
  readonly rowSecurityBypass: Bitset;
  readonly everyone: Bitset;
}

export function computeClosures(snapshot: Snapshot): Closures {
  const ids = snapshot.principals.map((p) => p.id);
  const size = ids.length;
  const indexOf = new Map(ids.map((id, i) => [id, i]));
  const at = (id: PrincipalId) => indexOf.get(id) ?? -1;

  const logins = createBitset(size);
  const superusers = createBitset(size);
  const rowSecurityBypass = createBitset(size);
  snapshot.principals.forEach((p, i) => {
    if (p.login) setBit(logins, i);
    if (p.superuser) setBit(superusers, i);
    if (p.superuser || p.bypassRowSecurity) setBit(rowSecurityBypass, i);
  });

  const inheritMembers: number[][] = ids.map(() => []);
  const setGroups: number[][] = ids.map(() => []);
  for (const m of snapshot.memberships) {
    const member = at(m.member);
    const group = at(m.group);
    if (m.inherit) inheritMembers[group]?.push(member);
    if (m.set) setGroups[member]?.push(group);
  }

  return {
    size,
    ids,
    indexOf,
    heldBy: inheritanceClosure(size, inheritMembers, at(PUBLIC_ID)),
    actAs: actAsClosure(size, setGroups, logins),
    logins,
    superusers,
    rowSecurityBypass,
    everyone: fullBitset(size),
  };
}

/**
 * heldBy[g] = {g} ∪ heldBy[m] for every inheriting member m of g. Groups are processed after
 * their members (Kahn's order over member → group edges); members of a cycle, which PostgreSQL
 * forbids but other systems allow, are settled by iterating to a fixed point.
 */
function inheritanceClosure(size: number, inheritMembers: readonly number[][], publicIndex: number): Bitset[] {
  const heldBy = Array.from({ length: size }, (_, i) => {
    const set = createBitset(size);
    setBit(set, i);
    return set;
  });
  const groupsOf: number[][] = Array.from({ length: size }, () => []);
  const pendingMembers = new Int32Array(size);
  inheritMembers.forEach((members, group) => {
    pendingMembers[group] = members.length;
    for (const member of members) groupsOf[member]?.push(group);
  });
  const ready: number[] = [];
  for (let i = 0; i < size; i++) if (pendingMembers[i] === 0) ready.push(i);
  const settled = new Uint8Array(size);
  while (ready.length > 0) {
    const node = ready.pop() as number;
    settled[node] = 1;
    const own = heldBy[node] as Bitset;
    for (const member of inheritMembers[node] ?? []) orInto(own, heldBy[member] as Bitset);
    for (const group of groupsOf[node] ?? []) {
      pendingMembers[group] = (pendingMembers[group] ?? 0) - 1;
      if (pendingMembers[group] === 0) ready.push(group);
    }
  }
  const cyclic = [];
  for (let i = 0; i < size; i++) if (settled[i] === 0) cyclic.push(i);
  for (let changed = cyclic.length > 0; changed; ) {
    changed = false;
    for (const group of cyclic)
      for (const member of inheritMembers[group] ?? [])
        if (orInto(heldBy[group] as Bitset, heldBy[member] as Bitset)) changed = true;
  }
  if (publicIndex >= 0) heldBy[publicIndex] = fullBitset(size);
  return heldBy;
}

function actAsClosure(size: number, setGroups: readonly number[][], logins: Bitset): Int32Array[] {
  const empty = new Int32Array(0);
  const seen = new Int32Array(size).fill(-1);
  const result: Int32Array[] = [];
  for (let start = 0; start < size; start++) {
    if (((logins[start >>> 5] ?? 0) & (1 << (start & 31))) === 0) {
      result.push(empty);
      continue;
    }
    const reach = [start];
    seen[start] = start;
    for (let i = 0; i < reach.length; i++) {
      for (const group of setGroups[reach[i] as number] ?? []) {
        if (seen[group] !== start) {
          seen[group] = start;
          reach.push(group);
        }
      }
    }
    result.push(Int32Array.from(reach));
  }
  return result;
}
