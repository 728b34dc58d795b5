/**
 * The OpenAPI 3.1 document served at `/v1/openapi.json`, generated from the route table
 * ({@link RouteSpec}) that also configures Fastify.
 *
 * @packageDocumentation
 */
import type { Scope } from './tokens.js';
import type { JsonSchema } from './schemas.js';
import { namedSchemas } from './schemas.js';

/** One documented response of a route. */
export interface ResponseSpec {
  description: string;
  /** JSON Schema of a JSON body (validated/serialized by Fastify). */
  schema?: JsonSchema;
  /** Media type when not JSON (e.g. `application/octet-stream`). */
  contentType?: string;
}

/** One route: method, path, who may call it, what it takes and returns. */
export interface RouteSpec {
  operationId: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI path template, e.g. `/v1/traces/{id}`. */
  path: string;
  summary: string;
  description?: string;
  /** Scope needed: a scope, `any` valid token, or `none` (public). */
  scope: Scope | 'any' | 'none';
  /** Kind of request body. `trace`: text/plain or octet-stream, gzip accepted; `program`: octet-stream. */
  body: 'trace' | 'program' | 'json' | 'none';
  jsonBody?: JsonSchema;
  params?: Record<string, JsonSchema>;
  query?: Record<string, JsonSchema>;
  requiredQuery?: string[];
  responses: Record<string, ResponseSpec>;
}

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

/** Rewrites Fastify-style `$ref: 'Name#'` to OpenAPI component references and drops `$id`. */
function toOpenApi(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toOpenApi);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema as Record<string, unknown>)) {
    if (k === '$id') continue;
    if (k === '$ref' && typeof v === 'string' && v.endsWith('#')) out.$ref = `#/components/schemas/${v.slice(0, -1)}`;
    else if (k === 'nullable') continue;
    else if (k === 'type' && (schema as Record<string, unknown>).nullable === true) out.type = [v, 'null'];
    else out[k] = toOpenApi(v);
  }
  if ((schema as Record<string, unknown>).nullable === true && out.type === undefined && out.$ref !== undefined) {
    return { oneOf: [{ $ref: out.$ref }, { type: 'null' }] };
  }
  return out;
}

const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });

/** Builds the OpenAPI 3.1 document of the given routes. */
export function buildOpenApi(routes: readonly RouteSpec[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const op: Record<string, unknown> = { operationId: r.operationId, summary: r.summary };
    if (r.description) op.description = r.description;
    if (r.scope !== 'none') {
      op.security = [{ bearer: r.scope === 'any' ? [] : [r.scope] }];
      op['x-scope'] = r.scope;
    } else op.security = [];
    const parameters: unknown[] = [];
    for (const [name, schema] of Object.entries(r.params ?? {}))
      parameters.push({ name, in: 'path', required: true, schema: toOpenApi(schema) });
    for (const [name, schema] of Object.entries(r.query ?? {})) {
      parameters.push({
        name,
        in: 'query',
        required: (r.requiredQuery ?? []).includes(name),
        schema: toOpenApi(schema),
        description: (schema as { description?: string }).description,
      });
    }
    if (parameters.length) op.parameters = parameters;
    if (r.body === 'trace') {
      op.requestBody = {
        required: true,
        description:
          'An NtTrace log (raw) or a reduced trace (one call name per line). `Content-Encoding: gzip` accepted; size limits apply on the wire and after inflating.',
        content: {
          'text/plain': { schema: { type: 'string' } },
          'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
        },
      };
    } else if (r.body === 'program') {
      op.requestBody = {
        required: true,
        description: 'The executable, as is. Stored by SHA-256, never executed by the server.',
        content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
      };
    } else if (r.body === 'json' && r.jsonBody) {
      op.requestBody = { required: true, content: { 'application/json': { schema: toOpenApi(r.jsonBody) } } };
    }
    const responses: Record<string, unknown> = {};
    for (const [code, res] of Object.entries(r.responses)) {
      if (res.schema)
        responses[code] = {
          description: res.description,
          content: { [res.contentType ?? 'application/json']: { schema: toOpenApi(res.schema) } },
        };
      else if (res.contentType)
        responses[code] = {
          description: res.description,
          content: { [res.contentType]: { schema: { type: 'string', format: 'binary' } } },
        };
      else responses[code] = { description: res.description };
    }
    if (r.params || r.query || r.body === 'json') responses['400'] ??= problemResponse('Invalid parameter, query or body.');
    if (r.scope !== 'none') {
      responses['401'] = problemResponse('No token, or an unknown or revoked one.');
      if (r.scope !== 'any') responses['403'] ??= problemResponse(`The token lacks the "${r.scope}" scope.`);
      responses['429'] = problemResponse('Rate limit of the token exceeded (see Retry-After).');
    }
    if (r.body === 'trace' || r.body === 'program') {
      responses['413'] = problemResponse('Body too large (on the wire, or once inflated).');
      responses['415'] = problemResponse('Unsupported Content-Type or Content-Encoding.');
    }
    if (r.body === 'trace') responses['422'] ??= problemResponse('The body holds no trace (empty, or no call).');
    op.responses = responses;
    (paths[r.path] ??= {})[r.method.toLowerCase()] = op;
  }
  const schemas: Record<string, unknown> = {};
  for (const s of namedSchemas) schemas[s.$id as string] = toOpenApi(s);
  return {
    openapi: '3.1.0',
    info: {
      title: 'ntmaldetect API',
      version: '1',
      description:
        'Submit NtTrace traces and Windows programs, get malware verdicts, contribute labelled traces. Errors are RFC 9457 problem objects.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A token `ntmd_<id>_<secret>` made by `ntmaldetect tokens create`; scopes: detect, contribute, label, worker, admin (admin implies all).',
        },
      },
      schemas,
    },
    paths,
  };
}
