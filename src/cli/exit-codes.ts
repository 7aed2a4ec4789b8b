import type { ErrorCode } from '../core/index.ts';

/** Process exit codes: stable, documented in docs/cli.md. */
export const EXIT = {
  ok: 0,
  /** Firebreak could not do its job: internal error, unreachable system. */
  failure: 1,
  /** The input was invalid: arguments, configuration, names, credentials. */
  invalid: 2,
  /** A change needs review (check, review). */
  review: 3,
  /** A change is denied (check, review). */
  deny: 4,
  /** The audit ledger failed verification: it was tampered with (audit verify). */
  tampered: 5,
} as const;

/** Every error code has an exit code; adding a code without one does not compile. */
export const EXIT_BY_ERROR: Readonly<Record<ErrorCode, number>> = {
  invalid_input: EXIT.invalid,
  invalid_config: EXIT.invalid,
  not_found: EXIT.invalid,
  auth_failed: EXIT.invalid,
  unreachable: EXIT.failure,
  source_error: EXIT.failure,
  store_unavailable: EXIT.failure,
  conflict: EXIT.invalid,
  forbidden: EXIT.invalid,
  internal: EXIT.failure,
};
