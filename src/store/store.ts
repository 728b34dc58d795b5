/**
 * The trace store: every trace, its label history and provenance, corpus snapshots, models
 * and evaluations, in PostgreSQL (a server through `pg`, or embedded PGlite).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CallTable } from '../tokenize/call-table.js';
import { NtmdError } from '../errors.js';
import { decodeInto, decodeSequence, renderReduced, sha256Hex } from './codec.js';
import type { Queryable, SqlDriver } from './driver.js';
import {
  AmbiguousReferenceError,
  ExportTargetExistsError,
  SnapshotIncompleteError,
  StoreNotFoundError,
  TraceEncodingError,
} from './errors.js';
import type { CorpusFilter, Label, LabelName, ResolvedFilter } from './filter.js';
import { filterJson, labelName, parseLabel, resolveFilter, whereClause } from './filter.js';
import type { PreparedFile } from './parse.js';
import { prepareFile } from './parse.js';
import { SCHEMA_VERSION, schemaVersion } from './schema.js';
import type { OpenStoreOptions } from './db.js';
import { connect, num } from './db.js';
import type { DocRow, StoreCorpus } from './corpus.js';
import { loadCorpus } from './corpus.js';
import type { DeleteReport } from './deletion.js';
import type { ExportOptions, ExportReport } from './export.js';
import { exportTraces } from './export.js';
import { applyRetention, deleteTraces, rawLogRetention, setRawLogRetention } from './deletion.js';
import type { LabelChange, LabelEvent } from './labels.js';
import { labelHistory, relabel, resolveTraces } from './labels.js';
import type { StoredEvaluation, StoredModel } from './models.js';
import type { StoreStats } from './stats.js';
import { storeStats, verifyStore } from './stats.js';
import { addEvaluation, getModel, listEvaluations, listModels, saveModel } from './models.js';
import type { ImportInput, ListedItem, ProvenanceInput } from './sources.js';
import { LAYOUT_DIRS, listImport, programNameOf } from './sources.js';

// ---------------------------------------------------------------------------------------
// Public types

/** Progress of an import, reported after each committed batch and each failed file. */
export interface ImportProgress {
  /** Files handled so far (stored, duplicate, empty or failed). */
  done: number;
  total: number;
  bytes: number;
  totalBytes: number;
}

/** Options of {@link Store.import}. */
export interface ImportOptions {
  /** Source tag of the submissions (default: the folder's name). */
  source?: string;
  /** Submitter recorded in the provenance (default: the OS user name). */
  submitter?: string;
  /** Tracer options recorded in the provenance of every file. */
  tracerOptions?: Record<string, unknown>;
  /** Keep raw NtTrace logs (compressed) besides their reduced sequence. Default true. */
  keepRaw?: boolean;
  /** Files per transaction (default 32). */
  batchSize?: number;
  /** Input bytes per transaction (default 16 MiB). */
  batchBytes?: number;
  onProgress?: (progress: ImportProgress) => void;
}

/** A file of an import that could not be stored. */
export interface ImportFailure {
  name: string;
  /** The error code (`NO_CALLS`, `CORRUPT_GZIP`, a database SQLSTATE, ...). */
  code: string;
  message: string;
}

/** What an import did. */
export interface ImportReport {
  /** Files examined. */
  files: number;
  /** Bytes read. */
  bytes: number;
  /** New submissions stored (including empty files). */
  submissions: number;
  /** New distinct traces stored. */
  traces: number;
  /** Files already in the store (same name and content): nothing stored. */
  alreadyStored: string[];
  /** New submissions whose trace was already stored (by another file or earlier in this import). */
  duplicates: { name: string; traceSha256: string }[];
  /** Empty files: recorded as empty submissions, never as traces. */
  empty: string[];
  /** Files that are not traces or could not be written; the rest of the import went on. */
  failed: ImportFailure[];
  /** New submissions whose stated label differs from their (already stored) trace's label. */
  labelConflicts: { name: string; label: LabelName; storedLabel: LabelName; traceSha256: string }[];
  /** Raw logs stored. */
  rawLogs: number;
  /** Raw logs removed by the retention setting at the end of the import. */
  expiredRawLogs: number;
  elapsedMs: number;
}

// ---------------------------------------------------------------------------------------

/**
 * Opens a store, creating its schema or upgrading it to the current version. See
 * {@link OpenStoreOptions.db} for which database is used.
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  return new Store(await connect(options));
}

interface Outcome {
  kind: 'new' | 'duplicate' | 'already' | 'empty';
  traceSha256?: string;
  newTrace: boolean;
  conflict?: Label;
  raw: boolean;
}

interface Entry {
  item: ListedItem;
  bytes: Uint8Array;
  fileSha256: string;
  /** Null until needed: a file whose bytes are an already stored trace's text is not parsed. */
  file: PreparedFile | null;
  keepRaw: boolean;
}

const EMPTY = new Uint8Array(0);

/** The prepared form of an entry, parsing the file now if the batch skipped it. */
function prepared(e: Entry): PreparedFile {
  e.file ??= prepareFile(e.bytes, e.item.name, { keepRaw: e.keepRaw });
  return e.file;
}

const RETRYABLE = new Set(['40001', '40P01', '23505']);

function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
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
  // Import

  /**
   * Imports traces: a folder in the NtMalDetect layout, `{ benign, malicious }` folders or
   * files, or explicit items (uploads). Files are written in batches, one transaction per
   * batch: a crash leaves each batch fully stored or not at all, and re-running the import
   * completes it. Identical traces are stored once; a file already stored (same name and
   * bytes) adds nothing; an empty file is recorded as an empty submission; a file that is
   * not a trace is reported in `failed` and the others are stored.
   */
  async import(input: ImportInput, options: ImportOptions = {}): Promise<ImportReport> {
    const t0 = performance.now();
    const items = listImport(input, options.source);
    const report: ImportReport = {
      files: items.length,
      bytes: 0,
      submissions: 0,
      traces: 0,
      alreadyStored: [],
      duplicates: [],
      empty: [],
      failed: [],
      labelConflicts: [],
      rawLogs: 0,
      expiredRawLogs: 0,
      elapsedMs: 0,
    };
    const progress: ImportProgress = { done: 0, total: items.length, bytes: 0, totalBytes: items.reduce((s, i) => s + i.size, 0) };
    const batchSize = Math.max(1, options.batchSize ?? 32);
    const batchBytes = Math.max(1, options.batchBytes ?? 16 * 1024 * 1024);
    const submitter = options.submitter ?? safeUserName();
    let batch: Entry[] = [];
    let pendingBytes = 0;
    // One batch commits while the next is read and parsed (the database and the parser then
    // use both cores with a server); at most one commit is in flight.
    let inflight: Promise<void> = Promise.resolve();
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const current = batch;
      const currentBytes = pendingBytes;
      batch = [];
      pendingBytes = 0;
      const entries = await this.skipKnown(current, report);
      const ready: Entry[] = [];
      for (const e of entries) {
        try {
          const f = prepared(e);
          report.bytes += e.bytes.length;
          // The file's bytes are not needed any more once parsed (the batch then holds only
          // what it writes), except for a file whose parsing the batch skipped (see writeBatch).
          if (f.format === 'empty' || f.sequence.length > 0) e.bytes = EMPTY;
          ready.push(e);
        } catch (err) {
          report.failed.push(failure(e.item.name, err));
        }
      }
      await inflight;
      inflight = (async () => {
        if (ready.length > 0) await this.commitBatch(ready, report, submitter, options);
        progress.done += current.length;
        progress.bytes += currentBytes;
        options.onProgress?.({ ...progress });
      })();
      inflight.catch(() => undefined); // awaited by the next flush or at the end
    };
    for (const item of items) {
      if (item.refused !== undefined) {
        report.failed.push(failure(item.name, item.refused));
        progress.done++;
        options.onProgress?.({ ...progress });
        continue;
      }
      let bytes: Uint8Array;
      try {
        bytes = item.bytes ?? (await readFile(item.path as string));
      } catch (e) {
        report.failed.push(failure(item.name, e));
        progress.done++;
        progress.bytes += item.size;
        options.onProgress?.({ ...progress });
        continue;
      }
      // A file prepared by the caller (read in a worker thread) is not read again here.
      const ready = item.prepared !== undefined && item.bytes === bytes && options.keepRaw !== false ? item.prepared : undefined;
      batch.push({ item, bytes, fileSha256: ready?.fileSha256 ?? sha256Hex(bytes), file: ready ?? null, keepRaw: options.keepRaw !== false });
      pendingBytes += bytes.length;
      if (batch.length >= batchSize || pendingBytes >= batchBytes) await flush();
    }
    await flush();
    await inflight;
    report.expiredRawLogs = await this.applyRetention();
    report.elapsedMs = performance.now() - t0;
    return report;
  }

  /**
   * Drops files already stored (same name and bytes) and marks those whose bytes are the
   * text of a stored trace, which then need no parsing: one query each per batch.
   */
  private async skipKnown(batch: Entry[], report: ImportReport): Promise<Entry[]> {
    const shas = [...new Set(batch.map((e) => e.fileSha256))];
    const subs = await this.db.query<{ name: string; file_sha256: string }>(
      'SELECT name, file_sha256 FROM ntmd_submissions WHERE file_sha256 = ANY($1::text[])',
      [shas],
    );
    const stored = new Set(subs.map((r) => `${r.name}\0${r.file_sha256}`));
    const traces = new Set(
      (await this.db.query<{ sha256: string }>('SELECT sha256 FROM ntmd_traces WHERE sha256 = ANY($1::text[])', [shas])).map((r) => r.sha256),
    );
    const out: Entry[] = [];
    for (const e of batch) {
      if (stored.has(`${e.item.name}\0${e.fileSha256}`)) {
        report.bytes += e.bytes.length;
        report.alreadyStored.push(`${LAYOUT_DIRS[e.item.label]}/${e.item.name}`);
        continue;
      }
      if (traces.has(e.fileSha256) && e.bytes.length > 0) {
        // The file is byte for byte the canonical text of a stored trace: a reduced file.
        e.file = {
          format: 'reduced',
          fileSha256: e.fileSha256,
          fileBytes: e.bytes.length,
          original: null,
          traceSha256: e.fileSha256,
          calls: 0,
          distinctCalls: 0,
          reducedBytes: e.bytes.length,
          sequence: new Uint8Array(0),
          raw: null,
        };
      }
      out.push(e);
    }
    return out;
  }

  /** Writes a batch in one transaction (retrying on deadlock/serialization), else file by file. */
  private async commitBatch(batch: Entry[], report: ImportReport, submitter: string, options: ImportOptions): Promise<void> {
    // Each statement writes its rows in one global order (traces by hash, submissions by
    // name and file hash), so importers of overlapping sets wait for each other instead of
    // deadlocking.
    const sorted = [...batch].sort((a, b) => compareKeys(a, b));
    const write = (entries: Entry[]): Promise<Outcome[]> => this.db.transaction((tx) => writeBatch(tx, entries, submitter, options));
    for (let attempt = 0; ; attempt++) {
      try {
        const outcomes = await write(sorted);
        sorted.forEach((e, i) => record(report, e, outcomes[i]));
        return;
      } catch (e) {
        if (!RETRYABLE.has(sqlState(e) ?? '') || attempt >= 6) break;
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (attempt + 1)));
      }
    }
    // Something in the batch cannot be written: store the others, report that one.
    for (const e of sorted) {
      for (let attempt = 0; ; attempt++) {
        try {
          const [outcome] = await write([e]);
          record(report, e, outcome);
          break;
        } catch (err) {
          if (RETRYABLE.has(sqlState(err) ?? '') && attempt < 6) continue;
          report.failed.push(failure(e.item.name, err));
          break;
        }
      }
    }
  }

  // -------------------------------------------------------------------------------------
  // Corpus views (corpus.ts)

  /**
   * Loads the documents matching `filter` in the corpus reader's shape and order (benign by
   * name, then malicious by name; calls in one shared {@link CallTable}), and records a
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

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

function failure(name: string, e: unknown): ImportFailure {
  const err = e as { code?: unknown; message?: unknown };
  return { name, code: typeof err.code === 'string' ? err.code : 'ERROR', message: String(err.message ?? e) };
}

function record(report: ImportReport, e: Entry, o: Outcome): void {
  const name = `${LAYOUT_DIRS[e.item.label]}/${e.item.name}`;
  if (o.kind === 'already') {
    report.alreadyStored.push(name);
    return;
  }
  report.submissions++;
  if (o.raw) report.rawLogs++;
  if (o.kind === 'empty') {
    report.empty.push(name);
    return;
  }
  if (o.newTrace) report.traces++;
  else report.duplicates.push({ name, traceSha256: o.traceSha256 as string });
  if (o.conflict !== undefined) {
    report.labelConflicts.push({ name, label: labelName(e.item.label), storedLabel: labelName(o.conflict), traceSha256: o.traceSha256 as string });
  }
}

function compareKeys(a: Entry, b: Entry): number {
  const ka = traceKey(prepared(a));
  const kb = traceKey(prepared(b));
  return ka < kb ? -1 : ka > kb ? 1 : a.item.name < b.item.name ? -1 : a.item.name > b.item.name ? 1 : 0;
}

const traceKey = (f: PreparedFile): string => (f.format === 'empty' ? f.fileSha256 : f.traceSha256);
const hex = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex'));

/**
 * Writes a batch inside its transaction with a fixed number of set-based statements (one
 * round trip each, whatever the batch size). Entries come sorted by {@link compareKeys}.
 */
async function writeBatch(tx: Queryable, entries: Entry[], submitter: string, options: ImportOptions): Promise<Outcome[]> {
  const shas = [...new Set(entries.filter((e) => prepared(e).format !== 'empty').map((e) => traceKey(prepared(e))))].sort();
  const ids = new Map<string, number>();
  const lookup = async (list: string[]): Promise<void> => {
    if (list.length === 0) return;
    const rows = await tx.query<{ id: number | string; sha256: string }>('SELECT id, sha256 FROM ntmd_traces WHERE sha256 = ANY($1::text[])', [list]);
    for (const r of rows) ids.set(r.sha256, num(r.id));
  };
  await lookup(shas);

  // New traces: one row per distinct hash, from the first file holding it.
  const firstOf = new Map<string, Entry>();
  for (const e of entries) {
    const f = prepared(e);
    if (f.format === 'empty' || ids.has(f.traceSha256) || firstOf.has(f.traceSha256)) continue;
    if (f.sequence.length === 0) {
      // Parsing was skipped because the trace was stored, but it has been deleted since.
      e.file = null;
      prepared(e);
    }
    firstOf.set(f.traceSha256, e);
  }
  const fresh = [...firstOf.values()].map((e) => prepared(e) as Extract<PreparedFile, { sequence: Uint8Array }>);
  const created = new Set<string>();
  if (fresh.length > 0) {
    const rows = await tx.query<{ id: number | string; sha256: string }>(
      `INSERT INTO ntmd_traces (sha256, calls, distinct_calls, reduced_bytes, encoding, sequence)
       SELECT u.sha, u.calls, u.dc, u.rb, 1, decode(u.seq, 'hex')
         FROM unnest($1::text[], $2::int[], $3::int[], $4::bigint[], $5::text[]) AS u(sha, calls, dc, rb, seq)
        ORDER BY u.sha
       ON CONFLICT (sha256) DO NOTHING RETURNING id, sha256`,
      [fresh.map((f) => f.traceSha256), fresh.map((f) => f.calls), fresh.map((f) => f.distinctCalls), fresh.map((f) => f.reducedBytes), fresh.map((f) => hex(f.sequence))],
    );
    for (const r of rows) {
      ids.set(r.sha256, num(r.id));
      created.add(r.sha256);
    }
    // Inserted meanwhile by a concurrent importer (committed before our insert went on).
    await lookup(fresh.map((f) => f.traceSha256).filter((sha) => !created.has(sha)));
    const labelled = [...created].map((sha) => firstOf.get(sha) as Entry);
    await tx.query(
      `INSERT INTO ntmd_labels (trace_id, label, source, reason)
       SELECT * FROM unnest($1::bigint[], $2::smallint[], $3::text[], $4::text[])`,
      [labelled.map((e) => ids.get(traceKey(prepared(e)))), labelled.map((e) => e.item.label), labelled.map(() => 'import'), labelled.map((e) => `${e.item.source}: ${e.item.name}`)],
    );
  }
  const current = new Map<number, number>();
  for (const sha of created) current.set(ids.get(sha) as number, (firstOf.get(sha) as Entry).item.label);
  const existingIds = shas.filter((sha) => !created.has(sha)).map((sha) => ids.get(sha) as number);
  if (existingIds.length > 0) {
    const rows = await tx.query<{ trace_id: number | string; label: number }>(
      'SELECT trace_id, label::int AS label FROM ntmd_current_labels WHERE trace_id = ANY($1::bigint[])',
      [existingIds],
    );
    for (const r of rows) current.set(num(r.trace_id), r.label);
  }

  // Provenance rows get their ids first, so each submission can point at its own.
  const provIds = (
    await tx.query<{ id: number | string }>("SELECT nextval('ntmd_provenance_id_seq') AS id FROM generate_series(1, $1::int)", [entries.length])
  ).map((r) => num(r.id));
  const prov = entries.map((e): ProvenanceInput => e.item.provenance ?? {});
  await tx.query(
    `INSERT INTO ntmd_provenance (id, program_sha256, program_name, submitter, tracer_options, traced_at)
     SELECT u.id, u.psha, u.pname, u.who, u.opts::jsonb, u.at::timestamptz
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(id, psha, pname, who, opts, at)`,
    [
      provIds,
      prov.map((p) => p.programSha256 ?? null),
      entries.map((e, i) => prov[i].programName ?? programNameOf(e.item.name)),
      prov.map((p) => p.submitter ?? submitter),
      prov.map((p) => JSON.stringify(p.tracerOptions ?? options.tracerOptions ?? {})),
      prov.map((p) => (p.tracedAt === undefined ? null : new Date(p.tracedAt).toISOString())),
    ],
  );
  const files = entries.map(prepared);
  const subs = await tx.query<{ id: number | string; name: string; file_sha256: string }>(
    `INSERT INTO ntmd_submissions (name, source, file_sha256, file_bytes, format, label, trace_id, original, provenance_id)
     SELECT u.name, u.source, u.fsha, u.fbytes, u.format, u.label, u.trace, decode(u.original, 'hex'), u.prov
       FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::smallint[], $7::bigint[], $8::text[], $9::bigint[])
         AS u(name, source, fsha, fbytes, format, label, trace, original, prov)
      ORDER BY u.name, u.fsha
     ON CONFLICT (name, file_sha256) DO NOTHING RETURNING id, name, file_sha256`,
    [
      entries.map((e) => e.item.name),
      entries.map((e) => e.item.source),
      files.map((f) => f.fileSha256),
      files.map((f) => f.fileBytes),
      files.map((f) => f.format),
      entries.map((e) => e.item.label),
      files.map((f) => (f.format === 'empty' ? null : ids.get(f.traceSha256))),
      files.map((f) => hex(f.original)),
      provIds,
    ],
  );
  const subId = new Map(subs.map((r) => [`${r.name}\0${r.file_sha256}`, num(r.id)]));
  const unused: number[] = [];
  const rawRows: { id: number; bytes: number; content: string }[] = [];
  const seenTrace = new Set<string>();
  const outcomes = entries.map((e, i): Outcome => {
    const f = files[i];
    const key = `${e.item.name}\0${f.fileSha256}`;
    const id = subId.get(key);
    subId.delete(key); // a second identical entry of the batch is 'already'
    const traceSha256 = f.format === 'empty' ? undefined : f.traceSha256;
    const newTrace = traceSha256 !== undefined && created.has(traceSha256) && !seenTrace.has(traceSha256);
    if (id === undefined) {
      unused.push(provIds[i]);
      return { kind: 'already', traceSha256, newTrace: false, raw: false };
    }
    if (traceSha256 !== undefined) seenTrace.add(traceSha256);
    if (f.format === 'empty') return { kind: 'empty', newTrace: false, raw: false };
    const cur = current.get(ids.get(f.traceSha256) as number);
    const raw = f.format === 'raw' && f.raw !== null;
    if (raw) rawRows.push({ id, bytes: f.fileBytes, content: hex(f.raw) as string });
    return {
      kind: newTrace ? 'new' : 'duplicate',
      traceSha256,
      newTrace,
      conflict: cur !== undefined && cur !== e.item.label ? (cur as Label) : undefined,
      raw,
    };
  });
  if (unused.length > 0) await tx.query('DELETE FROM ntmd_provenance WHERE id = ANY($1::bigint[])', [unused]);
  if (rawRows.length > 0) {
    await tx.query(
      `INSERT INTO ntmd_raw_logs (submission_id, bytes, content)
       SELECT u.id, u.bytes, decode(u.content, 'hex') FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS u(id, bytes, content)`,
      [rawRows.map((r) => r.id), rawRows.map((r) => r.bytes), rawRows.map((r) => r.content)],
    );
  }
  return outcomes;
}

export { SCHEMA_VERSION };
export { defaultStorePath, resolveDb, type OpenStoreOptions } from './db.js';
export type { StoreCorpus, StoreCorpusDoc } from './corpus.js';
export type { LabelEvent, LabelChange } from './labels.js';
export type { DeleteReport } from './deletion.js';
export type { ExportOptions, ExportReport } from './export.js';
export type { StoredModel, StoredEvaluation } from './models.js';
export type { StoreStats } from './stats.js';
