import { type Bitset, createBitset, hasBit, isEmpty, orInto } from './bitset.ts';
import type { Closures } from './closure.ts';
import type { Resource, RowPolicy } from './model.ts';
import type { Snapshot } from './snapshot.ts';

/**
 * Which acting identities may see more rows of a resource after a change than before, although
 * their access level is the same: a row policy that applies to them was created or altered, or a
 * restrictive one was dropped. Which rows a condition admits is not analysed, so any such change
 * counts (fail closed): `USING (1 = 1)` admits as much as `USING (true)`, and a reader for whom no
 * policy applied saw no rows at all. A view passes on what its sources widen: to every identity when
 * it reads them as an owner they widen for, to the widened identities themselves when it runs as
 * its invoker. Undefined when nobody's rows widen. Sets are over the closures of `after`.
 */
export function rowsWidened(
  before: Snapshot,
  after: Snapshot,
  resource: Resource,
  closures: Closures,
  depth = 0,
): Bitset | undefined {
  if (depth > 64) return closures.everyone.slice();
  let widened = ownRowsWidened(before, after.readPrivilege, resource, closures);
  const derivation = resource.derivation;
  if (derivation !== undefined && derivation.materialized !== true) {
    const owner = resource.owner === undefined ? -1 : (closures.indexOf.get(resource.owner) ?? -1);
    for (const source of derivation.sources) {
      const target = after.resourceById.get(source.resource);
      const nested = target === undefined ? undefined : rowsWidened(before, after, target, closures, depth + 1);
      if (nested === undefined) continue;
      widened ??= createBitset(closures.size);
      if (derivation.runsAs === 'invoker') orInto(widened, nested);
      else if (owner >= 0 && hasBit(nested, owner)) orInto(widened, closures.everyone);
    }
  }
  return widened === undefined || isEmpty(widened) ? undefined : widened;
}

function ownRowsWidened(
  before: Snapshot,
  readPrivilege: string,
  resource: Resource,
  closures: Closures,
): Bitset | undefined {
  const now = resource.rowSecurity;
  const was = before.resourceById.get(resource.id)?.rowSecurity;
  // Without row security now, every reader sees every row: the access levels say so. Turning it on
  // only narrows.
  if (now === undefined || !now.enabled || was === undefined || !was.enabled) return undefined;
  if (now.policies === was.policies) return undefined;
  const reads = (p: RowPolicy) => p.privileges === '*' || p.privileges.includes(readPrivilege);
  const old = new Map(was.policies.filter(reads).map((p) => [p.name, p]));
  const current = new Map(now.policies.filter(reads).map((p) => [p.name, p]));
  let widened: Bitset | undefined;
  const widen = (policy: RowPolicy) => {
    widened ??= createBitset(closures.size);
    for (const principal of policy.principals) orInto(widened, closures.heldBy(principal));
  };
  for (const [name, policy] of current) {
    const previous = old.get(name);
    if (previous === undefined) {
      // A new restrictive policy, or a permissive one that admits nothing, only narrows.
      if (policy.permissive && !admitsNothing(policy)) widen(policy);
    } else if (!samePolicy(previous, policy))
      // A permissive policy now admits its roles to other rows; a restrictive one may hold back
      // fewer of the rows it held back from its roles before.
      widen(policy.permissive ? policy : previous);
  }
  for (const [name, policy] of old) if (!current.has(name) && !policy.permissive) widen(policy);
  return widened;
}

function admitsNothing(policy: RowPolicy): boolean {
  return policy.condition !== null && /^\(*\s*false\s*\)*$/i.test(policy.condition.trim());
}

function samePolicy(a: RowPolicy, b: RowPolicy): boolean {
  return (
    a.permissive === b.permissive &&
    a.condition === b.condition &&
    a.admitsAllRows === b.admitsAllRows &&
    a.principals.length === b.principals.length &&
    a.principals.every((p, i) => b.principals[i] === p)
  );
}
