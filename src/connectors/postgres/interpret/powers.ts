import { cachedIn, type Edit, type Principal, type PrincipalId, type Snapshot } from '../../../core/index.ts';

/** Predefined roles whose members act on the server itself, outside every privilege on data. */
const SERVER_ROLES: Readonly<Record<string, string>> = {
  pg_read_server_files: 'pg_read_server_files (reads any file on the database server, the data files too)',
  pg_write_server_files: 'pg_write_server_files (writes any file on the database server)',
  pg_execute_server_program: 'pg_execute_server_program (runs programs on the database server)',
};

/**
 * Powers a role gives beyond privileges on data, each with the principals that have it directly.
 * Whoever can reach such a principal (as a member, inheriting or by SET ROLE) can turn the power
 * into reading anything: copy the cluster (REPLICATION), read its files, grant themselves a role
 * they administer (ADMIN OPTION), or create and grant roles (CREATEROLE). Superusers are left out:
 * the access model already gives them everything; so is ADMIN OPTION on a role `existing` lacks
 * (one the change creates gives what the change gives that role, which the delta shows).
 */
function powerHolders(snapshot: Snapshot, existing: Snapshot): Map<string, PrincipalId[]> {
  const holders = new Map<string, PrincipalId[]>();
  const add = (power: string, principal: PrincipalId) => cachedIn(holders, power, () => []).push(principal);
  for (const principal of snapshot.principals) for (const power of ownPowers(principal)) add(power, principal.id);
  for (const membership of snapshot.memberships)
    if (membership.admin && membership.implicit === undefined && existing.principalById.has(membership.group))
      add(`ADMIN OPTION on ${membership.group} (grants it to anyone, itself included)`, membership.member);
  return holders;
}

/** The powers a principal has itself (not through memberships); none for a superuser. */
function ownPowers(principal: Principal): string[] {
  if (principal.superuser) return [];
  const powers: string[] = [];
  if (principal.attributes?.createrole === true)
    powers.push('CREATEROLE (creates roles and grants roles it administers)');
  if (principal.attributes?.replication === true) powers.push('REPLICATION (copies the whole cluster)');
  const server = SERVER_ROLES[principal.id];
  if (server !== undefined) powers.push(server);
  return powers;
}

/**
 * Whether edits can give anyone a power, asked before the whole comparison of
 * {@link powersGained}, which reads every principal and membership: a new membership with ADMIN
 * OPTION, or in a group that reaches a holder of a power; a principal added or changed that has
 * one. Most changes (GRANT pg_read_all_data, ALTER ROLE … SUPERUSER) give none and cost a lookup.
 */
export function mayGivePowers(after: Snapshot, edits: readonly Edit[]): boolean {
  for (const edit of edits) {
    if (edit.kind === 'add-membership') {
      if (edit.membership.admin || reachesPower(after, edit.membership.group)) return true;
    } else if (edit.kind === 'add-principal' || edit.kind === 'update-principal') {
      const id = edit.kind === 'add-principal' ? edit.principal.id : edit.principal;
      const principal = after.principalById.get(id);
      if (principal !== undefined && ownPowers(principal).length > 0) return true;
    }
  }
  return false;
}

/** Whether `group`, or a group it reaches through memberships, has a power or ADMIN OPTION. */
function reachesPower(snapshot: Snapshot, group: PrincipalId): boolean {
  const seen = new Set<PrincipalId>([group]);
  const queue = [group];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i] as PrincipalId;
    const principal = snapshot.principalById.get(id);
    if (principal !== undefined && ownPowers(principal).length > 0) return true;
    for (const edge of snapshot.membershipsOf.get(id) ?? []) {
      if (edge.admin && edge.implicit === undefined) return true;
      if (!seen.has(edge.group)) {
        seen.add(edge.group);
        queue.push(edge.group);
      }
    }
  }
  return false;
}

/** Login principals that are, or reach through memberships, one of `roots`. */
function loginsReaching(snapshot: Snapshot, roots: readonly PrincipalId[]): Set<PrincipalId> {
  const seen = new Set<PrincipalId>(roots);
  const queue = [...roots];
  for (let i = 0; i < queue.length; i++)
    for (const edge of snapshot.membersOf.get(queue[i] as PrincipalId) ?? [])
      if (!seen.has(edge.member)) {
        seen.add(edge.member);
        queue.push(edge.member);
      }
  const logins = new Set<PrincipalId>();
  for (const id of seen) if (snapshot.principalById.get(id)?.login === true) logins.add(id);
  return logins;
}

/**
 * The powers (see {@link powerHolders}) that logins have after a change and did not have before,
 * in words: `CREATEROLE (…): alice, bob`. Empty when nobody gains one.
 */
export function powersGained(before: Snapshot, after: Snapshot): string[] {
  const had = powerHolders(before, before);
  const gained: string[] = [];
  for (const [power, roots] of powerHolders(after, before)) {
    const previous = had.get(power);
    const was = previous === undefined ? new Set<PrincipalId>() : loginsReaching(before, previous);
    const now = [...loginsReaching(after, roots)].filter((login) => !was.has(login)).sort();
    if (now.length === 0) continue;
    const shown = now.length > 5 ? `${now.slice(0, 5).join(', ')} and ${now.length - 5} more` : now.join(', ');
    gained.push(`${power}: ${shown}`);
  }
  return gained.sort();
}
