/**
 * The API's OpenAPI 3.1 document, served at /api/openapi.json. Kept beside the routes and checked
 * against them by test/server/api.test.ts (every route it lists answers, and no other).
 */
const error = { $ref: '#/components/schemas/Error' };
const errors = {
  '400': { description: 'Invalid input', content: { 'application/json': { schema: error } } },
  '401': { description: 'Missing, unknown or revoked token', content: { 'application/json': { schema: error } } },
  '403': { description: "The token's role may not do this", content: { 'application/json': { schema: error } } },
  '503': { description: 'The store is unavailable', content: { 'application/json': { schema: error } } },
};
const json = (description: string, schema: object = { type: 'object' }) => ({
  description,
  content: { 'application/json': { schema } },
});
/** A JSON request body: an object with exactly these properties. */
const body = (schema: object, required = true) => ({
  required,
  content: { 'application/json': { schema: { type: 'object', additionalProperties: false, ...schema } } },
});
const systemName = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };
const id = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const limit = { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } };

export const OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'Firebreak API',
    version: '1',
    description:
      'Checks, exposure and explain; approvals, decisions and the audit ledger. Authenticate with a bearer token made by `firebreak token create`; errors are `{ "error": { "code", "message" } }`.',
  },
  security: [{ bearer: [] }],
  paths: {
    '/healthz': { get: { summary: 'Liveness', security: [], responses: { '200': json('Alive') } } },
    '/readyz': {
      get: {
        summary: 'Readiness: the store answers',
        security: [],
        responses: { '200': json('Ready'), '503': errors['503'] },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics: decisions by outcome, check latency, pending approvals, requests',
        security: [],
        responses: {
          '200': { description: 'Text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } },
        },
      },
    },
    '/api/v1/whoami': {
      get: { summary: "The token's name and role", responses: { '200': json('Identity'), '401': errors['401'] } },
    },
    '/api/v1/approvals': {
      get: {
        summary: 'Approval requests, newest first',
        parameters: [
          { name: 'state', in: 'query', schema: { enum: ['pending', 'approved', 'denied', 'expired', 'executed'] } },
          limit,
        ],
        responses: { '200': json('Approval requests'), ...errors },
      },
    },
    '/api/v1/approvals/{id}': {
      get: {
        summary: 'One approval request',
        parameters: [id],
        responses: { '200': json('The request'), '404': json('No such request', error), ...errors },
      },
    },
    '/api/v1/approvals/{id}/approve': {
      post: {
        summary: 'Approve (approver or admin; never the requester, never an agent)',
        parameters: [id],
        requestBody: body({ properties: { reason: { type: 'string', maxLength: 2000 } } }, false),
        responses: {
          '200': json('The request after the vote'),
          '409': json('Already decided or expired', error),
          ...errors,
        },
      },
    },
    '/api/v1/approvals/{id}/deny': {
      post: {
        summary: 'Deny, with a reason',
        parameters: [id],
        requestBody: body({
          required: ['reason'],
          properties: { reason: { type: 'string', minLength: 1, maxLength: 2000 } },
        }),
        responses: { '200': json('The denied request'), '409': json('Already decided or expired', error), ...errors },
      },
    },
    '/api/v1/checks': {
      post: {
        summary:
          'Check a change as `firebreak check` does, as the token’s identity; a review opens an approval request',
        requestBody: body({
          required: ['system', 'sql'],
          properties: {
            system: { type: 'string' },
            sql: { type: 'string', maxLength: 1_000_000 },
            as: { type: 'string', description: 'the role the change runs as' },
            verify: { type: 'boolean', description: 'also replay it in the sandbox' },
          },
        }),
        responses: {
          '200': json('The check report (docs/cli.md), with `approval: { id, state }` when the change is held'),
          '404': json('No such system', error),
          ...errors,
        },
      },
    },
    '/api/v1/systems': {
      get: { summary: 'The systems the server knows', responses: { '200': json('Names'), ...errors } },
    },
    '/api/v1/systems/{name}/exposure': {
      get: {
        summary: 'Who can read each labelled resource (as `firebreak exposure --format json`)',
        parameters: [systemName],
        responses: { '200': json('The exposure report'), '404': json('No such system', error), ...errors },
      },
    },
    '/api/v1/systems/{name}/explain': {
      get: {
        summary: 'Every path by which a principal reads a resource, or the missing link',
        parameters: [
          systemName,
          { name: 'principal', in: 'query', required: true, schema: { type: 'string' } },
          { name: 'resource', in: 'query', required: true, schema: { type: 'string' } },
        ],
        responses: { '200': json('The explanation'), ...errors },
      },
    },
    '/api/v1/decisions': {
      get: {
        summary: 'Recorded decisions, newest first',
        parameters: [{ name: 'system', in: 'query', schema: { type: 'string' } }, limit],
        responses: { '200': json('Decisions'), ...errors },
      },
    },
    '/api/v1/audit': {
      get: {
        summary: 'Ledger entries in order',
        parameters: [
          { name: 'after', in: 'query', schema: { type: 'integer', minimum: 0 } },
          { name: 'kind', in: 'query', schema: { type: 'string' } },
          limit,
        ],
        responses: { '200': json('Entries'), ...errors },
      },
    },
    '/api/v1/audit/verify': {
      get: { summary: 'Verify the whole ledger', responses: { '200': json('The verify report'), ...errors } },
    },
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: { code: { type: 'string' }, message: { type: 'string' } },
          },
        },
      },
    },
  },
} as const;
