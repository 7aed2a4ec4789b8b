export { ApiError, type ApiErrorCode, STATUS_BY_CODE } from './api-error.ts';
export { createApp, MAX_BODY_BYTES, type ServerDeps } from './app.ts';
export { OPENAPI } from './openapi.ts';
export { type RunningServer, startServer } from './serve.ts';
