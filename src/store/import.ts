/**
 * Import: files read, parsed and written in batches, one transaction per batch (see
 * `import-batch.ts` for what a batch writes). A crash leaves each batch fully stored or not
 * at all; files already stored are skipped, so re-running an import completes it.
 */
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { sha256Hex } from './codec.js';
import { applyRetention } from './deletion.js';
import type { Queryable, SqlDriver } from './driver.js';
import type { LabelName } from './filter.js';
import { labelName } from './filter.js';
import type { Entry, Outcome } from './import-batch.js';
import { compareKeys, prepared, writeBatch } from './import-batch.js';
import type { ImportInput } from './sources.js';
import { LAYOUT_DIRS, listImport } from './sources.js';
import { checkThreads, pickThreads, scriptExists } from '../threads.js';
import { IMPORT_BYTES_PER_THREAD, prepareOnThreads } from './prepare-job.js';

/** Progress of an import, reported after each committed batch and each failed file. */
export interface ImportProgress {
  /** Files handled so far (stored, duplicate, empty or failed). */
  done: number;
  total: number;
  bytes: number;
  totalBytes: number;
}

/** Options of `Store.import`. */
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
  /**
   * Threads that parse, hash and compress the files of each batch (the writes stay on this
   * thread): an integer >= 1 (1: this thread only) or `'auto'` (the default: more than one
   * only for imports large enough to gain, at most the cores). The store's rows are the same.
   */
  threads?: number | 'auto';
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

const EMPTY = new Uint8Array(0);

const RETRYABLE = new Set(['40001', '40P01', '23505']);

function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * Imports traces: a folder in the NtMalDetect layout, `{ benign, malicious }` folders or
 * files, or explicit items (uploads). Files are written in batches, one transaction per
 * batch: a crash leaves each batch fully stored or not at all, and re-running the import
 * completes it. Identical traces are stored once; a file already stored (same name and
 * bytes) adds nothing; an empty file is recorded as an empty submission; a file that is
 * not a trace is reported in `failed` and the others are stored.
 */
export async function importTraces(db: SqlDriver, input: ImportInput, options: ImportOptions = {}): Promise<ImportReport> {
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
  const threads = checkThreads(options.threads);
  const script = new URL('./import-thread.js', import.meta.url);
  const nThreads = items.length < 2 ? 1 : pickThreads(threads, progress.totalBytes, IMPORT_BYTES_PER_THREAD);
  const group =
    nThreads > 1 && scriptExists(script) ? await (await import('../threads.js')).ThreadGroup.start(script, nThreads - 1) : undefined;
  // One batch commits while the next is read and parsed (the database and the parser then
  // use both cores with a server); at most one commit is in flight.
  let inflight: Promise<void> = Promise.resolve();
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const current = batch;
    const currentBytes = pendingBytes;
    batch = [];
    pendingBytes = 0;
    const entries = await skipKnown(db, current, report);
    if (group) await prepareOnThreads(group, entries);
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
      if (ready.length > 0) await commitBatch(db, ready, report, submitter, options);
      progress.done += current.length;
      progress.bytes += currentBytes;
      options.onProgress?.({ ...progress });
    })();
    inflight.catch(() => undefined); // awaited by the next flush or at the end
  };
  try {
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
      batch.push({
        item,
        bytes,
        fileSha256: ready?.fileSha256 ?? sha256Hex(bytes),
        file: ready ?? null,
        keepRaw: options.keepRaw !== false,
      });
      pendingBytes += bytes.length;
      if (batch.length >= batchSize || pendingBytes >= batchBytes) await flush();
    }
    await flush();
    await inflight;
  } finally {
    await inflight.catch(() => undefined);
    await group?.close();
  }
  report.expiredRawLogs = await applyRetention(db);
  report.elapsedMs = performance.now() - t0;
  return report;
}

/**
 * Drops files already stored (same name and bytes) and marks those whose bytes are the
 * text of a stored trace, which then need no parsing: one query each per batch.
 */
async function skipKnown(db: Queryable, batch: Entry[], report: ImportReport): Promise<Entry[]> {
  const shas = [...new Set(batch.map((e) => e.fileSha256))];
  const subs = await db.query<{ name: string; file_sha256: string }>(
    'SELECT name, file_sha256 FROM ntmd_submissions WHERE file_sha256 = ANY($1::text[])',
    [shas],
  );
  const stored = new Set(subs.map((r) => `${r.name}\0${r.file_sha256}`));
  const traces = new Set(
    (await db.query<{ sha256: string }>('SELECT sha256 FROM ntmd_traces WHERE sha256 = ANY($1::text[])', [shas])).map((r) => r.sha256),
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
async function commitBatch(db: SqlDriver, batch: Entry[], report: ImportReport, submitter: string, options: ImportOptions): Promise<void> {
  // Each statement writes its rows in one global order (traces by hash, submissions by
  // name and file hash), so importers of overlapping sets wait for each other instead of
  // deadlocking.
  const sorted = [...batch].sort((a, b) => compareKeys(a, b));
  const write = (entries: Entry[]): Promise<Outcome[]> => db.transaction((tx) => writeBatch(tx, entries, submitter, options.tracerOptions));
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
    report.labelConflicts.push({
      name,
      label: labelName(e.item.label),
      storedLabel: labelName(o.conflict),
      traceSha256: o.traceSha256 as string,
    });
  }
}
