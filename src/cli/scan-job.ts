/**
 * `scan` on several threads: the job each thread runs (read a trace file, judge it with the
 * model) and the worker script's model cache. A trace that fails on a thread comes back as
 * `failed`; `scan` then reads it again in its own thread, which reports it exactly as
 * without threads.
 *
 * @packageDocumentation
 */
import { statSync } from 'node:fs';
import { CallTable } from '../tokenize/call-table.js';
import type { ThreadGroup } from '../threads.js';
import { pickThreads, scriptExists } from '../threads.js';
import { readTrace } from '../tokenize/read.js';
import type { Model } from '../model/model.js';
import { loadModelSync } from '../model/model.js';
import type { Verdict, VerdictOptions } from '../api/verdict.js';
import { verdictOfCalls } from '../api/verdict.js';
import { readWarnings } from './read-warnings.js';

/** Data of the `scan` job. */
export interface ScanData {
  /** The model file's bytes, or its path (already checked by the calling thread). */
  readonly model: Uint8Array | string;
  /** Names the model (a thread keeps the last model it loaded under this key). */
  readonly modelKey: string;
  readonly options: VerdictOptions;
  /** The trace files, and their names as shown. */
  readonly paths: readonly string[];
  readonly names: readonly string[];
}

/** One judged trace, or `failed` (judge it again in the calling thread for its error). */
export type ScanResult = { readonly verdict: Verdict; readonly warnings: string[] } | { readonly failed: true };

/** Judges one trace file as `scan` does in its own thread. */
export async function scanOne(path: string, name: string, model: Model, options: VerdictOptions): Promise<ScanResult> {
  try {
    const table = new CallTable();
    const read = await readTrace(path, { table, source: name });
    const verdict = verdictOfCalls(model, read.calls, table, options, { source: name, lines: read.stats.lines });
    return { verdict, warnings: readWarnings(read) };
  } catch {
    return { failed: true };
  }
}

let cached: { key: string; model: Model } | undefined;

/** The `scan` job on a worker thread (the model loaded once per thread). */
export function scanJob(data: ScanData): { item(i: number): Promise<ScanResult> } {
  // Loaded before the first claim (a thread never holds an item while it loads the model);
  // a thread that comes when every item is taken starts no job (src/threads.ts).
  if (cached?.key !== data.modelKey) cached = { key: data.modelKey, model: loadModelSync(data.model, { source: 'model' }) };
  const model = cached.model;
  return { item: (i) => scanOne(data.paths[i], data.names[i], model, data.options) };
}

/** Traces judged per job run: the verdicts are printed after each batch. */
const BATCH = 512;

/**
 * Automatic threads of `scan`: one more per this many bytes of trace files (measured in
 * docs/benchmarks.md, "Threads": a thread's start, imports and model load cost about as
 * much as judging this much alone).
 */
export const SCAN_BYTES_PER_THREAD = 16 * 1024 * 1024;

/** The threads of one `scan` run: judges the files batch by batch, in order. */
export class ScanThreads {
  private readonly index = new Map<object, number>();
  private readonly results = new Map<number, ScanResult>();
  private runs = 0;

  private constructor(
    private readonly group: ThreadGroup,
    private readonly files: readonly { readonly path: string; readonly name: string }[],
    private readonly model: Model,
    private readonly source: Uint8Array | string,
    private readonly options: VerdictOptions,
  ) {
    files.forEach((f, i) => this.index.set(f, i));
  }

  /**
   * Threads for these files when worth it (`threads` as `--threads`, `undefined`: by their
   * total size), else `undefined`. `source`: the model file's bytes or path.
   */
  static async start(
    files: readonly { readonly path: string; readonly name: string }[],
    threads: number | undefined,
    model: Model,
    source: Uint8Array | string | undefined,
    options: VerdictOptions,
  ): Promise<ScanThreads | undefined> {
    if (threads === 1 || files.length < 2 || source === undefined) return undefined;
    const script = new URL('./scan-thread.js', import.meta.url);
    let bytes = 0;
    if (threads === undefined) for (const f of files) bytes += statSync(f.path, { throwIfNoEntry: false })?.size ?? 0;
    const n = pickThreads(threads, bytes, SCAN_BYTES_PER_THREAD);
    if (n <= 1 || !scriptExists(script)) return undefined;
    const { ThreadGroup } = await import('../threads.js');
    return new ScanThreads(await ThreadGroup.start(script, n - 1), files, model, source, options);
  }

  /** The result of file `f` (one of the files given), judging its batch first if needed. */
  async result(f: object): Promise<ScanResult | undefined> {
    const i = this.index.get(f);
    if (i === undefined) return undefined;
    if (!this.results.has(i)) {
      const batch = this.files.slice(i, i + BATCH);
      const data: ScanData = {
        model: this.source,
        modelKey: String(this.source.length),
        options: this.options,
        paths: batch.map((b) => b.path),
        names: batch.map((b) => b.name),
      };
      this.runs++;
      const local = { item: (k: number) => scanOne(data.paths[k], data.names[k], this.model, this.options) };
      const { items } = await this.group.run('scan', data, batch.length, local);
      items.forEach((r, k) => this.results.set(i + k, r));
    }
    const r = this.results.get(i);
    this.results.delete(i);
    return r;
  }

  /** Ends the threads. */
  close(): Promise<void> {
    return this.group.close();
  }
}
