/**
 * The cross-validation driver: for each fold, fit a model on the training part only
 * (vectorizer included), score the test part, and pool the out-of-fold predictions.
 */
import type { CallTable } from '../tokenize/call-table.js';
import type { Split } from './folds.js';
import {
  binaryMetrics,
  foldSummary,
  prCurve,
  rocCurve,
  type BinaryMetrics,
  type CurvePoint,
  type ScalarMetrics,
} from '../stats/metrics.js';

/** The out-of-fold output of one model (an ensemble verdict, one member, or another policy). */
export interface ScoredOutput {
  /** Name relative to its preset: `''` for the preset's own verdict, else e.g. `multinomial-nb` or `all`. */
  readonly name: string;
  /** Ranking score per document (larger = more malicious). */
  readonly scores: Float64Array;
  /** Verdict per document (1 = malicious). */
  readonly labels: Uint8Array;
}

/** A fitted model as cross-validation sees it. */
export interface FoldScorer {
  score(docs: readonly Int32Array[], table: CallTable): ScoredOutput[];
}

/** A model configuration to cross-validate: fits a fresh model on a training part. */
export interface Candidate {
  /** Preset or file name, e.g. `ntmaldetect-2018`. */
  readonly name: string;
  fit(docs: readonly Int32Array[], labels: Uint8Array, table: CallTable): FoldScorer;
}

/** Result of one model: pooled out-of-fold metrics, fold mean and deviation, and time. */
export interface ModelResult extends BinaryMetrics {
  /** `preset`, `preset/member` or `preset/policy`. */
  model: string;
  foldMean: ScalarMetrics;
  foldStd: ScalarMetrics;
  /** Total seconds fitting this model's preset over all folds (vectorizer included). */
  fitSeconds: number;
  /** Total seconds scoring the test parts (vectorizing included). */
  predictSeconds: number;
}

/** A model's pooled curves, for figures. */
export interface ModelCurves {
  model: string;
  roc: CurvePoint[];
  pr: CurvePoint[];
}

/** Everything a cross-validation run produces. */
export interface CrossValidationResult {
  /** Documents taking part. */
  traces: number;
  /** How the split was made. */
  split: string;
  folds: number;
  results: ModelResult[];
  /** Pooled out-of-fold curves per model (not part of the JSON summary). */
  curves: ModelCurves[];
  /** Out-of-fold score and verdict per model, per corpus document (NaN / 0 for unused ones). */
  predictions: Map<string, { scores: Float64Array; labels: Uint8Array }>;
}

/** Options of {@link crossValidate}. */
export interface CrossValidationOptions {
  /** Called after every fitted fold: `done` of `total` fits (candidates x folds). */
  onProgress?: (done: number, total: number, what: string) => void;
  /** Recall at which false positives are counted (default 0.986). */
  recallTarget?: number;
}

/**
 * Cross-validates candidates over a split, pooling out-of-fold predictions (as
 * scikit-learn's `cross_val_predict` does) and also reporting per-fold means and
 * standard deviations.
 *
 * @param docs - every corpus document's call ids (only `split.used` take part).
 * @param labels - every corpus document's label.
 */
export function crossValidate(
  candidates: readonly Candidate[],
  docs: readonly Int32Array[],
  labels: Uint8Array,
  table: CallTable,
  split: Split,
  options: CrossValidationOptions = {},
): CrossValidationResult {
  const outcomes: FoldOutcome[] = [];
  const total = candidates.length * split.folds.length;
  for (const cand of candidates) {
    for (const fold of split.folds) {
      outcomes.push(runFold(cand, fold, docs, labels, table));
      options.onProgress?.(outcomes.length, total, cand.name);
    }
  }
  return poolFolds(
    candidates.map((c) => c.name),
    docs.length,
    labels,
    split,
    outcomes,
    options,
  );
}

/** What one candidate gives on one fold: its outputs on the fold's test part, and the times. */
export interface FoldOutcome {
  /** Each output's scores and verdicts, for the test documents in `fold.test` order. */
  readonly outs: readonly ScoredOutput[];
  readonly fitSeconds: number;
  readonly predictSeconds: number;
}

/** Fits `cand` on the fold's training part and scores its test part. */
export function runFold(
  cand: Candidate,
  fold: Split['folds'][number],
  docs: readonly Int32Array[],
  labels: Uint8Array,
  table: CallTable,
): FoldOutcome {
  const trainDocs = Array.from(fold.train, (i) => docs[i]);
  const trainY = Uint8Array.from(fold.train, (i) => labels[i]);
  const testDocs = Array.from(fold.test, (i) => docs[i]);
  let t0 = process.hrtime.bigint();
  const scorer = cand.fit(trainDocs, trainY, table);
  const fitSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  t0 = process.hrtime.bigint();
  const outs = scorer.score(testDocs, table);
  const predictSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { outs, fitSeconds, predictSeconds };
}

/**
 * Pools the fold outcomes (candidate by candidate, fold by fold: `outcomes[c * folds + f]`)
 * into the cross-validation result: out-of-fold predictions, pooled and per-fold metrics.
 */
export function poolFolds(
  names: readonly string[],
  n: number,
  labels: Uint8Array,
  split: Split,
  outcomes: readonly FoldOutcome[],
  options: Pick<CrossValidationOptions, 'recallTarget'> = {},
): CrossValidationResult {
  const results: ModelResult[] = [];
  const curves: ModelCurves[] = [];
  const predictions = new Map<string, { scores: Float64Array; labels: Uint8Array }>();
  const yUsed = Uint8Array.from(split.used, (i) => labels[i]);
  names.forEach((candName, c) => {
    let fitSeconds = 0;
    let predictSeconds = 0;
    const outputs = new Map<string, { scores: Float64Array; labels: Uint8Array; perFold: BinaryMetrics[] }>();
    split.folds.forEach((fold, f) => {
      const outcome = outcomes[c * split.folds.length + f];
      const testY = Uint8Array.from(fold.test, (i) => labels[i]);
      fitSeconds += outcome.fitSeconds;
      predictSeconds += outcome.predictSeconds;
      for (const o of outcome.outs) {
        let acc = outputs.get(o.name);
        if (!acc) {
          acc = { scores: new Float64Array(n).fill(NaN), labels: new Uint8Array(n), perFold: [] };
          outputs.set(o.name, acc);
        }
        fold.test.forEach((doc, k) => {
          acc.scores[doc] = o.scores[k];
          acc.labels[doc] = o.labels[k];
        });
        acc.perFold.push(binaryMetrics(testY, o.scores, o.labels, options.recallTarget));
      }
    });
    for (const [name, acc] of outputs) {
      const model = name === '' ? candName : `${candName}/${name}`;
      const s = Float64Array.from(split.used, (i) => acc.scores[i]);
      const l = Uint8Array.from(split.used, (i) => acc.labels[i]);
      const pooled = binaryMetrics(yUsed, s, l, options.recallTarget);
      const { mean, std } = foldSummary(acc.perFold);
      results.push({ model, ...pooled, foldMean: mean, foldStd: std, fitSeconds, predictSeconds });
      curves.push({ model, roc: rocCurve(yUsed, s), pr: prCurve(yUsed, s) });
      predictions.set(model, { scores: acc.scores, labels: acc.labels });
    }
  });
  return { traces: split.used.length, split: split.description, folds: split.folds.length, results, curves, predictions };
}

/** The JSON summary `bench --json` prints (no curves, no per-document predictions). */
export function summaryJson(r: CrossValidationResult): { traces: number; split: string; folds: number; results: ModelResult[] } {
  return { traces: r.traces, split: r.split, folds: r.folds, results: r.results };
}
