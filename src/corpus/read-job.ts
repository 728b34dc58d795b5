/**
 * Reading a corpus's trace files on several threads (`loadCorpus` with a thread group): the
 * job each thread runs, and the merge of its results into one call table, in document order.
 *
 * Each thread reads the files it claims into its own call table and sends back, per file,
 * the call ids, the names its table gained meanwhile, the file's SHA-256 and size. The merge
 * maps every thread's ids to the corpus table, interning names in the order their calls
 * appear document by document, so the table, the ids and the documents are those of reading
 * the files one after another in one thread.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import type { JobResult, JobRun } from '../threads.js';
import { CallTable } from '../tokenize/call-table.js';
import { EmptyTraceError } from '../tokenize/errors.js';
import { readTraceSync } from '../tokenize/read.js';
import type { TraceFormat } from '../tokenize/types.js';
import { sha256Hex } from '../hash.js';

/** Data of the `read-traces` job: the files, in document order. */
export interface ReadTracesData {
  readonly paths: readonly string[];
  readonly format: TraceFormat | 'auto';
}

/**
 * One file read by the job: its calls in the reading thread's ids, or `empty`, or `failed`
 * (`loadCorpus` reads it again in its own thread, in document order, which throws the error
 * of one thread after the same warnings).
 */
export interface ReadTraceResult {
  /** Names the thread's table gained while reading this file (its ids follow on). */
  readonly names: string[];
  readonly empty?: true;
  readonly failed?: true;
  readonly calls?: Int32Array;
  readonly sha256?: string;
  readonly bytes?: number;
}

/** The `read-traces` job on one thread. */
export function readTracesJob(data: ReadTracesData): JobRun<ReadTraceResult, null> {
  const table = new CallTable();
  return {
    item(i: number): ReadTraceResult {
      const path = data.paths[i];
      const before = table.size;
      let bytes: Buffer | undefined;
      let calls: Int32Array | undefined;
      let failed = false;
      try {
        bytes = readFileSync(path);
        calls = readTraceSync(bytes, { table, source: path, format: data.format }).calls;
      } catch (err) {
        failed = !(err instanceof EmptyTraceError);
      }
      const names: string[] = [];
      for (let id = before; id < table.size; id++) names.push(table.nameOf(id));
      if (failed) return { names, failed: true };
      if (calls === undefined || bytes === undefined) return { names, empty: true };
      return { names, calls, sha256: sha256Hex(bytes), bytes: bytes.length };
    },
  };
}

/** A merged file: calls in the corpus table's ids, `null` for an empty file, `'failed'` for a file to read again. */
export type MergedTrace = { readonly calls: Int32Array; readonly sha256: string; readonly bytes: number } | null | 'failed';

/**
 * The job's results in document order, ids mapped to `table` (names interned in the order
 * their calls first appear, document by document). The results' call arrays are reused.
 */
export function mergeReadTraces(result: JobResult<ReadTraceResult, null>, table: CallTable): MergedTrace[] {
  const n = result.items.length;
  const owner = new Int32Array(n);
  const names: string[][] = [];
  result.ends.forEach((t, k) => {
    const list: string[] = [];
    for (const i of t.items) {
      owner[i] = k;
      for (const name of result.items[i].names) list.push(name);
    }
    names.push(list);
  });
  const maps = names.map((list) => new Int32Array(list.length).fill(-1));
  const out: MergedTrace[] = [];
  for (let i = 0; i < n; i++) {
    const r = result.items[i];
    if (r.failed) {
      out.push('failed');
      continue;
    }
    if (r.empty || r.calls === undefined) {
      out.push(null);
      continue;
    }
    const map = maps[owner[i]];
    const list = names[owner[i]];
    const calls = r.calls;
    for (let k = 0; k < calls.length; k++) {
      const local = calls[k];
      let id = map[local];
      if (id < 0) id = map[local] = table.intern(list[local]);
      calls[k] = id;
    }
    out.push({ calls, sha256: r.sha256!, bytes: r.bytes! });
  }
  return out;
}
