/**
 * `ntmaldetect/store`: a trace store in PostgreSQL (a server, or embedded PGlite) that keeps
 * every trace, its label history and provenance, corpus snapshots, models and evaluations,
 * and feeds training and benchmarks directly (`train({ store, filter })`).
 *
 * This subpath is separate from the core `ntmaldetect` entry point, which never loads it
 * or its database drivers. The drivers are optional peer dependencies: install
 * `@electric-sql/pglite` for embedded stores and/or `pg` for PostgreSQL servers.
 *
 * @example
 * ```ts
 * import { openStore } from 'ntmaldetect/store';
 * const store = await openStore({ db: './traces' });           // or 'postgres://...'
 * await store.import('./NtMalDetect');                          // sysBEN/ + sysMAL/
 * const corpus = await store.loadCorpus({ labels: ['malicious', 'benign'] });
 * console.log(corpus.docs.length, corpus.snapshotId);
 * await store.close();
 * ```
 *
 * @packageDocumentation
 */
export {
  openStore,
  resolveDb,
  defaultStorePath,
  Store,
  SCHEMA_VERSION,
  type OpenStoreOptions,
  type ImportOptions,
  type ImportProgress,
  type ImportReport,
  type ImportFailure,
  type StoreCorpus,
  type StoreCorpusDoc,
  type StoreStats,
  type LabelEvent,
  type LabelChange,
  type DeleteReport,
  type ExportOptions,
  type ExportReport,
  type StoredModel,
  type StoredEvaluation,
} from './store.js';
export { type CorpusFilter, type Label, type LabelName, parseLabel, labelName } from './filter.js';
export { type ImportInput, type ImportItem, type FolderSpec, type ProvenanceInput } from './sources.js';
export { MIGRATIONS, type Migration } from './schema.js';
export { isConnectionString } from './driver.js';
export {
  StoreDriverMissingError,
  StoreLockedError,
  StorePathError,
  StoreSchemaError,
  StoreNotFoundError,
  SnapshotIncompleteError,
  TraceEncodingError,
  AmbiguousReferenceError,
  ImportSourceError,
  ExportTargetExistsError,
} from './errors.js';
