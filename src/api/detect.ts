/**
 * `detect()`: the verdict of a model on one trace, whatever form the trace comes in.
 */
import { readFile } from 'node:fs/promises';
import { InvalidOptionError } from '../errors.js';
import { CallTable } from '../tokenize/call-table.js';
import { readTrace, readTraceSync } from '../tokenize/read.js';
import type { ReadOptions, TraceFormat } from '../tokenize/types.js';
import { inputOf } from '../model/config.js';
import { readWords } from '../corpus/datasets.js';
import type { LoadOptions, Model } from '../model/model.js';
import type { ModelSource } from './resolve-model.js';
import { resolveModel, resolveModelSync } from './resolve-model.js';
import type { Verdict, VerdictOptions } from './verdict.js';
import { verdictOfCalls } from './verdict.js';
import { unreadable } from './errors.js';

export { DEFAULT_MODEL_PATH, defaultModelSync, type ModelSource } from './resolve-model.js';

/**
 * A trace in any of the forms `detect()` takes:
 * - a string: the trace's text (a raw NtTrace log or a reduced one-name-per-line trace);
 * - bytes (gzip is decompressed);
 * - a Node readable stream or any async iterable of chunks;
 * - an array of call names, in order;
 * - `{ path }`: a file (gzip too);
 * - `{ calls, table }`: call ids already read, with their name table.
 */
export type TraceSource =
  | string
  | Uint8Array
  | readonly string[]
  | { readonly path: string }
  | { readonly calls: Int32Array; readonly table: CallTable }
  | AsyncIterable<Uint8Array | string>
  | NodeJS.ReadableStream;

/** A trace already in memory (what {@link detectSync} takes). */
export type SyncTraceSource = string | Uint8Array | readonly string[] | { readonly calls: Int32Array; readonly table: CallTable };

/** Options of {@link detect}. */
export interface DetectOptions extends VerdictOptions {
  /** The model; default: the shipped default model (`models/default.ntmd`). */
  readonly model?: ModelSource;
  /** Trace format; default auto-detected. */
  readonly format?: TraceFormat | 'auto';
  /**
   * How text, bytes, files and streams are read: `'nttrace'` (an NtTrace log or a reduced
   * trace) or `'words'` (call names separated by any whitespace, e.g. ADFA-LD's
   * `6 6 63 6 42 ...`). Default: `'words'` for a model trained on `words`, `csv` or `tsv` input
   * (its `config.input`), else `'nttrace'`. Arrays of call names need no reading.
   */
  readonly input?: 'nttrace' | 'words';
  /** Name of the trace in error messages. */
  readonly source?: string;
  /** Checks the model file's signature against this key (see `loadModel`). */
  readonly trustKey?: LoadOptions['trustKey'];
}

/**
 * Most traces use a few dozen call names. Reading each one into a fresh {@link CallTable}
 * would rebuild the name table and the reader's name hash table for every trace, which costs more
 * than the whole rest of a small trace's verdict; so verdicts read into one table shared by
 * all of them (ids are only ever appended, so concurrent reads are safe). It is replaced by
 * a fresh one once it holds more than {@link SHARED_TABLE_LIMIT} names, so input with
 * endless distinct names cannot grow it without bound.
 */
const SHARED_TABLE_LIMIT = 4096;
let sharedTable = new CallTable();

function readTable(): CallTable {
  if (sharedTable.size > SHARED_TABLE_LIMIT) sharedTable = new CallTable();
  return sharedTable;
}

function readOptions(options: DetectOptions, table: CallTable): ReadOptions {
  return { table, ...(options.format ? { format: options.format } : {}), ...(options.source ? { source: options.source } : {}) };
}

/** Reads an in-memory trace into call ids. */
export function callsOfSync(input: SyncTraceSource, options: DetectOptions = {}): ReadCalls {
  if (Array.isArray(input)) {
    const table = readTable();
    const calls = new Int32Array(input.length);
    for (let i = 0; i < input.length; i++) {
      // Checked: a JavaScript caller can pass anything (Array.isArray narrows to any[]).
      const name: unknown = input[i];
      if (typeof name !== 'string' || name === '') throw new InvalidOptionError(`input[${i}]`, 'a call name', name);
      calls[i] = table.intern(name);
    }
    return { calls, table };
  }
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const table = readTable();
    if (options.input === 'words') return internAll(readWords(input, options.source ?? 'the input'), table);
    const read = readTraceSync(input, readOptions(options, table));
    return { calls: read.calls, table, lines: read.stats.lines };
  }
  const t = input as { calls?: unknown; table?: unknown };
  if (t && t.calls instanceof Int32Array && t.table instanceof CallTable) return { calls: t.calls, table: t.table };
  throw new InvalidOptionError('input', 'trace text, bytes, an array of call names or { calls, table }', input);
}

/** Call ids of call names (of a `words` trace). */
function internAll(names: readonly string[], table: CallTable): ReadCalls {
  const calls = new Int32Array(names.length);
  for (let i = 0; i < names.length; i++) calls[i] = table.intern(names[i]);
  return { calls, table };
}

/** The options with `input` filled from the model when not given (see {@link DetectOptions.input}). */
function withInput(options: DetectOptions, model: Model): DetectOptions {
  if (options.input !== undefined) {
    if (options.input !== 'nttrace' && options.input !== 'words')
      throw new InvalidOptionError('input', "'nttrace' or 'words'", options.input);
    return options;
  }
  return inputOf(model.config) === 'nttrace' ? options : { ...options, input: 'words' };
}

/** Call ids read from an input, with its line count when it was text. */
interface ReadCalls {
  calls: Int32Array;
  table: CallTable;
  lines?: number;
}

async function callsOf(input: TraceSource, options: DetectOptions): Promise<ReadCalls & { source?: string }> {
  if (typeof input === 'object' && input !== null && !(input instanceof Uint8Array) && !Array.isArray(input) && 'path' in input) {
    const p = (input as { path: unknown }).path;
    if (typeof p !== 'string') throw new InvalidOptionError('input.path', 'a file path', p);
    const table = readTable();
    try {
      if (options.input === 'words')
        return { ...internAll(readWords(await readFile(p), options.source ?? p), table), source: options.source ?? p };
      const read = await readTrace(p, { ...readOptions(options, table), source: options.source ?? p });
      return { calls: read.calls, table, lines: read.stats.lines, source: options.source ?? p };
    } catch (e) {
      return unreadable(options.source ?? p, e);
    }
  }
  if (
    typeof input === 'object' &&
    input !== null &&
    (Symbol.asyncIterator in input || typeof (input as { pipe?: unknown }).pipe === 'function')
  ) {
    const table = readTable();
    if (options.input === 'words') {
      const chunks: Buffer[] = [];
      for await (const c of input as AsyncIterable<Uint8Array | string>)
        chunks.push(typeof c === 'string' ? Buffer.from(c) : Buffer.from(c));
      return internAll(readWords(Buffer.concat(chunks), options.source ?? 'the input'), table);
    }
    const read = await readTrace(input as NodeJS.ReadableStream, readOptions(options, table));
    return { calls: read.calls, table, lines: read.stats.lines };
  }
  return callsOfSync(input as SyncTraceSource, options);
}

/**
 * The verdict of a model on one trace.
 *
 * ```ts
 * import { detect } from 'ntmaldetect';
 * const v = await detect({ path: 'app.log' });
 * if (v.malicious) console.log('malicious', v.members);
 * ```
 *
 * A trace with no n-gram the model knows gives `{ malicious: false, insufficient: true, reason }`;
 * one whose n-grams are mostly unknown carries a `warning`.
 *
 * @throws NoDefaultModelError without `model` when the default model is missing;
 *   EmptyTraceError / NoCallsError for an input that is not a trace; a ModelFileError subclass
 *   for a bad model file.
 */
export async function detect(input: TraceSource, options: DetectOptions = {}): Promise<Verdict> {
  const { model } = await resolveModel({ model: options.model, trustKey: options.trustKey });
  const { calls, table, lines, source } = await callsOf(input, withInput(options, model));
  return verdictOfCalls(model, calls, table, options, { source: source ?? options.source, lines });
}

/** {@link detect} for a trace already in memory (text, bytes, call names, or `{ calls, table }`). */
export function detectSync(input: SyncTraceSource, options: DetectOptions = {}): Verdict {
  const { model } = resolveModelSync({ model: options.model, trustKey: options.trustKey });
  const { calls, table, lines } = callsOfSync(input, withInput(options, model));
  return verdictOfCalls(model, calls, table, options, { source: options.source, lines });
}

/** {@link detect} on a file (raw or reduced, gzip too). */
export function detectFile(path: string, options: DetectOptions = {}): Promise<Verdict> {
  return detect({ path }, options);
}
