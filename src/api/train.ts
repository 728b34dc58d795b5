/**
 * `train()`: a model from labelled traces.
 */
import { InvalidOptionError } from '../errors.js';
import { loadCorpus } from '../corpus/index.js';
import type { Corpus, CorpusSpec } from '../corpus/index.js';
import type { DatasetColumns } from '../corpus/datasets.js';
import type { InputForm, ModelConfigInput, ResolvedConfig } from '../model/config.js';
import { alphabetOf, inputOf, mergeConfig, resolveConfig, tfidfOptionsOf } from '../model/config.js';
import { PRESETS, getPreset } from '../model/presets.js';
import { fitPipeline } from '../model/pipeline.js';
import { selectAutoConfig } from '../model/auto.js';
import type { FitProgress } from '../model/pipeline.js';
import type { CorpusSummary } from '../model/model.js';
import { Model } from '../model/model.js';
import { summarizeDocs } from './corpus-summary.js';
import { checkThreads } from '../threads.js';
import { TfidfVectorizer } from '../tfidf/vectorizer.js';
import { FeatureThreads } from './threads.js';
import type { LowMemoryChoice } from './train-streaming.js';
import { chooseInPasses, trainInPasses } from './train-streaming.js';

/**
 * Something that can load a corpus, e.g. the trace store (`ntmaldetect/store`):
 * `train({ store, filter }, ...)` calls `store.loadCorpus(filter)`.
 */
export interface CorpusProvider<F = unknown> {
  readonly store: { loadCorpus(filter: F): Promise<Corpus> };
  readonly filter: F;
}

/** What `train()` learns from: a corpus location, a loaded corpus, or a store query. */
export type TrainCorpus = CorpusSpec | Corpus | CorpusProvider;

/** Options of {@link train}. */
export interface TrainOptions extends ModelConfigInput {
  /**
   * Starting configuration by name (see `PRESETS`). Default `'default'` when registered,
   * else `'ntmaldetect-2018'`. The other fields override the preset's.
   */
  readonly preset?: string;
  /** A whole configuration instead of a preset (the other fields still override it). */
  readonly config?: ModelConfigInput;
  /** Shortcut for `tfidf.ngramRange`. */
  readonly ngramRange?: [number, number];
  /** Evaluation figures to store in the model file. */
  readonly metrics?: Record<string, unknown>;
  /** Progress while reading traces: (files done, files in all). */
  readonly onReadProgress?: (done: number, total: number) => void;
  /** Progress while fitting. */
  readonly onFitProgress?: FitProgress;
  /** Warnings (skipped empty files...). */
  readonly onWarning?: (message: string) => void;
  /** The columns of `csv` / `tsv` tables (`input: 'csv'`); default: detected (see `readTableRows`). */
  readonly columns?: DatasetColumns;
  /**
   * Threads that read the trace files and count the n-grams: an integer >= 1 (1: this
   * thread only), or `'auto'` (the default: more than one only for inputs large enough to
   * gain from them, and at most the cores). The model is the same, byte for byte.
   */
  readonly threads?: number | 'auto';
  /**
   * Read the trace files in passes instead of loading the corpus (bounded memory, the same
   * model bytes; `trainInPasses`): `true`, `false`, or `'auto'` (the default: for a corpus
   * location of NtTrace or words files totalling `LOW_MEMORY_BYTES`, 256 MiB, or more, outside
   * the `auto` preset). In passes, `threads` is not used and read progress counts each pass.
   */
  readonly lowMemory?: LowMemoryChoice;
}

/** The dataset layouts that imply the custom alphabet unless one is given. */
const CUSTOM_INPUTS: readonly InputForm[] = ['words', 'csv', 'tsv'];

/** The configuration `train()` would use for these options. */
export function trainConfig(options: TrainOptions = {}): ResolvedConfig {
  const {
    preset,
    config,
    ngramRange,
    metrics: _m,
    onReadProgress: _r,
    onFitProgress: _f,
    onWarning: _w,
    columns: _c,
    threads: _t,
    lowMemory: _l,
    ...overrides
  } = options;
  if (preset !== undefined && config !== undefined) throw new InvalidOptionError('preset', 'not together with config', preset);
  const base = config ?? getPreset(preset ?? (PRESETS.has('default') ? 'default' : 'ntmaldetect-2018')).config;
  const tfidf = { ...(overrides.tfidf ?? {}), ...(ngramRange ? { ngramRange } : {}) };
  const merged = mergeConfig(base, { ...overrides, ...(Object.keys(tfidf).length ? { tfidf } : {}) });
  // A dataset layout implies the custom alphabet, unless the options or the configuration name one.
  if (alphabetImplied(options)) return resolveConfig({ ...merged, alphabet: 'custom' });
  return merged;
}

/**
 * Whether {@link trainConfig} takes the custom alphabet from the input form alone: the input
 * is `words`, `csv` or `tsv` and neither the options nor their configuration set `alphabet`.
 */
export function alphabetImplied(options: TrainOptions): boolean {
  const input = options.input ?? options.config?.input;
  return input !== undefined && CUSTOM_INPUTS.includes(input) && options.alphabet === undefined && options.config?.alphabet === undefined;
}

function isCorpus(c: unknown): c is Corpus {
  return typeof c === 'object' && c !== null && Array.isArray((c as Corpus).docs) && typeof (c as Corpus).table === 'object';
}

function isProvider(c: unknown): c is CorpusProvider {
  return typeof c === 'object' && c !== null && 'store' in c && typeof (c as CorpusProvider).store?.loadCorpus === 'function';
}

/** Counts and a content hash of a corpus (no names or paths). */
export function summarizeCorpus(corpus: Corpus): CorpusSummary {
  return summarizeDocs(corpus.docs, (d) => d.calls.length, corpus.skippedEmpty.length);
}

/** Loads whatever {@link TrainCorpus} names. */
export async function loadTrainCorpus(
  corpus: TrainCorpus,
  options: Pick<TrainOptions, 'onReadProgress' | 'onWarning' | 'input' | 'columns'> & { readonly threads?: FeatureThreads } = {},
): Promise<Corpus> {
  if (isCorpus(corpus)) return corpus;
  if (isProvider(corpus)) return corpus.store.loadCorpus(corpus.filter);
  const threads = options.threads;
  return loadCorpus(corpus, {
    ...(threads ? { threads: (paths: readonly string[]) => threads.forFiles(paths) } : {}),
    ...(options.input !== undefined ? { input: options.input } : {}),
    ...(options.columns !== undefined ? { columns: options.columns } : {}),
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
    ...(options.onReadProgress ? { onProgress: options.onReadProgress } : {}),
  });
}

/**
 * Trains a model on labelled traces.
 *
 * ```ts
 * import { train } from 'ntmaldetect';
 * const model = await train('corpus/', { preset: 'ntmaldetect-2018', seed: 0 });
 * await model.save('my.ntmd');
 * ```
 *
 * `corpus` is a folder in NtMalDetect's layout (`sysBEN/`, `sysMAL/`), `{ benign, malicious }`
 * folders or files, `{ data }` tables (with `input: 'csv' | 'tsv'`), an already loaded corpus,
 * or `{ store, filter }`. `input` reads other layouts (`'words'`, `'csv'`, `'tsv'`) and implies
 * `alphabet: 'custom'` unless an alphabet is given:
 *
 * ```ts
 * const m = await train({ benign: 'Training_Data_Master', malicious: 'Attack_Data_Master' }, { input: 'words' });
 * const t = await train({ data: 'MalBehavD-V1-dataset.csv' }, { input: 'csv', preset: 'auto' });
 * ```
 *
 * The same traces, options and seed give a byte-identical model file.
 */
export async function train(corpus: TrainCorpus, options: TrainOptions = {}): Promise<Model> {
  let config = trainConfig(options);
  const threadCount = checkThreads(options.threads);
  const stream = await chooseInPasses(corpus, config, {
    ...options,
    ...(options.onReadProgress
      ? { onReadProgress: (_pass: number, done: number, total: number) => options.onReadProgress!(done, total) }
      : {}),
  });
  if (stream) {
    const { metrics, onFitProgress } = options;
    return (await trainInPasses(stream, config, { ...(metrics ? { metrics } : {}), ...(onFitProgress ? { onFitProgress } : {}) })).model;
  }
  const threads = new FeatureThreads(threadCount);
  try {
    const c = await loadTrainCorpus(corpus, { ...options, input: inputOf(config), threads });
    if (options.preset === 'auto') {
      // `auto` is chosen on this corpus by inner cross-validation (src/model/auto.ts); the
      // caller's other options still override the choice.
      const docs = c.docs.map((d) => d.calls);
      const labels = Uint8Array.from(c.docs, (d) => d.label);
      const chosen = selectAutoConfig(docs, labels, c.table, { seed: config.seed, alphabet: alphabetOf(config) });
      config = trainConfig({ ...options, preset: undefined, config: chosen.config });
    }
    return await trainOnCorpusThreads(c, config, options, threads);
  } finally {
    await threads.close();
  }
}

/**
 * {@link trainOnCorpus} with the n-gram count of the TF-IDF fit on `threads` when the corpus
 * is large enough for them (see {@link FeatureThreads}); the same model.
 */
export async function trainOnCorpusThreads(
  corpus: Corpus,
  config: ModelConfigInput | ResolvedConfig,
  options: Pick<TrainOptions, 'metrics' | 'onFitProgress'>,
  threads: FeatureThreads,
): Promise<Model> {
  const docs = corpus.docs.map((d) => d.calls);
  const labels = Uint8Array.from(corpus.docs, (d) => d.label);
  let pos = 0;
  for (let i = 0; i < labels.length; i++) pos += labels[i];
  // One class only: fitPipeline's own check reports it, before any TF-IDF work.
  const group = pos > 0 && pos < labels.length ? await threads.forDocs(docs) : undefined;
  if (!group) return trainOnCorpus(corpus, config, options);
  const cfg = resolveConfig(config);
  options.onFitProgress?.('tfidf', `${docs.length} documents`);
  const { fitTransformOnThreads } = await import('../tfidf/parallel.js');
  const features = await fitTransformOnThreads(new TfidfVectorizer(tfidfOptionsOf(cfg)), docs, corpus.table, group);
  const pipeline = fitPipeline(cfg, docs, labels, corpus.table, {
    features,
    ...(options.onFitProgress ? { onProgress: options.onFitProgress } : {}),
  });
  return new Model(pipeline, { corpus: summarizeCorpus(corpus), metrics: options.metrics ?? null });
}

/** {@link train} on a loaded corpus with a resolved configuration. */
export function trainOnCorpus(
  corpus: Corpus,
  config: ModelConfigInput | ResolvedConfig,
  options: Pick<TrainOptions, 'metrics' | 'onFitProgress'> = {},
): Model {
  const docs = corpus.docs.map((d) => d.calls);
  const labels = Uint8Array.from(corpus.docs, (d) => d.label);
  const pipeline = fitPipeline(
    resolveConfig(config),
    docs,
    labels,
    corpus.table,
    options.onFitProgress ? { onProgress: options.onFitProgress } : {},
  );
  return new Model(pipeline, { corpus: summarizeCorpus(corpus), metrics: options.metrics ?? null });
}
