/**
 * Pieces shared by the linear classifiers: label checks, the class-grouped row order
 * LIBLINEAR trains in, the sparse margin `w·x + b`, option validation and state reading.
 *
 * @packageDocumentation
 */
import { InvalidOptionError, NotFittedError } from '../errors.js';
import type { Csr } from '../tfidf/csr.js';
import type { ClassifierState, Labels } from './types.js';
import { ClassifierStateError, FeatureCountError, LabelError, SingleClassError } from './linear-errors.js';

/**
 * Checks that `y` has one 0/1 label per row of `X` and both classes occur.
 * @returns the counts `[benign, malicious]`.
 */
export function checkTrainingSet(X: Csr, y: Labels, estimator: string): [number, number] {
  if (y.length !== X.rows) throw new LabelError(estimator, `${y.length} labels for ${X.rows} rows`);
  let pos = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (v === 1) pos++;
    else if (v !== 0) throw new LabelError(estimator, `label ${v} at row ${i}: expected 0 (benign) or 1 (malicious)`);
  }
  const counts: [number, number] = [y.length - pos, pos];
  if (counts[0] === 0 || counts[1] === 0) throw new SingleClassError(estimator, counts);
  return counts;
}

/**
 * The order LIBLINEAR (as vendored by scikit-learn) visits training rows in: every benign
 * row in input order, then every malicious row in input order (`group_classes` with sorted
 * labels). Coordinate-descent orders, and so results bit for bit, depend on it.
 */
export function classGroupedOrder(y: Labels): Int32Array {
  const order = new Int32Array(y.length);
  let k = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === 0) order[k++] = i;
  for (let i = 0; i < y.length; i++) if (y[i] === 1) order[k++] = i;
  return order;
}

/**
 * Margins `w·x_i + intercept` of every row, summed in column order as scipy does.
 * @throws FeatureCountError when `X.cols !== w.length`.
 */
export function linearDecision(X: Csr, w: Float64Array, intercept: number, estimator: string): Float64Array {
  if (X.cols !== w.length) throw new FeatureCountError(estimator, w.length, X.cols);
  const out = new Float64Array(X.rows);
  const { indptr, indices, data } = X;
  for (let r = 0; r < X.rows; r++) out[r] = sparseDot(w, indices, data, indptr[r], indptr[r + 1]) + intercept;
  return out;
}

/** Labels from decision values: 1 (malicious) iff the value is > 0, as scikit-learn. */
export function labelsFromDecision(decision: Float64Array): Uint8Array {
  const out = new Uint8Array(decision.length);
  for (let i = 0; i < decision.length; i++) out[i] = decision[i] > 0 ? 1 : 0;
  return out;
}

/** Validates a finite number > 0 (or >= 0 with `allowZero`). */
export function positiveNumber(option: string, value: number, allowZero = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new InvalidOptionError(option, allowZero ? 'a finite number >= 0' : 'a finite number > 0', value);
  }
  return value;
}

/** Validates an integer >= 1. */
export function positiveInteger(option: string, value: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidOptionError(option, 'an integer >= 1', value);
  }
  return value;
}

/** Validates a seed: an integer in `[0, 2^32)`. */
export function seedOption(option: string, value: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new InvalidOptionError(option, 'an integer in [0, 2^32)', value);
  }
  return value;
}

/** Validates one of a set of string literals. */
export function oneOf<T extends string>(option: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) throw new InvalidOptionError(option, allowed.map((a) => `'${a}'`).join(' | '), value);
  return value;
}

/** Typed reader of a {@link ClassifierState}, failing with {@link ClassifierStateError}. */
export class StateReader {
  constructor(
    private readonly state: ClassifierState,
    private readonly estimator: string,
  ) {}

  /** Fails unless the state's kind is `kind` and `params[key] === value` (when given). */
  expect(kind: string, key?: string, value?: string): this {
    if (!this.state || this.state.kind !== kind) {
      throw new ClassifierStateError(this.estimator, `kind is ${JSON.stringify(this.state?.kind)}, expected '${kind}'`);
    }
    if (key !== undefined && this.state.params?.[key] !== value) {
      throw new ClassifierStateError(this.estimator, `params.${key} is ${JSON.stringify(this.state.params?.[key])}, expected '${value}'`);
    }
    return this;
  }

  /** Throws a {@link ClassifierStateError} with `detail`. */
  fail(detail: string): never {
    throw new ClassifierStateError(this.estimator, detail);
  }

  /** A numeric parameter. */
  number(key: string): number {
    const v = this.state.params?.[key];
    if (typeof v !== 'number') throw new ClassifierStateError(this.estimator, `params.${key} must be a number`);
    return v;
  }

  /** A boolean parameter. */
  boolean(key: string): boolean {
    const v = this.state.params?.[key];
    if (typeof v !== 'boolean') throw new ClassifierStateError(this.estimator, `params.${key} must be a boolean`);
    return v;
  }

  /** A string parameter. */
  string(key: string): string {
    const v = this.state.params?.[key];
    if (typeof v !== 'string') throw new ClassifierStateError(this.estimator, `params.${key} must be a string`);
    return v;
  }

  /** A Float64Array (copied, so the model owns it). */
  float64(key: string, length?: number): Float64Array {
    const v = this.state.arrays?.[key];
    if (!(v instanceof Float64Array)) throw new ClassifierStateError(this.estimator, `arrays.${key} must be a Float64Array`);
    if (length !== undefined && v.length !== length) {
      throw new ClassifierStateError(this.estimator, `arrays.${key} has ${v.length} values, expected ${length}`);
    }
    return v.slice();
  }

  /** An Int32Array (copied). */
  int32(key: string, length?: number): Int32Array {
    const v = this.state.arrays?.[key];
    if (!(v instanceof Int32Array)) throw new ClassifierStateError(this.estimator, `arrays.${key} must be an Int32Array`);
    if (length !== undefined && v.length !== length) {
      throw new ClassifierStateError(this.estimator, `arrays.${key} has ${v.length} values, expected ${length}`);
    }
    return v.slice();
  }
}

/** Indices `j` with `w[j] !== 0`, ascending. */
export function nonZeroIndices(w: Float64Array): Int32Array {
  let count = 0;
  for (let j = 0; j < w.length; j++) if (w[j] !== 0) count++;
  const out = new Int32Array(count);
  for (let j = 0, k = 0; j < w.length; j++) if (w[j] !== 0) out[k++] = j;
  return out;
}

/**
 * State arrays of a weight vector: sparse (`coefIndex`/`coefValue`) when at most half of
 * the weights are non-zero, dense (`coef`) otherwise. `layout` goes into the params.
 */
export function coefToState(coef: Float64Array): { layout: 'sparse' | 'dense'; arrays: Record<string, Float64Array | Int32Array> } {
  const nz = nonZeroIndices(coef);
  if (nz.length * 2 <= coef.length) {
    return { layout: 'sparse', arrays: { coefIndex: nz, coefValue: Float64Array.from(nz, (j) => coef[j]) } };
  }
  return { layout: 'dense', arrays: { coef: coef.slice() } };
}

/** Reads back a weight vector written by {@link coefToState} (layout in `params.coefLayout`). */
export function coefFromState(r: StateReader, nFeatures: number): Float64Array {
  if (r.string('coefLayout') !== 'sparse') return r.float64('coef', nFeatures);
  const idx = r.int32('coefIndex');
  const val = r.float64('coefValue', idx.length);
  const coef = new Float64Array(nFeatures);
  for (let k = 0; k < idx.length; k++) {
    const j = idx[k];
    if (!(j >= 0 && j < nFeatures)) r.fail(`arrays.coefIndex holds ${j}, outside [0, ${nFeatures})`);
    coef[j] = val[k];
  }
  return coef;
}

/** `Σ w[indices[p]] · data[p]` over `p ∈ [a, e)`: a sparse row times a dense vector. */
export function sparseDot(w: Float64Array, indices: Int32Array, data: Float64Array, a: number, e: number): number {
  // Unrolled by four with one accumulator: the same products and additions in the same order
  // as the plain loop (and as LIBLINEAR's `sparse_operator::dot` over a row), so the unrolling
  // changes no bit of the result, with less loop overhead. That is not bitwise agreement with
  // scikit-learn: the inputs (TF-IDF values, weights) agree with its to rounding, not bit for
  // bit, and the parity tests hold decision values to 1e-9 (measured: within 5e-14;
  // src/eval/parity.test.ts, src/model/default-preset.parity.test.ts).
  let s = 0;
  let p = a;
  for (; p + 3 < e; p += 4) {
    s += w[indices[p]] * data[p];
    s += w[indices[p + 1]] * data[p + 1];
    s += w[indices[p + 2]] * data[p + 2];
    s += w[indices[p + 3]] * data[p + 3];
  }
  for (; p < e; p++) s += w[indices[p]] * data[p];
  return s;
}

/** `w[indices[p]] += c · data[p]` over `p ∈ [a, e)`. */
export function sparseAxpy(w: Float64Array, indices: Int32Array, data: Float64Array, a: number, e: number, c: number): void {
  let p = a;
  for (; p + 3 < e; p += 4) {
    w[indices[p]] += data[p] * c;
    w[indices[p + 1]] += data[p + 1] * c;
    w[indices[p + 2]] += data[p + 2] * c;
    w[indices[p + 3]] += data[p + 3] * c;
  }
  for (; p < e; p++) w[indices[p]] += data[p] * c;
}

/**
 * The labels a fit trains on: `y` itself, or `y[rows[k]]` for a row subset (each row
 * checked to exist), after checking both classes are present.
 * @returns the labels per training position and the counts `[benign, malicious]`.
 */
export function trainingLabels(
  X: Csr,
  y: Labels,
  rows: Int32Array | undefined,
  estimator: string,
): { labels: Labels; counts: [number, number] } {
  if (!rows) return { labels: y, counts: checkTrainingSet(X, y, estimator) };
  if (y.length !== X.rows) throw new LabelError(estimator, `${y.length} labels for ${X.rows} rows`);
  const labels = new Uint8Array(rows.length);
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k];
    if (!(r >= 0 && r < X.rows)) throw new LabelError(estimator, `training row ${r} does not exist (the matrix has ${X.rows} rows)`);
    labels[k] = y[r];
  }
  return { labels, counts: checkTrainingSet({ ...X, rows: rows.length }, labels, estimator) };
}

/**
 * What every fitted linear classifier shares: weights, intercept, iteration count, and
 * scoring by the margin `coef·x + intercept`.
 */
export abstract class LinearClassifierBase {
  /** Weights, one per column. Empty before fit. */
  coef: Float64Array = new Float64Array(0);
  /** Intercept. */
  intercept = 0;
  /** Outer iterations (LIBLINEAR) or epochs (SGD) of the last fit: scikit-learn's `n_iter_`. */
  nIter = 0;
  protected fitted = false;

  constructor(
    /** Name used in error messages. */
    protected readonly estimatorName: string,
    private readonly iterationCap: () => number,
  ) {}

  /** True when the last fit stopped at its iteration cap (scikit-learn warns `ConvergenceWarning`). */
  get hitMaxIter(): boolean {
    return this.nIter >= this.iterationCap();
  }

  /** Margins `coef·x + intercept`, one per row; > 0 means malicious. */
  decisionFunction(X: Csr): Float64Array {
    this.requireFitted();
    return linearDecision(X, this.coef, this.intercept, this.estimatorName);
  }

  /** 1 (malicious) iff the margin is > 0. */
  predict(X: Csr): Uint8Array {
    return labelsFromDecision(this.decisionFunction(X));
  }

  /** Indices of the non-zero weights (ascending). */
  nonZero(): Int32Array {
    return nonZeroIndices(this.coef);
  }

  /** @throws NotFittedError before the first fit. */
  protected requireFitted(): void {
    if (!this.fitted) throw new NotFittedError(this.estimatorName);
  }
}

/**
 * The same matrix with its columns renumbered in order of first use by the training rows
 * (`rows`, in that order; unused columns last), so that a row's rare features, most of the
 * ten-grams, sit next to each other in the weight vector. Entries keep their order within
 * each row, so every per-row sum runs in the same order and gives the same bits: only the
 * addresses change. `newToOld[c]` is the original column of new column `c`.
 */
export function localColumns(X: Csr, rows: Int32Array): { X: Csr; newToOld: Int32Array } {
  const oldToNew = new Int32Array(X.cols).fill(-1);
  const newToOld = new Int32Array(X.cols);
  const { indptr, indices } = X;
  let next = 0;
  for (let k = 0; k < rows.length; k++) {
    for (let p = indptr[rows[k]], e = indptr[rows[k] + 1]; p < e; p++) {
      const j = indices[p];
      if (oldToNew[j] < 0) {
        oldToNew[j] = next;
        newToOld[next++] = j;
      }
    }
  }
  for (let j = 0; j < X.cols; j++) {
    if (oldToNew[j] < 0) {
      oldToNew[j] = next;
      newToOld[next++] = j;
    }
  }
  const remapped = new Int32Array(indices.length);
  for (let p = 0; p < indices.length; p++) remapped[p] = oldToNew[indices[p]];
  return { X: { rows: X.rows, cols: X.cols, indptr, indices: remapped, data: X.data }, newToOld };
}

/** Weights in the original column numbering: `out[newToOld[c]] = w[c]` for `c < newToOld.length`. */
export function originalOrder(w: Float64Array, newToOld: Int32Array): Float64Array {
  const out = new Float64Array(newToOld.length);
  for (let c = 0; c < newToOld.length; c++) out[newToOld[c]] = w[c];
  return out;
}
