/**
 * The model the server runs: `--model F` or the shipped default, loaded once, applied to
 * each request body with `detectSync`.
 *
 * @packageDocumentation
 */
import { basename } from 'node:path';
import { availableParallelism } from 'node:os';
import { createHash } from 'node:crypto';
import { defaultModelSync, detectSync, DEFAULT_MODEL_PATH } from '../api/detect.js';
import { loadModel } from '../model/model.js';
import type { Model } from '../model/model.js';
import { isNtmdError } from '../errors.js';
import type { TraceDetector, VerdictJson } from './backend.js';
import { MalformedTraceError } from './errors.js';

/** Reader errors that mean "this body is not a usable trace" (422), by code. */
export const NOT_A_TRACE: ReadonlySet<string> = new Set(['EMPTY_TRACE', 'NO_CALLS', 'CORRUPT_GZIP']);

/** A {@link TraceDetector} on a loaded model. */
export class ModelDetector implements TraceDetector {
  readonly model: TraceDetector['model'];

  constructor(
    /** The loaded model. */
    readonly loaded: Model,
    meta: { name: string; source: 'default' | 'file' },
  ) {
    const sha256 = loaded.sha256 ?? createHash('sha256').update(loaded.toBytes()).digest('hex');
    this.model = { name: meta.name, sha256, source: meta.source, info: loaded.info() as unknown as Record<string, unknown> };
  }

  detect(body: Uint8Array): VerdictJson {
    try {
      return detectSync(body, { model: this.loaded, source: 'request body' }) as unknown as VerdictJson;
    } catch (e) {
      if (isNtmdError(e) && NOT_A_TRACE.has(e.code)) throw new MalformedTraceError(e.message, e.code);
      throw e;
    }
  }
}

/**
 * Loads the model of `serve --model F` (a `.ntmd` path), or the shipped default model.
 * Throws the model reader's typed errors for a bad file.
 */
export async function loadDetector(modelPath?: string): Promise<ModelDetector> {
  if (modelPath === undefined) return new ModelDetector(defaultModelSync(), { name: basename(DEFAULT_MODEL_PATH), source: 'default' });
  return new ModelDetector(await loadModel(modelPath), { name: basename(modelPath), source: 'file' });
}

/** Most detection threads `serve` starts by itself (each holds a copy of the model). */
export const MAX_DEFAULT_THREADS = 4;

/**
 * Detection threads of `serve` when `--threads` is not given: every core but one, which is
 * left to the HTTP thread (body reading, the token check, replies, the store), at most
 * {@link MAX_DEFAULT_THREADS}; 0 (verdicts in the HTTP thread) on one core. On two cores that
 * is one thread: measured faster and with a shorter tail than both 0 and 2 (docs/benchmarks.md).
 */
export function defaultServeThreads(cores: number = availableParallelism()): number {
  return Math.max(0, Math.min(cores - 1, MAX_DEFAULT_THREADS));
}

/**
 * The detector of `serve`: {@link loadDetector}, and with `threads > 0` a
 * {@link DetectorPool} of that many threads running the same model.
 */
export async function loadServeDetector(modelPath: string | undefined, threads = 0): Promise<TraceDetector & { close?: () => Promise<void> }> {
  const single = await loadDetector(modelPath);
  if (threads <= 0) return single;
  const { DetectorPool } = await import('./detect-pool.js');
  return DetectorPool.create(single.loaded.toBytes(), single.model, threads);
}
