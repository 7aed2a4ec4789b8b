import { memoKey, recalled, remember } from './memo.ts';
import type { PrincipalId, ResourceId } from './model.ts';
import type { Snapshot } from './snapshot.ts';

/**
 * What changed between a snapshot and the one it was derived from by edits (or by relabelling).
 * Engines use it to reuse work: closures when no principal or membership changed, and the access
 * of every resource the change cannot affect.
 */
export interface SnapshotChanges {
  readonly principals: boolean;
  readonly memberships: boolean;
  /**
   * A membership or a principal may have been taken away (or a membership's options replaced): who
   * holds a group's privileges may have shrunk. Without it, changes to memberships only add.
   */
  readonly narrowed: boolean;
  readonly defaultGrants: boolean;
  /** Resources added, removed or updated, or whose grants changed. */
  readonly resources: ReadonlySet<ResourceId>;
  /** Principals added, removed or updated. */
  readonly principalsTouched: ReadonlySet<PrincipalId>;
  /** Members and groups of the memberships added, removed or changed. */
  readonly membersTouched: ReadonlySet<PrincipalId>;
  readonly groupsTouched: ReadonlySet<PrincipalId>;
}

const DERIVATION = memoKey<{ readonly base: Snapshot; readonly changes: SnapshotChanges }>('derivation');

export function recordDerivation(derived: Snapshot, base: Snapshot, changes: SnapshotChanges): void {
  remember(derived, DERIVATION, { base, changes });
}

/** Everything that changed from `ancestor` to `snapshot`, or undefined when one does not derive from the other. */
export function changesSince(snapshot: Snapshot, ancestor: Snapshot): SnapshotChanges | undefined {
  const resources = new Set<ResourceId>();
  const principalsTouched = new Set<PrincipalId>();
  const membersTouched = new Set<PrincipalId>();
  const groupsTouched = new Set<PrincipalId>();
  let principals = false;
  let memberships = false;
  let narrowed = false;
  let defaultGrants = false;
  let current = snapshot;
  for (let steps = 0; current !== ancestor; steps++) {
    const parent = recalled(current, DERIVATION);
    if (parent === undefined || steps > 10_000) return undefined;
    principals ||= parent.changes.principals;
    memberships ||= parent.changes.memberships;
    narrowed ||= parent.changes.narrowed;
    defaultGrants ||= parent.changes.defaultGrants;
    for (const id of parent.changes.resources) resources.add(id);
    for (const id of parent.changes.principalsTouched) principalsTouched.add(id);
    for (const id of parent.changes.membersTouched) membersTouched.add(id);
    for (const id of parent.changes.groupsTouched) groupsTouched.add(id);
    current = parent.base;
  }
  return {
    principals,
    memberships,
    narrowed,
    defaultGrants,
    resources,
    principalsTouched,
    membersTouched,
    groupsTouched,
  };
}

/** The snapshot `snapshot` was derived from, if any. */
export function parentOf(snapshot: Snapshot): Snapshot | undefined {
  return recalled(snapshot, DERIVATION)?.base;
}
