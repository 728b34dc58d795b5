/**
 * The route table of the API: one entry per endpoint. `createApp` registers these with
 * Fastify and `buildOpenApi` documents them, so both always agree.
 *
 * @packageDocumentation
 */
import type { RouteSpec } from './openapi.js';
import { NAME_PATTERN, SHA256_PATTERN, TOKEN_ID_PATTERN, TRACE_ID_PATTERN, labelSchema } from './schemas.js';

const traceId = { id: { type: 'string', pattern: TRACE_ID_PATTERN, description: 'Trace id: SHA-256 of the canonical reduced trace.' } };
const sha = { sha256: { type: 'string', pattern: SHA256_PATTERN, description: 'SHA-256 of the program, lower-case hex.' } };
const lease = { lease: { type: 'string', pattern: '^[0-9a-f]{32}$', description: 'The lease returned by the claim.' } };
const name = (what: string) => ({
  type: 'string',
  pattern: NAME_PATTERN,
  description: `${what} (1-255 printable characters, no / or \\).`,
});
const ref = (id: string) => ({ $ref: `${id}#` });
const status = { type: 'object', required: ['status'], properties: { status: { type: 'string' } } };
const tokenIdParam = { id: { type: 'string', pattern: TOKEN_ID_PATTERN, description: 'Token id (12 hex digits).' } };
const ttlSeconds = {
  type: 'integer',
  minimum: 60,
  maximum: 366 * 86400,
  description: 'Lifetime in seconds from now (1 minute to 366 days).',
};
const problem = (description: string) => ({ description, schema: ref('Problem'), contentType: 'application/problem+json' });

/** Every endpoint of the API. */
export const ROUTES: readonly RouteSpec[] = [
  {
    operationId: 'health',
    method: 'GET',
    path: '/v1/health',
    summary: 'Liveness: the process answers.',
    scope: 'none',
    body: 'none',
    responses: { 200: { description: 'Alive.', schema: status } },
  },
  {
    operationId: 'ready',
    method: 'GET',
    path: '/v1/ready',
    summary: 'Readiness: the store answers.',
    scope: 'none',
    body: 'none',
    responses: {
      200: { description: 'Ready.', schema: status },
      503: problem('Not ready.'),
    },
  },
  {
    operationId: 'openapi',
    method: 'GET',
    path: '/v1/openapi.json',
    summary: 'This OpenAPI document.',
    scope: 'none',
    body: 'none',
    responses: { 200: { description: 'OpenAPI 3.1 document.' } },
  },
  {
    operationId: 'detect',
    method: 'POST',
    path: '/v1/detect',
    summary: 'Classify a trace. Nothing is stored.',
    scope: 'detect',
    body: 'trace',
    responses: { 200: { description: 'The verdict.', schema: ref('Verdict') } },
  },
  {
    operationId: 'contribute',
    method: 'POST',
    path: '/v1/traces',
    summary: 'Contribute a trace (optionally labelled) to the store.',
    description:
      'Identical traces are stored once: a duplicate is refused with 409 and the id of the stored trace (problem member `id`, and `Location`).',
    scope: 'contribute',
    body: 'trace',
    query: {
      label: { ...labelSchema, description: 'Class of the trace, if known.' },
      name: name('File name of the trace'),
      programSha256: { type: 'string', pattern: SHA256_PATTERN, description: 'SHA-256 of the traced program.' },
      programName: name('Name of the traced program'),
    },
    responses: {
      201: { description: 'Stored.', schema: ref('TraceSubmitted') },
      409: problem('Already stored (member `id`).'),
    },
  },
  {
    operationId: 'getTrace',
    method: 'GET',
    path: '/v1/traces/{id}',
    summary: 'A stored trace: label history, submissions, verdict of the current model.',
    scope: 'any',
    body: 'none',
    params: traceId,
    responses: {
      200: { description: 'The trace.', schema: ref('TraceInfo') },
      404: problem('No such trace.'),
    },
  },
  {
    operationId: 'labelTrace',
    method: 'PUT',
    path: '/v1/traces/{id}/label',
    summary: 'Relabel a stored trace (the history is kept).',
    scope: 'label',
    body: 'json',
    params: traceId,
    jsonBody: { type: 'object', additionalProperties: false, required: ['label'], properties: { label: labelSchema } },
    responses: {
      200: { description: 'The relabelled trace.', schema: ref('TraceInfo') },
      404: problem('No such trace.'),
    },
  },
  {
    operationId: 'deleteTrace',
    method: 'DELETE',
    path: '/v1/traces/{id}',
    summary: 'Delete a contribution for real (trace, submissions, raw log).',
    scope: 'admin',
    body: 'none',
    params: traceId,
    responses: {
      204: { description: 'Deleted.' },
      404: problem('No such trace.'),
    },
  },
  {
    operationId: 'stats',
    method: 'GET',
    path: '/v1/stats',
    summary: 'Counts of traces, labels and programs.',
    scope: 'any',
    body: 'none',
    responses: { 200: { description: 'Counts.', schema: ref('Stats') } },
  },
  {
    operationId: 'models',
    method: 'GET',
    path: '/v1/models',
    summary: 'The model in use and its metrics.',
    scope: 'any',
    body: 'none',
    responses: { 200: { description: 'The model.', schema: ref('Models') } },
  },
  {
    operationId: 'submitProgram',
    method: 'POST',
    path: '/v1/programs',
    summary: 'Upload an executable to be traced by a worker. Stored by SHA-256; never executed by the server.',
    scope: 'contribute',
    body: 'program',
    query: { name: name('Program file name') },
    responses: {
      202: { description: 'Queued.', schema: ref('Program') },
      409: problem('Already submitted (it is traced once; see `Location`).'),
    },
  },
  {
    operationId: 'getProgram',
    method: 'GET',
    path: '/v1/programs/{sha256}',
    summary: "A program's status, and its trace's verdict when done.",
    scope: 'any',
    body: 'none',
    params: sha,
    responses: {
      200: { description: 'The program.', schema: ref('Program') },
      404: problem('No such program.'),
    },
  },
  {
    operationId: 'programContent',
    method: 'GET',
    path: '/v1/programs/{sha256}/content',
    summary: "The program's bytes: admin tokens, or a worker token holding the live lease.",
    scope: 'any',
    body: 'none',
    params: sha,
    query: lease,
    responses: {
      200: { description: 'The executable.', contentType: 'application/octet-stream' },
      403: problem('Neither admin nor the lease holder.'),
      404: problem('No such program.'),
    },
  },
  {
    operationId: 'claim',
    method: 'POST',
    path: '/v1/jobs/claim',
    summary: 'Worker: claim the next queued program (or one whose claim expired).',
    scope: 'worker',
    body: 'json',
    jsonBody: { type: 'object', additionalProperties: false, properties: { worker: name('Worker name') } },
    responses: { 200: { description: 'A claim.', schema: ref('Job') }, 204: { description: 'Nothing to do.' } },
  },
  {
    operationId: 'postJobTrace',
    method: 'POST',
    path: '/v1/jobs/{sha256}/trace',
    summary: "Worker: post a claimed program's trace; stored and the program marked done, only if the lease is still live.",
    scope: 'worker',
    body: 'trace',
    params: sha,
    query: lease,
    requiredQuery: ['lease'],
    responses: {
      200: { description: 'Done.', schema: ref('Program') },
      404: problem('No such program.'),
      409: problem('The claim was lost (expired and retried, or done): nothing stored.'),
    },
  },
  {
    operationId: 'failJob',
    method: 'POST',
    path: '/v1/jobs/{sha256}/fail',
    summary: 'Worker: give a claimed program back after a tracing failure (retried, or failed after the maximum attempts).',
    scope: 'worker',
    body: 'json',
    params: sha,
    query: lease,
    requiredQuery: ['lease'],
    jsonBody: {
      type: 'object',
      additionalProperties: false,
      required: ['error'],
      properties: { error: { type: 'string', maxLength: 2000 } },
    },
    responses: {
      200: { description: 'Requeued or failed.', schema: ref('Program') },
      409: problem('The claim was lost.'),
    },
  },
  {
    operationId: 'releaseJob',
    method: 'POST',
    path: '/v1/claims/{sha256}/release',
    summary:
      'Worker: give a claim back before running its program (a fault on the worker side, found by its pre-flight check); the program is queued again at once and the claim does not count as an attempt. The body (a JSON `reason`) is optional.',
    scope: 'worker',
    body: 'json',
    params: sha,
    query: lease,
    requiredQuery: ['lease'],
    jsonBody: {
      type: 'object',
      additionalProperties: false,
      properties: {
        reason: { type: 'string', maxLength: 2000, description: "Why the worker gives the claim back (kept as the program's last error)." },
      },
    },
    responses: {
      200: { description: 'Queued again.', schema: ref('Program') },
      409: problem('The claim is not held by this token with this lease.'),
    },
  },
  {
    operationId: 'requeueProgram',
    method: 'POST',
    path: '/v1/programs/{sha256}/requeue',
    summary: 'Admin: queue a failed program again (attempts reset), or one whose trace came from a revoked token.',
    scope: 'admin',
    body: 'none',
    params: sha,
    responses: {
      200: { description: 'Queued.', schema: ref('Program') },
      404: problem('No such program.'),
      409: problem('The program is neither failed nor done by a revoked token (`NOT_REQUEUEABLE`).'),
    },
  },
  {
    operationId: 'createToken',
    method: 'POST',
    path: '/v1/tokens',
    summary: 'Admin: create a token (the secret is in this response only).',
    scope: 'admin',
    body: 'json',
    jsonBody: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'scopes'],
      properties: {
        name: name('Token name'),
        scopes: {
          type: 'array',
          minItems: 1,
          maxItems: 5,
          items: { type: 'string', enum: ['detect', 'contribute', 'label', 'worker', 'admin'] },
        },
        worker: name('Worker name a `worker` token is bound to (default: the token name)'),
        ttlSeconds: { ...ttlSeconds, description: 'Lifetime in seconds (default: 30 days for a `worker` token, none for the others).' },
      },
    },
    responses: { 201: { description: 'Created.', schema: ref('Token') } },
  },
  {
    operationId: 'listTokens',
    method: 'GET',
    path: '/v1/tokens',
    summary: 'Admin: list tokens (never their secrets).',
    scope: 'admin',
    body: 'none',
    responses: { 200: { description: 'Tokens.', schema: { type: 'array', items: ref('Token') } } },
  },
  {
    operationId: 'updateToken',
    method: 'PATCH',
    path: '/v1/tokens/{id}',
    summary: 'Admin: bind a legacy worker token to a worker name (`worker`), and/or renew a token (`ttlSeconds` from now).',
    scope: 'admin',
    body: 'json',
    params: tokenIdParam,
    jsonBody: {
      type: 'object',
      additionalProperties: false,
      properties: { worker: name('Worker name to bind a legacy worker token to'), ttlSeconds },
    },
    responses: {
      200: { description: 'The token.', schema: ref('Token') },
      404: problem('No such active token.'),
      409: problem('Already bound to another worker name (`ALREADY_BOUND`).'),
    },
  },
  {
    operationId: 'rotateToken',
    method: 'POST',
    path: '/v1/tokens/{id}/rotate',
    summary:
      'Admin: replace a token by a new one (same name, scopes, worker binding); the old one expires after `graceSeconds` (default 0). Its results are not marked.',
    scope: 'admin',
    body: 'json',
    params: tokenIdParam,
    jsonBody: {
      type: 'object',
      additionalProperties: false,
      properties: { graceSeconds: { type: 'integer', minimum: 0, maximum: 86400 }, ttlSeconds },
    },
    responses: {
      201: { description: 'The new token (its secret is in this response only).', schema: ref('Token') },
      404: problem('No such active token.'),
    },
  },
  {
    operationId: 'revokeToken',
    method: 'DELETE',
    path: '/v1/tokens/{id}',
    summary:
      'Admin: revoke a token. The traces it produced are marked suspect (left out of re-assessment until a person relabels or deletes them) and its claims go back to the queue; the counts are in the headers `Ntmd-Marked-Traces` and `Ntmd-Released-Claims`.',
    scope: 'admin',
    body: 'none',
    params: { id: { type: 'string', pattern: TOKEN_ID_PATTERN } },
    responses: {
      204: { description: 'Revoked.' },
      404: problem('No such token.'),
    },
  },
];
