/**
 * Loading a labelled corpus of traces (NtMalDetect's layout: `sysBEN/` benign, `sysMAL/`
 * malicious) into call sequences with one shared {@link CallTable}.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { InvalidOptionError } from '../errors.js';
import { CallTable } from '../tokenize/call-table.js';
import { EmptyTraceError } from '../tokenize/errors.js';
import { readTraceSync } from '../tokenize/read.js';
import type { TraceFormat } from '../tokenize/types.js';
import { CorpusNotFoundError, EmptyCorpusError } from './errors.js';

export { CorpusNotFoundError, EmptyCorpusError } from './errors.js';

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
 * Where a corpus is: a folder in NtMalDetect's layout (`sysBEN/` + `sysMAL/`), or benign and
 * malicious folders or files given separately.
 */
export type CorpusSpec = string | { benign: string | string[]; malicious: string | string[] };

/** Options of {@link loadCorpus}. */
export interface LoadCorpusOptions {
  /** Shared id space; a new table when absent. */
  table?: CallTable;
  /** Trace format of every file; detected per file by default. */
  format?: TraceFormat | 'auto';
  /** Receives warnings (empty files skipped). Default: none. */
  onWarning?: (msg: string) => void;
  /** Called after each file with (files done, files in all). */
  onProgress?: (done: number, total: number) => void;
}

interface Entry {
  name: string;
  path: string;
  label: 0 | 1;
}

/** Code-unit order, as Python sorts strings (not locale order). */
function byCodeUnit(a: Entry, b: Entry): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

async function entriesOf(location: string, label: 0 | 1): Promise<Entry[]> {
  const path = resolve(location);
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new CorpusNotFoundError(location, 'a folder of traces or a trace file');
  }
  if (info.isFile()) return [{ name: `${basename(dirname(path))}/${basename(path)}`, path, label }];
  if (!info.isDirectory()) throw new CorpusNotFoundError(location, 'a folder of traces or a trace file', 'neither a file nor a folder');
  const dir = basename(path);
  const out: Entry[] = [];
  const listed = await readdir(path, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    throw new CorpusNotFoundError(location, 'a folder of traces or a trace file', `a folder that cannot be read (${e.code ?? e.message})`);
  });
  for (const ent of listed) {
    if (ent.name.startsWith('.')) continue;
    const full = join(path, ent.name);
    const isFile = ent.isFile() || (ent.isSymbolicLink() && (await stat(full)).isFile());
    if (isFile) out.push({ name: `${dir}/${ent.name}`, path: full, label });
  }
  return out;
}

async function collect(spec: CorpusSpec): Promise<{ entries: Entry[]; where: string }> {
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
      throw new EmptyCorpusError(spec, 'expected the folders sysBEN/ (benign) and sysMAL/ (malicious) inside it');
    }
    const b = (await have(ben)) ? await entriesOf(ben, 0) : [];
    const m = (await have(mal)) ? await entriesOf(mal, 1) : [];
    return { entries: [...b.sort(byCodeUnit), ...m.sort(byCodeUnit)], where: spec };
  }
  if (spec === null || typeof spec !== 'object' || !('benign' in spec) || !('malicious' in spec)) {
    throw new InvalidOptionError('corpus', 'a folder path or { benign, malicious }', spec);
  }
  const list = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);
  const b: Entry[] = [];
  for (const p of list(spec.benign)) b.push(...(await entriesOf(p, 0)));
  const m: Entry[] = [];
  for (const p of list(spec.malicious)) m.push(...(await entriesOf(p, 1)));
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
  const { entries, where } = await collect(spec);
  const docs: CorpusDoc[] = [];
  const skippedEmpty: string[] = [];
  let done = 0;
  for (const e of entries) {
    // Synchronous: one read per file, no thread-pool round trips (a corpus is hundreds of small files).
    const bytes = readFileSync(e.path);
    try {
      const read = readTraceSync(bytes, { table, source: e.path, format: options.format ?? 'auto' });
      const sha256 = createHash('sha256').update(bytes).digest('hex');
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
  return { docs, table, skippedEmpty };
}
