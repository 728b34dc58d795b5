/**
 * LIBLINEAR's dual coordinate descent for the L2-regularised squared-hinge SVM (solver 1,
 * `L2R_L2LOSS_SVC_DUAL`), as scikit-learn 1.2 runs it: Hsieh et al., ICML 2008, Algorithm 3
 * with shrinking. Written from the description in `maths-reference.md` §4.1.
 *
 * Primal: `min_w ½‖w‖² + Σ_i C_i max(0, 1 − y_i wᵀx_i)²`.
 * Dual:   `min_α ½αᵀ(Q + D)α − eᵀα`, `α ≥ 0`, `Q_ij = y_i y_j x_iᵀx_j`, `D_ii = 1/(2C_i)`,
 * with `w = Σ α_i y_i x_i`. When a bias is used, every row carries one more feature equal
 * to `bias`, regularised like the others (LIBLINEAR's intercept).
 *
 * Stopping (scikit-learn's variant): an outer pass ends the solve when the spread of the
 * projected gradient `PGmax − PGmin` is at most `eps` on the full (unshrunk) set.
 *
 * @packageDocumentation
 */
import type { Csr } from '../tfidf/csr.js';
import type { Mt19937 } from './rng.js';
import { shufflePrefix } from './rng.js';
import { sparseAxpy, sparseDot } from './linear-model.js';

/** A binary training problem in LIBLINEAR's terms, over a subset of the rows of `X`. */
export interface LinearProblem {
  /** The feature matrix (all rows; only `rows` are used). */
  readonly X: Csr;
  /** Row of `X` at each training position, in LIBLINEAR's visiting order. */
  readonly rows: Int32Array;
  /** Sign of each training position: +1 (malicious) or −1 (benign). */
  readonly y: Float64Array;
  /** Value of the extra intercept feature, or 0 for none. */
  readonly bias: number;
  /** Cost of positive (+1) positions. */
  readonly Cp: number;
  /** Cost of negative (−1) positions. */
  readonly Cn: number;
}

/** What the dual solver returns besides the weights written into `w`. */
export interface DualSolution {
  /** Outer iterations run (scikit-learn's `n_iter_`). */
  nIter: number;
  /** The dual variables, one per training position. */
  alpha: Float64Array;
}

/**
 * Runs the dual coordinate descent and writes the primal weights into `w` (length
 * `X.cols`, plus one for the bias weight when `bias > 0`).
 *
 * @param eps stopping tolerance on the projected-gradient spread (scikit-learn's `tol`).
 * @param maxIter cap on outer iterations.
 * @param rng the generator whose stream decides the coordinate order.
 */
export function solveL2rL2SvcDual(prob: LinearProblem, w: Float64Array, eps: number, maxIter: number, rng: Mt19937): DualSolution {
  const { X, rows, y, bias, Cp, Cn } = prob;
  const { indptr, indices, data } = X;
  const l = rows.length;
  const n = X.cols;
  const hasBias = bias > 0;
  w.fill(0);
  const alpha = new Float64Array(l);
  const diag = new Float64Array(l);
  const QD = new Float64Array(l);
  const index = new Int32Array(l);
  for (let k = 0; k < l; k++) {
    const r = rows[k];
    diag[k] = 0.5 / (y[k] > 0 ? Cp : Cn);
    let sq = 0;
    for (let p = indptr[r], e = indptr[r + 1]; p < e; p++) sq += data[p] * data[p];
    if (hasBias) sq += bias * bias;
    QD[k] = diag[k] + sq;
    index[k] = k;
  }

  let activeSize = l;
  let PGmaxOld = Infinity;
  let PGminOld = -Infinity;
  let iter = 0;
  while (iter < maxIter) {
    let PGmaxNew = -Infinity;
    let PGminNew = Infinity;
    shufflePrefix(rng, index, activeSize);
    for (let s = 0; s < activeSize; s++) {
      const k = index[s];
      const r = rows[k];
      const yk = y[k];
      const a = indptr[r];
      const e = indptr[r + 1];
      let G = sparseDot(w, indices, data, a, e);
      if (hasBias) G += w[n] * bias;
      G = G * yk - 1;
      G += alpha[k] * diag[k];

      let PG = 0;
      if (alpha[k] === 0) {
        if (G > PGmaxOld) {
          activeSize--;
          index[s] = index[activeSize];
          index[activeSize] = k;
          s--;
          continue;
        } else if (G < 0) {
          PG = G;
        }
      } else {
        // the upper bound is +∞ for the squared hinge: α never sits at it
        PG = G;
      }
      if (PG > PGmaxNew) PGmaxNew = PG;
      if (PG < PGminNew) PGminNew = PG;

      if (Math.abs(PG) > 1e-12) {
        const old = alpha[k];
        const next = Math.max(old - G / QD[k], 0);
        alpha[k] = next;
        const d = (next - old) * yk;
        sparseAxpy(w, indices, data, a, e, d);
        if (hasBias) w[n] += d * bias;
      }
    }
    iter++;
    if (PGmaxNew - PGminNew <= eps) {
      if (activeSize === l) break;
      activeSize = l;
      PGmaxOld = Infinity;
      PGminOld = -Infinity;
      continue;
    }
    PGmaxOld = PGmaxNew <= 0 ? Infinity : PGmaxNew;
    PGminOld = PGminNew >= 0 ? -Infinity : PGminNew;
  }
  void PGminOld; // only consulted at the upper bound, which the squared hinge never reaches
  return { nIter: iter, alpha };
}

/**
 * The dual objective `½αᵀ(Q + D)α − eᵀα` evaluated as LIBLINEAR logs it,
 * `½(‖w‖² + Σ α_i(α_i D_ii − 2))`, from a solution's `w` and `alpha`.
 */
export function dualObjective(prob: LinearProblem, w: Float64Array, alpha: Float64Array): number {
  let v = 0;
  for (let j = 0; j < w.length; j++) v += w[j] * w[j];
  for (let k = 0; k < alpha.length; k++) {
    const D = 0.5 / (prob.y[k] > 0 ? prob.Cp : prob.Cn);
    v += alpha[k] * (alpha[k] * D - 2);
  }
  return v / 2;
}

/**
 * The primal objective `½‖w‖² + Σ C_i max(0, 1 − y_i wᵀx_i)²` (bias weight included in
 * `‖w‖²` and in the margins when `bias > 0`).
 */
export function l2PrimalObjective(prob: LinearProblem, w: Float64Array): number {
  let v = 0;
  for (let j = 0; j < w.length; j++) v += w[j] * w[j];
  return v / 2 + squaredHingeLoss(prob, w);
}

/** `Σ C_i max(0, 1 − y_i wᵀx_i)²` over the problem's positions. */
export function squaredHingeLoss(prob: LinearProblem, w: Float64Array): number {
  const { X, rows, y, bias } = prob;
  let loss = 0;
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k];
    let m = 0;
    for (let p = X.indptr[r], e = X.indptr[r + 1]; p < e; p++) m += w[X.indices[p]] * X.data[p];
    if (bias > 0) m += w[X.cols] * bias;
    const slack = 1 - y[k] * m;
    if (slack > 0) loss += (y[k] > 0 ? prob.Cp : prob.Cn) * slack * slack;
  }
  return loss;
}
