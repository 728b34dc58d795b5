/**
 * Fold assignment for k-fold cross-validation: the test-fold number of each document,
 * exactly as scikit-learn's `StratifiedKFold(shuffle=True, random_state=seed)` deals them,
 * and the train/test index lists of each fold. Platt calibration's inner folds
 * (`src/ensemble/calibration.ts`), the `auto` preset's inner selection
 * (`src/model/auto.ts`) and the evaluation's splits (`src/eval/folds.ts`) all use it.
 */
import { SplitError } from './errors.js';
import { Mt19937 } from './random.js';

/** One fold: indices (into the corpus' documents) to train on and to test on, ascending. */
export interface Fold {
  readonly train: Int32Array;
  readonly test: Int32Array;
}

/**
 * Test-fold number of each document, exactly as scikit-learn 1.2's
 * `StratifiedKFold(n_splits=k, shuffle=true, random_state=seed)._make_test_folds`:
 * classes are numbered by first appearance, each class's fold numbers are dealt in the
 * sorted-label round-robin allocation and then shuffled by numpy's `RandomState(seed)`.
 *
 * @param labels - one label per document (any small non-negative integers).
 * @param k - number of folds, 2 <= k <= number of documents.
 * @param seed - the `random_state`; `null` for no shuffling (scikit-learn's `shuffle=False`).
 */
export function stratifiedFoldOf(labels: ArrayLike<number>, k: number, seed: number | null): Int32Array {
  const n = labels.length;
  checkFoldCount(k, n);
  const rng = seed === null ? null : new Mt19937(seed);
  // Encode classes by order of first appearance.
  const code = new Map<number, number>();
  const enc = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let c = code.get(labels[i]);
    if (c === undefined) code.set(labels[i], (c = code.size));
    enc[i] = c;
  }
  const nClasses = code.size;
  const counts = new Int32Array(nClasses);
  for (let i = 0; i < n; i++) counts[enc[i]]++;
  let largest = 0;
  for (let c = 0; c < nClasses; c++) largest = Math.max(largest, counts[c]);
  if (k > largest) throw new SplitError(`cannot make ${k} stratified folds: the largest class has only ${largest} documents`);
  // allocation[f][c] = how many of class c go to fold f (round-robin over the sorted labels).
  const sorted = Int32Array.from(enc).sort();
  const allocation = new Int32Array(k * nClasses);
  for (let i = 0; i < n; i++) allocation[(i % k) * nClasses + sorted[i]]++;
  const out = new Int32Array(n);
  for (let c = 0; c < nClasses; c++) {
    const foldsForClass = new Int32Array(counts[c]);
    let p = 0;
    for (let f = 0; f < k; f++) for (let r = allocation[f * nClasses + c]; r > 0; r--) foldsForClass[p++] = f;
    if (rng) rng.shuffle(foldsForClass);
    p = 0;
    for (let i = 0; i < n; i++) if (enc[i] === c) out[i] = foldsForClass[p++];
  }
  return out;
}

/** Throws {@link SplitError} unless `k` is an integer in `[2, n]`. */
export function checkFoldCount(k: number, n: number): void {
  if (!Number.isInteger(k) || k < 2) throw new SplitError(`the number of folds must be an integer >= 2, got ${k}`);
  if (k > n) throw new SplitError(`cannot make ${k} folds of ${n} documents`);
}

/**
 * Builds the folds from a test-fold number per used document.
 * @param foldOf - fold number of `used[i]`.
 * @param used - document indices taking part (ascending).
 */
export function foldsFromAssignment(foldOf: ArrayLike<number>, k: number, used: Int32Array): Fold[] {
  const folds: Fold[] = [];
  for (let f = 0; f < k; f++) {
    let nt = 0;
    for (let i = 0; i < used.length; i++) if (foldOf[i] === f) nt++;
    const test = new Int32Array(nt);
    const train = new Int32Array(used.length - nt);
    let a = 0;
    let b = 0;
    for (let i = 0; i < used.length; i++) {
      if (foldOf[i] === f) test[a++] = used[i];
      else train[b++] = used[i];
    }
    folds.push({ train, test });
  }
  return folds;
}
