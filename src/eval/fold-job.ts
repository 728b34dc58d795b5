/**
 * `bench` with its folds on several threads: every (model, fold) fit is one item of the
 * `fold` job; each thread resolves the models from the same list (a candidate is code, not
 * data) and reads the corpus from shared memory. The calling thread pools the outcomes in
 * model and fold order, so the figures are those of one thread (the times aside).
 *
 * @packageDocumentation
 */
import type { ModelConfigInput, ResolvedConfig } from '../model/config.js';
import type { AutoOptions } from '../model/auto.js';
import { CallTable } from '../tokenize/call-table.js';
import type { JobRun } from '../threads.js';
import type { Candidate, FoldOutcome } from './cv.js';
import { runFold } from './cv.js';
import type { Split } from './folds.js';
import { resolveCandidates } from './candidates.js';

/** Data of the `fold` job. */
export interface FoldJobData {
  /** The arguments of `resolveCandidates` (without `chosen`). */
  readonly models: string;
  readonly cwd: string;
  readonly autoOptions: Omit<AutoOptions, 'onProgress'>;
  readonly overrides: ModelConfigInput;
  /** Every corpus document's call ids back to back, and where each starts (shared memory). */
  readonly ids: Int32Array;
  readonly offsets: Int32Array;
  readonly names: readonly string[];
  readonly labels: Uint8Array;
  readonly folds: Split['folds'];
}

/** One (model, fold) fit: its outcome, and `auto`'s choice on it. */
export interface FoldJobResult {
  readonly outcome: FoldOutcome;
  readonly chosen?: ResolvedConfig;
}

/** Shares a corpus's documents with threads: their ids back to back in one `SharedArrayBuffer`. */
export function sharedDocs(docs: readonly Int32Array[]): { ids: Int32Array; offsets: Int32Array } {
  let length = 0;
  for (const d of docs) length += d.length;
  const ids = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, length)));
  const offsets = new Int32Array(new SharedArrayBuffer(4 * (docs.length + 1)));
  for (let d = 0, p = 0; d < docs.length; d++) {
    ids.set(docs[d], p);
    p += docs[d].length;
    offsets[d + 1] = p;
  }
  return { ids, offsets };
}

/**
 * The `fold` job on one thread: item `c * folds + f` fits model c on fold f. `local`: the
 * calling thread's documents and table (else read from the data).
 */
export function foldJob(data: FoldJobData, local?: { docs: readonly Int32Array[]; table: CallTable }): JobRun<FoldJobResult, null> {
  const chosen: ResolvedConfig[] = [];
  const candidates: Promise<Candidate[]> = resolveCandidates(data.models, data.cwd, { ...data.autoOptions, chosen }, data.overrides);
  const docs =
    local?.docs ?? Array.from({ length: data.offsets.length - 1 }, (_, d) => data.ids.subarray(data.offsets[d], data.offsets[d + 1]));
  const table = local?.table ?? new CallTable(data.names);
  return {
    async item(i: number): Promise<FoldJobResult> {
      const cands = await candidates;
      const F = data.folds.length;
      const before = chosen.length;
      const outcome = runFold(cands[Math.floor(i / F)], data.folds[i % F], docs, data.labels, table);
      return chosen.length > before ? { outcome, chosen: chosen[before] } : { outcome };
    },
  };
}
