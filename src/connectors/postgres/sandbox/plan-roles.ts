import { type Membership, type Principal, type PrincipalId, PUBLIC_ID } from '../../../core/index.ts';
import { isPredefinedRole, type PlanContext, type ShadowStep } from './plan-context.ts';
import { ident } from './sql-text.ts';

/**
 * Roles with their attributes, then memberships with their options and grantors. Passwords,
 * connection limits and validity dates are not in the snapshot and not needed: nobody logs in.
 */
export function planRoles(context: PlanContext): ShadowStep[] {
  const { snapshot } = context;
  const steps: ShadowStep[] = [];
  for (const principal of snapshot.principals) {
    if (principal.id === PUBLIC_ID) continue;
    // Predefined roles exist already, and PostgreSQL refuses to alter them ("role name is reserved").
    if (isPredefinedRole(principal.id)) continue;
    steps.push({ sql: `CREATE ROLE ${ident(principal.id)} WITH ${roleOptions(principal)}` });
  }
  return [...steps, ...planMemberships(context)];
}

function roleOptions(principal: Principal): string {
  const flag = (on: boolean, name: string) => (on ? name : `NO${name}`);
  const attribute = (name: string, fallback: boolean) => {
    const value = principal.attributes?.[name];
    return typeof value === 'boolean' ? value : fallback;
  };
  return [
    flag(principal.login, 'LOGIN'),
    flag(principal.superuser, 'SUPERUSER'),
    flag(principal.bypassRowSecurity, 'BYPASSRLS'),
    flag(attribute('inherit', true), 'INHERIT'),
    flag(attribute('createrole', false), 'CREATEROLE'),
    flag(attribute('createdb', false), 'CREATEDB'),
    flag(attribute('replication', false), 'REPLICATION'),
  ].join(' ');
}

/**
 * Memberships in an order PostgreSQL 16+ accepts: `GRANTED BY` a role other than a superuser
 * needs that role to hold ADMIN OPTION on the group already, directly or through roles it
 * inherits (`check_role_grantor` in src/backend/commands/user.c). Edges between predefined roles
 * and the implicit edge of the database owner exist in every cluster and are skipped. The options
 * are always spelt out: a snapshot of PostgreSQL 15 holds them already normalised (inherit from
 * the member's INHERIT attribute, SET always true), and that is what the shadow reproduces.
 */
function planMemberships(context: PlanContext): ShadowStep[] {
  const { snapshot, bootstrap } = context;
  const steps: ShadowStep[] = [];
  const admins = new AdminIndex();
  // The bootstrap superuser is who PostgreSQL records when a superuser grants without GRANTED BY.
  const grantorOf = (m: Membership) =>
    m.grantor === undefined || m.grantor === bootstrap || !snapshot.principalById.has(m.grantor)
      ? undefined
      : m.grantor;
  const ready = (m: Membership, grantor: PrincipalId | undefined) =>
    grantor === undefined || snapshot.principalById.get(grantor)?.superuser === true || admins.holds(grantor, m.group);
  let pending = snapshot.memberships.filter(
    (m) => m.implicit === undefined && !(isPredefinedRole(m.member) && isPredefinedRole(m.group)),
  );
  for (let progress = true; progress && pending.length > 0; ) {
    const waiting: Membership[] = [];
    for (const membership of pending) {
      const grantor = grantorOf(membership);
      if (!ready(membership, grantor)) waiting.push(membership);
      else {
        steps.push(grantStep(membership, grantor));
        admins.add(membership);
      }
    }
    progress = waiting.length < pending.length;
    pending = waiting;
  }
  for (const membership of pending) steps.push(grantStep(membership, undefined));
  if (pending.length > 0)
    context.warnings.push(
      `${pending.length} role membership(s) are recorded as granted by the bootstrap superuser, because their grantors never held ADMIN OPTION (e.g. ${pending[0]?.group} to ${pending[0]?.member} by ${pending[0]?.grantor})`,
    );
  return steps;
}

function grantStep(m: Membership, grantor: PrincipalId | undefined): ShadowStep {
  const sql = `GRANT ${ident(m.group)} TO ${ident(m.member)} WITH INHERIT ${m.inherit}, SET ${m.set}, ADMIN ${m.admin}`;
  if (grantor === undefined) return { sql };
  return {
    sql: `${sql} GRANTED BY ${ident(grantor)}`,
    alternatives: [
      {
        sql,
        warning: `${m.group} to ${m.member} is recorded as granted by the bootstrap superuser, not by ${grantor}`,
      },
    ],
  };
}

/** The memberships emitted so far, to tell whether a grantor holds ADMIN OPTION on a group yet. */
class AdminIndex {
  readonly #groupsOf = new Map<PrincipalId, PrincipalId[]>();
  readonly #adminsOf = new Map<PrincipalId, Set<PrincipalId>>();

  add(m: Membership): void {
    if (m.inherit) this.#groupsOf.set(m.member, [...(this.#groupsOf.get(m.member) ?? []), m.group]);
    if (m.admin) this.#adminsOf.set(m.group, (this.#adminsOf.get(m.group) ?? new Set()).add(m.member));
  }

  /** `grantor`, or a role it inherits from, holds ADMIN OPTION on `group` (`is_admin_of_role`). */
  holds(grantor: PrincipalId, group: PrincipalId): boolean {
    const admins = this.#adminsOf.get(group);
    if (admins === undefined) return false;
    const seen = new Set([grantor]);
    const queue = [grantor];
    for (let role = queue.pop(); role !== undefined; role = queue.pop()) {
      if (admins.has(role)) return true;
      for (const next of this.#groupsOf.get(role) ?? [])
        if (!seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
    }
    return false;
  }
}
