import type {
  DefaultGrant,
  Grant,
  Membership,
  Principal,
  PrincipalId,
  Resource,
  ResourceId,
  SnapshotData,
} from './model.ts';
import { err, type Issue, ok, type Result } from './result.ts';
import { createSnapshot, type Snapshot } from './snapshot.ts';

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
 * Applies edits in order and validates the result like any snapshot. An edit that names something
 * that does not exist (at that point of the sequence) is an issue, not a silent no-op.
 */
export function applyEdits(snapshot: Snapshot, edits: readonly Edit[]): Result<Snapshot, readonly Issue[]> {
  if (edits.every(isOpaque)) return ok(snapshot);
  const state = new MutableState(snapshot);
  const issues: Issue[] = [];
  edits.forEach((edit, index) => {
    const problem = state.apply(edit);
    if (problem !== undefined) issues.push({ code: 'invalid_edit', path: [index], message: problem });
  });
  if (issues.length > 0) return err(issues);
  return createSnapshot(state.data());
}

/** A working copy of a snapshot's content that edits change in place, then freeze again. */
class MutableState {
  #principals: Map<PrincipalId, Principal>;
  #memberships: Membership[];
  #resources: Map<ResourceId, Resource>;
  #grants: Grant[];
  #defaultGrants: DefaultGrant[];
  readonly #base: Snapshot;

  constructor(snapshot: Snapshot) {
    this.#base = snapshot;
    this.#principals = new Map(snapshot.principals.map((p) => [p.id, p]));
    this.#memberships = [...snapshot.memberships];
    this.#resources = new Map(snapshot.resources.map((r) => [r.id, r]));
    this.#grants = [...snapshot.grants];
    this.#defaultGrants = [...snapshot.defaultGrants];
  }

  data(): SnapshotData {
    return {
      ...this.#base,
      principals: [...this.#principals.values()],
      memberships: this.#memberships,
      resources: [...this.#resources.values()],
      grants: this.#grants,
      defaultGrants: this.#defaultGrants,
    };
  }

  apply(edit: Edit): string | undefined {
    switch (edit.kind) {
      case 'opaque':
        return undefined;
      case 'add-principal':
        if (this.#principals.has(edit.principal.id)) return `principal "${edit.principal.id}" already exists`;
        this.#principals.set(edit.principal.id, edit.principal);
        return undefined;
      case 'update-principal': {
        const principal = this.#principals.get(edit.principal);
        if (principal === undefined) return `no principal "${edit.principal}"`;
        this.#principals.set(edit.principal, { ...principal, ...edit.changes });
        return undefined;
      }
      case 'remove-principal': {
        if (!this.#principals.delete(edit.principal)) return `no principal "${edit.principal}"`;
        const id = edit.principal;
        this.#memberships = this.#memberships.filter((m) => m.member !== id && m.group !== id && m.grantor !== id);
        this.#grants = this.#grants
          .filter((g) => g.principal !== id)
          .map((g) => (g.grantor === id ? withoutGrantor(g) : g));
        this.#defaultGrants = this.#defaultGrants.filter((g) => g.principal !== id && g.creator !== id);
        this.#removeFromPolicies(id);
        return undefined;
      }
      case 'add-membership': {
        const m = edit.membership;
        if (!this.#principals.has(m.member) || !this.#principals.has(m.group))
          return `membership of "${m.member}" in "${m.group}" names an unknown principal`;
        this.#memberships = this.#memberships.filter(
          (x) => !(x.member === m.member && x.group === m.group && x.grantor === m.grantor),
        );
        this.#memberships.push(m);
        return undefined;
      }
      case 'remove-membership':
        this.#memberships = this.#memberships.filter(
          (m) =>
            !(
              m.member === edit.member &&
              m.group === edit.group &&
              (edit.grantor === undefined || m.grantor === edit.grantor)
            ),
        );
        return undefined;
      case 'add-grant': {
        const g = edit.grant;
        if (!this.#resources.has(g.resource)) return `no resource "${g.resource}"`;
        this.#grants = this.#grants.filter((x) => !sameGrant(x, g));
        this.#grants.push(g);
        return undefined;
      }
      case 'remove-grant': {
        const key = edit.grant;
        const next: Grant[] = [];
        for (const g of this.#grants) {
          if (!matchesKey(g, key)) next.push(g);
          else if (key.grantOptionOnly === true) next.push({ ...g, grantable: false });
        }
        this.#grants = next;
        return undefined;
      }
      case 'add-resource':
        if (this.#resources.has(edit.resource.id)) return `resource "${edit.resource.id}" already exists`;
        this.#resources.set(edit.resource.id, edit.resource);
        return undefined;
      case 'update-resource': {
        const resource = this.#resources.get(edit.resource);
        if (resource === undefined) return `no resource "${edit.resource}"`;
        this.#resources.set(edit.resource, withChanges(resource, edit.changes));
        return undefined;
      }
      case 'remove-resource': {
        if (!this.#resources.has(edit.resource))
          return edit.ifExists === true ? undefined : `no resource "${edit.resource}"`;
        const removed = this.#dependentsOf(edit.resource);
        for (const id of removed) this.#resources.delete(id);
        this.#grants = this.#grants.filter((g) => !removed.has(g.resource));
        this.#defaultGrants = this.#defaultGrants.filter((g) => g.container === undefined || !removed.has(g.container));
        this.#forgetSources(removed);
        return undefined;
      }
      case 'add-default-grant':
        this.#defaultGrants = this.#defaultGrants.filter((g) => !sameDefault(g, edit.grant));
        this.#defaultGrants.push(edit.grant);
        return undefined;
      case 'remove-default-grant':
        this.#defaultGrants = this.#defaultGrants.filter((g) => !sameDefault(g, edit.grant));
        return undefined;
    }
  }

  /**
   * Takes a removed principal out of every row policy; a policy left naming nobody is dropped
   * (PostgreSQL's DROP OWNED does the same, RemoveRoleFromObjectPolicy in policy.c).
   */
  #removeFromPolicies(id: PrincipalId): void {
    for (const resource of this.#resources.values()) {
      const security = resource.rowSecurity;
      if (security === undefined || !security.policies.some((p) => p.principals.includes(id))) continue;
      const policies = security.policies
        .map((p) => ({ ...p, principals: p.principals.filter((x) => x !== id) }))
        .filter((p) => p.principals.length > 0);
      this.#resources.set(resource.id, { ...resource, rowSecurity: { ...security, policies } });
    }
  }

  /**
   * The resource, everything under it, and every derivation that reads any of those at access
   * time (views): removing a resource removes what cannot exist without it, like DROP … CASCADE.
   */
  #dependentsOf(id: ResourceId): Set<ResourceId> {
    const removed = new Set([id]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const r of this.#resources.values()) {
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
    for (const r of this.#resources.values()) {
      const sources = r.derivation?.sources;
      const reads = r.routine?.reads;
      const staleSources = sources?.some((s) => removed.has(s.resource)) === true;
      const staleReads = reads !== undefined && reads !== 'any' && reads.some((x) => removed.has(x));
      if (!staleSources && !staleReads) continue;
      this.#resources.set(r.id, {
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
