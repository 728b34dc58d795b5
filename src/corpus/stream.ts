/**
 * A labelled corpus read file by file, as many times as a fit needs, and never held in
 * memory: what training in bounded memory reads (`trainStreaming` in `src/api`). The files,
 * their order, the documents and the call table are those {@link loadCorpus} gives for the
 * same location; only the calls are not kept.
 *
 * @packageDocumentation
 */
import { closeSync, openSync, readFileSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { InvalidOptionError } from '../errors.js';
import { sha256Hex } from '../hash.js';
import { CallTable } from '../tokenize/call-table.js';
import { EmptyTraceError } from '../tokenize/errors.js';
import { readTraceSync } from '../tokenize/read.js';
import type { TraceFormat } from '../tokenize/types.js';
import type { InputForm } from '../model/config.js';
import { readWords } from './datasets.js';
import { EmptyCorpusError } from './errors.js';
import type { CorpusSpec } from './index.js';
import { collect } from './index.js';

/** What the first pass learns of each document (everything but its calls). */
export interface StreamedDoc {
  /** Name relative to the corpus, as {@link CorpusDoc.name}. */
  readonly name: string;
  readonly path: string;
  readonly label: 0 | 1;
  /** Number of calls. */
  readonly calls: number;
  /** SHA-256 of the file bytes, hex. */
  readonly sha256: string;
  /** File size in bytes. */
  readonly bytes: number;
}

/** Options of {@link openCorpusStream}. */
export interface CorpusStreamOptions {
  /** Trace format of every file; detected per file by default. */
  readonly format?: TraceFormat | 'auto';
  /** `'nttrace'` (default) or `'words'`; the table layouts (`csv`, `tsv`) are read whole by `loadCorpus`. */
  readonly input?: InputForm;
  /** Receives warnings (empty files skipped), during the first pass. */
  readonly onWarning?: (msg: string) => void;
  /** Called after each file of each pass with (pass, files done, files in the pass). */
  readonly onProgress?: (pass: number, done: number, total: number) => void;
  /**
   * Where the first pass writes the call ids of every document (2 bytes a call), for the
   * later passes to read instead of parsing the files again: a folder (default: the system's
   * temporary folder), or `false` to parse the files at every pass. The file is unlinked as
   * soon as it is created and read through its open descriptor (nothing is left behind, even
   * when the process is killed); where that is not possible (Windows) it is removed by
   * {@link CorpusStream.close}. Past 65,536 call names the files are parsed again instead.
   */
  readonly spill?: string | false;
}

/** The files of a corpus, read again at each {@link pass}. */
export class CorpusStream {
  /** The shared call-name table: it grows during the first pass. */
  readonly table = new CallTable();
  /** Files found (empty ones included). */
  readonly files: number;
  /** Their total size in bytes. */
  readonly bytes: number;
  /** The documents, known after the first pass (benign sorted by name, then malicious). */
  readonly docs: StreamedDoc[] = [];
  /** Names of the empty files skipped (known after the first pass). */
  readonly skippedEmpty: string[] = [];
  private readonly entries: readonly { name: string; path: string; label: 0 | 1 }[];
  private readonly options: CorpusStreamOptions;
  private readonly where: string;
  private passes = 0;
  /** The spill file's path while it exists (it is unlinked at once where the system allows). */
  private spillPath: string | null = null;
  private spillFd = -1;
  private spillDone = false;
  private wide = new Uint16Array(1 << 16);
  private narrow = new Int32Array(1 << 16);

  /** @internal Use {@link openCorpusStream}. */
  constructor(entries: readonly { name: string; path: string; label: 0 | 1 }[], where: string, options: CorpusStreamOptions) {
    this.entries = entries;
    this.where = where;
    this.options = options;
    this.files = entries.length;
    let bytes = 0;
    for (const e of entries) bytes += statSync(e.path).size;
    this.bytes = bytes;
  }

  /** Labels of the documents (after the first pass). */
  labels(): Uint8Array {
    return Uint8Array.from(this.docs, (d) => d.label);
  }

  /**
   * Reads every document and calls `visit` with its call ids (of {@link table}). The first
   * pass skips empty files (with a warning) and records each document; later passes read
   * the same documents and throw when one has become empty.
   *
   * @throws EmptyCorpusError when the first pass finds no document; NoCallsError naming a
   *   file that is not a trace.
   */
  pass(visit: (calls: Int32Array) => void): void {
    const first = this.passes++ === 0;
    const o = this.options;
    if (!first && this.spillDone) {
      this.passFromSpill(visit);
      return;
    }
    if (first && o.spill !== false) {
      this.spillPath = join(o.spill ?? tmpdir(), `ntmd-passes-${process.pid}-${randomBytes(6).toString('hex')}.u16`);
      this.spillFd = openSync(this.spillPath, 'wx+', 0o600);
      try {
        rmSync(this.spillPath);
        this.spillPath = null;
      } catch {
        // Windows: an open file cannot be unlinked; close() removes it.
      }
    }
    const words = o.input === 'words';
    const list = first ? this.entries : this.docs;
    let done = 0;
    for (const e of list) {
      const bytes = readFileSync(e.path);
      let calls: Int32Array;
      try {
        calls = words
          ? this.intern(readWords(bytes, e.path))
          : readTraceSync(bytes, { table: this.table, source: e.path, format: o.format ?? 'auto' }).calls;
      } catch (err) {
        if (!(err instanceof EmptyTraceError)) throw err;
        if (!first) throw new Error(`${e.path} changed while the corpus was read: it is now empty`);
        this.skippedEmpty.push(e.name);
        o.onWarning?.(`skipped empty trace ${e.name}`);
        o.onProgress?.(this.passes, ++done, list.length);
        continue;
      }
      if (first && this.spillFd >= 0) this.spillCalls(calls);
      if (first)
        this.docs.push({ name: e.name, path: e.path, label: e.label, calls: calls.length, sha256: sha256Hex(bytes), bytes: bytes.length });
      visit(calls);
      o.onProgress?.(this.passes, ++done, list.length);
    }
    if (!first) return;
    if (this.spillFd >= 0) this.spillDone = true;
    if (this.docs.length === 0) {
      const detail = this.entries.length === 0 ? 'no files found' : `all ${this.entries.length} files are empty`;
      throw new EmptyCorpusError(this.where, detail);
    }
    if (this.skippedEmpty.length > 0) {
      o.onWarning?.(`skipped ${this.skippedEmpty.length} empty trace${this.skippedEmpty.length === 1 ? '' : 's'} in all`);
    }
  }

  /** Closes and removes the spill file, if any (the stream can still be read: by parsing the files). */
  close(): void {
    if (this.spillFd >= 0) closeSync(this.spillFd);
    this.spillFd = -1;
    this.spillDone = false;
    if (this.spillPath !== null) rmSync(this.spillPath, { force: true });
    this.spillPath = null;
  }

  /** Appends a document's call ids to the spill file (2 bytes each), or gives the spill up past 65,536 names. */
  private spillCalls(calls: Int32Array): void {
    if (this.table.size > 0x10000) {
      this.close();
      return;
    }
    if (this.wide.length < calls.length) this.wide = new Uint16Array(Math.max(calls.length, this.wide.length * 2));
    this.wide.set(calls);
    const bytes = new Uint8Array(this.wide.buffer, 0, calls.length * 2);
    for (let at = 0; at < bytes.length;) at += writeSync(this.spillFd, bytes, at, bytes.length - at);
  }

  /** A later pass: the documents' call ids read back from the spill file. */
  private passFromSpill(visit: (calls: Int32Array) => void): void {
    const fd = this.spillFd;
    let position = 0;
    let done = 0;
    for (const d of this.docs) {
      const n = d.calls;
      if (this.wide.length < n) this.wide = new Uint16Array(Math.max(n, this.wide.length * 2));
      if (this.narrow.length < n) this.narrow = new Int32Array(this.wide.length);
      const bytes = new Uint8Array(this.wide.buffer, 0, n * 2);
      for (let at = 0; at < bytes.length;) {
        const got = readSync(fd, bytes, at, bytes.length - at, position);
        if (got === 0) throw new Error('internal error: the spill file of the first pass ended early');
        at += got;
        position += got;
      }
      const calls = this.narrow.subarray(0, n);
      calls.set(this.wide.subarray(0, n));
      visit(calls);
      this.options.onProgress?.(this.passes, ++done, this.docs.length);
    }
  }

  private intern(names: readonly string[]): Int32Array {
    const calls = new Int32Array(names.length);
    for (let i = 0; i < names.length; i++) calls[i] = this.table.intern(names[i]);
    return calls;
  }
}

/**
 * Lists the files of a corpus location (as {@link loadCorpus} would read them) without
 * reading them. Only NtTrace files and `words` files: a table (`csv`, `tsv`) labels its rows
 * inside the file.
 *
 * @throws CorpusNotFoundError for a missing path; EmptyCorpusError for a folder without sysBEN/ and sysMAL/.
 */
export async function openCorpusStream(spec: CorpusSpec, options: CorpusStreamOptions = {}): Promise<CorpusStream> {
  const input = options.input ?? 'nttrace';
  if (input !== 'nttrace' && input !== 'words') {
    throw new InvalidOptionError('input', "'nttrace' or 'words' for a corpus read in passes (csv and tsv tables are read whole)", input);
  }
  if (typeof spec === 'object' && spec !== null && 'data' in spec) {
    throw new InvalidOptionError(
      'corpus',
      `{ benign, malicious } or a folder (only csv and tsv tables label their rows with { data }; the input is ${input})`,
      spec,
    );
  }
  const { entries, where } = await collect(spec, input !== 'nttrace');
  return new CorpusStream(entries, where, options);
}
