/**
 * The Fastify application: routes, authentication, rate limits, body limits, validation,
 * problem+json errors. Built from {@link ROUTES}, the same table `/v1/openapi.json` is
 * generated from.
 *
 * @packageDocumentation
 */
import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type {
  JobClaim,
  LabelName,
  ProgramRecord,
  ServerBackend,
  TraceDetector,
  TraceInput,
  TraceProvenance,
  VerdictJson,
} from './backend.js';
import { BodyBudget, readBody } from './body.js';
import type { BodyLimits, BodyReservation } from './body.js';
import { isConnectionError } from '../store/driver.js';
import {
  ApiError,
  BadRequestError,
  ConflictError,
  DependencyMissingError,
  ForbiddenError,
  NotFoundError,
  DatabaseUnavailableError,
  ServerBusyError,
  RateLimitedError,
  AuthRateLimitedError,
  UnauthorizedError,
  UnsupportedMediaError,
  WorkerMismatchError,
} from './errors.js';
import { buildOpenApi } from './openapi.js';
import type { RouteSpec } from './openapi.js';
import { RateLimiter } from './rate-limit.js';
import type { RateLimitOptions } from './rate-limit.js';
import { NAME_PATTERN, namedSchemas } from './schemas.js';
import { hasScope, parseToken, secretMatches, tokenExpired } from './tokens.js';
import type { Scope, TokenRecord } from './tokens.js';
import { ROUTES } from './routes.js';
import { sha256Hex } from '../hash.js';

/** Size limits of request bodies, in bytes. */
export interface ServerLimits {
  /** A trace body on the wire (`/v1/detect`, `/v1/traces`, a worker's trace). Default 64 MiB. */
  traceBytes?: number;
  /** A gzip trace body once inflated. Default 256 MiB. */
  traceInflatedBytes?: number;
  /** An uploaded program. Default 128 MiB. */
  programBytes?: number;
  /** A JSON body. Default 64 KiB. */
  jsonBytes?: number;
  /**
   * The memory all request bodies in flight may hold together (as received and once
   * inflated); past it a body is refused with 503 and `Retry-After`. Default 512 MiB.
   */
  bodyMemoryBytes?: number;
}

/** Settings of the tracing queue. */
export interface JobOptions {
  /** How long a claim lasts before another worker may take the program. Default 15 min. */
  leaseMs?: number;
  /** Time limit a worker gives NtTrace per program. Default 2 min. */
  timeLimitMs?: number;
  /** Claims after which a program that keeps failing is marked `failed`. Default 3. */
  maxAttempts?: number;
  /** Live claims one token may hold at once. Default 2. */
  maxClaims?: number;
}

/** Options of {@link createApp}. */
export interface AppOptions {
  backend: ServerBackend;
  detector: TraceDetector;
  limits?: ServerLimits;
  /** Per-token rate limit. Default 100 requests/s, burst 200. `{ perSecond: 0 }` disables it. */
  rateLimit?: RateLimitOptions;
  jobs?: JobOptions;
  /** How long a verified token is trusted before the store is asked again. Default 2000 ms. */
  tokenCacheMs?: number;
  /**
   * How long a token that failed verification (unknown, revoked, expired, wrong secret) is
   * refused without asking the store again. Default 30 000 ms.
   */
  negativeCacheMs?: number;
  /**
   * Failed authentications allowed per client address (token bucket). Past it, requests
   * from the address that do not carry an already verified token get 429 with
   * `Retry-After`, without a store lookup. Default 1/s, burst 20; `{ perSecond: 0 }` disables it.
   */
  authFailureLimit?: RateLimitOptions;
  /** Receives warnings (a legacy worker token in use); default: the server's stderr. */
  onWarning?: (message: string) => void;
  /** Fastify logger (pino) on: true, or off (default). Errors 500 are logged either way to stderr. */
  logger?: boolean;
  /** Serve HTTPS with this certificate chain and private key (PEM), instead of plain HTTP. */
  tls?: { cert: Buffer | string; key: Buffer | string };
}

/** The resolved defaults. */
export const DEFAULT_LIMITS: Required<ServerLimits> = {
  traceBytes: 64 * 1024 * 1024,
  traceInflatedBytes: 256 * 1024 * 1024,
  programBytes: 128 * 1024 * 1024,
  jsonBytes: 64 * 1024,
  bodyMemoryBytes: 512 * 1024 * 1024,
};
export const DEFAULT_JOBS: Required<JobOptions> = { leaseMs: 15 * 60_000, timeLimitMs: 120_000, maxAttempts: 3, maxClaims: 2 };

/** Response header carrying a warning about the request's token (a legacy worker token). */
export const WARNING_HEADER = 'ntmd-warning';

declare module 'fastify' {
  interface FastifyRequest {
    ntmdToken: TokenRecord | undefined;
    /** The body kind of the matched route, set by its onRequest hook (read by the body parser). */
    ntmdBody: 'trace' | 'program' | 'json' | 'none' | undefined;
    /** The bytes this request's body holds of the server's body budget (released when it ends). */
    ntmdReservation: BodyReservation | undefined;
  }
  interface FastifyInstance {
    /** The memory budget of request bodies in flight (its `inUse`, `peak`, `refused`). */
    ntmdBodyBudget: BodyBudget;
  }
  interface FastifyContextConfig {
    scope?: Scope | 'any' | 'none';
    body?: 'trace' | 'program' | 'json' | 'none';
  }
}

/** Loads Fastify (an optional peer dependency), with a typed error when it is missing. */
export async function loadFastify(): Promise<typeof import('fastify').default> {
  try {
    return (await import('fastify')).default;
  } catch (e) {
    throw new DependencyMissingError('fastify', 'the ntmaldetect HTTP server', { cause: e });
  }
}

const BEARER = /^Bearer\s+(\S+)$/i;
/** Verified tokens remembered at most (the cache is emptied when full). */
const TOKEN_CACHE_MAX = 10_000;
/** Refused tokens remembered at most (the oldest entry goes first). */
const NEGATIVE_CACHE_MAX = 100_000;
const sha256 = (crypto as { hash?: (alg: string, data: string, enc: 'base64') => string }).hash;
/** The token cache's key: SHA-256 of the whole token string (base64). */
function tokenKey(token: string): string {
  return sha256 ? sha256('sha256', token, 'base64') : createHash('sha256').update(token).digest('base64');
}

function problem(
  status: number,
  code: string,
  detail: string,
  instance: string,
  extra: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  return {
    type: `https://ntmaldetect.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    code,
    detail,
    instance,
    ...extra,
  };
}

function sendProblem(reply: FastifyReply, p: Record<string, unknown>): FastifyReply {
  return reply
    .code(p.status as number)
    .type('application/problem+json')
    .send(JSON.stringify(p));
}

/** SHA-256 of bytes, lower-case hex (the one helper, src/hash.ts). */
export { sha256Hex };

/** Turns a stored program into its API object, adding the verdict of its trace. */
async function programJson(backend: ServerBackend, detector: TraceDetector, p: ProgramRecord): Promise<Record<string, unknown>> {
  let trace: { id: string; verdict: VerdictJson } | null = null;
  if (p.traceId !== null) {
    const verdict = await verdictOf(backend, detector, p.traceId);
    if (verdict) trace = { id: p.traceId, verdict };
  }
  return {
    sha256: p.sha256,
    name: p.name,
    size: p.size,
    status: p.status,
    submittedAt: p.submittedAt,
    attempts: p.attempts,
    error: p.error,
    trace,
  };
}

/** The verdict of the current model for a stored trace: cached, or computed and cached. */
async function verdictOf(backend: ServerBackend, detector: TraceDetector, id: string): Promise<VerdictJson | undefined> {
  const t = await backend.getTrace(id, detector.model.sha256);
  if (!t) return undefined;
  if (t.verdict) return t.verdict;
  const verdict = await detector.detect(await t.content());
  await backend.saveVerdict(id, detector.model.sha256, verdict);
  return verdict;
}

/**
 * Builds the application (not listening yet: call `app.listen({ host, port })`, or
 * `app.inject()` in tests). Loads Fastify on demand.
 */
export async function createApp(options: AppOptions): Promise<FastifyInstance> {
  const fastify = await loadFastify();
  const { backend, detector } = options;
  const limits = { ...DEFAULT_LIMITS, ...defined(options.limits) };
  const jobs = { ...DEFAULT_JOBS, ...defined(options.jobs) };
  const limiter = new RateLimiter(options.rateLimit ?? { perSecond: 100, burst: 200 });
  const tokenCacheMs = options.tokenCacheMs ?? 2000;
  const tokenCache = new Map<string, { record: TokenRecord; until: number }>();
  let revocations = 0;
  const negativeCacheMs = options.negativeCacheMs ?? 30_000;
  // Refused tokens, keyed like the token cache (`t:` + hash of the whole token), and token
  // ids that are unknown or revoked (`i:` + id): neither is looked up again until `until`.
  const negativeCache = new Map<string, { id: string; until: number }>();
  // One store lookup per token string at a time: a storm of requests with one token waits
  // on the same lookup.
  const inflight = new Map<string, Promise<TokenRecord | 'unknown' | 'refused'>>();
  const authFailures = new RateLimiter(options.authFailureLimit ?? { perSecond: 1, burst: 20 });
  const warn = options.onWarning ?? ((m: string) => process.stderr.write(`ntmaldetect serve: warning: ${m}\n`));
  const warnedLegacy = new Set<string>();

  const app = fastify({
    ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key } } : {}),
    logger: options.logger ?? false,
    bodyLimit: limits.jsonBytes,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
    return503OnClosing: true,
    forceCloseConnections: true,
  });
  for (const s of namedSchemas) app.addSchema(s);
  app.decorateRequest('ntmdToken', undefined);
  app.decorateRequest('ntmdBody', undefined);
  app.decorateRequest('ntmdReservation', undefined);
  const budget = new BodyBudget(limits.bodyMemoryBytes);
  app.decorate('ntmdBodyBudget', budget);
  // A body's bytes count until its request is over: answered, or abandoned by the client.
  const releaseBody = (request: FastifyRequest, _reply: unknown, done: () => void): void => {
    request.ntmdReservation?.release();
    done();
  };
  app.addHook('onResponse', releaseBody);
  app.addHook('onRequestAbort', (request, done) => releaseBody(request, undefined, done));

  const bodyLimits = (kind: 'trace' | 'program'): BodyLimits =>
    kind === 'trace'
      ? { limit: limits.traceBytes, inflatedLimit: limits.traceInflatedBytes, unwrapGzipFile: true, shareLarge: true }
      : { limit: limits.programBytes, allowGzip: false };

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: limits.jsonBytes }, (_req, text, done) => {
    try {
      done(null, JSON.parse(text as string));
    } catch {
      done(new ApiError(400, 'BAD_JSON', 'the body is not valid JSON'), undefined);
    }
  });
  app.addContentTypeParser(['text/plain', 'application/octet-stream'], (request: FastifyRequest, payload: IncomingMessage) => {
    const kind = request.ntmdBody;
    if (kind !== 'trace' && kind !== 'program') {
      return Promise.reject(new UnsupportedMediaError(`this endpoint takes ${kind === 'json' ? 'application/json' : 'no body'}`));
    }
    const reservation = budget.reserve();
    request.ntmdReservation = reservation;
    return readBody(payload, request.headers, bodyLimits(kind), reservation);
  });
  app.addContentTypeParser('*', (request, _payload, done) => {
    done(
      new UnsupportedMediaError(
        `Content-Type ${JSON.stringify(request.headers['content-type'] ?? '')} is not accepted: send text/plain or application/octet-stream (traces, programs) or application/json`,
      ),
      undefined,
    );
  });

  app.setErrorHandler((err: unknown, request, reply) => {
    const instance = request.url.split('?')[0];
    if (err instanceof ApiError) {
      // The body was not read to its end: the connection cannot carry another request.
      if (err.status === 413 || err instanceof ServerBusyError) reply.header('connection', 'close');
      if (typeof err.extra.retryAfter === 'number') reply.header('retry-after', String(err.extra.retryAfter));
      return sendProblem(reply, problem(err.status, err.code, err.message, instance, err.extra));
    }
    const e = err as { validation?: unknown; statusCode?: number; code?: string; message?: string };
    if (e.validation)
      return sendProblem(reply, problem(400, 'VALIDATION', validationMessage(e) ?? e.message ?? 'invalid request', instance));
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      if (e.statusCode === 413) reply.header('connection', 'close');
      return sendProblem(
        reply,
        problem(e.statusCode, e.code?.replace(/^FST_ERR_/, '') ?? 'BAD_REQUEST', e.message ?? 'bad request', instance),
      );
    }
    // The database is down or restarting: not a bug, and worth a retry (503 + Retry-After).
    if (isConnectionError(err)) {
      const down = new DatabaseUnavailableError((err as Error).message ?? String(err));
      reply.header('retry-after', String(down.retryAfter));
      return sendProblem(reply, problem(down.status, down.code, down.message, instance, down.extra));
    }
    request.log.error(err);
    if (!options.logger)
      process.stderr.write(`ntmaldetect serve: internal error on ${request.method} ${instance}: ${(err as Error)?.stack ?? String(err)}\n`);
    return sendProblem(reply, problem(500, 'INTERNAL', 'internal server error', instance));
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, problem(404, 'NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`, request.url.split('?')[0])),
  );

  // Authentication, scope check and rate limit, before the body is read. A verified token
  // is remembered for `tokenCacheMs`, keyed by the SHA-256 of the whole token (the secret is
  // not kept): a hit is the same proof as the store's check, since the hash of the secret is
  // what the store holds. Revoking through the API drops the entry at once; a revocation made
  // elsewhere (the CLI on a shared PostgreSQL store) takes effect within `tokenCacheMs`.
  // Written with a callback, not `async`, so that the common case (a cached token) costs no
  // promise and no extra turn of the event loop.
  const admit = (request: FastifyRequest, reply: FastifyReply, needed: Scope | 'any', record: TokenRecord): void => {
    if (needed !== 'any' && !hasScope(record.scopes, needed)) throw new ForbiddenError(needed, record.scopes);
    const wait = limiter.take(record.id);
    if (wait > 0) throw new RateLimitedError(wait, limiter.perSecond);
    request.ntmdToken = record;
    if (record.legacy && record.workerName === null && record.scopes.includes('worker')) {
      const m = `token ${record.id} (${record.name}) is a worker token made before worker identity: it is not bound to a worker name and does not expire; bind it (tokens bind ${record.id} --worker NAME) or replace it (tokens rotate ${record.id})`;
      reply.header(WARNING_HEADER, m);
      if (!warnedLegacy.has(record.id)) {
        warnedLegacy.add(record.id);
        warn(m);
      }
    }
  };
  // Failed authentication: counted against the client's address, and the token (and its id,
  // when unknown or revoked) is not looked up again for `negativeCacheMs`.
  const refuse = (ip: string, key: string | undefined, id: string | undefined, idToo: boolean, message: string): UnauthorizedError => {
    authFailures.take(ip);
    if (key !== undefined && negativeCacheMs > 0) {
      while (negativeCache.size >= NEGATIVE_CACHE_MAX) negativeCache.delete(negativeCache.keys().next().value!);
      const until = performance.now() + negativeCacheMs;
      negativeCache.set(`t:${key}`, { id: id ?? '', until });
      if (idToo && id !== undefined) negativeCache.set(`i:${id}`, { id, until });
    }
    return new UnauthorizedError(message);
  };
  const refusedRecently = (key: string, id: string, now: number): boolean => {
    for (const k of [`t:${key}`, `i:${id}`]) {
      const e = negativeCache.get(k);
      if (e === undefined) continue;
      if (e.until > now) return true;
      negativeCache.delete(k);
    }
    return false;
  };
  const forgetRefusals = (id: string): void => {
    for (const [k, v] of negativeCache) if (v.id === id) negativeCache.delete(k);
  };
  // The store's answer for a token string: its record when the secret matches and it is not
  // revoked; 'unknown' (no such id, or revoked: the id can be refused outright) or 'refused'
  // (wrong secret). The hash comparison is constant-time (`secretMatches`).
  const verify = (key: string, parsed: { id: string; secret: string }): Promise<TokenRecord | 'unknown' | 'refused'> => {
    let p = inflight.get(key);
    if (p === undefined) {
      p = backend.findToken(parsed.id).then((found) => {
        if (!found || found.revokedAt !== null) return 'unknown' as const;
        return secretMatches(parsed.secret, found.hash) ? found : ('refused' as const);
      });
      const settle = (): void => void inflight.delete(key);
      p.then(settle, settle);
      inflight.set(key, p);
    }
    return p;
  };
  // One hook per route, with the route's scope and body kind in its closure (Fastify's
  // request.routeOptions builds a new object on every read).
  type Hook = (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => void;
  const routeHook =
    (needed: Scope | 'any' | 'none', body: 'trace' | 'program' | 'json' | 'none'): Hook =>
    (request, reply, done) => {
      request.ntmdBody = body;
      if (needed === 'none') return done();
      try {
        const header = request.headers.authorization;
        const m = header === undefined ? null : BEARER.exec(header);
        const now = performance.now();
        const key = m ? tokenKey(m[1]) : undefined;
        if (key !== undefined) {
          const cached = tokenCache.get(key);
          if (cached !== undefined && cached.until > now) {
            if (!tokenExpired(cached.record)) {
              admit(request, reply, needed, cached.record);
              return done();
            }
            tokenCache.delete(key);
          }
        }
        // Not a token verified lately: an address that failed too often is refused before
        // anything is looked up.
        const ip = request.ip;
        const wait = authFailures.wait(ip);
        if (wait > 0) throw new AuthRateLimitedError(wait, authFailures.perSecond);
        if (!m) throw refuse(ip, undefined, undefined, false, 'a bearer token is required: send "Authorization: Bearer ntmd_..."');
        const parsed = parseToken(m[1]);
        if (!parsed) throw refuse(ip, undefined, undefined, false, 'the bearer token is malformed: expected ntmd_<12 hex>_<43 base64url>');
        if (refusedRecently(key!, parsed.id, now))
          throw refuse(ip, undefined, undefined, false, 'unknown or revoked token (refused recently: not looked up again yet)');
        const generation = revocations;
        verify(key!, parsed).then(
          (found) => {
            try {
              if (found === 'unknown' || found === 'refused') {
                tokenCache.delete(key!);
                throw refuse(ip, key, parsed.id, found === 'unknown', 'unknown or revoked token');
              }
              if (tokenExpired(found)) {
                throw refuse(
                  ip,
                  key,
                  parsed.id,
                  false,
                  `the token expired at ${found.expiresAt!.toISOString()}: ask an administrator to renew or rotate it`,
                );
              }
              if (tokenCache.size >= TOKEN_CACHE_MAX) tokenCache.clear();
              // Not remembered if a revocation went through while the store was asked.
              if (generation === revocations) tokenCache.set(key!, { record: found, until: performance.now() + tokenCacheMs });
              admit(request, reply, needed, found);
              done();
            } catch (e) {
              done(e as Error);
            }
          },
          (e: unknown) => done(e as Error),
        );
      } catch (e) {
        done(e as Error);
      }
    };

  const submitter = (request: FastifyRequest): string => `token:${request.ntmdToken?.name ?? 'anonymous'}`;
  const traceBody = (request: FastifyRequest): Buffer => {
    if (!Buffer.isBuffer(request.body)) throw new UnsupportedMediaError('send the trace as text/plain or application/octet-stream');
    return request.body;
  };
  const dropTokenCache = (id: string): void => {
    revocations++;
    for (const [k, v] of tokenCache) if (v.record.id === id) tokenCache.delete(k);
  };
  const traceInput = (
    body: Buffer,
    verdict: VerdictJson,
    label: LabelName | undefined,
    provenance: TraceProvenance,
    tokenId?: string,
  ): TraceInput => ({
    body,
    label,
    provenance,
    verdict,
    modelSha256: detector.model.sha256,
    tokenId,
  });

  type Q = Record<string, string | undefined>;
  const handlers: Record<string, (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>> = {
    health: () => Promise.resolve({ status: 'ok' }),
    ready: async () => {
      try {
        await backend.ping();
      } catch (e) {
        throw new ApiError(503, 'NOT_READY', `the store does not answer: ${(e as Error).message}`, { retryAfter: 5, ready: false });
      }
      return { status: 'ready' };
    },
    openapi: () => Promise.resolve(openapi),
    detect: async (request) => detector.detect(traceBody(request), { consume: true }),
    contribute: async (request, reply) => {
      const q = request.query as Q;
      const body = traceBody(request);
      const verdict = await detector.detect(body);
      const stored = await backend.addTrace(
        traceInput(
          body,
          verdict,
          q.label as LabelName | undefined,
          { name: q.name, submitter: submitter(request), programSha256: q.programSha256, programName: q.programName },
          request.ntmdToken?.id,
        ),
      );
      if (stored.duplicate) {
        reply.header('location', `/v1/traces/${stored.id}`);
        throw new ConflictError('DUPLICATE_TRACE', `an identical trace is already stored as ${stored.id}: nothing was stored`, {
          id: stored.id,
        });
      }
      reply.code(201).header('location', `/v1/traces/${stored.id}`);
      return { ...stored, verdict };
    },
    getTrace: async (request) => {
      const { id } = request.params as Q;
      const t = await backend.getTrace(id!, detector.model.sha256);
      if (!t) throw new NotFoundError('trace', id!);
      const verdict = t.verdict ?? (await verdictOf(backend, detector, id!));
      return { id: t.id, calls: t.calls, label: t.label, labels: t.labels, submissions: t.submissions, verdict, producers: t.producers };
    },
    labelTrace: async (request) => {
      const { id } = request.params as Q;
      const { label } = request.body as { label: LabelName };
      if (!(await backend.labelTrace(id!, label, submitter(request)))) throw new NotFoundError('trace', id!);
      return handlers.getTrace(request, undefined as never);
    },
    deleteTrace: async (request, reply) => {
      const { id } = request.params as Q;
      if (!(await backend.deleteTrace(id!))) throw new NotFoundError('trace', id!);
      return reply.code(204).send();
    },
    stats: async () => backend.stats(),
    models: () => Promise.resolve({ current: detector.model }),
    submitProgram: async (request, reply) => {
      const q = request.query as Q;
      const body = request.body;
      if (!Buffer.isBuffer(body) || body.length === 0)
        throw new ApiError(400, 'EMPTY_PROGRAM', 'the program body is empty: send the executable as application/octet-stream');
      const sha = sha256Hex(body);
      const { program, duplicate } = await backend.addProgram(sha, q.name ?? sha, body, submitter(request));
      reply.header('location', `/v1/programs/${sha}`);
      if (duplicate)
        throw new ConflictError('DUPLICATE_PROGRAM', `program ${sha} was already submitted (status ${program.status}): it is traced once`, {
          id: sha,
        });
      reply.code(202);
      return programJson(backend, detector, program);
    },
    getProgram: async (request) => {
      const { sha256 } = request.params as Q;
      const p = await backend.getProgram(sha256!);
      if (!p) throw new NotFoundError('program', sha256!);
      return programJson(backend, detector, p);
    },
    programContent: async (request, reply) => {
      const { sha256 } = request.params as Q;
      const { lease } = request.query as Q;
      const token = request.ntmdToken!;
      const isAdmin = hasScope(token.scopes, 'admin');
      if (!isAdmin) {
        if (!token.scopes.includes('worker')) throw new ForbiddenError('worker', token.scopes);
        if (lease === undefined || !(await backend.leaseValid(sha256!, lease, token.id))) {
          throw new ForbiddenError('admin', token.scopes);
        }
      }
      const bytes = await backend.programBytes(sha256!);
      if (!bytes) throw new NotFoundError('program', sha256!);
      return reply
        .type('application/octet-stream')
        .header('content-disposition', 'attachment; filename="program.bin"')
        .header('x-content-type-options', 'nosniff')
        .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
    claim: async (request, reply) => {
      const token = request.ntmdToken!;
      const b = (request.body ?? {}) as { worker?: string };
      // A bound worker token claims under its own name only; a legacy (unbound) worker
      // token or an admin token under the name it sends.
      if (token.workerName !== null && b.worker !== undefined && b.worker !== token.workerName)
        throw new WorkerMismatchError(token.workerName, b.worker);
      const worker = token.workerName ?? b.worker ?? submitter(request);
      const claim: JobClaim | undefined = await backend.claimJob({
        tokenId: token.id,
        worker,
        leaseMs: jobs.leaseMs,
        maxAttempts: jobs.maxAttempts,
        maxClaims: jobs.maxClaims,
      });
      if (!claim) return reply.code(204).send();
      return { ...claim, worker, timeLimitMs: jobs.timeLimitMs };
    },
    postJobTrace: async (request) => {
      const { sha256 } = request.params as Q;
      const { lease } = request.query as Q;
      const body = traceBody(request);
      const p = await backend.getProgram(sha256!);
      if (!p) throw new NotFoundError('program', sha256!);
      const verdict = await detector.detect(body);
      const input = traceInput(
        body,
        verdict,
        undefined,
        {
          name: `${p.name}.trace.txt`,
          submitter: submitter(request),
          programSha256: p.sha256,
          programName: p.name,
          tracer: { tracer: 'nttrace', timeLimitMs: jobs.timeLimitMs },
        },
        request.ntmdToken!.id,
      );
      const done = await backend.completeJob(sha256!, lease!, request.ntmdToken!.id, input);
      if (!done)
        throw new ConflictError(
          'CLAIM_LOST',
          `the claim on ${sha256} is not held by this token with this lease (expired and retried, already done, or another token's): the trace was not stored`,
        );
      return programJson(backend, detector, done.program);
    },
    failJob: async (request) => {
      const { sha256 } = request.params as Q;
      const { lease } = request.query as Q;
      const { error } = request.body as { error: string };
      const p = await backend.failJob(sha256!, lease!, request.ntmdToken!.id, error, jobs.maxAttempts);
      if (!p) throw new ConflictError('CLAIM_LOST', `the claim on ${sha256} is not held by this token with this lease`);
      return programJson(backend, detector, p);
    },
    releaseJob: async (request) => {
      const { sha256 } = request.params as Q;
      const { lease } = request.query as Q;
      const reason = (request.body as { reason?: string } | undefined)?.reason;
      const p = await backend.releaseJob(sha256!, lease!, request.ntmdToken!.id, reason);
      if (!p) throw new ConflictError('CLAIM_LOST', `the claim on ${sha256} is not held by this token with this lease`);
      return programJson(backend, detector, p);
    },
    requeueProgram: async (request) => {
      const { sha256 } = request.params as Q;
      const r = await backend.requeueProgram(sha256!);
      if (!r) throw new NotFoundError('program', sha256!);
      if (!r.requeued) {
        throw new ConflictError(
          'NOT_REQUEUEABLE',
          `program ${sha256} is ${r.program.status}: only a failed program, or one done by a revoked token, can be queued again`,
          { id: sha256 },
        );
      }
      return programJson(backend, detector, r.program);
    },
    createToken: async (request, reply) => {
      const { name, scopes, worker, ttlSeconds } = request.body as { name: string; scopes: Scope[]; worker?: string; ttlSeconds?: number };
      if (worker !== undefined && !scopes.includes('worker'))
        throw new BadRequestError('VALIDATION', 'body/worker: only a token with the "worker" scope is bound to a worker name');
      const t = await backend.createToken(name, [...new Set(scopes)], {
        worker,
        ttlMs: ttlSeconds === undefined ? undefined : ttlSeconds * 1000,
      });
      forgetRefusals(t.id);
      reply.code(201);
      return { ...tokenJson(t.record), token: t.token };
    },
    listTokens: async () => (await backend.listTokens()).map(tokenJson),
    updateToken: async (request) => {
      const { id } = request.params as Q;
      const { worker, ttlSeconds } = request.body as { worker?: string; ttlSeconds?: number };
      if (worker === undefined && ttlSeconds === undefined)
        throw new BadRequestError('VALIDATION', 'body: give "worker" (bind a legacy worker token) and/or "ttlSeconds" (renew)');
      let record: TokenRecord | undefined;
      // Bind (a legacy worker token; the lifetime, if given, becomes its first expiry), or
      // renew (the expiry becomes now + ttlSeconds).
      let renew = ttlSeconds !== undefined;
      if (worker !== undefined) {
        const b = await backend.bindToken(id!, worker, ttlSeconds === undefined ? undefined : ttlSeconds * 1000);
        if (!b) throw new NotFoundError('active worker token', id!);
        if (!b.bound && b.record.workerName !== worker) {
          throw new ConflictError(
            'ALREADY_BOUND',
            `token ${id} is bound to worker ${JSON.stringify(b.record.workerName)}: a binding is made once; rotate or create a token for another worker`,
            { id },
          );
        }
        record = b.record;
        if (b.bound) renew = false;
      }
      if (renew) {
        record = await backend.renewToken(id!, ttlSeconds! * 1000);
        if (!record) throw new NotFoundError('active token', id!);
      }
      dropTokenCache(id!);
      forgetRefusals(id!);
      return tokenJson(record!);
    },
    rotateToken: async (request, reply) => {
      const { id } = request.params as Q;
      const { graceSeconds, ttlSeconds } = (request.body ?? {}) as { graceSeconds?: number; ttlSeconds?: number };
      const t = await backend.rotateToken(id!, (graceSeconds ?? 0) * 1000, {
        ttlMs: ttlSeconds === undefined ? undefined : ttlSeconds * 1000,
      });
      if (!t) throw new NotFoundError('active token', id!);
      dropTokenCache(id!);
      forgetRefusals(t.id);
      reply.code(201);
      return { ...tokenJson(t.record), token: t.token };
    },
    revokeToken: async (request, reply) => {
      const { id } = request.params as Q;
      const r = await backend.revokeToken(id!);
      if (!r) throw new NotFoundError('token', id!);
      dropTokenCache(id!);
      return reply.code(204).header('ntmd-marked-traces', String(r.marked)).header('ntmd-released-claims', String(r.released)).send();
    },
  };

  for (const r of ROUTES) {
    const handler = handlers[r.operationId];
    if (!handler) throw new Error(`route ${r.operationId} has no handler`);
    app.route({
      method: r.method,
      url: r.path.replace(/\{(\w+)\}/g, ':$1'),
      config: { scope: r.scope, body: r.body },
      onRequest: routeHook(r.scope, r.body),
      // A JSON body whose members are all optional may be left out altogether (a worker's
      // release, a claim): it is then read as {}.
      ...(r.body === 'json' && r.jsonBody && !(r.jsonBody as { required?: unknown }).required ? { preValidation: emptyJsonBody } : {}),
      schema: fastifySchema(r),
      handler,
    });
  }
  const openapi = buildOpenApi(ROUTES);
  return app;
}

/** preValidation hook: a missing body of a route whose JSON members are all optional reads as {}. */
function emptyJsonBody(request: FastifyRequest, _reply: FastifyReply, done: () => void): void {
  if (request.body === undefined || request.body === null) request.body = {};
  done();
}

/**
 * A clearer message than Ajv's for the refusals people meet: a name that is not a plain file
 * name, a query parameter the endpoint does not take.
 */
function validationMessage(e: { validation?: unknown; validationContext?: string }): string | undefined {
  const first = Array.isArray(e.validation)
    ? (e.validation[0] as { keyword?: string; instancePath?: string; params?: Record<string, unknown> })
    : undefined;
  if (!first) return undefined;
  const where = `${e.validationContext ?? 'request'}${first.instancePath ?? ''}`;
  if (first.keyword === 'pattern' && first.params?.pattern === NAME_PATTERN) {
    return `${where} must be a plain file name: 1-255 printable characters, not "." or "..", without / or \\`;
  }
  if (first.keyword === 'additionalProperties' && e.validationContext === 'querystring') {
    return `unknown query parameter ${JSON.stringify(first.params?.additionalProperty)}: this endpoint does not take it`;
  }
  return undefined;
}

/** The entries of `o` whose value is not undefined (so they do not override defaults). */
function defined<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function tokenJson(t: TokenRecord): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    scopes: t.scopes,
    createdAt: t.createdAt.toISOString(),
    revokedAt: t.revokedAt ? t.revokedAt.toISOString() : null,
    worker: t.workerName,
    expiresAt: t.expiresAt ? t.expiresAt.toISOString() : null,
    legacy: t.legacy,
    rotatedTo: t.rotatedTo,
  };
}

function fastifySchema(r: RouteSpec): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  if (r.params) s.params = { type: 'object', additionalProperties: false, required: Object.keys(r.params), properties: r.params };
  // Every route has a query schema: one without parameters refuses any (docs/api.md).
  s.querystring = { type: 'object', additionalProperties: false, properties: r.query ?? {}, required: r.requiredQuery ?? [] };
  if (r.body === 'json' && r.jsonBody) s.body = r.jsonBody;
  const response: Record<string, unknown> = {};
  for (const [code, res] of Object.entries(r.responses)) if (res.schema) response[code] = res.schema;
  s.response = response;
  return s;
}
