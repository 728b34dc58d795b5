/**
 * The detector interface the server serves and the hot swap (`swap.ts`) replaces. It is
 * declared here, below the server, so that re-assessment never imports the server: the
 * server's detectors implement these interfaces (`src/server/detector.ts`,
 * `src/server/detect-pool.ts`), and `ntmaldetect/server` exports `TraceDetector` and
 * `DetectOptions` as its own (`src/server/backend.ts`).
 *
 * @packageDocumentation
 */
import type { VerdictJson } from '../api/verdict-json.js';
import type { Model } from '../model/model.js';

/** A model in use by the server, and how to run it on a request body. */
export interface TraceDetector {
  /** Description served by `GET /v1/models`. */
  readonly model: { name: string; sha256: string; source: 'default' | 'file'; info: Record<string, unknown> };
  /**
   * Classifies a trace (raw NtTrace log or reduced, already inflated), in this thread or
   * another. Throws (rejects with) `MalformedTraceError` for an empty trace or one without calls.
   */
  detect(body: Uint8Array, options?: DetectOptions): VerdictJson | Promise<VerdictJson>;
}

/** Options of {@link TraceDetector.detect}. */
export interface DetectOptions {
  /**
   * The caller will not read `body` again: a detector running in another thread may take
   * its memory by transfer (the ArrayBuffer is then detached here) instead of copying it.
   */
  consume?: boolean;
}

/** How a detector made by {@link ReloadableDetector.withModel} describes its model. */
export interface DetectorMeta {
  /** Name served by `GET /v1/models`. */
  name: string;
  source: 'default' | 'file';
  /** SHA-256 of the model file (default: of the model's serialised bytes). */
  fileSha256?: string;
}

/**
 * A detector that can make another of its kind on a different model: what the hot swap
 * needs to follow the store's production model. The server's `ModelDetector` is one.
 */
export interface ReloadableDetector extends TraceDetector {
  /** A detector like this one that runs `model`. */
  withModel(model: Model, meta: DetectorMeta): ReloadableDetector;
}

/** Whether `d` is a {@link ReloadableDetector}. */
export function isReloadable(d: TraceDetector): d is ReloadableDetector {
  return typeof (d as Partial<ReloadableDetector>).withModel === 'function';
}
