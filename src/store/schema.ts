/**
 * The store's schema, created and upgraded by versioned migrations. Each migration runs in
 * its own transaction under an advisory lock, so several processes opening a fresh
 * PostgreSQL database at once apply each migration exactly once. `docs/store.md` describes
 * every table.
 */
import type { SqlDriver } from './driver.js';
import { StoreSchemaError } from './errors.js';

/** One schema step. Versions are consecutive from 1; a released migration never changes. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** All migrations, in order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'traces, submissions, labels, provenance, raw logs',
    sql: `
CREATE TABLE ntmd_provenance (
  id             bigserial PRIMARY KEY,
  program_sha256 text CHECK (program_sha256 ~ '^[0-9a-f]{64}$'),
  program_name   text,
  submitter      text,
  tracer_options jsonb NOT NULL DEFAULT '{}'::jsonb,
  traced_at      timestamptz,
  recorded_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ntmd_traces (
  id             bigserial PRIMARY KEY,
  sha256         text NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  calls          integer NOT NULL CHECK (calls > 0),
  distinct_calls integer NOT NULL CHECK (distinct_calls > 0),
  reduced_bytes  bigint NOT NULL,
  encoding       smallint NOT NULL,
  sequence       bytea NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ntmd_submissions (
  id            bigserial PRIMARY KEY,
  name          text NOT NULL CHECK (name <> '' AND position('/' in name) = 0),
  source        text NOT NULL,
  file_sha256   text NOT NULL CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
  file_bytes    bigint NOT NULL CHECK (file_bytes >= 0),
  format        text NOT NULL CHECK (format IN ('reduced', 'raw', 'empty')),
  label         smallint NOT NULL CHECK (label IN (0, 1)),
  trace_id      bigint REFERENCES ntmd_traces (id) ON DELETE CASCADE,
  original      bytea,
  provenance_id bigint REFERENCES ntmd_provenance (id) ON DELETE SET NULL,
  submitted_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (name, file_sha256),
  CHECK ((format = 'empty') = (trace_id IS NULL))
);
CREATE INDEX ntmd_submissions_trace ON ntmd_submissions (trace_id);
CREATE INDEX ntmd_submissions_time ON ntmd_submissions (submitted_at);

CREATE TABLE ntmd_labels (
  id         bigserial PRIMARY KEY,
  trace_id   bigint NOT NULL REFERENCES ntmd_traces (id) ON DELETE CASCADE,
  label      smallint NOT NULL CHECK (label IN (0, 1)),
  source     text NOT NULL,
  reason     text,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX ntmd_labels_trace ON ntmd_labels (trace_id, id DESC);

CREATE VIEW ntmd_current_labels AS
  SELECT DISTINCT ON (trace_id) trace_id, label, source, reason, created_at
  FROM ntmd_labels ORDER BY trace_id, id DESC;

CREATE TABLE ntmd_raw_logs (
  submission_id bigint PRIMARY KEY REFERENCES ntmd_submissions (id) ON DELETE CASCADE,
  bytes         bigint NOT NULL,
  content       bytea NOT NULL,
  stored_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ntmd_settings (
  key   text PRIMARY KEY,
  value jsonb NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'corpus snapshots, models, evaluations',
    sql: `
CREATE TABLE ntmd_snapshots (
  id         text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{64}$'),
  docs       integer NOT NULL,
  filter     jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ntmd_snapshot_members (
  snapshot_id   text NOT NULL REFERENCES ntmd_snapshots (id) ON DELETE CASCADE,
  submission_id bigint NOT NULL REFERENCES ntmd_submissions (id) ON DELETE CASCADE,
  label         smallint NOT NULL CHECK (label IN (0, 1)),
  PRIMARY KEY (snapshot_id, submission_id)
);
CREATE INDEX ntmd_snapshot_members_submission ON ntmd_snapshot_members (submission_id);

CREATE TABLE ntmd_models (
  id          bigserial PRIMARY KEY,
  name        text NOT NULL,
  sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  bytes       bytea NOT NULL,
  config      jsonb NOT NULL DEFAULT '{}'::jsonb,
  snapshot_id text REFERENCES ntmd_snapshots (id) ON DELETE SET NULL,
  metrics     jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ntmd_evaluations (
  id          bigserial PRIMARY KEY,
  model_id    bigint REFERENCES ntmd_models (id) ON DELETE CASCADE,
  snapshot_id text REFERENCES ntmd_snapshots (id) ON DELETE SET NULL,
  kind        text NOT NULL,
  config      jsonb NOT NULL DEFAULT '{}'::jsonb,
  metrics     jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ntmd_evaluations_model ON ntmd_evaluations (model_id);
`,
  },
];

/** The schema version this code writes and reads. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** Arbitrary constant key of the advisory lock that serialises migrations. */
const MIGRATION_LOCK = 0x6e746d64; // "ntmd"

/** A set of versioned migrations kept in its own bookkeeping table (the store's, or another part's). */
export interface MigrationSet {
  /** Table recording the applied versions, e.g. `ntmd_migrations`. */
  table: string;
  /** Advisory lock key serialising this set's migrations across processes. */
  lockKey: number;
  /** Migrations in order, versions consecutive from 1; each as a list of statements. */
  migrations: readonly { version: number; name: string; statements: readonly string[] }[];
  /** The error for a database newer than the code. */
  tooNew(current: number, known: number): Error;
}

/**
 * Applies the missing migrations of a set up to `target`, each in its own transaction
 * under the set's advisory lock, so concurrent openers apply each exactly once. Returns
 * the versions applied.
 */
export async function applyMigrations(db: SqlDriver, set: MigrationSet, target = Infinity): Promise<number[]> {
  if (!/^[a-z_][a-z0-9_]*$/.test(set.table)) throw new StoreSchemaError(`bad migration table name ${JSON.stringify(set.table)}`);
  const known = set.migrations[set.migrations.length - 1]?.version ?? 0;
  const applied: number[] = [];
  for (const m of set.migrations) {
    if (m.version > target) break;
    const done = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [set.lockKey]);
      await tx.query(
        `CREATE TABLE IF NOT EXISTS ${set.table} (
           version    integer PRIMARY KEY,
           name       text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const [{ v }] = await tx.query<{ v: number | null }>(`SELECT max(version)::int AS v FROM ${set.table}`);
      const current = v ?? 0;
      if (current > known) throw set.tooNew(current, known);
      if (current >= m.version) return false;
      if (current !== m.version - 1)
        throw new StoreSchemaError(`${set.table} is at version ${current}; cannot apply migration ${m.version}`);
      for (const statement of m.statements) await tx.query(statement);
      await tx.query(`INSERT INTO ${set.table} (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}

const STORE_SET: MigrationSet = {
  table: 'ntmd_migrations',
  lockKey: MIGRATION_LOCK,
  migrations: MIGRATIONS.map((m) => ({ version: m.version, name: m.name, statements: splitStatements(m.sql) })),
  tooNew: (current, known) =>
    new StoreSchemaError(
      `the store's schema is at version ${current}, newer than this ntmaldetect understands (${known}): upgrade ntmaldetect`,
    ),
};

/**
 * Brings the database to {@link SCHEMA_VERSION} (or to `target`), applying the missing
 * migrations in order. Returns the versions applied. Throws {@link StoreSchemaError} when the
 * database is newer than this code.
 */
export function migrate(db: SqlDriver, target = SCHEMA_VERSION): Promise<number[]> {
  return applyMigrations(db, STORE_SET, target);
}

/** The schema version a database is at (0 for an empty database). */
export async function schemaVersion(db: SqlDriver): Promise<number> {
  const [{ t }] = await db.query<{ t: string | null }>("SELECT to_regclass('ntmd_migrations')::text AS t");
  if (t === null) return 0;
  const [{ v }] = await db.query<{ v: number | null }>('SELECT max(version)::int AS v FROM ntmd_migrations');
  return v ?? 0;
}

/** Splits a migration script at the semicolons ending its statements (no `;` inside them). */
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*\n/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
