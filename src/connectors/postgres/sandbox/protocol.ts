import type { ShadowPlan } from './shadow-plan.ts';

/**
 * Messages between Firebreak and the worker thread that holds the shadow. Only plain data
 * crosses (structured clone): the plan, the statements, rows.
 */

/** One statement of the change: what was written, and the SQL actually sent for it. */
export interface ReplayStatement {
  /** 1-based position in the change. */
  readonly index: number;
  /** Usually the statement itself; an emulation for the few that the shadow must not run as written. */
  readonly send: readonly string[];
}

/** How one statement of the change went. */
export interface StatementResult {
  readonly index: number;
  readonly ok: boolean;
  readonly error?: string;
}

export interface StartRequest {
  readonly kind: 'start';
  readonly plan: ShadowPlan;
  readonly role: string;
  readonly roleIsSuperuser: boolean;
  readonly statements: readonly ReplayStatement[];
  /** A prepared empty cluster for this database name, from an earlier shadow (see `prepareImage`). */
  readonly image?: ArrayBuffer;
}

export interface QueryRequest {
  readonly kind: 'query';
  readonly id: number;
  readonly text: string;
  readonly params?: readonly unknown[];
}

export type WorkerRequest = StartRequest | QueryRequest;

export interface ReplayedResponse {
  readonly kind: 'replayed';
  readonly statements: readonly StatementResult[];
  readonly warnings: readonly string[];
  /** The empty cluster this shadow started from, when the request brought none: for the next one. */
  readonly image?: ArrayBuffer;
}

export type WorkerResponse =
  | ReplayedResponse
  | { readonly kind: 'failed'; readonly reason: string }
  | { readonly kind: 'rows'; readonly id: number; readonly rows: readonly unknown[] }
  | { readonly kind: 'query-failed'; readonly id: number; readonly message: string };

/** The text of an error thrown by PGlite or by Node. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
