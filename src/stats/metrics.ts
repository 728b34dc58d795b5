/**
 * Binary classification metrics with scikit-learn's definitions, on typed arrays.
 *
 * Labels are 0 (benign, negative) and 1 (malicious, positive). Scores are any real
 * numbers where larger means "more malicious" (a decision value or a probability); tied
 * scores are one threshold, never broken by order.
 */
import { MetricError } from './errors.js';

/** The confusion matrix (positives = malicious). */
export interface Confusion {
  tn: number;
  fp: number;
  fn: number;
  tp: number;
}

/** One point of a curve. */
export interface CurvePoint {
  readonly x: number;
  readonly y: number;
}

/** Everything `bench` reports for one model on one set of predictions. */
export interface BinaryMetrics {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** Area under the ROC curve (trapezoidal over distinct thresholds: ties count one half). */
  rocAuc: number;
  /** Average precision, as scikit-learn's `average_precision_score` (step-wise, no interpolation). */
  prAuc: number;
  /** Largest true-positive rate at an operating point whose false-positive rate is <= 1%. */
  tprAtFpr01: number;
  /** Largest true-positive rate at an operating point whose false-positive rate is <= 5%. */
  tprAtFpr05: number;
  /** Fewest false positives at an operating point whose recall is >= `recallTarget` (0.986 by default). */
  fpAtRecall: number;
  confusion: Confusion;
}

function check(y: ArrayLike<number>, other: ArrayLike<number>, what: string): void {
  if (y.length !== other.length) throw new MetricError(`${what}: ${other.length} values for ${y.length} labels`);
  if (y.length === 0) throw new MetricError(`${what}: no documents`);
}

/** Confusion matrix of predicted labels against true labels. */
export function confusion(y: ArrayLike<number>, predicted: ArrayLike<number>): Confusion {
  check(y, predicted, 'confusion');
  const c: Confusion = { tn: 0, fp: 0, fn: 0, tp: 0 };
  for (let i = 0; i < y.length; i++) {
    if (y[i] === 1) {
      if (predicted[i] === 1) c.tp++;
      else c.fn++;
    } else if (predicted[i] === 1) c.fp++;
    else c.tn++;
  }
  return c;
}

/**
 * The cumulative counts at each distinct threshold, from the highest score down: after
 * step `k`, every document with score >= `thresholds[k]` is called positive.
 * `tps[k]`/`fps[k]` are the true/false positives then (scikit-learn's `_binary_clf_curve`).
 */
export function thresholdCounts(
  y: ArrayLike<number>,
  scores: ArrayLike<number>,
): { thresholds: Float64Array; tps: Int32Array; fps: Int32Array } {
  check(y, scores, 'curve');
  const n = y.length;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < n; i++) if (Number.isNaN(scores[i])) throw new MetricError(`curve: score of document ${i} is NaN`);
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  const thresholds: number[] = [];
  const tps: number[] = [];
  const fps: number[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k];
    if (y[i] === 1) tp++;
    else fp++;
    if (k === n - 1 || scores[order[k + 1]] !== scores[i]) {
      thresholds.push(scores[i]);
      tps.push(tp);
      fps.push(fp);
    }
  }
  return { thresholds: Float64Array.from(thresholds), tps: Int32Array.from(tps), fps: Int32Array.from(fps) };
}

function classCounts(y: ArrayLike<number>): { pos: number; neg: number } {
  let pos = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === 1) pos++;
  return { pos, neg: y.length - pos };
}

/** ROC curve points (false-positive rate, true-positive rate), starting at (0, 0). */
export function rocCurve(y: ArrayLike<number>, scores: ArrayLike<number>): CurvePoint[] {
  const { pos, neg } = classCounts(y);
  if (pos === 0 || neg === 0) throw new MetricError('ROC curve: needs both benign and malicious documents');
  const { tps, fps } = thresholdCounts(y, scores);
  const pts: CurvePoint[] = [{ x: 0, y: 0 }];
  for (let k = 0; k < tps.length; k++) pts.push({ x: fps[k] / neg, y: tps[k] / pos });
  return pts;
}

/** Area under the ROC curve; ties between a positive and a negative count 1/2 (trapezoids). */
export function rocAuc(y: ArrayLike<number>, scores: ArrayLike<number>): number {
  const pts = rocCurve(y, scores);
  let area = 0;
  for (let k = 1; k < pts.length; k++) area += ((pts[k].x - pts[k - 1].x) * (pts[k].y + pts[k - 1].y)) / 2;
  return area;
}

/**
 * Precision-recall curve points (recall, precision), one per distinct threshold from the
 * highest score down (scikit-learn's `precision_recall_curve`, without its final (0, 1)).
 */
export function prCurve(y: ArrayLike<number>, scores: ArrayLike<number>): CurvePoint[] {
  const { pos } = classCounts(y);
  if (pos === 0) throw new MetricError('precision-recall curve: needs malicious documents');
  const { tps, fps } = thresholdCounts(y, scores);
  return Array.from(tps, (tp, k) => ({ x: tp / pos, y: tp / (tp + fps[k]) }));
}

/**
 * Average precision: `sum_k (R_k - R_{k-1}) * P_k` over distinct thresholds from the highest
 * score down, with `R_0 = 0` — scikit-learn's `average_precision_score` (a step-wise area
 * under the precision-recall curve, no interpolation).
 */
export function averagePrecision(y: ArrayLike<number>, scores: ArrayLike<number>): number {
  let prevRecall = 0;
  let ap = 0;
  for (const p of prCurve(y, scores)) {
    ap += (p.x - prevRecall) * p.y;
    prevRecall = p.x;
  }
  return ap;
}

/**
 * The largest true-positive rate among the operating points (thresholds at distinct scores)
 * whose false-positive rate is at most `maxFpr`; no interpolation between points.
 */
export function tprAtFpr(y: ArrayLike<number>, scores: ArrayLike<number>, maxFpr: number): number {
  let best = 0;
  for (const p of rocCurve(y, scores)) if (p.x <= maxFpr + 1e-12) best = Math.max(best, p.y);
  return best;
}

/**
 * The fewest false positives among operating points whose recall is at least `minRecall`
 * (the lowest threshold is always such a point).
 */
export function fpAtRecall(y: ArrayLike<number>, scores: ArrayLike<number>, minRecall: number): number {
  const { pos } = classCounts(y);
  if (pos === 0) throw new MetricError('false positives at recall: needs malicious documents');
  const { tps, fps } = thresholdCounts(y, scores);
  for (let k = 0; k < tps.length; k++) if (tps[k] / pos >= minRecall - 1e-12) return fps[k];
  return fps[fps.length - 1];
}

/** `a / b`, or 0 when `b` is 0 (scikit-learn's `zero_division=0` result, without the warning). */
function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

/**
 * All metrics of one set of predictions.
 *
 * @param y - true labels.
 * @param scores - ranking scores (larger = more malicious) for the curves and areas.
 * @param predicted - the verdicts (for accuracy, precision, recall, F1, confusion).
 * @param recallTarget - the recall at which false positives are counted (default 0.986).
 * @returns the metrics; the curve-based ones are NaN when one class is absent.
 */
export function binaryMetrics(
  y: ArrayLike<number>,
  scores: ArrayLike<number>,
  predicted: ArrayLike<number>,
  recallTarget = 0.986,
): BinaryMetrics {
  const c = confusion(y, predicted);
  const precision = ratio(c.tp, c.tp + c.fp);
  const recall = ratio(c.tp, c.tp + c.fn);
  const both = c.tp + c.fn > 0 && c.tn + c.fp > 0;
  return {
    accuracy: (c.tp + c.tn) / y.length,
    precision,
    recall,
    f1: ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn),
    rocAuc: both ? rocAuc(y, scores) : NaN,
    prAuc: c.tp + c.fn > 0 ? averagePrecision(y, scores) : NaN,
    tprAtFpr01: both ? tprAtFpr(y, scores, 0.01) : NaN,
    tprAtFpr05: both ? tprAtFpr(y, scores, 0.05) : NaN,
    fpAtRecall: c.tp + c.fn > 0 ? fpAtRecall(y, scores, recallTarget) : NaN,
    confusion: c,
  };
}

/** The scalar metrics of {@link BinaryMetrics} (what fold means and deviations are taken of). */
export type ScalarMetrics = Omit<BinaryMetrics, 'confusion'>;

const SCALAR_KEYS = ['accuracy', 'precision', 'recall', 'f1', 'rocAuc', 'prAuc', 'tprAtFpr01', 'tprAtFpr05', 'fpAtRecall'] as const;

/**
 * Mean and population standard deviation (numpy's default, ddof = 0) of each scalar metric
 * over folds, ignoring folds where a metric is undefined (NaN).
 */
export function foldSummary(perFold: readonly BinaryMetrics[]): { mean: ScalarMetrics; std: ScalarMetrics } {
  const mean = {} as ScalarMetrics;
  const std = {} as ScalarMetrics;
  for (const key of SCALAR_KEYS) {
    const v = perFold.map((m) => m[key]).filter((x) => Number.isFinite(x));
    const mu = v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
    mean[key] = mu;
    std[key] = v.length ? Math.sqrt(v.reduce((a, b) => a + (b - mu) ** 2, 0) / v.length) : NaN;
  }
  return { mean, std };
}
