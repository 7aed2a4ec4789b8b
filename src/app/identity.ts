import { err, ok, type Result } from '../core/index.ts';

/**
 * Who may do what through the server. A token has one role; an agent's token can check changes
 * and nothing else, so an agent can never approve, and the approval rules refuse agents again.
 */
export const TOKEN_ROLES = ['admin', 'approver', 'agent', 'viewer'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

export const PERMISSIONS = ['check', 'read', 'approve', 'administer'] as const;
export type Permission = (typeof PERMISSIONS)[number];

const GRANTED: Readonly<Record<TokenRole, readonly Permission[]>> = {
  admin: ['check', 'read', 'approve', 'administer'],
  approver: ['check', 'read', 'approve'],
  agent: ['check'],
  viewer: ['read'],
};

export interface TokenRecord {
  readonly id: string;
  readonly name: string;
  readonly role: TokenRole;
  readonly createdAt: string;
  readonly revokedAt?: string;
}

export function may(role: TokenRole, permission: Permission): boolean {
  return GRANTED[role].includes(permission);
}

/** The actor a token acts as: `agent:NAME` for agents, `user:NAME` for people. */
export function actorOfToken(token: TokenRecord): string {
  return `${token.role === 'agent' ? 'agent' : 'user'}:${token.name}`;
}

export function parseTokenRole(text: string): Result<TokenRole, string> {
  return (TOKEN_ROLES as readonly string[]).includes(text)
    ? ok(text as TokenRole)
    : err(`role "${text}" must be one of ${TOKEN_ROLES.join(', ')}`);
}

/** Token names are what approvals and the ledger show: short, printable, no spaces or colons. */
export function validTokenName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/.test(name);
}
