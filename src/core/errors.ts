/**
 * Failures that cross a layer boundary carry a code from this closed set; each shell maps every
 * code to its own form (exit code, HTTP status) in one exhaustive table, so a new code without a
 * mapping does not compile.
 */
export const ERROR_CODES = [
  /** The user's input (arguments, SQL, a file) is invalid. */
  'invalid_input',
  /** The configuration file or a value in it is invalid. */
  'invalid_config',
  /** Something named does not exist (a system, principal, resource, database). */
  'not_found',
  /** A system could not be reached (network, socket, timeout). */
  'unreachable',
  /** A system refused the credentials. */
  'auth_failed',
  /** A system answered, but not with what it must hold (missing catalogs, permissions). */
  'source_error',
  /** Firebreak's own store cannot be reached or opened; nothing that needs recording can proceed. */
  'store_unavailable',
  /** The request is valid but the current state does not allow it (an approval already decided). */
  'conflict',
  /** The caller may not do this (an agent approving, someone approving their own request). */
  'forbidden',
  /** A bug or an unexpected state inside Firebreak. */
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class FirebreakError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FirebreakError';
    this.code = code;
  }
}

export function isFirebreakError(error: unknown): error is FirebreakError {
  return error instanceof FirebreakError;
}
