/**
 * `runBench`: load a labelled corpus, split it, cross-validate the requested models — the
 * library side of `ntmaldetect bench`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadCorpus } from '../corpus/index.js';
import type { Corpus, CorpusSpec } from '../corpus/index.js';
import { TfidfVectorizer } from '../tfidf/index.js';
import type { Csr } from '../tfidf/csr.js';
import type { Alphabet, InputForm, ModelConfigInput, ResolvedConfig } from '../model/config.js';
import type { DatasetColumns } from '../corpus/datasets.js';
import { crossValidate, poolFolds, type CrossValidationResult } from './cv.js';
import { checkThreads, pickThreads, scriptExists } from '../threads.js';
import { foldJob, sharedDocs, type FoldJobData } from './fold-job.js';
import { resolveCandidates } from './candidates.js';
import { FoldsFileError } from './errors.js';
import { groupedSplit, replayFolds, similarityGroups, stratifiedSplit, uniqueSplit, type FoldsFile, type Split } from './folds.js';

/** How `bench` splits: seeded stratified, on unique traces, or grouped by near-duplicates. */
export type BenchSplit = 'stratified' | 'unique' | 'grouped';

/** Options of {@link runBench}. */
export interface BenchOptions {
  /** The corpus: a folder in the NtMalDetect layout, benign/malicious locations, or a loaded corpus. */
  corpus: CorpusSpec | Corpus;
  /** Number of folds. Default 10. */
  folds?: number;
  /** Seed of the split (and of `auto`'s inner split). Default 0. */
  seed?: number;
  /** Split kind. Default `stratified`. With `foldsFile`, `unique` replays its `unique` setting, anything else `all`. */
  split?: BenchSplit;
  /** A folds file to replay by document name (`../shared/reference/cv-folds.json`). */
  foldsFile?: string;
  /** Comma-separated model list (see `resolveCandidates`). Default `default`. */
  models?: string;
  /** Cosine threshold of the grouped split. Default 0.99. */
  groupThreshold?: number;
  /** Working directory for relative paths. */
  cwd?: string;
  /** Recall at which false positives are counted. Default 0.986. */
  recallTarget?: number;
  /** Progress: a stage and (for fitting) folds done of total. */
  onProgress?: (stage: 'load' | 'split' | 'fit', done: number, total: number, what?: string) => void;
  /** Warnings (empty files skipped...). */
  onWarning?: (msg: string) => void;
  /** Layout of the corpus files (default `'nttrace'`; see `loadCorpus`). */
  input?: InputForm;
  /** The columns of `csv` / `tsv` tables. */
  columns?: DatasetColumns;
  /**
   * The call-name alphabet every candidate is fitted with, overriding the presets' (which are
   * `'nt'`). Default: the presets' own.
   */
  alphabet?: Alphabet;
  /** The n-gram range every preset and file candidate is fitted with, overriding theirs (not `auto`'s). */
  ngramRange?: [number, number];
  /**
   * Threads that fit the folds (each (model, fold) fit on one thread) and read the corpus:
   * an integer >= 1 (1: this thread only) or `'auto'` (the default: as many as the cores
   * when there are two fits or more on a corpus large enough). The figures are the same.
   */
  threads?: number | 'auto';
}

/** Automatic threads of `bench`: one more per this many calls × fits (a fit of 2,000 calls costs about a thread's start). */
export const AUTO_FOLD_CALLS_PER_THREAD = 1_000_000;

/** A bench run's result, plus what `auto` chose in each fold. */
export interface BenchResult extends CrossValidationResult {
  /** Each fold's configuration chosen by `auto` (empty without `auto`). */
  autoChoices: ResolvedConfig[];
}

function isCorpus(c: CorpusSpec | Corpus): c is Corpus {
  return typeof c === 'object' && c !== null && Array.isArray((c as Corpus).docs);
}

/**
 * The groups of the grouped split: connected components of documents at cosine >=
 * `threshold` on l2 ten-gram TF-IDF fitted on the whole corpus (labels unused), joined with
 * byte-identical documents. Documents shorter than ten calls are grouped by identity only.
 */
export function nearDuplicateGroups(corpus: Corpus, threshold = 0.99): Int32Array {
  const docs = corpus.docs.map((d) => d.calls);
  let X: Csr;
  try {
    // Any call name is one token here (grouping needs no parity), so custom alphabets group too.
    X = new TfidfVectorizer({ ngramRange: [10, 10], tokenRule: 'nonspace' }).fitTransform(docs, corpus.table).X;
  } catch {
    X = { rows: docs.length, cols: 0, indptr: new Int32Array(docs.length + 1), indices: new Int32Array(0), data: new Float64Array(0) };
  }
  return similarityGroups(
    X,
    threshold,
    corpus.docs.map((d) => d.sha256),
  );
}

/** Makes the split `bench` asks for. */
export function makeSplit(
  corpus: Corpus,
  options: Pick<BenchOptions, 'folds' | 'seed' | 'split' | 'foldsFile' | 'groupThreshold' | 'cwd'>,
): Split {
  const k = options.folds ?? 10;
  const seed = options.seed ?? 0;
  const labels = corpus.docs.map((d) => d.label);
  if (options.foldsFile) {
    const path = resolve(options.cwd ?? process.cwd(), options.foldsFile);
    let file: FoldsFile;
    try {
      file = JSON.parse(readFileSync(path, 'utf8')) as FoldsFile;
    } catch (e) {
      throw new FoldsFileError(options.foldsFile, `cannot read it as JSON (${(e as Error).message})`);
    }
    return replayFolds(
      file,
      corpus.docs.map((d) => d.name),
      options.split === 'unique' ? 'unique' : 'all',
      options.foldsFile,
    );
  }
  switch (options.split ?? 'stratified') {
    case 'stratified':
      return stratifiedSplit(labels, k, seed);
    case 'unique':
      return uniqueSplit(
        labels,
        corpus.docs.map((d) => d.sha256),
        k,
        seed,
      );
    case 'grouped': {
      const threshold = options.groupThreshold ?? 0.99;
      return groupedSplit(nearDuplicateGroups(corpus, threshold), labels, k, seed, threshold);
    }
  }
}

/** Loads the corpus (unless given loaded), splits it, and cross-validates the models. */
export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const progress = options.onProgress ?? (() => {});
  // The models first: a misspelt preset or a missing model file fails before the corpus is read.
  const autoChoices: ResolvedConfig[] = [];
  const alphabet = options.alphabet;
  const threads = checkThreads(options.threads);
  const autoOptions = { seed: options.seed ?? 0, ...(alphabet !== undefined ? { alphabet } : {}) };
  const overrides: ModelConfigInput = {
    ...(alphabet !== undefined ? { alphabet } : {}),
    ...(options.input !== undefined ? { input: options.input } : {}),
    ...(options.ngramRange !== undefined ? { tfidf: { ngramRange: options.ngramRange } } : {}),
  };
  const models = options.models ?? 'default';
  const cwd = options.cwd ?? process.cwd();
  const candidates = await resolveCandidates(models, cwd, { ...autoOptions, chosen: autoChoices }, overrides);
  const corpus = isCorpus(options.corpus)
    ? options.corpus
    : await loadCorpus(options.corpus, {
        onWarning: options.onWarning,
        onProgress: (d, t) => progress('load', d, t),
        ...(options.input !== undefined ? { input: options.input } : {}),
        ...(options.columns !== undefined ? { columns: options.columns } : {}),
      });
  progress('split', 0, 1);
  const split = makeSplit(corpus, options);
  progress('split', 1, 1);
  const docs = corpus.docs.map((d) => d.calls);
  const labels = Uint8Array.from(corpus.docs, (d) => d.label);
  const fits = candidates.length * split.folds.length;
  let calls = 0;
  for (const d of docs) calls += d.length;
  const script = new URL('./bench-thread.js', import.meta.url);
  const n = fits < 2 ? 1 : Math.min(pickThreads(threads, calls * fits, AUTO_FOLD_CALLS_PER_THREAD), fits);
  if (n <= 1 || !scriptExists(script)) {
    const r = crossValidate(candidates, docs, labels, corpus.table, split, {
      recallTarget: options.recallTarget,
      onProgress: (d, t, what) => progress('fit', d, t, what),
    });
    return { ...r, autoChoices };
  }
  // The folds on threads (src/eval/fold-job.ts): the same outcomes, pooled in model and fold order.
  const { ThreadGroup } = await import('../threads.js');
  const group = await ThreadGroup.start(script, n - 1);
  try {
    const data: FoldJobData = {
      models,
      cwd,
      autoOptions,
      overrides,
      ...sharedDocs(docs),
      names: corpus.table.names(),
      labels,
      folds: split.folds,
    };
    let done = 0;
    const local = foldJob(data, { docs, table: corpus.table });
    const { items } = await group.run('fold', data, fits, local, (i) =>
      progress('fit', ++done, fits, candidates[Math.floor(i / split.folds.length)].name),
    );
    for (const it of items) if (it.chosen) autoChoices.push(it.chosen);
    const r = poolFolds(
      candidates.map((c) => c.name),
      docs.length,
      labels,
      split,
      items.map((it) => it.outcome),
      { recallTarget: options.recallTarget },
    );
    return { ...r, autoChoices };
  } finally {
    await group.close();
  }
}
