import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorCode } from '../core/index.ts';

/**
 * Errors as they cross the wire: `{ "error": { "code", "message" } }` with a code from a closed
 * set. Internal error codes map to HTTP statuses in one exhaustive table; the few codes only HTTP
 * has are listed beside them.
 */
export const HTTP_ONLY_CODES = ['unauthenticated', 'too_large', 'unsupported_media_type', 'no_route'] as const;
export type ApiErrorCode = ErrorCode | (typeof HTTP_ONLY_CODES)[number];

export const STATUS_BY_CODE: Readonly<Record<ApiErrorCode, ContentfulStatusCode>> = {
  invalid_input: 400,
  invalid_config: 500,
  not_found: 404,
  unreachable: 502,
  auth_failed: 502,
  source_error: 502,
  store_unavailable: 503,
  conflict: 409,
  forbidden: 403,
  internal: 500,
  unauthenticated: 401,
  too_large: 413,
  unsupported_media_type: 415,
  no_route: 404,
};

export interface ApiErrorBody {
  readonly error: { readonly code: ApiErrorCode; readonly message: string };
}

export class ApiError extends Error {
  readonly code: ApiErrorCode;

  constructor(code: ApiErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
}
