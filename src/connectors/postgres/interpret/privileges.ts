import type { Grant, PrincipalId, ResourceId } from '../../../core/index.ts';

/**
 * Privileges of each object type, as GRANT … ALL PRIVILEGES expands them and as the owner holds
 * them by default (https://www.postgresql.org/docs/current/ddl-priv.html#PRIVILEGES-SUMMARY-TABLE).
 */
export function tablePrivileges(serverVersion: number): string[] {
  const privileges = ['INSERT', 'SELECT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'];
  // MAINTAIN arrived in PostgreSQL 17.
  if (serverVersion >= 170000) privileges.push('MAINTAIN');
  return privileges;
}

export const COLUMN_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'REFERENCES'] as const;
export const SEQUENCE_PRIVILEGES = ['USAGE', 'SELECT', 'UPDATE'] as const;
export const SCHEMA_PRIVILEGES = ['USAGE', 'CREATE'] as const;
export const DATABASE_PRIVILEGES = ['CREATE', 'CONNECT', 'TEMPORARY'] as const;
export const FUNCTION_PRIVILEGES = ['EXECUTE'] as const;

/** A privilege name as the parser gives it (`select`, `temp`) in the catalog's spelling. */
export function normalisePrivilege(name: string): string {
  const upper = name.toUpperCase();
  return upper === 'TEMP' ? 'TEMPORARY' : upper;
}

const BUILT_IN = 'built-in default privileges (no GRANT has changed them)';

/** The grants a new object's owner holds before any GRANT (an ACL of NULL). */
export function ownerDefaults(owner: PrincipalId, resource: ResourceId, privileges: readonly string[]): Grant[] {
  return privileges.map((privilege) => ({
    principal: owner,
    privilege,
    resource,
    grantable: false,
    grantor: owner,
    implicit: BUILT_IN,
  }));
}
