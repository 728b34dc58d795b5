/**
 * The server's own tables (API tokens, submitted programs, tracing jobs, unlabelled traces
 * waiting for a label, cached verdicts, the token that produced each trace),
 * created by versioned migrations kept apart from the trace store's: they are recorded in
 * `ntmd_server_migrations` and serialised by their own advisory lock, and run after the
 * store's migrations (they reference `ntmd_traces`). A store used without the server never
 * gets these tables.
 *
 * @packageDocumentation
 */
import type { SqlDriver } from '../store/driver.js';
import { applyMigrations } from '../store/schema.js';
import { NtmdError } from '../errors.js';

/** One step of the server schema; released steps never change. */
export interface ServerMigration {
  version: number;
  name: string;
  statements: readonly string[];
}

/** The database has server tables newer than this code understands. */
export class ServerSchemaError extends NtmdError {
  constructor(message: string) {
    super('SERVER_SCHEMA', message);
  }
}

/** Every server migration, in order. */
export const SERVER_MIGRATIONS: readonly ServerMigration[] = [
  {
    version: 1,
    name: 'api tokens, programs, jobs, unlabelled traces, verdicts',
    statements: [
      `CREATE TABLE ntmd_api_tokens (
         id         text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{12}$'),
         name       text NOT NULL,
         scopes     text[] NOT NULL,
         hash       text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
         created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
         revoked_at timestamptz
       )`,
      `CREATE TABLE ntmd_programs (
         sha256       text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
         name         text NOT NULL,
         size         bigint NOT NULL CHECK (size > 0),
         content      bytea NOT NULL,
         submitter    text,
         submitted_at timestamptz NOT NULL DEFAULT clock_timestamp()
       )`,
      `CREATE TABLE ntmd_jobs (
         program_sha256 text PRIMARY KEY REFERENCES ntmd_programs (sha256) ON DELETE CASCADE,
         status         text NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
         attempts       integer NOT NULL DEFAULT 0,
         lease          text CHECK (lease ~ '^[0-9a-f]{32}$'),
         worker         text,
         expires_at     timestamptz,
         trace_sha256   text CHECK (trace_sha256 ~ '^[0-9a-f]{64}$'),
         error          text,
         queued_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
         updated_at     timestamptz NOT NULL DEFAULT clock_timestamp()
       )`,
      `CREATE INDEX ntmd_jobs_queue ON ntmd_jobs (status, queued_at)`,
      `CREATE TABLE ntmd_api_pending (
         trace_sha256   text PRIMARY KEY CHECK (trace_sha256 ~ '^[0-9a-f]{64}$'),
         name           text NOT NULL CHECK (name <> '' AND position('/' in name) = 0),
         calls          integer NOT NULL CHECK (calls > 0),
         body           bytea NOT NULL,
         body_bytes     bigint NOT NULL,
         submitter      text,
         program_sha256 text CHECK (program_sha256 ~ '^[0-9a-f]{64}$'),
         program_name   text,
         tracer_options jsonb NOT NULL DEFAULT '{}'::jsonb,
         submitted_at   timestamptz NOT NULL DEFAULT clock_timestamp()
       )`,
      `CREATE TABLE ntmd_api_verdicts (
         trace_sha256 text NOT NULL CHECK (trace_sha256 ~ '^[0-9a-f]{64}$'),
         model_sha256 text NOT NULL CHECK (model_sha256 ~ '^[0-9a-f]{64}$'),
         verdict      jsonb NOT NULL,
         created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
         PRIMARY KEY (trace_sha256, model_sha256)
       )`,
    ],
  },
  {
    version: 2,
    name: 'worker identity: token binding and expiry, claim owners, trace producers',
    statements: [
      // Tokens made before this version: worker tokens are marked legacy (unbound, no
      // expiry); they keep working, with a warning, until an administrator binds or
      // replaces them.
      `ALTER TABLE ntmd_api_tokens
         ADD COLUMN worker_name text CHECK (worker_name IS NULL OR (worker_name <> '' AND position('/' in worker_name) = 0)),
         ADD COLUMN expires_at  timestamptz,
         ADD COLUMN legacy      boolean NOT NULL DEFAULT false,
         ADD COLUMN rotated_to  text CHECK (rotated_to IS NULL OR rotated_to ~ '^[0-9a-f]{12}$')`,
      `UPDATE ntmd_api_tokens SET legacy = true WHERE 'worker' = ANY (scopes)`,
      // The token holding a claim (and, once done, the token that produced the trace).
      `ALTER TABLE ntmd_jobs ADD COLUMN token_id text CHECK (token_id IS NULL OR token_id ~ '^[0-9a-f]{12}$')`,
      `CREATE INDEX ntmd_jobs_token ON ntmd_jobs (token_id, status)`,
      // Which token produced each trace (a worker's post, or a contribution), and whether
      // the token's results are suspect (it was revoked) until a person relabels or
      // deletes the trace.
      `CREATE TABLE ntmd_api_trace_producers (
         id             bigserial PRIMARY KEY,
         trace_sha256   text NOT NULL CHECK (trace_sha256 ~ '^[0-9a-f]{64}$'),
         token_id       text NOT NULL CHECK (token_id ~ '^[0-9a-f]{12}$'),
         kind           text NOT NULL CHECK (kind IN ('worker', 'contribute')),
         program_sha256 text CHECK (program_sha256 ~ '^[0-9a-f]{64}$'),
         produced_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
         suspect_at     timestamptz,
         suspect_reason text,
         cleared_at     timestamptz,
         cleared_by     text
       )`,
      `CREATE INDEX ntmd_api_trace_producers_trace ON ntmd_api_trace_producers (trace_sha256)`,
      `CREATE INDEX ntmd_api_trace_producers_token ON ntmd_api_trace_producers (token_id)`,
    ],
  },
  {
    version: 3,
    name: 'one submission of a trace at a time',
    statements: [
      // A submission of a trace (contributed, or posted by a worker) holds the trace's row
      // here from its duplicate check to its insert: the primary key admits one, so racing
      // submissions of the same trace store it once. `owner` lets a submission remove only
      // its own row; a row older than a minute (a crashed process) is taken over.
      `CREATE TABLE ntmd_api_intake (
         trace_sha256 text PRIMARY KEY CHECK (trace_sha256 ~ '^[0-9a-f]{64}$'),
         owner        text NOT NULL,
         started_at   timestamptz NOT NULL DEFAULT clock_timestamp()
       )`,
    ],
  },
];

/** The server schema version this code reads and writes. */
export const SERVER_SCHEMA_VERSION = SERVER_MIGRATIONS[SERVER_MIGRATIONS.length - 1].version;

/** Advisory lock key serialising server migrations ("ntsv"), distinct from the store's. */
const LOCK = 0x6e747376;

/** A set of migrations kept apart from the store's: its own version table and lock. */
export interface MigrationSet {
  /** Table recording the applied versions (an SQL identifier, e.g. `ntmd_server_migrations`). */
  table: string;
  /** Advisory lock key serialising this set's migrations across processes. */
  lock: number;
  /** What the set is, for error messages ("the server tables"). */
  what: string;
  migrations: readonly ServerMigration[];
}

/**
 * Applies the missing migrations of a set, each in its own transaction under the set's
 * advisory lock, so that several processes opening a fresh PostgreSQL database at once
 * apply each exactly once (the store's {@link applyMigrations} runner). Returns the versions
 * applied; throws {@link ServerSchemaError} when the database is newer than the code.
 */
export async function applyMigrationSet(db: SqlDriver, set: MigrationSet): Promise<number[]> {
  if (!/^[a-z_][a-z0-9_]*$/.test(set.table)) throw new ServerSchemaError(`invalid migration table name ${JSON.stringify(set.table)}`);
  return applyMigrations(db, {
    table: set.table,
    lockKey: set.lock,
    migrations: set.migrations,
    tooNew: (current, latest) =>
      new ServerSchemaError(
        `${set.what} are at version ${current}, newer than this ntmaldetect understands (${latest}): upgrade ntmaldetect`,
      ),
  });
}

/** Applies the missing server migrations (table `ntmd_server_migrations`). Returns those applied. */
export function migrateServer(db: SqlDriver): Promise<number[]> {
  return applyMigrationSet(db, { table: 'ntmd_server_migrations', lock: LOCK, what: 'the server tables', migrations: SERVER_MIGRATIONS });
}
