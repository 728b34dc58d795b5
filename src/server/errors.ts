/**
 * Typed errors of the HTTP API (`ntmaldetect/server`) and of the worker.
 *
 * Every error a request handler throws on purpose is an {@link ApiError}: it carries the
 * HTTP status and a stable `code`, and is turned into an RFC 9457 problem object
 * (`application/problem+json`) without a stack trace.
 *
 * @packageDocumentation
 */
import { NtmdError } from '../errors.js';

/** An error that maps to an HTTP response: status, stable code, human detail. */
export class ApiError extends NtmdError {
  /** HTTP status code of the response. */
  readonly status: number;
  /** Extra members of the problem object (e.g. `retryAfter`, `limit`). */
  readonly extra: Readonly<Record<string, unknown>>;

  constructor(status: number, code: string, message: string, extra: Record<string, unknown> = {}) {
    super(code, message);
    this.status = status;
    this.extra = extra;
  }
}

/** 401: no `Authorization: Bearer` token, or an unknown, malformed or revoked one. */
export class UnauthorizedError extends ApiError {
  constructor(message = 'a bearer token is required: send "Authorization: Bearer ntmd_..."') {
    super(401, 'UNAUTHORIZED', message);
  }
}

/** 403: the token is valid but lacks the scope the endpoint needs. */
export class ForbiddenError extends ApiError {
  constructor(needed: string, have: readonly string[]) {
    super(
      403,
      'FORBIDDEN',
      `this endpoint needs the "${needed}" scope; the token has ${have.length ? have.map((s) => `"${s}"`).join(', ') : 'no scope'}`,
      { needed },
    );
  }
}

/** 413: the request body (or its inflated size, for gzip bodies) exceeds the limit. */
export class BodyTooLargeError extends ApiError {
  constructor(limit: number, what: 'body' | 'inflated body') {
    super(413, 'BODY_TOO_LARGE', `the request ${what} exceeds the limit of ${limit} bytes`, { limit });
  }
}

/** 415: a body of a content type or encoding the endpoint does not take. */
export class UnsupportedMediaError extends ApiError {
  constructor(message: string) {
    super(415, 'UNSUPPORTED_MEDIA_TYPE', message);
  }
}

/** 400: a body, parameter or query string that fails validation. */
export class BadRequestError extends ApiError {
  constructor(code: string, message: string, extra: Record<string, unknown> = {}) {
    super(400, code, message, extra);
  }
}

/** 422: a trace body that is well-formed HTTP but holds no usable trace (empty, no calls). */
export class MalformedTraceError extends ApiError {
  constructor(message: string, code = 'MALFORMED_TRACE') {
    super(422, code, message);
  }
}

/** 404: no such trace, program, job or token. */
export class NotFoundError extends ApiError {
  constructor(what: string, id: string) {
    super(404, 'NOT_FOUND', `no ${what} with id ${JSON.stringify(id)}`, { id });
  }
}

/** 409: the request conflicts with the current state (a duplicate, a lost claim). */
export class ConflictError extends ApiError {
  constructor(code: string, message: string, extra: Record<string, unknown> = {}) {
    super(409, code, message, extra);
  }
}

/** 429: the token exceeded its request rate. */
export class RateLimitedError extends ApiError {
  /** Seconds after which a retry can succeed (also sent as `Retry-After`). */
  readonly retryAfter: number;

  constructor(retryAfter: number, limit: number, message?: string) {
    super(429, 'RATE_LIMITED', message ?? `too many requests for this token: the limit is ${limit} per second; retry in ${retryAfter} s`, {
      retryAfter,
    });
    this.retryAfter = retryAfter;
  }
}

/**
 * 429: too many failed authentications from one address; nothing is looked up for it
 * until `retryAfter` seconds have passed (tokens already verified still pass).
 */
export class AuthRateLimitedError extends RateLimitedError {
  constructor(retryAfter: number, perSecond: number) {
    super(
      retryAfter,
      perSecond,
      `too many failed authentications from this address (more than ${perSecond} per second sustained): retry in ${retryAfter} s`,
    );
  }
}

/** 403: a worker token claimed under a worker name other than the one it is bound to. */
export class WorkerMismatchError extends ApiError {
  constructor(bound: string, asked: string) {
    super(
      403,
      'WORKER_MISMATCH',
      `this token is bound to worker ${JSON.stringify(bound)} and cannot claim as ${JSON.stringify(asked)}: omit "worker" or send the bound name`,
      { needed: bound },
    );
  }
}

/** 409: the token already holds as many live claims as it may. */
export class ClaimLimitError extends ApiError {
  constructor(limit: number) {
    super(
      409,
      'CLAIM_LIMIT',
      `this token already holds ${limit} live claim${limit === 1 ? '' : 's'}, the most it may hold: finish, fail or release one first`,
      { limit },
    );
  }
}

/**
 * 503 with `Retry-After`: the request bodies in flight hold the server's whole body-memory
 * budget; the body was not read (and the connection is closed). Retry after `retryAfter` s.
 */
export class ServerBusyError extends ApiError {
  /** Seconds after which a retry can succeed (also sent as `Retry-After`). */
  readonly retryAfter: number;

  constructor(retryAfter: number, message: string) {
    super(503, 'SERVER_BUSY', message, { retryAfter });
    this.retryAfter = retryAfter;
  }
}

/**
 * 503 with `Retry-After`: the database does not answer (down, restarting, unreachable, or
 * the embedded store closed). Not a bug of the request: retry after `retryAfter` s; the
 * server reconnects by itself when the database is back.
 */
export class DatabaseUnavailableError extends ApiError {
  /** Seconds after which a retry can succeed (also sent as `Retry-After`). */
  readonly retryAfter: number;

  constructor(detail: string, retryAfter = 5) {
    super(503, 'DATABASE_UNAVAILABLE', `the database is unavailable: ${detail}; retry in ${retryAfter} s`, { retryAfter });
    this.retryAfter = retryAfter;
  }
}

/** 503: the server is not ready (store closed, shutting down). */
export class NotReadyError extends ApiError {
  constructor(message: string) {
    super(503, 'NOT_READY', message);
  }
}

/**
 * An optional peer dependency of the server (fastify) is not installed.
 * `ntmaldetect serve` prints this as one line; install the package to fix it.
 */
export class DependencyMissingError extends NtmdError {
  /** The npm package to install. */
  readonly dependency: string;

  constructor(dependency: string, feature: string, options?: { cause?: unknown }) {
    super('DEPENDENCY_MISSING', `${feature} needs the optional dependency "${dependency}": run "npm install ${dependency}"`, options);
    this.dependency = dependency;
  }
}

/** A token string or a token option that is malformed (e.g. an unknown scope name). */
export class TokenFormatError extends NtmdError {
  constructor(message: string) {
    super('TOKEN_FORMAT', message);
  }
}

/** The worker got a response it cannot use from the server. */
export class WorkerProtocolError extends NtmdError {
  /** HTTP status of the response, when there was one. */
  readonly status: number | undefined;

  constructor(message: string, status?: number) {
    super('WORKER_PROTOCOL', message);
    this.status = status;
  }
}

/** The server cannot listen on its host and port (in use, privileged, not an address here). */
export class ListenError extends NtmdError {
  /** The system error code: `EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL`, `ENOTFOUND`... */
  readonly reason: string;
  readonly host: string;
  readonly port: number;

  constructor(reason: string, host: string, port: number, message: string) {
    super('LISTEN_FAILED', message);
    this.reason = reason;
    this.host = host;
    this.port = port;
  }
}
