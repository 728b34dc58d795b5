/**
 * The model the server runs: `--model F` or the shipped default, loaded once, applied to
 * each request body with `detectSync`.
 *
 * @packageDocumentation
 */
import { verdictJson } from '../api/verdict-json.js';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { createHash } from 'node:crypto';
import { detectSync } from '../api/detect.js';
import { resolveModel } from '../api/resolve-model.js';
import type { Model } from '../model/model.js';
import { isNtmdError } from '../errors.js';
import type { DetectOptions, TraceDetector, VerdictJson } from './backend.js';
import type { DetectorMeta, ReloadableDetector } from '../reassess/detector.js';
import { MalformedTraceError } from './errors.js';
import { NOT_A_TRACE } from './not-a-trace.js';

/** A {@link TraceDetector} on a loaded model. */
export class ModelDetector implements ReloadableDetector {
  readonly model: TraceDetector['model'];

  constructor(
    /** The loaded model. */
    readonly loaded: Model,
    meta: DetectorMeta,
  ) {
    // The SHA-256 of the model file, as \`models list\` and the store report it; without the
    // file, of the model's serialised bytes.
    const sha256 = meta.fileSha256 ?? createHash('sha256').update(loaded.toBytes()).digest('hex');
    this.model = { name: meta.name, sha256, source: meta.source, info: loaded.info() as unknown as Record<string, unknown> };
  }

  /** A detector on another model (the hot swap's, `src/reassess/swap.ts`). */
  withModel(model: Model, meta: DetectorMeta): ModelDetector {
    return new ModelDetector(model, meta);
  }

  detect(body: Uint8Array): VerdictJson {
    try {
      return verdictJson(detectSync(body, { model: this.loaded, source: 'request body' }));
    } catch (e) {
      if (isNtmdError(e) && NOT_A_TRACE.has(e.code)) throw new MalformedTraceError(e.message, e.code);
      throw e;
    }
  }
}

/**
 * Loads the model of `serve --model F` (a `.ntmd` path), or the shipped default model, with
 * `resolveModel` as every command does. Throws the model reader's typed errors for a bad file.
 */
export async function loadDetector(modelPath?: string): Promise<ModelDetector> {
  const r = await resolveModel({ model: modelPath });
  const path = r.path!; // a path or the default model: both are files
  const bytes = r.bytes ?? (await readFile(path));
  return new ModelDetector(r.model, {
    name: basename(path),
    source: r.origin === 'default' ? 'default' : 'file',
    fileSha256: createHash('sha256').update(bytes).digest('hex'),
  });
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
export async function loadServeDetector(
  modelPath: string | undefined,
  threads = 0,
): Promise<TraceDetector & { close?: () => Promise<void> }> {
  const single = await loadDetector(modelPath);
  if (threads <= 0) return new InlineDetector(single);
  const { DetectorPool } = await import('./detect-pool.js');
  return DetectorPool.create(single.loaded.toBytes(), single.model, threads);
}

/** Bodies of this many bytes or more are judged off the HTTP thread even with `--threads 0`. */
export const LARGE_BODY_BYTES = 1024 * 1024;

/**
 * The detector of `serve --threads 0`: verdicts in the HTTP thread, except for bodies of
 * {@link LARGE_BODY_BYTES} or more, which go to one detection thread started on first use
 * (a 64 MiB trace read in place would stall every other request for seconds). Run from the
 * TypeScript sources, where the compiled thread script does not exist, every body is judged
 * in place.
 */
export class InlineDetector implements TraceDetector {
  readonly model: TraceDetector['model'];
  private pool: Promise<import('./detect-pool.js').DetectorPool> | undefined;
  private readonly threadScript = new URL('./detect-thread.js', import.meta.url);

  constructor(readonly single: ModelDetector) {
    this.model = single.model;
  }

  detect(body: Uint8Array, options?: DetectOptions): VerdictJson | Promise<VerdictJson> {
    if (body.length < LARGE_BODY_BYTES || !existsSync(fileURLToPath(this.threadScript))) return this.single.detect(body);
    this.pool ??= import('./detect-pool.js').then(({ DetectorPool }) => DetectorPool.create(this.single.loaded.toBytes(), this.model, 1));
    return this.pool.then((p) => p.detect(body, options));
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await (await pool).close();
  }
}
