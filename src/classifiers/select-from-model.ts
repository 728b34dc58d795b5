/**
 * scikit-learn's `SelectFromModel` for a fitted binary linear model: importance of feature
 * `j` is `|coef_j|` (the L1 norm over the single row of `coef_`), and a feature is kept iff
 * its importance is `>= threshold`. For an L1-penalised estimator scikit-learn's default
 * threshold is 1e-5; otherwise it is the mean importance. The intercept is not a feature.
 *
 * @packageDocumentation
 */
import { InvalidOptionError } from '../errors.js';

/**
 * A threshold as `SelectFromModel` accepts it: a number, `'mean'`, `'median'`, or a scaled
 * one such as `'1.5*mean'`.
 */
export type SelectionThreshold = number | 'mean' | 'median' | `${number}*mean` | `${number}*median`;

/** scikit-learn's default threshold for L1-penalised estimators. */
export const L1_SELECTION_THRESHOLD = 1e-5;

/** The numeric threshold a {@link SelectionThreshold} stands for, given the weights. */
export function resolveThreshold(coef: Float64Array, threshold: SelectionThreshold): number {
  if (typeof threshold === 'number') {
    if (!Number.isFinite(threshold) || threshold < 0) throw new InvalidOptionError('threshold', 'a finite number >= 0', threshold);
    return threshold;
  }
  const match = /^(?:([0-9.eE+-]+)\*)?(mean|median)$/.exec(threshold);
  const scale = match ? (match[1] === undefined ? 1 : Number(match[1])) : NaN;
  if (!match || !Number.isFinite(scale)) {
    throw new InvalidOptionError('threshold', "a number, 'mean', 'median' or '<factor>*mean' / '<factor>*median'", threshold);
  }
  const abs = Float64Array.from(coef, Math.abs);
  if (abs.length === 0) return 0;
  if (match[2] === 'mean') {
    let s = 0;
    for (let j = 0; j < abs.length; j++) s += abs[j];
    return (scale * s) / abs.length;
  }
  abs.sort();
  const mid = abs.length >> 1;
  const median = abs.length % 2 === 1 ? abs[mid] : (abs[mid - 1] + abs[mid]) / 2;
  return scale * median;
}

/**
 * Indices (ascending) of the features `SelectFromModel` keeps: `|coef_j| >= threshold`.
 *
 * @param coef the weights of a fitted linear model, one per feature.
 * @param threshold default 1e-5, scikit-learn's for an L1-penalised model.
 */
export function selectFromModel(coef: Float64Array, threshold: SelectionThreshold = L1_SELECTION_THRESHOLD): Int32Array {
  const t = resolveThreshold(coef, threshold);
  let count = 0;
  for (let j = 0; j < coef.length; j++) if (Math.abs(coef[j]) >= t) count++;
  const kept = new Int32Array(count);
  for (let j = 0, k = 0; j < coef.length; j++) if (Math.abs(coef[j]) >= t) kept[k++] = j;
  return kept;
}
