/**
 * The trace store: every trace, its label history and provenance, corpus snapshots, models
 * and evaluations, in PostgreSQL (a server through `pg`, or embedded PGlite).
 *
 * `Store` is a facade: each method hands its open connection to the module of its concern.
 *
 * | file | concern |
 * |---|---|
 * | `db.ts` | which database, connecting and migrating (the schema is `schema.ts`, the drivers `driver.ts`) |
 * | `import.ts`, `import-batch.ts` | importing files in batches; what one batch writes |
 * | `corpus.ts` | corpus views and snapshots |
 * | `export.ts` | writing submissions back as files |
 * | `stats.ts` | counts and the integrity check |
 * | `labels.ts` | relabelling, label history, resolving a user's reference to traces |
 * | `deletion.ts` | deletion and raw-log retention |
 * | `models.ts` | the model registry and evaluations |
 */
import type { StoreCorpus } from './corpus.js';
import { loadCorpus } from './corpus.js';
import type { OpenStoreOptions } from './db.js';
import { connect } from './db.js';
import type { DeleteReport } from './deletion.js';
import { applyRetention, deleteTraces, rawLogRetention, setRawLogRetention } from './deletion.js';
import type { SqlDriver } from './driver.js';
import type { ExportOptions, ExportReport } from './export.js';
import { exportTraces } from './export.js';
import type { CorpusFilter, Label, LabelName } from './filter.js';
import type { ImportOptions, ImportReport } from './import.js';
import { importTraces } from './import.js';
import type { LabelChange, LabelEvent } from './labels.js';
import { labelHistory, relabel } from './labels.js';
import type { StoredEvaluation, StoredModel } from './models.js';
import { addEvaluation, getModel, listEvaluations, listModels, saveModel } from './models.js';
import { SCHEMA_VERSION, schemaVersion } from './schema.js';
import type { ImportInput } from './sources.js';
import type { StoreStats } from './stats.js';
import { storeStats, verifyStore } from './stats.js';

export { SCHEMA_VERSION };
export { defaultStorePath, resolveDb, type OpenStoreOptions } from './db.js';
export type { ImportOptions, ImportProgress, ImportReport, ImportFailure } from './import.js';
export type { StoreCorpus, StoreCorpusDoc } from './corpus.js';
export type { StoreStats } from './stats.js';
export type { LabelEvent, LabelChange } from './labels.js';
export type { DeleteReport } from './deletion.js';
export type { ExportOptions, ExportReport } from './export.js';
export type { StoredModel, StoredEvaluation } from './models.js';

/**
 * Opens a store, creating its schema or upgrading it to the current version. See
 * {@link OpenStoreOptions.db} for which database is used.
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  return new Store(await connect(options));
}

/** An open trace store. Obtain one with {@link openStore}; close it when done. */
export class Store {
  /** @internal Use {@link openStore}. */
  constructor(private readonly db: SqlDriver) {}

  /** `pglite` (embedded) or `postgres` (server). */
  get backend(): 'pglite' | 'postgres' {
    return this.db.kind;
  }

  /**
   * The database connection under this store, for parts that keep tables of their own on
   * the same database and must share the connection (the HTTP server, the re-assessment):
   * a PGlite folder has one owner, and a PostgreSQL advisory lock lives on its connection.
   * Closing the store closes it.
   */
  get driver(): SqlDriver {
    return this.db;
  }

  /** The store folder, or the connection string without password. */
  get location(): string {
    return this.db.location;
  }

  /** The schema version of the database (equals {@link SCHEMA_VERSION} once open). */
  schemaVersion(): Promise<number> {
    return schemaVersion(this.db);
  }

  /** Closes the connections; an embedded store's folder is free for another process after this. */
  close(): Promise<void> {
    return this.db.close();
  }

  // -------------------------------------------------------------------------------------
  // Import (import.ts, import-batch.ts)

  /**
   * Imports traces: a folder in the NtMalDetect layout, `{ benign, malicious }` folders or
   * files, or explicit items (uploads). Files are written in batches, one transaction per
   * batch: a crash leaves each batch fully stored or not at all, and re-running the import
   * completes it. Identical traces are stored once; a file already stored (same name and
   * bytes) adds nothing; an empty file is recorded as an empty submission; a file that is
   * not a trace is reported in `failed` and the others are stored.
   */
  import(input: ImportInput, options: ImportOptions = {}): Promise<ImportReport> {
    return importTraces(this.db, input, options);
  }

  // -------------------------------------------------------------------------------------
  // Corpus views (corpus.ts)

  /**
   * Loads the documents matching `filter` in the corpus reader's shape and order (benign by
   * name, then malicious by name; calls in one shared `CallTable`), and records a
   * snapshot of exactly these documents and labels so a model can say what trained it.
   * `filter.snapshot` reloads an earlier snapshot exactly.
   */
  loadCorpus(filter?: CorpusFilter): Promise<StoreCorpus> {
    return loadCorpus(this.db, filter);
  }

  // -------------------------------------------------------------------------------------
  // Export (export.ts)

  /**
   * Writes the submissions matching `filter` into `dir` in the NtMalDetect layout
   * (`sysBEN/`, `sysMAL/` by current label), each file byte for byte as it was submitted;
   * every written file's SHA-256 is checked against the one recorded at import.
   */
  export(dir: string, options: ExportOptions = {}): Promise<ExportReport> {
    return exportTraces(this.db, dir, options);
  }

  // -------------------------------------------------------------------------------------
  // Stats and integrity (stats.ts)

  /** Counts by label and source, duplicates, sizes. */
  stats(): Promise<StoreStats> {
    return storeStats(this.db);
  }

  /**
   * Checks the whole store: every trace decodes, its canonical text hashes to its SHA-256 and
   * has its recorded number of calls; every trace has a submission and a label; every
   * non-empty submission has its trace. Returns the problems found (none for a sound store).
   */
  verify(): Promise<{ traces: number; submissions: number; problems: string[] }> {
    return verifyStore(this.db);
  }

  // -------------------------------------------------------------------------------------
  // Labels (labels.ts)

  /**
   * Relabels the trace(s) `ref` names (see the reference forms of `store label --help`).
   * The history is kept: each change is a new label event with its source and time.
   */
  label(ref: string, label: Label | LabelName, options: { source?: string; reason?: string } = {}): Promise<LabelChange[]> {
    return relabel(this.db, ref, label, options);
  }

  /** The label history of the trace(s) `ref` names, oldest first. */
  labelHistory(ref: string): Promise<LabelEvent[]> {
    return labelHistory(this.db, ref);
  }

  // -------------------------------------------------------------------------------------
  // Deletion and retention (deletion.ts)

  /**
   * Deletes for real. A SHA-256 (or prefix) deletes the trace with every submission, label
   * event and raw log of it; a file name deletes those submissions, and their trace when
   * no other submission holds it. `rawOnly` deletes just the raw logs. Freed space is
   * vacuumed so the rows are gone from the tables, not only hidden.
   */
  delete(ref: string, options: { rawOnly?: boolean } = {}): Promise<DeleteReport> {
    return deleteTraces(this.db, ref, options);
  }

  /** Sets how many days raw logs are kept (`null`: forever). Applied now and after each import. */
  setRawLogRetention(days: number | null): Promise<number> {
    return setRawLogRetention(this.db, days);
  }

  /** Days raw logs are kept, or `null` for forever (the default). */
  rawLogRetention(): Promise<number | null> {
    return rawLogRetention(this.db);
  }

  /** Deletes raw logs older than the retention setting; returns how many. */
  applyRetention(now: Date = new Date()): Promise<number> {
    return applyRetention(this.db, now);
  }

  // -------------------------------------------------------------------------------------
  // Models and evaluations (models.ts)

  /** Keeps a model's `.ntmd` bytes with its training config, snapshot and metrics. */
  saveModel(model: {
    name: string;
    bytes: Uint8Array;
    config?: Record<string, unknown>;
    snapshotId?: string | null;
    metrics?: Record<string, unknown>;
  }): Promise<StoredModel> {
    return saveModel(this.db, model);
  }

  /** A stored model with its bytes. */
  getModel(id: number): Promise<StoredModel> {
    return getModel(this.db, id);
  }

  /** All stored models (without their bytes), oldest first. */
  listModels(): Promise<StoredModel[]> {
    return listModels(this.db);
  }

  /** Records an evaluation (cross-validation, benchmark, held-out test ...). */
  addEvaluation(e: {
    kind: string;
    metrics: Record<string, unknown>;
    modelId?: number | null;
    snapshotId?: string | null;
    config?: Record<string, unknown>;
  }): Promise<StoredEvaluation> {
    return addEvaluation(this.db, e);
  }

  /** Stored evaluations, optionally of one model, oldest first. */
  listEvaluations(options: { modelId?: number } = {}): Promise<StoredEvaluation[]> {
    return listEvaluations(this.db, options);
  }
}
