/**
 * The live detector: NtTrace's output is parsed as it arrives (the streaming reader, no
 * call kept), its n-grams are counted incrementally (the model's `NgramCounter`), and a
 * verdict on everything so far costs one pass over the distinct n-grams seen, whatever
 * the length of the run.
 *
 * @packageDocumentation
 */
import { CallTable } from '../tokenize/call-table.js';
import { TraceReader } from '../tokenize/index.js';
import type { ModelSource } from '../api/detect.js';
import { resolveModel } from '../api/resolve-model.js';
import { verdictOfRow, verdictSettings } from '../api/verdict.js';
import type { LoadOptions } from '../model/model.js';
import type { LiveDetector, Policy, Verdict } from './types.js';

/** Options of {@link createLiveDetector}. */
export interface LiveDetectorOptions {
  /** A loaded model, a model file path or its bytes; default: the packaged default model. */
  model?: ModelSource;
  /** Voting policy; default: the model's. */
  policy?: Policy;
  /** Probability threshold of the `mean` policy; default: the model's. */
  threshold?: number;
  /** Distinct known n-grams a verdict needs (else `unfamiliar`); default: the model's, else 50. */
  minKnownNgrams?: number;
  /** Checks the model file's signature against this key. */
  trustKey?: LoadOptions['trustKey'];
}

/**
 * Builds the detector a trace session feeds: `push()` NtTrace's raw output in any
 * chunking, `verdict()` whenever a verdict is wanted. Memory holds the distinct n-grams
 * seen and the last n−1 calls, never the log. The final verdict equals `detect()` on the
 * same log (same reader, same counts, same scoring).
 */
export async function createLiveDetector(options: LiveDetectorOptions = {}): Promise<LiveDetector> {
  const { model } = await resolveModel({ model: options.model, trustKey: options.trustKey });
  const verdictOptions = {
    ...(options.policy !== undefined ? { policy: options.policy } : {}),
    ...(options.threshold !== undefined ? { threshold: options.threshold } : {}),
    ...(options.minKnownNgrams !== undefined ? { minKnownNgrams: options.minKnownNgrams } : {}),
  };
  verdictSettings(model, verdictOptions); // a bad policy fails now, not at the first interval
  const table = new CallTable();
  const counter = model.tfidf.counter(table);
  const reader = new TraceReader({
    format: 'raw',
    table,
    keepCalls: false,
    onCalls: (ids, length) => counter.pushMany(ids, length),
  });
  let ended = false;
  let detail: string | undefined;
  return {
    // The reader copies an unfinished line into its own buffer: nothing of a chunk is kept.
    borrowsChunks: true,
    push(chunk: Uint8Array): void {
      reader.push(chunk);
    },
    get calls(): number {
      return counter.calls;
    },
    verdict(): Verdict {
      return verdictOfRow(
        model,
        counter.toRow(),
        { calls: counter.calls, ngrams: counter.ngrams, unknown: counter.unknown },
        verdictOptions,
      );
    },
    end() {
      if (!ended) {
        ended = true;
        try {
          reader.end();
        } catch (e) {
          // EmptyTraceError / NoCallsError: the session reports NO_CALLS_TRACED with its own hint.
          detail = (e as Error).message;
        }
      }
      return { calls: counter.calls, lines: reader.stats.lines, ...(detail !== undefined ? { detail } : {}) };
    },
  };
}
