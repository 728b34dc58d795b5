/**
 * Out-of-fold decision values by an inner stratified cross-validation on the training
 * data: what each member's Platt scaler is fitted on, so the probabilities are not fitted
 * on scores of rows the member has already seen. With the default (unshuffled) folds this
 * is scikit-learn's `CalibratedClassifierCV(method='sigmoid', cv=k, ensemble=False)`:
 * `cross_val_predict` over `StratifiedKFold(k)`, then one sigmoid on the pooled scores.
 *
 * @packageDocumentation
 */
import type { BinaryClassifier, Labels } from '../classifiers/types.js';
import { InvalidOptionError } from '../errors.js';
import { stratifiedFoldOf } from '../stats/folds.js';
import { selectRows, type Csr } from '../tfidf/csr.js';

/** Options of the inner cross-validation. */
export interface InnerCvOptions {
  /** Number of folds, >= 2 and at most the size of the smaller class. Default 5 (scikit-learn's `cv=None`). */
  folds?: number;
  /**
   * Shuffle seed of the stratified split (scikit-learn's `StratifiedKFold(shuffle=True,
   * random_state=seed)`), or `null` (default) for scikit-learn's unshuffled folds.
   */
  seed?: number | null;
}

/**
 * Test-fold number of each row for the inner cross-validation.
 * @throws InvalidOptionError when `folds` is not an integer in [2, smaller class size].
 */
export function innerFolds(y: Labels, options: InnerCvOptions = {}): Int32Array {
  const k = options.folds ?? 5;
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i] === 1 ? 1 : 0;
  const smaller = Math.min(pos, y.length - pos);
  if (!Number.isInteger(k) || k < 2 || k > smaller) {
    throw new InvalidOptionError('calibration.folds', `an integer in [2, ${smaller}] (the smaller class has ${smaller} documents)`, k);
  }
  return stratifiedFoldOf(y, k, options.seed ?? null);
}

/**
 * Calls `fitScore(train, test)` for each inner fold and places the decision values it
 * returns (one per `test` row, in order) at those rows. Use it directly when the fold
 * must refit more than a classifier (e.g. the vectorizer).
 */
export function crossValScores(
  y: Labels,
  fitScore: (train: Int32Array, test: Int32Array) => ArrayLike<number>,
  options: InnerCvOptions = {},
): Float64Array {
  const foldOf = innerFolds(y, options);
  const k = options.folds ?? 5;
  const out = new Float64Array(y.length);
  const sizes = new Int32Array(k);
  for (let i = 0; i < foldOf.length; i++) sizes[foldOf[i]]++;
  for (let f = 0; f < k; f++) {
    const test = new Int32Array(sizes[f]);
    const train = new Int32Array(y.length - sizes[f]);
    for (let i = 0, a = 0, b = 0; i < y.length; i++) {
      if (foldOf[i] === f) test[a++] = i;
      else train[b++] = i;
    }
    const scores = fitScore(train, test);
    if (scores.length !== test.length) {
      throw new RangeError(`fold ${f}: ${scores.length} scores returned for ${test.length} test rows`);
    }
    for (let p = 0; p < test.length; p++) out[test[p]] = scores[p];
  }
  return out;
}

/**
 * Out-of-fold decision values of a classifier on the rows of `X`: for each inner fold, a
 * fresh classifier from `make()` is fitted on the other folds and scores this one.
 */
export function outOfFoldScores(make: () => BinaryClassifier, X: Csr, y: Labels, options: InnerCvOptions = {}): Float64Array {
  if (y.length !== X.rows) throw new InvalidOptionError('labels', `one label per row (${X.rows})`, y);
  return crossValScores(
    y,
    (train, test) => {
      const yTrain = new Uint8Array(train.length);
      for (let p = 0; p < train.length; p++) yTrain[p] = y[train[p]];
      return make().fit(selectRows(X, train), yTrain).decisionFunction(selectRows(X, test));
    },
    options,
  );
}
