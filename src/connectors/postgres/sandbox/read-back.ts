import {
  createSnapshot,
  err,
  type Grant,
  type Membership,
  ok,
  type PrincipalId,
  type Resource,
  type Result,
  type Snapshot,
} from '../../../core/index.ts';
import { SHADOW_BOOTSTRAP } from './shadow-plan.ts';

/**
 * The snapshot read from the shadow, in the source's terms: the shadow's own bootstrap role
 * (PGlite's oid 10, renamed) is not part of the source, so it disappears, and what PostgreSQL
 * recorded as done by it (role grants by a superuser, objects it still owns) is attributed to
 * the source's bootstrap superuser, as the source itself records it.
 */
export function inSourceTerms(shadow: Snapshot, bootstrap: PrincipalId): Result<Snapshot, string> {
  const known = shadow.principalById.has(bootstrap);
  const rename = (id: PrincipalId | undefined) => (id === SHADOW_BOOTSTRAP ? (known ? bootstrap : undefined) : id);
  const memberships = shadow.memberships
    .filter((m) => m.member !== SHADOW_BOOTSTRAP && m.group !== SHADOW_BOOTSTRAP)
    .map((m): Membership => withGrantor(m, rename(m.grantor)));
  const grants = shadow.grants
    .filter((g) => g.principal !== SHADOW_BOOTSTRAP)
    .map((g): Grant => withGrantor(g, rename(g.grantor)));
  const resources = shadow.resources.map((r): Resource => {
    const owner = rename(r.owner);
    const security = r.rowSecurity;
    const policies = security?.policies.map((p) => ({
      ...p,
      principals: p.principals.filter((id) => id !== SHADOW_BOOTSTRAP),
    }));
    const { owner: _, ...rest } = r;
    return {
      ...rest,
      ...(owner === undefined ? {} : { owner }),
      ...(security === undefined || policies === undefined ? {} : { rowSecurity: { ...security, policies } }),
    };
  });
  const data = {
    system: shadow.system,
    source: shadow.source,
    readPrivilege: shadow.readPrivilege,
    principals: shadow.principals.filter((p) => p.id !== SHADOW_BOOTSTRAP),
    memberships,
    resources,
    grants,
    blanketGrants: shadow.blanketGrants,
    defaultGrants: shadow.defaultGrants.filter(
      (g) => g.creator !== SHADOW_BOOTSTRAP && g.principal !== SHADOW_BOOTSTRAP,
    ),
    facts: { ...shadow.facts, bootstrapSuperuser: bootstrap },
  };
  const snapshot = createSnapshot(data);
  if (!snapshot.ok)
    return err(`the shadow did not read back as a consistent snapshot: ${snapshot.error[0]?.message ?? ''}`);
  return ok(snapshot.value);
}

function withGrantor<T extends { readonly grantor?: PrincipalId }>(item: T, grantor: PrincipalId | undefined): T {
  const { grantor: _, ...rest } = item;
  return (grantor === undefined ? rest : { ...rest, grantor }) as T;
}
