/**
 * `ntmaldetect/server`: the HTTP API (submit traces and programs, get verdicts, contribute
 * labelled traces) and the worker that traces submitted programs.
 *
 * ```ts
 * import { startServer } from 'ntmaldetect/server';
 * const server = await startServer({ port: 8735, db: '/var/lib/ntmaldetect/store' });
 * console.log(server.url);
 * ```
 *
 * Fastify is an optional peer dependency: without it, {@link startServer} throws a
 * `DependencyMissingError` naming the package to install. `import 'ntmaldetect'` never
 * loads this module.
 *
 * @packageDocumentation
 */
import type { FastifyInstance } from 'fastify';
import { createApp } from './app.js';
import type { AppOptions, JobOptions, ServerLimits } from './app.js';
import type { RateLimitOptions } from './rate-limit.js';
import { loadServeDetector } from './detector.js';
import { openServerBackend } from './store-backend.js';
import type { StoreBackend } from './store-backend.js';
import type { TraceDetector } from './backend.js';
import { ListenError } from './errors.js';

export { createApp, loadFastify, DEFAULT_LIMITS, DEFAULT_JOBS, WARNING_HEADER, sha256Hex } from './app.js';
export type { AppOptions, ServerLimits, JobOptions } from './app.js';
export type * from './backend.js';
export * from './errors.js';
export { RateLimiter } from './rate-limit.js';
export type { RateLimitOptions } from './rate-limit.js';
export { readBody } from './body.js';
export type { BodyLimits, BodyHeaders } from './body.js';
export {
  SCOPES,
  generateToken,
  parseToken,
  parseScopes,
  hasScope,
  hashSecret,
  secretMatches,
  tokenExpired,
  parseLifetime,
  DEFAULT_WORKER_TOKEN_TTL_MS,
  MAX_TOKEN_TTL_MS,
} from './tokens.js';
export type { Scope, TokenRecord, NewToken, TokenOptions } from './tokens.js';
export { buildOpenApi } from './openapi.js';
export type { RouteSpec, ResponseSpec } from './openapi.js';
export { ROUTES } from './routes.js';
export { ModelDetector, loadDetector, loadServeDetector, defaultServeThreads, MAX_DEFAULT_THREADS } from './detector.js';
export { DetectorPool } from './detect-pool.js';
export { StoreBackend, openServerBackend, API_SOURCE } from './store-backend.js';
export type { OpenBackendOptions } from './store-backend.js';
export { SERVER_MIGRATIONS, SERVER_SCHEMA_VERSION, ServerSchemaError, migrateServer, applyMigrationSet } from './migrations.js';
export type { ServerMigration, MigrationSet } from './migrations.js';
export { runWorker, WorkerClient } from './worker.js';
export type { WorkerOptions, WorkerEvent, WorkerClientOptions, ClaimedJob } from './worker.js';
export { ClaimRejectedError, WorkerConfigError, WorkerPreflightError } from './worker-errors.js';
export { checkClaim, MAX_TIME_LIMIT_MS, DEFAULT_MAX_PROGRAM_BYTES, type CheckedClaim } from './worker-claim.js';
export { childEnv, checkPassEnvName, WINDOWS_ENV_ALLOW, POSIX_ENV_ALLOW } from './worker-env.js';

/** Default TCP port of `ntmaldetect serve`. */
export const DEFAULT_PORT = 8735;

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /** Interface to listen on. Default `127.0.0.1` (loopback only). */
  host?: string;
  /** Port; `0` picks a free one. Default {@link DEFAULT_PORT}. */
  port?: number;
  /** The store: folder (PGlite, owned by this process), `memory://`, or `postgres://...`. */
  db?: string;
  /** Serve HTTPS with this certificate chain and key (PEM contents); `url` is then `https://`. */
  tls?: { cert: Buffer | string; key: Buffer | string };
  /** Environment for `NTMD_DATABASE_URL` / `XDG_DATA_HOME` (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** A `.ntmd` model file; default the shipped model. */
  model?: string;
  /** A detector to use instead of loading `model` (tests, custom models). */
  detector?: TraceDetector;
  /**
   * Run verdicts in this many worker threads (default 0: in the main thread; `ntmaldetect
   * serve` passes {@link defaultServeThreads} unless told otherwise).
   */
  threads?: number;
  limits?: ServerLimits;
  rateLimit?: RateLimitOptions;
  jobs?: JobOptions;
  tokenCacheMs?: number;
  /** See {@link AppOptions.negativeCacheMs}. */
  negativeCacheMs?: number;
  /** See {@link AppOptions.authFailureLimit}. */
  authFailureLimit?: RateLimitOptions;
  /** See {@link AppOptions.onWarning}. */
  onWarning?: (message: string) => void;
  logger?: boolean;
}

/** A listening server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8735` (`https://` with `tls`). */
  url: string;
  app: FastifyInstance;
  backend: StoreBackend;
  detector: TraceDetector;
  /** Stops listening, finishes in-flight requests, closes the store. */
  close(): Promise<void>;
}

/**
 * A failure to listen as a {@link ListenError} naming the host and port, when it is the
 * user's to fix (port in use, privileged port, unknown host); other errors as they are.
 */
function listenError(e: unknown, host: string, port: number): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return new ListenError(
        code,
        host,
        port,
        `cannot listen on ${where}: port ${port} is already in use (another server?); choose another with --port, or --port 0 for a free one`,
      );
    case 'EACCES':
    case 'EPERM':
      return new ListenError(
        code,
        host,
        port,
        `cannot listen on ${where}: permission denied${port < 1024 ? ` (port ${port} is a privileged port: use one from 1024 up)` : ''}`,
      );
    case 'EADDRNOTAVAIL':
      return new ListenError(code, host, port, `cannot listen on ${where}: ${host} is not an address of this machine`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ListenError(code, host, port, `cannot listen on ${where}: unknown host ${JSON.stringify(host)}`);
    default:
      return e;
  }
}

/** Opens the store, loads the model, and listens. */
export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const detector: TraceDetector & { close?: () => Promise<void> } =
    options.detector ?? (await loadServeDetector(options.model, options.threads));
  const ownDetector = options.detector === undefined;
  let backend: StoreBackend;
  try {
    backend = await openServerBackend({ db: options.db, env: options.env });
  } catch (e) {
    if (ownDetector) await detector.close?.();
    throw e;
  }
  let app: FastifyInstance;
  try {
    const appOptions: AppOptions = {
      backend,
      detector,
      limits: options.limits,
      rateLimit: options.rateLimit,
      jobs: options.jobs,
      tokenCacheMs: options.tokenCacheMs,
      negativeCacheMs: options.negativeCacheMs,
      authFailureLimit: options.authFailureLimit,
      onWarning: options.onWarning,
      logger: options.logger,
    };
    if (options.tls) appOptions.tls = options.tls;
    app = await createApp(appOptions);
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? DEFAULT_PORT;
    try {
      await app.listen({ host, port });
    } catch (e) {
      throw listenError(e, host, port);
    }
  } catch (e) {
    await backend.close();
    if (ownDetector) await detector.close?.();
    throw e;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : options.port;
  const host = options.host ?? '127.0.0.1';
  let closed: Promise<void> | undefined;
  return {
    url: `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    app,
    backend,
    detector,
    close() {
      closed ??= (async () => {
        try {
          await app.close();
        } finally {
          try {
            await backend.close();
          } finally {
            if (ownDetector) await detector.close?.();
          }
        }
      })();
      return closed;
    },
  };
}
