import {
  andInto,
  assignBit,
  type Bitset,
  bitsOf,
  createBitset,
  fullBitset,
  hasBit,
  orInto,
  resized,
  setBit,
} from './bitset.ts';
import type { SnapshotChanges } from './lineage.ts';
import { memoKey, recalled, remember, withMemo } from './memo.ts';
import { type Membership, type PrincipalId, PUBLIC_ID } from './model.ts';
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
  /** Principals that have at least one `set` member: the only ones a backward walk goes on from. */
  readonly withSetMembers: Bitset;
  /** `setOnlyMembers[g]`: principals with a `set` edge to g that does not inherit. */
  readonly setOnlyMembers: readonly Int32Array[];
  readonly withSetOnlyMembers: Bitset;
  /** Logins that can act as a superuser: {@link loginsActingAs} of `superusers`, computed once. */
  superuserActors(): Bitset;
  readonly logins: Bitset;
  readonly superusers: Bitset;
  /** Superusers and principals that bypass row security. */
  readonly rowSecurityBypass: Bitset;
  readonly everyone: Bitset;
  /**
   * For closures derived from a parent's after a change to principals or memberships: the login
   * principals whose access may differ from the parent's (everyone else's is unchanged).
   */
  readonly changedLogins?: Bitset;
  /** For derived closures: the groups whose holders may differ from the parent's. */
  readonly changedGroups?: ReadonlySet<PrincipalId>;
  /** Indexes are in id order up to this many; principals added later come after, unsorted. */
  readonly sortedUpTo: number;
}

export function computeClosures(snapshot: Snapshot): Closures {
  const ids = snapshot.principals.map((p) => p.id).sort();
  return buildClosures(snapshot, ids, ids.length, undefined);
}

/**
 * Closures after a change to principals or memberships, reusing the parent's: indexes stay (new
 * principals are appended), and the memoised walks of every group and login the change cannot
 * reach are kept.
 */
export function deriveClosures(
  parent: Closures,
  before: Snapshot,
  after: Snapshot,
  changes: SnapshotChanges,
): Closures {
  // Holders change for the groups of changed memberships (and what they inherit into), and for
  // principals added or removed; access changes for the members of changed memberships (and who
  // reaches them), and for every changed principal: its attributes follow whoever acts as it.
  // Attributes are not inherited, so a principal that only changed attributes changes no holders.
  const addedOrRemoved = [...changes.principalsTouched].filter(
    (id) => !before.principalById.has(id) || !after.principalById.has(id),
  );
  const upward = new Set([...addedOrRemoved, ...changes.groupsTouched]);
  const downward = new Set([...changes.principalsTouched, ...changes.membersTouched]);
  const added = [...changes.principalsTouched]
    .filter((id) => after.principalById.has(id) && !parent.indexOf.has(id))
    .sort();
  const ids = added.length === 0 ? parent.ids : [...parent.ids, ...added];
  // Groups whose holders may change: those a touched principal inherits into, in either state.
  const above = new Set<PrincipalId>();
  for (const snapshot of [before, after]) {
    const queue = [...upward];
    for (let i = 0; i < queue.length; i++) {
      const id = queue[i] as PrincipalId;
      if (above.has(id) && i >= upward.size) continue;
      above.add(id);
      for (const edge of snapshot.membershipsOf.get(id) ?? []) if (!above.has(edge.group)) queue.push(edge.group);
    }
  }
  const indexOf = added.length === 0 ? parent.indexOf : new Map(ids.map((id, i) => [id, i]));
  return buildClosures(after, ids, parent.sortedUpTo, { parent, above, indexOf, groups: upward, members: downward });
}

/**
 * Principals whose access may change: those that reach one of `touched` by a chain of memberships
 * that inherit or allow SET ROLE, in either graph (a membership that does neither passes on no
 * access). Walked over the graphs' numbered edge lists; the parent's numbering starts the child's.
 */
function reachingAny(touched: readonly number[], graphs: readonly Graph[], size: number): Bitset {
  const reaching = createBitset(size);
  for (const graph of graphs) {
    const seen = createBitset(size);
    const queue: number[] = [];
    for (const index of touched)
      if (index >= 0 && !hasBit(seen, index)) {
        setBit(seen, index);
        queue.push(index);
      }
    const visit = (members: ArrayLike<number> | undefined) => {
      for (let j = 0; j < (members?.length ?? 0); j++) {
        const member = (members as ArrayLike<number>)[j] as number;
        if (hasBit(seen, member)) continue;
        setBit(seen, member);
        queue.push(member);
      }
    };
    for (let i = 0; i < queue.length; i++) {
      visit(graph.inheritMembers[queue[i] as number]);
      visit(graph.setMembers[queue[i] as number]);
    }
    orInto(reaching, seen);
  }
  return reaching;
}

/** The membership graph and attributes of one snapshot, as closures number its principals. */
interface Graph {
  readonly inheritMembers: readonly (readonly number[])[];
  readonly setGroups: readonly (readonly number[])[];
  readonly setMembers: readonly Int32Array[];
  readonly withSetMembers: Bitset;
  readonly setOnlyMembers: readonly Int32Array[];
  readonly withSetOnlyMembers: Bitset;
  readonly logins: Bitset;
  readonly superusers: Bitset;
  readonly rowSecurityBypass: Bitset;
}

const GRAPH = memoKey<Graph>('membership graph');

/** The graph closures were built from: every closures keep theirs, so a derived one finds its parent's. */
function graphOf(closures: Closures): Graph {
  const graph = recalled(closures, GRAPH);
  if (graph === undefined) throw new Error('internal error: closures without their graph');
  return graph;
}

const NO_EDGES: readonly number[] = Object.freeze([]);
const NO_MEMBERS = new Int32Array(0);

function buildGraph(snapshot: Snapshot, size: number, at: (id: PrincipalId) => number): Graph {
  const logins = createBitset(size);
  const superusers = createBitset(size);
  const rowSecurityBypass = createBitset(size);
  for (const p of snapshot.principals) setAttributes(p.id, at(p.id));
  const inheritMembers: number[][] = Array.from({ length: size }, () => []);
  const setGroups: number[][] = Array.from({ length: size }, () => []);
  const setMembers: number[][] = Array.from({ length: size }, () => []);
  const setOnlyMembers: number[][] = Array.from({ length: size }, () => []);
  for (const m of snapshot.memberships) {
    const member = at(m.member);
    const group = at(m.group);
    if (m.inherit) inheritMembers[group]?.push(member);
    if (m.set) {
      setGroups[member]?.push(group);
      setMembers[group]?.push(member);
      if (!m.inherit) setOnlyMembers[group]?.push(member);
    }
  }
  const withSetMembers = createBitset(size);
  const withSetOnlyMembers = createBitset(size);
  for (let group = 0; group < size; group++) {
    if ((setMembers[group] as number[]).length > 0) setBit(withSetMembers, group);
    if ((setOnlyMembers[group] as number[]).length > 0) setBit(withSetOnlyMembers, group);
  }
  return {
    inheritMembers,
    setGroups,
    setMembers: setMembers.map((members) => Int32Array.from(members)),
    withSetMembers,
    setOnlyMembers: setOnlyMembers.map((members) => (members.length === 0 ? NO_MEMBERS : Int32Array.from(members))),
    withSetOnlyMembers,
    logins,
    superusers,
    rowSecurityBypass,
  };

  function setAttributes(id: PrincipalId, i: number): void {
    const p = snapshot.principalById.get(id);
    if (p?.login === true) setBit(logins, i);
    if (p?.superuser === true) setBit(superusers, i);
    if (p?.superuser === true || p?.bypassRowSecurity === true) setBit(rowSecurityBypass, i);
  }
}

/**
 * The graph after edits, from the parent's: only the edge lists of the touched groups and members,
 * and the attributes of the touched principals, are built again. Lists keep the order of the
 * snapshot's memberships, as a full build gives them.
 */
function deriveGraph(
  parent: Graph,
  snapshot: Snapshot,
  size: number,
  at: (id: PrincipalId) => number,
  touched: { readonly groups: ReadonlySet<PrincipalId>; readonly members: ReadonlySet<PrincipalId> },
): Graph {
  const grow = <T>(list: readonly T[], empty: T) => {
    const copy = list.slice();
    while (copy.length < size) copy.push(empty);
    return copy;
  };
  const inheritMembers = grow(parent.inheritMembers, NO_EDGES);
  const setMembers = grow(parent.setMembers, NO_MEMBERS);
  const setOnlyMembers = grow(parent.setOnlyMembers, NO_MEMBERS);
  const setGroups = grow(parent.setGroups, NO_EDGES);
  const withSetMembers = resized(parent.withSetMembers, size);
  const withSetOnlyMembers = resized(parent.withSetOnlyMembers, size);
  const logins = resized(parent.logins, size);
  const superusers = resized(parent.superusers, size);
  const rowSecurityBypass = resized(parent.rowSecurityBypass, size);
  for (const id of touched.groups) {
    const group = at(id);
    if (group < 0) continue;
    const edges = snapshot.membersOf.get(id) ?? [];
    inheritMembers[group] = edges.filter((m) => m.inherit).map((m) => at(m.member));
    setMembers[group] = Int32Array.from(edges.filter((m) => m.set).map((m) => at(m.member)));
    setOnlyMembers[group] = Int32Array.from(edges.filter((m) => m.set && !m.inherit).map((m) => at(m.member)));
    assignBit(withSetMembers, group, (setMembers[group] as Int32Array).length > 0);
    assignBit(withSetOnlyMembers, group, (setOnlyMembers[group] as Int32Array).length > 0);
  }
  for (const id of touched.members) {
    const member = at(id);
    if (member < 0) continue;
    setGroups[member] = (snapshot.membershipsOf.get(id) ?? []).filter((m) => m.set).map((m) => at(m.group));
    const p = snapshot.principalById.get(id);
    assignBit(logins, member, p?.login === true);
    assignBit(superusers, member, p?.superuser === true);
    assignBit(rowSecurityBypass, member, p?.superuser === true || p?.bypassRowSecurity === true);
  }
  return {
    inheritMembers,
    setGroups,
    setMembers,
    withSetMembers,
    setOnlyMembers,
    withSetOnlyMembers,
    logins,
    superusers,
    rowSecurityBypass,
  };
}

function buildClosures(
  snapshot: Snapshot,
  ids: readonly PrincipalId[],
  sortedUpTo: number,
  reuse:
    | {
        readonly parent: Closures;
        readonly above: ReadonlySet<PrincipalId>;
        readonly indexOf: ReadonlyMap<PrincipalId, number>;
        /** Principals whose member lists, and whose own memberships and attributes, may differ. */
        readonly groups: ReadonlySet<PrincipalId>;
        readonly members: ReadonlySet<PrincipalId>;
      }
    | undefined,
): Closures {
  const size = ids.length;
  const indexOf = reuse?.indexOf ?? new Map(ids.map((id, i) => [id, i]));
  const at = (id: PrincipalId) => indexOf.get(id) ?? -1;
  let graph: Graph;
  // Derived closures only: the principals whose access may differ from the parent's.
  let reaching: Bitset | undefined;
  if (reuse === undefined) graph = buildGraph(snapshot, size, at);
  else {
    const parentGraph = graphOf(reuse.parent);
    graph = deriveGraph(parentGraph, snapshot, size, at, reuse);
    reaching = reachingAny([...reuse.members].map(at), [parentGraph, graph], size);
  }
  const { inheritMembers, setGroups, setMembers, withSetMembers, setOnlyMembers, withSetOnlyMembers } = graph;
  const { logins, superusers, rowSecurityBypass } = graph;
  let superuserActors: Bitset | undefined;

  const everyone = fullBitset(size);
  const empty = createBitset(size);
  const heldByCache = new Map<number, Bitset>();
  const actAsCache = new Map<number, Int32Array>();
  // A login that stopped being one (NOLOGIN) changed too: count logins of either state.
  const changedLogins = reaching?.slice();
  if (changedLogins !== undefined && reuse !== undefined) {
    const eitherLogin = logins.slice();
    orInto(eitherLogin, reuse.parent.logins);
    andInto(changedLogins, eitherLogin);
  }
  const closures: Closures = withMemo({
    size,
    ids,
    indexOf,
    sortedUpTo,
    ...(changedLogins === undefined ? {} : { changedLogins }),
    ...(reuse === undefined ? {} : { changedGroups: reuse.above }),
    heldBy(id) {
      const group = at(id);
      if (group < 0 || !snapshot.principalById.has(id)) return empty;
      if (id === PUBLIC_ID) return everyone;
      let set = heldByCache.get(group);
      if (set === undefined) {
        set =
          reuse !== undefined && !reuse.above.has(id)
            ? reuse.parent.heldBy(id)
            : walk(size, group, inheritMembers).reached;
        heldByCache.set(group, set);
      }
      return set;
    },
    actAs(index) {
      let reach = actAsCache.get(index);
      if (reach === undefined) {
        reach =
          reuse !== undefined && reaching !== undefined && index < reuse.parent.size && !hasBit(reaching, index)
            ? reuse.parent.actAs(index)
            : Int32Array.from(walk(size, index, setGroups).order);
        actAsCache.set(index, reach);
      }
      return reach;
    },
    setMembers,
    withSetMembers,
    setOnlyMembers,
    withSetOnlyMembers,
    superuserActors() {
      superuserActors ??= loginsActingAs(closures, superusers);
      return superuserActors;
    },
    logins,
    superusers,
    rowSecurityBypass,
    everyone,
  });
  remember(closures, GRAPH, graph);
  return closures;
}

/**
 * Everything reachable from `start` along `edges`, `start` included, as a set and in the order
 * reached (nearest first). Cycles are harmless.
 */
function walk(
  size: number,
  start: number,
  edges: readonly (readonly number[])[],
): { reached: Bitset; order: number[] } {
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
 * edges, touching each principal and edge at most once. The walk starts only from the roots that
 * have `set` members (most roots are logins, which have none) and goes on only from such principals.
 */
export function loginsActingAs(closures: Closures, roots: Bitset): Bitset {
  const { setMembers, withSetMembers } = closures;
  const reached = roots.slice();
  const queue = queueFor(closures.size);
  let length = 0;
  for (let w = 0; w < roots.length; w++) {
    let word = (roots[w] as number) & (withSetMembers[w] as number);
    while (word !== 0) {
      const low = word & -word;
      queue[length++] = (w << 5) + 31 - Math.clz32(low);
      word ^= low;
    }
  }
  walkBack(closures, reached, length, 0, setMembers);
  andInto(reached, closures.logins);
  return reached;
}

/**
 * The queue of the backward walks, reused: each principal enters a walk at most once, so a queue
 * of one slot per principal never overflows, and a walk per labelled resource allocates none.
 * Walks do not nest.
 */
let walkQueue = new Int32Array(0);

function queueFor(size: number): Int32Array {
  if (walkQueue.length < size) walkQueue = new Int32Array(size);
  return walkQueue;
}

/**
 * Walks backwards along `set` edges from the first `length` principals of the walk queue, marking
 * each principal reached in `reached` and going on from those that have `set` members. The first
 * `firstCount` entries of the queue follow `firstEdges` instead of every `set` edge. Indexed loops
 * and inline bit tests: this walk runs per resource and dominates large checks.
 */
function walkBack(
  closures: Closures,
  reached: Bitset,
  length: number,
  firstCount: number,
  firstEdges: readonly Int32Array[],
): void {
  const { setMembers, withSetMembers } = closures;
  const queue = queueFor(closures.size);
  for (let i = 0; i < length; i++) {
    const members = (i < firstCount ? firstEdges : setMembers)[queue[i] as number];
    if (members === undefined) continue;
    for (let j = 0; j < members.length; j++) {
      const member = members[j] as number;
      const word = member >>> 5;
      const bit = 1 << (member & 31);
      const current = reached[word] as number;
      if ((current & bit) !== 0) continue;
      reached[word] = current | bit;
      if (((withSetMembers[word] as number) & bit) !== 0) queue[length++] = member;
    }
  }
}

/**
 * {@link loginsActingAs} for a set of holders: principals that hold a privilege, pass a gate, or
 * both. Such a set is closed under inheritance, apart from superusers (the attribute is not
 * inherited): whoever inherits from a holder that is not a superuser holds too. So a login that
 * reaches a holder along `set` edges reaches one first by an edge that does not inherit, or is a
 * holder itself, and the walk starts only along the few edges that do not inherit; superusers'
 * actors are found once per closures. Sets that lose members by other rules (row security,
 * BYPASSRLS, the session gate) take {@link loginsActingAs}.
 */
export function loginsActingAsHolders(closures: Closures, holders: Bitset): Bitset {
  const { setOnlyMembers, withSetOnlyMembers, superusers } = closures;
  const reached = holders.slice();
  const queue = queueFor(closures.size);
  let length = 0;
  let everySuperuser = true;
  let someSuperuser = false;
  for (let w = 0; w < holders.length; w++) {
    const held = holders[w] as number;
    const supers = superusers[w] as number;
    if ((supers & ~held) !== 0) everySuperuser = false;
    if ((supers & held) !== 0) someSuperuser = true;
    let word = held & ~supers & (withSetOnlyMembers[w] as number);
    while (word !== 0) {
      const low = word & -word;
      queue[length++] = (w << 5) + 31 - Math.clz32(low);
      word ^= low;
    }
  }
  // The roots' non-inheriting members; from there on, every `set` edge.
  walkBack(closures, reached, length, length, setOnlyMembers);
  if (someSuperuser) {
    if (everySuperuser) orInto(reached, closures.superuserActors());
    else {
      const heldSuperusers = superusers.slice();
      andInto(heldSuperusers, holders);
      orInto(reached, loginsActingAs(closures, heldSuperusers));
    }
  }
  andInto(reached, closures.logins);
  return reached;
}

/**
 * Whether `member` holds the privileges of `group` (it is the group, or reaches it along
 * inheriting memberships). A walk for one question, without building closures.
 */
export function inheritsFrom(snapshot: Snapshot, member: PrincipalId, group: PrincipalId): boolean {
  return group === PUBLIC_ID || groupsReached(snapshot, member, (edge) => edge.inherit).has(group);
}

/** `principal` and every group it reaches along the memberships `follows` accepts. */
export function groupsReached(
  snapshot: Snapshot,
  principal: PrincipalId,
  follows: (edge: Membership) => boolean,
): Set<PrincipalId> {
  const reached = new Set<PrincipalId>([principal]);
  const queue = [principal];
  for (let i = 0; i < queue.length; i++)
    for (const edge of snapshot.membershipsOf.get(queue[i] as PrincipalId) ?? [])
      if (follows(edge) && !reached.has(edge.group)) {
        reached.add(edge.group);
        queue.push(edge.group);
      }
  return reached;
}

/**
 * Every group a principal can use: those it inherits from and those it can SET ROLE to, through
 * any mix of the two (PUBLIC excluded). For policy conditions such as "reader is in pii_readers".
 */
export function groupsOf(snapshot: Snapshot, principal: PrincipalId): PrincipalId[] {
  const groups = groupsReached(snapshot, principal, (edge) => edge.inherit || edge.set);
  groups.delete(principal);
  return [...groups].sort();
}

/** Whether numbering `a` is the start of numbering `b` (a derived snapshot appends its new principals). */
export function isPrefix(a: readonly PrincipalId[], b: readonly PrincipalId[]): boolean {
  if (a === b) return true;
  if (a.length > b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A set over the principals numbered `from`, as a set over `to`'s numbering: the same bits when
 * one numbering starts the other, else moved principal by principal (principals `to` lacks drop out).
 */
export function renumbered(
  set: Bitset,
  from: readonly PrincipalId[],
  to: { readonly ids: readonly PrincipalId[]; readonly indexOf: ReadonlyMap<PrincipalId, number> },
  prefix = isPrefix(from, to.ids) || isPrefix(to.ids, from),
): Bitset {
  const size = to.ids.length;
  if (prefix) return set.length === (size + 31) >>> 5 ? set : resized(set, size);
  const moved = createBitset(size);
  for (const index of bitsOf(set)) {
    const target = to.indexOf.get(from[index] as PrincipalId);
    if (target !== undefined) setBit(moved, target);
  }
  return moved;
}
