/**
 * The re-assessment tables, created by numbered migrations kept apart from the trace
 * store's (the same mechanism as the store's and the server's: each migration in its own
 * transaction under its own advisory lock, recorded in `ntmd_reassess_migrations`; released
 * migrations never change). They reference the store's `ntmd_models` and `ntmd_snapshots`,
 * so they run after the store's migrations. A store never re-assessed never gets them.
 *
 * - `ntmd_reassess_runs`: one row per run — trigger, corpus snapshot, new traces, split,
 *   candidates, rule, per-fold metrics of every candidate, decision and reason, the
 *   production model before and after, and the state (`running` until it ends; a run whose
 *   process died is marked `abandoned` by the next run).
 * - `ntmd_production`: the production-model history, one row per change (promotion by a
 *   run, manual promotion, rollback). The newest row is the production model.
 *
 * @packageDocumentation
 */
import type { SqlDriver } from '../store/driver.js';
import { applyMigrations } from '../store/schema.js';
import { NtmdError } from '../errors.js';

/** One migration of the re-assessment tables. */
export interface ReassessMigration {
  version: number;
  name: string;
  statements: readonly string[];
}

/** The database has re-assessment tables newer than this code. */
export class ReassessSchemaError extends NtmdError {
  constructor(message: string) {
    super('REASSESS_SCHEMA', message);
  }
}

/** Every migration, in order. */
export const REASSESS_MIGRATIONS: readonly ReassessMigration[] = [
  {
    version: 1,
    name: 're-assessment runs, production-model history',
    statements: [
      `CREATE TABLE ntmd_reassess_runs (
         id                bigserial PRIMARY KEY,
         status            text NOT NULL CHECK (status IN ('running', 'promoted', 'kept', 'skipped', 'failed', 'abandoned')),
         trigger           text NOT NULL,
         pid               integer,
         host              text,
         snapshot_id       text REFERENCES ntmd_snapshots (id) ON DELETE SET NULL,
         traces            integer,
         new_traces        integer,
         split             text,
         folds             integer,
         candidates        text[] NOT NULL DEFAULT '{}',
         rule              jsonb NOT NULL DEFAULT '{}'::jsonb,
         results           jsonb,
         production_before bigint REFERENCES ntmd_models (id) ON DELETE SET NULL,
         production_after  bigint REFERENCES ntmd_models (id) ON DELETE SET NULL,
         decision          text,
         reason            text,
         error             text,
         started_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
         locked_at         timestamptz,
         finished_at       timestamptz
       )`,
      `CREATE INDEX ntmd_reassess_runs_status ON ntmd_reassess_runs (status)`,
      `CREATE TABLE ntmd_production (
         id         bigserial PRIMARY KEY,
         model_id   bigint NOT NULL REFERENCES ntmd_models (id) ON DELETE RESTRICT,
         action     text NOT NULL CHECK (action IN ('promote', 'rollback', 'manual')),
         run_id     bigint REFERENCES ntmd_reassess_runs (id) ON DELETE SET NULL,
         reason     text NOT NULL,
         actor      text,
         created_at timestamptz NOT NULL DEFAULT clock_timestamp()
       )`,
    ],
  },
];

/** The schema version of the re-assessment tables this code reads and writes. */
export const REASSESS_SCHEMA_VERSION = REASSESS_MIGRATIONS[REASSESS_MIGRATIONS.length - 1].version;

/** Advisory lock key of these migrations ("ntra"), distinct from the store's and the server's. */
const MIGRATION_LOCK = 0x6e747261;

/** Applies the missing re-assessment migrations (after the store's). Returns those applied. */
export function migrateReassess(db: SqlDriver): Promise<number[]> {
  return applyMigrations(db, {
    table: 'ntmd_reassess_migrations',
    lockKey: MIGRATION_LOCK,
    migrations: REASSESS_MIGRATIONS,
    tooNew: (current, known) =>
      new ReassessSchemaError(
        `the re-assessment tables are at version ${current}, newer than this ntmaldetect understands (${known}): upgrade ntmaldetect`,
      ),
  });
}
