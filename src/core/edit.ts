import { recordDerivation } from './lineage.ts';
import type { DefaultGrant, Grant, Membership, Principal, PrincipalId, Resource, ResourceId } from './model.ts';
import { OverlayMap } from './overlay-map.ts';
import { err, type Issue, ok, type Result } from './result.ts';
import { deepFreeze, freezeDerived, type ListStep, membershipProblem, type Snapshot } from './snapshot.ts';

/**
 * One primitive change to a snapshot. A connector turns a native change (SQL text, a policy
 * document) into a list of edits; applying them in order gives the state after the change.
 * Statements that cannot be interpreted become `opaque` edits: they change nothing in the model
 * and are never treated as safe.
 */
export type Edit =
  | { readonly kind: 'add-principal'; readonly principal: Principal }
  | { readonly kind: 'update-principal'; readonly principal: PrincipalId; readonly changes: PrincipalChanges }
  | { readonly kind: 'remove-principal'; readonly principal: PrincipalId }
  | { readonly kind: 'add-membership'; readonly membership: Membership }
  | {
      readonly kind: 'remove-membership';
      readonly member: PrincipalId;
      readonly group: PrincipalId;
      /** Only the edge from this grantor; every edge when absent. */
      readonly grantor?: PrincipalId;
    }
  | { readonly kind: 'add-grant'; readonly grant: Grant }
  | { readonly kind: 'remove-grant'; readonly grant: GrantKey }
  | { readonly kind: 'add-resource'; readonly resource: Resource }
  | { readonly kind: 'update-resource'; readonly resource: ResourceId; readonly changes: ResourceChanges }
  | {
      readonly kind: 'remove-resource';
      readonly resource: ResourceId;
      /** Already gone (dropped with something else earlier in the same change) is fine. */
      readonly ifExists?: boolean;
    }
  | { readonly kind: 'add-default-grant'; readonly grant: DefaultGrant }
  | { readonly kind: 'remove-default-grant'; readonly grant: DefaultGrantKey }
  | { readonly kind: 'opaque'; readonly reason: string };

export type EditKind = Edit['kind'];

export type PrincipalChanges = Partial<Pick<Principal, 'login' | 'superuser' | 'bypassRowSecurity' | 'attributes'>>;

type ChangeableField = 'owner' | 'labels' | 'columns' | 'rowSecurity' | 'derivation' | 'routine' | 'comment' | 'gate';

/** New values of resource fields; `undefined` removes an optional field (a view that becomes a plain table). */
export type ResourceChanges = { readonly [K in ChangeableField]?: Resource[K] | undefined };

/**
 * Which grant to remove: every grant matching the fields given. Without `column`, grants on the
 * whole resource only; with `allColumns`, column grants too (revoking a table privilege in
 * PostgreSQL also revokes it from every column). Without `grantor`, from every grantor.
 */
export interface GrantKey {
  readonly principal: PrincipalId;
  readonly privilege: string;
  readonly resource: ResourceId;
  readonly column?: string;
  readonly allColumns?: boolean;
  readonly grantor?: PrincipalId;
  /** Remove only the grant option, keeping the privilege. */
  readonly grantOptionOnly?: boolean;
}

export interface DefaultGrantKey {
  readonly creator: PrincipalId;
  readonly container?: ResourceId;
  readonly kind: string;
  readonly principal: PrincipalId;
  readonly privilege: string;
}

/** Edits that change no access state but must never pass as safe. */
export function isOpaque(edit: Edit): edit is Extract<Edit, { kind: 'opaque' }> {
  return edit.kind === 'opaque';
}

/**
 * Applies edits in order and returns the snapshot after them. What an edit names must exist at
 * that point of the sequence, and what the result names must exist: an edit is never a silent
 * no-op. The new snapshot shares everything the edits did not touch with the old one (indexes
 * included), and records what changed, so that engines recompute only what may differ.
 */
export function applyEdits(snapshot: Snapshot, edits: readonly Edit[]): Result<Snapshot, readonly Issue[]> {
  if (edits.every(isOpaque)) return ok(snapshot);
  const state = new EditState(snapshot);
  const issues: Issue[] = [];
  edits.forEach((edit, index) => {
    const problem = state.apply(edit);
    if (problem !== undefined) issues.push({ code: 'invalid_edit', path: [index], message: problem });
  });
  if (issues.length > 0) return err(issues);
  return state.result();
}

/**
 * A snapshot being edited: views of the old one. Principals, memberships, resources and grants are
 * kept as changes over the old indexes (a check on 10,000 roles changes one or two); default
 * grants are few and copied when first changed.
 */
class EditState {
  readonly #base: Snapshot;
  /** Principals added or updated, and removed (null). */
  readonly #principals = new Map<PrincipalId, Principal | null>();
  /** Memberships of the old snapshot taken away, and memberships added (still present) in order. */
  readonly #removedMemberships = new Set<Membership>();
  #addedMemberships: Membership[] = [];
  #defaultGrants: DefaultGrant[] | undefined;
  readonly #resources = new Map<ResourceId, Resource | null>();
  readonly #grants = new Map<ResourceId, Grant[]>();
  readonly #touched = new Set<ResourceId>();
  readonly #principalsTouched = new Set<PrincipalId>();
  readonly #membersTouched = new Set<PrincipalId>();
  readonly #groupsTouched = new Set<PrincipalId>();
  /** A membership or principal was taken away, or a membership's options replaced. */
  #narrowed = false;

  constructor(snapshot: Snapshot) {
    this.#base = snapshot;
  }

  #principal(id: PrincipalId): Principal | undefined {
    const changed = this.#principals.get(id);
    if (changed === null) return undefined;
    return changed ?? this.#base.principalById.get(id);
  }

  #hasPrincipal(id: PrincipalId): boolean {
    return this.#principal(id) !== undefined;
  }

  /** The memberships of `id` as a member (or as a group), in the order of the whole list. */
  #membershipsBy(side: 'member' | 'group', id: PrincipalId): Membership[] {
    const index = side === 'member' ? this.#base.membershipsOf : this.#base.membersOf;
    const kept = (index.get(id) ?? []).filter((m) => !this.#removedMemberships.has(m));
    for (const m of this.#addedMemberships) if (m[side] === id) kept.push(m);
    return kept;
  }

  *#allMemberships(): Generator<Membership> {
    for (const m of this.#base.memberships) if (!this.#removedMemberships.has(m)) yield m;
    yield* this.#addedMemberships;
  }

  #removeMembership(m: Membership): void {
    this.#membersTouched.add(m.member);
    this.#groupsTouched.add(m.group);
    const added = this.#addedMemberships.indexOf(m);
    if (added >= 0) this.#addedMemberships.splice(added, 1);
    else this.#removedMemberships.add(m);
  }

  #writableDefaults(): DefaultGrant[] {
    this.#defaultGrants ??= [...this.#base.defaultGrants];
    return this.#defaultGrants;
  }

  #resource(id: ResourceId): Resource | undefined {
    const changed = this.#resources.get(id);
    if (changed === null) return undefined;
    return changed ?? this.#base.resourceById.get(id);
  }

  *#allResources(): Generator<Resource> {
    for (const r of this.#base.resources) if (!this.#resources.has(r.id)) yield r;
    for (const r of this.#resources.values()) if (r !== null) yield r;
  }

  #setResource(resource: Resource): void {
    this.#resources.set(resource.id, deepFreeze(resource));
    this.#touched.add(resource.id);
  }

  #grantsOf(id: ResourceId): readonly Grant[] {
    return this.#grants.get(id) ?? this.#base.grantsByResource.get(id) ?? [];
  }

  #setGrants(id: ResourceId, grants: Grant[]): void {
    this.#grants.set(id, deepFreeze(grants));
    this.#touched.add(id);
  }

  apply(edit: Edit): string | undefined {
    switch (edit.kind) {
      case 'opaque':
        return undefined;
      case 'add-principal':
        if (this.#hasPrincipal(edit.principal.id)) return `principal "${edit.principal.id}" already exists`;
        this.#principals.set(edit.principal.id, deepFreeze(edit.principal));
        this.#principalsTouched.add(edit.principal.id);
        return undefined;
      case 'update-principal': {
        const principal = this.#principal(edit.principal);
        if (principal === undefined) return `no principal "${edit.principal}"`;
        this.#principalsTouched.add(edit.principal);
        this.#principals.set(edit.principal, deepFreeze({ ...principal, ...edit.changes }));
        return undefined;
      }
      case 'remove-principal':
        return this.#removePrincipal(edit.principal);
      case 'add-membership': {
        const m = edit.membership;
        if (!this.#hasPrincipal(m.member) || !this.#hasPrincipal(m.group))
          return `membership of "${m.member}" in "${m.group}" names an unknown principal`;
        const shape = membershipProblem(m);
        if (shape !== undefined) return shape.message;
        // The same grant again replaces the old one, whose options may have been wider.
        for (const old of this.#membershipsBy('member', m.member))
          if (old.group === m.group && old.grantor === m.grantor) {
            this.#removeMembership(old);
            this.#narrowed = true;
          }
        this.#addedMemberships.push(deepFreeze(m));
        this.#membersTouched.add(m.member);
        this.#groupsTouched.add(m.group);
        return undefined;
      }
      case 'remove-membership':
        this.#membersTouched.add(edit.member);
        this.#groupsTouched.add(edit.group);
        this.#narrowed = true;
        for (const m of this.#membershipsBy('member', edit.member))
          if (m.group === edit.group && (edit.grantor === undefined || m.grantor === edit.grantor))
            this.#removeMembership(m);
        return undefined;
      case 'add-grant': {
        const g = edit.grant;
        if (this.#resource(g.resource) === undefined) return `no resource "${g.resource}"`;
        if (!this.#hasPrincipal(g.principal)) return `no principal "${g.principal}"`;
        this.#setGrants(g.resource, [...this.#grantsOf(g.resource).filter((x) => !sameGrant(x, g)), g]);
        return undefined;
      }
      case 'remove-grant': {
        const key = edit.grant;
        const before = this.#grantsOf(key.resource);
        const next: Grant[] = [];
        for (const g of before) {
          if (!matchesKey(g, key)) next.push(g);
          else if (key.grantOptionOnly === true) next.push({ ...g, grantable: false });
        }
        if (next.length !== before.length || key.grantOptionOnly === true) this.#setGrants(key.resource, next);
        return undefined;
      }
      case 'add-resource':
        if (this.#resource(edit.resource.id) !== undefined) return `resource "${edit.resource.id}" already exists`;
        this.#setResource(edit.resource);
        return undefined;
      case 'update-resource': {
        const resource = this.#resource(edit.resource);
        if (resource === undefined) return `no resource "${edit.resource}"`;
        this.#setResource(withChanges(resource, edit.changes));
        return undefined;
      }
      case 'remove-resource':
        return this.#removeResource(edit.resource, edit.ifExists === true);
      case 'add-default-grant':
        this.#defaultGrants = this.#writableDefaults().filter((g) => !sameDefault(g, edit.grant));
        this.#defaultGrants.push(deepFreeze(edit.grant));
        return undefined;
      case 'remove-default-grant':
        this.#defaultGrants = this.#writableDefaults().filter((g) => !sameDefault(g, edit.grant));
        return undefined;
    }
  }

  #removePrincipal(id: PrincipalId): string | undefined {
    if (!this.#hasPrincipal(id)) return `no principal "${id}"`;
    this.#principalsTouched.add(id);
    this.#narrowed = true;
    const involved = [...this.#allMemberships()].filter((m) => m.member === id || m.group === id || m.grantor === id);
    for (const m of involved) {
      this.#membersTouched.add(m.member);
      this.#groupsTouched.add(m.group);
    }
    for (const r of this.#allResources())
      if (r.owner === id) return `"${id}" cannot be removed: it owns ${r.name} (reassign or drop what it owns first)`;
    if (this.#base.blanketGrants.some((b) => b.principal === id))
      return `"${id}" cannot be removed: it holds a blanket grant (a predefined role)`;
    this.#principals.set(id, null);
    for (const m of involved) this.#removeMembership(m);
    for (const [resource, grants] of this.#allGrants())
      if (grants.some((g) => g.principal === id || g.grantor === id))
        this.#setGrants(
          resource,
          grants.filter((g) => g.principal !== id).map((g) => (g.grantor === id ? withoutGrantor(g) : g)),
        );
    this.#defaultGrants = this.#writableDefaults().filter((g) => g.principal !== id && g.creator !== id);
    this.#removeFromPolicies(id);
    return undefined;
  }

  *#allGrants(): Generator<[ResourceId, readonly Grant[]]> {
    for (const [id, grants] of this.#base.grantsByResource) if (!this.#grants.has(id)) yield [id, grants];
    yield* this.#grants;
  }

  #removeResource(id: ResourceId, ifExists: boolean): string | undefined {
    if (this.#resource(id) === undefined) return ifExists ? undefined : `no resource "${id}"`;
    const removed = this.#dependentsOf(id);
    for (const gone of removed) {
      this.#resources.set(gone, null);
      this.#touched.add(gone);
      if (this.#grantsOf(gone).length > 0) this.#setGrants(gone, []);
    }
    if (this.#writableDefaults().some((g) => g.container !== undefined && removed.has(g.container)))
      this.#defaultGrants = this.#writableDefaults().filter(
        (g) => g.container === undefined || !removed.has(g.container),
      );
    this.#forgetSources(removed);
    return undefined;
  }

  /**
   * The resource, everything under it, and every derivation that reads any of those at access
   * time (views): removing a resource removes what cannot exist without it, like DROP … CASCADE.
   */
  #dependentsOf(id: ResourceId): Set<ResourceId> {
    const removed = new Set([id]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const r of this.#allResources()) {
        if (removed.has(r.id)) continue;
        const inside = r.parent !== undefined && removed.has(r.parent);
        const reads =
          r.derivation !== undefined &&
          r.derivation.materialized !== true &&
          r.derivation.sources.some((s) => removed.has(s.resource));
        if (inside || reads) {
          removed.add(r.id);
          grew = true;
        }
      }
    }
    return removed;
  }

  /** Copies (materialized derivations) and routines keep existing when what they read is gone. */
  #forgetSources(removed: ReadonlySet<ResourceId>): void {
    for (const r of [...this.#allResources()]) {
      const sources = r.derivation?.sources;
      const reads = r.routine?.reads;
      const staleSources = sources?.some((s) => removed.has(s.resource)) === true;
      const staleReads = reads !== undefined && reads !== 'any' && reads.some((x) => removed.has(x));
      if (!staleSources && !staleReads) continue;
      this.#setResource({
        ...r,
        ...(r.derivation === undefined
          ? {}
          : { derivation: { ...r.derivation, sources: (sources ?? []).filter((s) => !removed.has(s.resource)) } }),
        ...(r.routine === undefined || reads === 'any'
          ? {}
          : { routine: { ...r.routine, reads: (reads ?? []).filter((x) => !removed.has(x)) } }),
      });
    }
  }

  /**
   * Takes a removed principal out of every row policy; a policy left naming nobody is dropped
   * (PostgreSQL's DROP OWNED does the same, RemoveRoleFromObjectPolicy in policy.c).
   */
  #removeFromPolicies(id: PrincipalId): void {
    for (const resource of [...this.#allResources()]) {
      const security = resource.rowSecurity;
      if (security === undefined || !security.policies.some((p) => p.principals.includes(id))) continue;
      const policies = security.policies
        .map((p) => ({ ...p, principals: p.principals.filter((x) => x !== id) }))
        .filter((p) => p.principals.length > 0);
      this.#setResource({ ...resource, rowSecurity: { ...security, policies } });
    }
  }

  /** The principals in the old order, updated ones in place, removed ones out, added ones after. */
  #principalsStep(): ListStep<Principal> {
    return keyedStep(this.#base, this.#principals, false);
  }

  /** The memberships in the old order, removed ones out, added ones after. */
  #membershipsStep(): ListStep<Membership> {
    const removed = this.#removedMemberships;
    const added = this.#addedMemberships;
    if (removed.size === 0 && added.length === 0) return { base: this.#base };
    return {
      base: this.#base,
      apply: (items) => {
        for (const m of removed) items.delete(m);
        for (const m of added) items.set(m, m);
      },
    };
  }

  /** The resources in the old order, except that changed ones go after (and removed ones out). */
  #resourcesStep(): ListStep<Resource> {
    return keyedStep(this.#base, this.#resources, true);
  }

  /**
   * Memberships grouped by member (or group) after edits: the old index, with the lists of the
   * principals whose memberships the edits touched built again.
   */
  #regroup(
    side: 'member' | 'group',
    touched: ReadonlySet<PrincipalId>,
  ): ReadonlyMap<PrincipalId, readonly Membership[]> {
    const base = side === 'member' ? this.#base.membershipsOf : this.#base.membersOf;
    const lists = new Map<PrincipalId, Membership[]>();
    const emptied: PrincipalId[] = [];
    for (const id of touched) {
      const list = this.#membershipsBy(side, id);
      if (list.length > 0) lists.set(id, list);
      else emptied.push(id);
    }
    return OverlayMap.derive(base, lists, emptied);
  }

  /** The snapshot after the edits, checked for what the edits could have left dangling. */
  result(): Result<Snapshot, readonly Issue[]> {
    const base = this.#base;
    const principalById = OverlayMap.derive(
      base.principalById,
      new Map([...this.#principals].flatMap(([id, p]): [PrincipalId, Principal][] => (p === null ? [] : [[id, p]]))),
      [...this.#principals].flatMap(([id, p]) => (p === null ? [id] : [])),
    );
    const issues: Issue[] = [];
    const need = (id: PrincipalId | undefined, what: string) => {
      if (id !== undefined && !principalById.has(id))
        issues.push({ code: 'unknown_principal', path: [], message: `${what} names unknown principal "${id}"` });
    };
    for (const id of this.#touched) {
      const resource = this.#resource(id);
      if (resource === undefined) continue;
      need(resource.owner, resource.name);
      if (resource.parent !== undefined && this.#resource(resource.parent) === undefined)
        issues.push({
          code: 'unknown_resource',
          path: [],
          message: `${resource.name} is inside unknown "${resource.parent}"`,
        });
      for (const source of resource.derivation?.sources ?? [])
        if (this.#resource(source.resource) === undefined)
          issues.push({
            code: 'unknown_resource',
            path: [],
            message: `${resource.name} reads unknown "${source.resource}"`,
          });
      for (const policy of resource.rowSecurity?.policies ?? [])
        for (const p of policy.principals) need(p, `policy ${policy.name}`);
      for (const grant of this.#grantsOf(id)) {
        need(grant.principal, `a grant on ${resource.name}`);
        if (grant.column !== undefined && !resource.columns.some((c) => c.name === grant.column))
          issues.push({
            code: 'unknown_column',
            path: [],
            message: `resource "${resource.name}" has no column "${grant.column}"`,
          });
      }
    }
    if (issues.length > 0) return err(issues);

    const membershipsChanged = this.#removedMemberships.size > 0 || this.#addedMemberships.length > 0;
    // Principals replaced by the edits were frozen when set; the rest are the old, frozen ones.
    const grantChanges = new Map([...this.#grants].filter(([id]) => this.#resource(id) !== undefined));
    const removedGrants = [...this.#grants.keys()].filter((id) => this.#resource(id) === undefined);
    const grantsByResource = OverlayMap.derive(base.grantsByResource, grantChanges, removedGrants);
    const changedResources = new Map(
      [...this.#resources].flatMap(([id, r]): [ResourceId, Resource][] => (r === null ? [] : [[id, r]])),
    );
    const removedResources = [...this.#resources].flatMap(([id, r]) => (r === null ? [id] : []));
    const derived = freezeDerived({
      system: base.system,
      source: base.source,
      readPrivilege: base.readPrivilege,
      blanketGrants: base.blanketGrants,
      ...(base.facts === undefined ? {} : { facts: base.facts }),
      // Lists as steps from the base's: built only when read (engines use the indexes), and then
      // without recursing through a long script's chain of snapshots.
      principals: this.#principalsStep(),
      principalById,
      memberships: this.#membershipsStep(),
      membershipsOf: membershipsChanged ? this.#regroup('member', this.#membersTouched) : base.membershipsOf,
      membersOf: membershipsChanged ? this.#regroup('group', this.#groupsTouched) : base.membersOf,
      resources: this.#resourcesStep(),
      resourceById: OverlayMap.derive(base.resourceById, changedResources, removedResources),
      grantsByResource,
      defaultGrants: this.#defaultGrants ?? base.defaultGrants,
    });
    recordDerivation(derived, base, {
      principals: this.#principals.size > 0,
      memberships: membershipsChanged,
      narrowed: this.#narrowed,
      defaultGrants: this.#defaultGrants !== undefined,
      resources: this.#touched,
      principalsTouched: this.#principalsTouched,
      membersTouched: this.#membersTouched,
      groupsTouched: this.#groupsTouched,
    });
    return ok(derived);
  }
}

function withChanges(resource: Resource, changes: ResourceChanges): Resource {
  const next: Record<string, unknown> = { ...resource };
  for (const [key, value] of Object.entries(changes)) {
    // `undefined` removes an optional field (e.g. a derivation that no longer exists).
    if (value === undefined) delete next[key];
    else next[key] = value;
  }
  return next as unknown as Resource;
}

function withoutGrantor(grant: Grant): Grant {
  const { grantor: _, ...rest } = grant;
  return rest;
}

function sameGrant(a: Grant, b: Grant): boolean {
  return (
    a.principal === b.principal &&
    a.privilege === b.privilege &&
    a.resource === b.resource &&
    a.column === b.column &&
    a.grantor === b.grantor
  );
}

function matchesKey(g: Grant, key: GrantKey): boolean {
  if (g.principal !== key.principal || g.privilege !== key.privilege || g.resource !== key.resource) return false;
  if (key.grantor !== undefined && g.grantor !== key.grantor) return false;
  if (key.column !== undefined) return g.column === key.column;
  return key.allColumns === true || g.column === undefined;
}

function sameDefault(a: DefaultGrantKey, b: DefaultGrantKey): boolean {
  return (
    a.creator === b.creator &&
    a.container === b.container &&
    a.kind === b.kind &&
    a.principal === b.principal &&
    a.privilege === b.privilege
  );
}

/**
 * A step from `base`'s list by changes keyed by id (`null` removes): changed items stay in place,
 * or go after the others when `moveChanged`; new ones go after.
 */
function keyedStep<T>(base: Snapshot, changes: ReadonlyMap<string, T | null>, moveChanged: boolean): ListStep<T> {
  if (changes.size === 0) return { base };
  return {
    base,
    apply: (items) => {
      for (const [id, item] of changes) {
        if (item === null || moveChanged) items.delete(id);
        if (item !== null) items.set(id, item);
      }
    },
  };
}
