/**
 * Training in bounded memory: the corpus is read from its files in passes (never held in
 * memory) and the TF-IDF fit keeps only the n-grams that pruning may keep
 * (`src/tfidf/streaming.ts`); the members are then fitted on the matrix as always. The model
 * file is byte-identical to the in-memory path's for the same files and options.
 *
 * @packageDocumentation
 */
import { InvalidOptionError } from '../errors.js';
import { summarizeDocs } from './corpus-summary.js';
import type { CorpusSpec } from '../corpus/index.js';
import { CorpusStream, openCorpusStream } from '../corpus/stream.js';
import type { ModelConfigInput, ResolvedConfig } from '../model/config.js';
import { inputOf, resolveConfig, tfidfOptionsOf } from '../model/config.js';
import type { FitProgress } from '../model/pipeline.js';
import { fitPipeline } from '../model/pipeline.js';
import type { CorpusSummary } from '../model/model.js';
import { Model } from '../model/model.js';
import type { StreamingFitStats } from '../tfidf/streaming.js';
import { fitTfidfStreaming } from '../tfidf/streaming.js';

/**
 * Total size of the trace files from which `train()` reads a corpus in passes unless told
 * otherwise (`lowMemory`): 256 MiB, about 8 times the NtMalDetect corpus. In memory, a
 * corpus costs about its own size again in RSS (the calls, 4 bytes each, and the n-gram
 * count of every distinct n-gram); in passes, the vocabulary kept and the matrix only.
 */
export const LOW_MEMORY_BYTES = 256 * 1024 * 1024;

/** Options of {@link trainInPasses}. */
export interface TrainInPassesOptions {
  /** Evaluation figures to store in the model file. */
  readonly metrics?: Record<string, unknown>;
  /** Progress while reading: (pass, files done, files in the pass). */
  readonly onReadProgress?: (pass: number, done: number, total: number) => void;
  /** Progress while fitting (the `tfidf` stage is reported once, before the first pass). */
  readonly onFitProgress?: FitProgress;
  /** Warnings (skipped empty files...). */
  readonly onWarning?: (message: string) => void;
}

/** What {@link trainInPasses} gives. */
export interface TrainedInPasses {
  readonly model: Model;
  /** The corpus as read (documents without their calls, skipped files, the table). */
  readonly corpus: CorpusStream;
  /** Distinct n-grams of each training trace known to the model (its row's stored values). */
  readonly knownNgrams: Int32Array;
  /** Figures of the TF-IDF fit (passes, candidates, features). */
  readonly stats: StreamingFitStats;
}

/**
 * Trains on the trace files at `corpus` (opened by {@link chooseInPasses}, or a folder in NtMalDetect's layout or `{ benign,
 * malicious }`; NtTrace input or `words`) without holding the traces in memory: the same
 * model, byte for byte, as `train()` of the same files and configuration. Peak memory is that
 * of the n-grams kept (those of at least two traces under `minDf: 2`), the TF-IDF matrix and
 * the solver; the traces are read twice (once when `minDf` keeps every n-gram).
 *
 * The `auto` preset (inner cross-validation on the traces) and csv/tsv tables are not read
 * in passes. The files must not change while training (a change in a trace's call count is
 * found and reported).
 */
export async function trainInPasses(
  corpus: CorpusSpec | CorpusStream,
  config: ModelConfigInput | ResolvedConfig,
  options: TrainInPassesOptions = {},
): Promise<TrainedInPasses> {
  const cfg = resolveConfig(config);
  const input = inputOf(cfg);
  if (input !== 'nttrace' && input !== 'words') {
    throw new InvalidOptionError('lowMemory', `NtTrace or words input (csv and tsv tables are read whole; the input is ${input})`, true);
  }
  const stream =
    corpus instanceof CorpusStream
      ? corpus
      : await openCorpusStream(corpus, {
          input,
          ...(options.onWarning ? { onWarning: options.onWarning } : {}),
          ...(options.onReadProgress ? { onProgress: options.onReadProgress } : {}),
        });
  options.onFitProgress?.('tfidf', `${stream.files} files, read in passes`);
  let fit;
  try {
    fit = fitTfidfStreaming(tfidfOptionsOf(cfg), stream, stream.table, {
      // A reduced NtTrace line is about 18 bytes (the corpus: 34.5 MB, 1.97 M calls): sizes the filter.
      expectedCalls: stream.bytes / 16,
    });
  } finally {
    stream.close();
  }
  const { tfidf, X, stats } = fit;
  const labels = stream.labels();
  // fitPipeline checks one label per document; the documents themselves are not needed
  // when the TF-IDF fit is given (their count is).
  const none = new Int32Array(0);
  const pipeline = fitPipeline(
    cfg,
    Array.from({ length: labels.length }, () => none),
    labels,
    stream.table,
    {
      features: { tfidf, X },
      ...(options.onFitProgress ? { onProgress: options.onFitProgress } : {}),
    },
  );
  const model = new Model(pipeline, { corpus: summarize(stream), metrics: options.metrics ?? null });
  const knownNgrams = new Int32Array(X.rows);
  for (let r = 0; r < X.rows; r++) knownNgrams[r] = X.indptr[r + 1] - X.indptr[r];
  return { model, corpus: stream, knownNgrams, stats };
}

/** Whether `train()` reads a corpus in passes: always, never, or by its size (see {@link LOW_MEMORY_BYTES}). */
export type LowMemoryChoice = boolean | 'auto';

/**
 * The corpus opened for {@link trainInPasses} when `lowMemory` chooses it, else `undefined`
 * (train in memory). `'auto'` (or `undefined`) chooses it for a location (a folder or `{
 * benign, malicious }`) of NtTrace or words files totalling {@link LOW_MEMORY_BYTES} or more,
 * outside the `auto` preset. `true` requires it: an error names what cannot be read in passes.
 */
export async function chooseInPasses(
  corpus: unknown,
  config: ResolvedConfig,
  options: {
    readonly lowMemory?: LowMemoryChoice;
    readonly preset?: string;
    /** The size from which `'auto'` reads in passes (default {@link LOW_MEMORY_BYTES}). */
    readonly autoBytes?: number;
  } & Pick<TrainInPassesOptions, 'onWarning' | 'onReadProgress'>,
): Promise<CorpusStream | undefined> {
  const choice = options.lowMemory ?? 'auto';
  if (choice === false) return undefined;
  if (choice !== true && choice !== 'auto') throw new InvalidOptionError('lowMemory', "true, false or 'auto'", choice);
  const input = inputOf(config);
  const location =
    typeof corpus === 'string' ||
    (typeof corpus === 'object' && corpus !== null && 'benign' in corpus && 'malicious' in corpus && !('docs' in corpus));
  const why = !location
    ? 'a corpus location (a folder, or { benign, malicious } files), not a loaded corpus or a store'
    : options.preset === 'auto'
      ? 'a preset other than auto (its inner cross-validation holds the traces)'
      : input !== 'nttrace' && input !== 'words'
        ? `NtTrace or words input (csv and tsv tables are read whole; the input is ${input})`
        : undefined;
  if (why !== undefined) {
    if (choice === true) throw new InvalidOptionError('lowMemory', why, true);
    return undefined;
  }
  const stream = await openCorpusStream(corpus as CorpusSpec, {
    input,
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
    ...(options.onReadProgress ? { onProgress: options.onReadProgress } : {}),
  });
  return choice === true || stream.bytes >= (options.autoBytes ?? LOW_MEMORY_BYTES) ? stream : undefined;
}

/** The corpus summary of `summarizeCorpus` (train.ts), from the documents of a first pass. */
function summarize(stream: CorpusStream): CorpusSummary {
  return summarizeDocs(stream.docs, (d) => d.calls, stream.skippedEmpty.length);
}
