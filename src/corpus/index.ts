/**
 * Loading a labelled corpus of traces (NtMalDetect's layout: `sysBEN/` benign, `sysMAL/`
 * malicious) into call sequences with one shared {@link CallTable}.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { InvalidOptionError } from '../errors.js';
import { CallTable } from '../tokenize/call-table.js';
import { EmptyTraceError } from '../tokenize/errors.js';
import { readTraceSync } from '../tokenize/read.js';
import type { TraceFormat } from '../tokenize/types.js';
import type { InputForm } from '../model/config.js';
import { CorpusNotFoundError, EmptyCorpusError } from './errors.js';
import type { DatasetColumns } from './datasets.js';
import { readTableRows, readWords, rowName } from './datasets.js';
import { sha256Hex } from '../hash.js';
import type { ThreadGroup } from '../threads.js';
import { mergeReadTraces, readTracesJob } from './read-job.js';

export { CorpusNotFoundError, DatasetError, EmptyCorpusError } from './errors.js';
export { readWords, readTableRows, splitWords, LABEL_HEADERS, ID_HEADERS, LABEL_VALUES } from './datasets.js';
export type { DatasetColumns, DatasetRow, DatasetTable, DatasetForm, ReadTableOptions } from './datasets.js';

/** One trace of a corpus. */
export interface CorpusDoc {
  /** Name relative to the corpus, e.g. `sysBEN/LOG_epo.exe.txt` (folder name / file name). */
  name: string;
  /** Absolute path of the file. */
  path?: string;
  /** 0 benign, 1 malicious. */
  label: 0 | 1;
  /** Call ids (of {@link Corpus.table}). */
  calls: Int32Array;
  /** SHA-256 of the file bytes, hex: equal for byte-identical duplicates. */
  sha256: string;
  /** File size in bytes. */
  bytes: number;
}

/** A loaded corpus. */
export interface Corpus {
  /** Benign documents sorted by name, then malicious ones sorted by name. */
  docs: CorpusDoc[];
  /** The shared call-name table of every document. */
  table: CallTable;
  /** Names of the empty files that were skipped (each also reported through `onWarning`). */
  skippedEmpty: string[];
}

/**
 * Where a corpus is: a folder in NtMalDetect's layout (`sysBEN/` + `sysMAL/`), benign and
 * malicious folders or files given separately, or (`csv` / `tsv` input) tables whose label
 * column labels each row.
 */
export type CorpusSpec = string | { benign: string | string[]; malicious: string | string[] } | { data: string | string[] };

/** Options of {@link loadCorpus}. */
export interface LoadCorpusOptions {
  /** Shared id space; a new table when absent. */
  table?: CallTable;
  /** Trace format of every file; detected per file by default (NtTrace input only). */
  format?: TraceFormat | 'auto';
  /**
   * The layout of the files (default `'nttrace'`: NtTrace logs and reduced traces, one per
   * file). `'words'`: one trace per file, call names separated by whitespace. `'csv'` /
   * `'tsv'`: one trace per row of a table with a header (see `readTableRows`). With any but
   * `'nttrace'`, folders are read recursively.
   */
  input?: InputForm;
  /** The columns of `csv` / `tsv` tables (default: detected, see `readTableRows`). */
  columns?: DatasetColumns;
  /** Receives warnings (empty files skipped). Default: none. */
  onWarning?: (msg: string) => void;
  /** Called after each file with (files done, files in all). */
  onProgress?: (done: number, total: number) => void;
  /**
   * @internal Read NtTrace files on threads too: called with the files' paths, returns a
   * group whose script serves the `read-traces` job of `read-job.ts` (or `undefined`: one
   * thread). The corpus is the same as read in one thread.
   */
  threads?: (paths: readonly string[]) => Promise<ThreadGroup | undefined>;
}

interface Entry {
  name: string;
  path: string;
  label: 0 | 1;
}

/** ADFA-LD's folders: normal training and validation traces, then the attacks (one sub-folder per attack run). */
const ADFA_FOLDERS = ['Training_Data_Master', 'Validation_Data_Master', 'Attack_Data_Master'] as const;

/** Code-unit order, as Python sorts strings (not locale order). */
function byCodeUnit(a: Entry, b: Entry): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

async function entriesOf(location: string, label: 0 | 1, recursive = false): Promise<Entry[]> {
  const path = resolve(location);
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new CorpusNotFoundError(location, 'a folder of traces or a trace file');
  }
  if (info.isFile()) return [{ name: `${basename(dirname(path))}/${basename(path)}`, path, label }];
  if (!info.isDirectory()) throw new CorpusNotFoundError(location, 'a folder of traces or a trace file', 'neither a file nor a folder');
  const out: Entry[] = [];
  // Sub-folders only with `recursive` (the dataset layouts: ADFA-LD's Attack_Data_Master/<attack>_N/).
  const walk = async (dir: string, shown: string): Promise<void> => {
    const listed = await readdir(dir, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
      throw new CorpusNotFoundError(
        location,
        'a folder of traces or a trace file',
        `a folder that cannot be read (${e.code ?? e.message})`,
      );
    });
    for (const ent of listed) {
      if (ent.name.startsWith('.')) continue;
      const full = join(dir, ent.name);
      const isFile = ent.isFile() || (ent.isSymbolicLink() && (await stat(full)).isFile());
      if (isFile) out.push({ name: `${shown}/${ent.name}`, path: full, label });
      else if (recursive && (ent.isDirectory() || (ent.isSymbolicLink() && (await stat(full)).isDirectory())))
        await walk(full, `${shown}/${ent.name}`);
    }
  };
  await walk(path, basename(path));
  return out;
}

/**
 * @internal The files of a corpus location in reading order (benign sorted by name, then
 * malicious), each with its label: what {@link loadCorpus} reads, and `stream.ts` too.
 */
export async function collect(spec: CorpusSpec, recursive: boolean): Promise<{ entries: Entry[]; where: string }> {
  if (typeof spec === 'object' && spec !== null && 'data' in spec) {
    const files: Entry[] = [];
    // The label of each row comes from its label column; the entry's label is unused.
    for (const p of Array.isArray(spec.data) ? spec.data : [spec.data]) files.push(...(await entriesOf(p, 0, recursive)));
    return { entries: files.sort(byCodeUnit), where: (Array.isArray(spec.data) ? spec.data : [spec.data]).join(', ') };
  }
  if (typeof spec === 'string') {
    const root = resolve(spec);
    const ben = join(root, 'sysBEN');
    const mal = join(root, 'sysMAL');
    const have = async (p: string): Promise<boolean> => (await stat(p).catch(() => undefined))?.isDirectory() === true;
    if (!(await have(root))) {
      const exists = (await stat(root).catch(() => undefined)) !== undefined;
      throw new CorpusNotFoundError(spec, 'a corpus folder holding sysBEN/ and sysMAL/', exists ? 'a file, not a folder' : undefined);
    }
    if (!(await have(ben)) && !(await have(mal))) {
      // ADFA-LD's own layout, for the dataset layouts: Training_Data_Master/ and
      // Validation_Data_Master/ normal, Attack_Data_Master/<attack>_N/ attacks.
      const [train, valid, attack] = ADFA_FOLDERS.map((f) => join(root, f));
      if (recursive && (await have(attack)) && ((await have(train)) || (await have(valid)))) {
        const b: Entry[] = [];
        for (const d of [train, valid]) if (await have(d)) b.push(...(await entriesOf(d, 0, true)));
        const m = await entriesOf(attack, 1, true);
        return { entries: [...b.sort(byCodeUnit), ...m.sort(byCodeUnit)], where: spec };
      }
      throw new EmptyCorpusError(
        spec,
        `expected the folders sysBEN/ (benign) and sysMAL/ (malicious) inside it${recursive ? `, or ADFA-LD's ${ADFA_FOLDERS.join('/, ')}/` : ''}`,
      );
    }
    const b = (await have(ben)) ? await entriesOf(ben, 0, recursive) : [];
    const m = (await have(mal)) ? await entriesOf(mal, 1, recursive) : [];
    return { entries: [...b.sort(byCodeUnit), ...m.sort(byCodeUnit)], where: spec };
  }
  if (spec === null || typeof spec !== 'object' || !('benign' in spec) || !('malicious' in spec)) {
    throw new InvalidOptionError('corpus', 'a folder path, { benign, malicious } or { data }', spec);
  }
  const list = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);
  const b: Entry[] = [];
  for (const p of list(spec.benign)) b.push(...(await entriesOf(p, 0, recursive)));
  const m: Entry[] = [];
  for (const p of list(spec.malicious)) m.push(...(await entriesOf(p, 1, recursive)));
  return { entries: [...b.sort(byCodeUnit), ...m.sort(byCodeUnit)], where: [...list(spec.benign), ...list(spec.malicious)].join(', ') };
}

/**
 * Loads every trace of a corpus with one shared call table.
 *
 * Document order: benign files sorted by name (code-unit order), then malicious ones sorted by
 * name. Empty files are skipped with a warning and listed in {@link Corpus.skippedEmpty};
 * byte-identical duplicates are kept (compare {@link CorpusDoc.sha256} to dedupe).
 *
 * ```ts
 * const corpus = await loadCorpus('../shared/corpus', { onWarning: console.warn });
 * corpus.docs.length; // 215
 * ```
 *
 * @throws CorpusNotFoundError for a missing path; EmptyCorpusError when no trace is left;
 *   NoCallsError naming a file that is not a trace.
 */
export async function loadCorpus(spec: CorpusSpec, options: LoadCorpusOptions = {}): Promise<Corpus> {
  const table = options.table ?? new CallTable();
  const input = options.input ?? 'nttrace';
  const isTable = input === 'csv' || input === 'tsv';
  if (typeof spec === 'object' && spec !== null && 'data' in spec && !isTable) {
    throw new InvalidOptionError(
      'corpus',
      `{ benign, malicious } or a folder (only csv and tsv tables label their rows with { data }; the input is ${input})`,
      spec,
    );
  }
  const { entries, where } = await collect(spec, input !== 'nttrace');
  const docs: CorpusDoc[] = [];
  const skippedEmpty: string[] = [];
  const fromLocation = !(typeof spec === 'object' && spec !== null && 'data' in spec);
  let done = 0;
  let at = 0;
  const data = { paths: entries.map((e) => e.path), format: options.format ?? 'auto' };
  const group = options.threads && input === 'nttrace' ? await options.threads(data.paths) : undefined;
  const pre = group ? mergeReadTraces(await group.run('read-traces', data, entries.length, readTracesJob(data)), table) : undefined;
  for (const e of entries) {
    const read = pre?.[at++];
    if (read !== undefined && read !== 'failed') {
      if (read === null) {
        skippedEmpty.push(e.name);
        options.onWarning?.(`skipped empty trace ${e.name}`);
      } else docs.push({ name: e.name, path: e.path, label: e.label, ...read });
      options.onProgress?.(++done, entries.length);
      continue;
    }
    // Synchronous: one read per file, no thread-pool round trips (a corpus is hundreds of small files).
    const bytes = readFileSync(e.path);
    if (isTable) {
      const t = readTableRows(bytes, {
        form: input,
        source: e.path,
        requireLabel: !fromLocation,
        ...(options.columns ? { columns: options.columns } : {}),
      });
      for (const row of t.rows) {
        const name = rowName(e.name, row);
        if (row.calls.length === 0) {
          skippedEmpty.push(name);
          options.onWarning?.(`skipped row without calls ${e.path}:${row.line}`);
          continue;
        }
        docs.push(callsDoc(name, e.path, fromLocation ? e.label : row.label!, row.calls, table));
      }
      if (t.rows.length === 0) options.onWarning?.(`${e.path} has a header and no row`);
      options.onProgress?.(++done, entries.length);
      continue;
    }
    if (input === 'words') {
      try {
        const calls = readWords(bytes, e.path);
        const doc = callsDoc(e.name, e.path, e.label, calls, table);
        docs.push({ ...doc, sha256: sha256Hex(bytes), bytes: bytes.length });
      } catch (err) {
        if (!(err instanceof EmptyTraceError)) throw err;
        skippedEmpty.push(e.name);
        options.onWarning?.(`skipped empty trace ${e.name}`);
      }
      options.onProgress?.(++done, entries.length);
      continue;
    }
    try {
      const read = readTraceSync(bytes, { table, source: e.path, format: options.format ?? 'auto' });
      const sha256 = sha256Hex(bytes);
      docs.push({ name: e.name, path: e.path, label: e.label, calls: read.calls, sha256, bytes: bytes.length });
    } catch (err) {
      if (!(err instanceof EmptyTraceError)) throw err;
      skippedEmpty.push(e.name);
      options.onWarning?.(`skipped empty trace ${e.name}`);
    }
    options.onProgress?.(++done, entries.length);
  }
  if (docs.length === 0) {
    const detail = entries.length === 0 ? 'no files found' : `all ${entries.length} files are empty`;
    throw new EmptyCorpusError(where, detail);
  }
  if (skippedEmpty.length > 0) {
    options.onWarning?.(`skipped ${skippedEmpty.length} empty trace${skippedEmpty.length === 1 ? '' : 's'} in all`);
  }
  if (isTable) {
    // Benign rows first, then malicious, each in file and row order (as the folders' documents).
    const order = [...docs.filter((d) => d.label === 0), ...docs.filter((d) => d.label === 1)];
    docs.splice(0, docs.length, ...order);
  }
  return { docs, table, skippedEmpty };
}

/**
 * A document from call names. Its `sha256` is that of the calls joined by line feeds with
 * one after the last (the bytes of the same trace as a reduced trace file), `bytes` that length.
 */
function callsDoc(name: string, path: string, label: 0 | 1, names: readonly string[], table: CallTable): CorpusDoc {
  const calls = new Int32Array(names.length);
  for (let i = 0; i < names.length; i++) calls[i] = table.intern(names[i]);
  const text = Buffer.from(names.join('\n') + '\n', 'utf8');
  return { name, path, label, calls, sha256: sha256Hex(text), bytes: text.length };
}
