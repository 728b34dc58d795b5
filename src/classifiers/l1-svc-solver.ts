/**
 * LIBLINEAR's primal coordinate-descent Newton solver for the L1-regularised squared-hinge
 * SVM (solver 5, `L1R_L2LOSS_SVC`; Yuan et al., JMLR 2010), as scikit-learn 1.2 runs it for
 * `LinearSVC(penalty='l1', dual=False)`. Written from `maths-reference.md` §4.2.
 *
 * Problem: `min_w ‖w‖₁ + Σ_i C_i max(0, 1 − y_i wᵀx_i)²`; the intercept is one more
 * feature of constant value `bias`, penalised like the others.
 *
 * The matrix is transposed once to columns (CSC) holding `y_i x_ij`; each outer iteration
 * visits the active features in a random order, takes a one-variable Newton step with a
 * backtracking line search (σ = 0.01, at most 20 halvings), and shrinks features whose
 * zero weight is comfortably optimal. It stops when the L1 norm of the minimum-norm
 * subgradient falls below `eps` times its first value, on the full feature set.
 *
 * @packageDocumentation
 */
import type { Mt19937 } from './rng.js';
import { shufflePrefix } from './rng.js';
import type { LinearProblem } from './linear-svc-dual.js';
import { squaredHingeLoss } from './linear-svc-dual.js';

/** Result of {@link solveL1rL2Svc}. */
export interface L1Solution {
  /** Outer iterations run. */
  nIter: number;
  /** Primal objective at the solution: `‖w‖₁ + Σ C_i max(0, b_i)²` (bias weight included). */
  objective: number;
}

/**
 * Column-major copy of a problem's rows with values `y_i x_ij`, the bias as the last
 * column, laid out for random column access: column `j` is one contiguous block
 * `block[start[j] .. start[j+1])` = `[w_j, xjSq_j, end_j, pos_0, val_0, pos_1, val_1, ...]`,
 * with `end_j = start[j+1]` and `pos` the training position (not the row of X), ascending.
 * The solver shuffles block offsets rather than column numbers, so visiting a column
 * touches one block of memory, instead of five scattered arrays.
 */
/** Doubles before a column's entries: `w_j`, `xjSq_j`, `end_j`. */
const HEADER = 3;

/** Columns' `Σ C_i |x_ij|` is coded in units of `CODE_SCALE / 2^CODE_BITS`, rounded up. */
const CODE_SCALE = 4;
const CODE_BITS = 20;
/** Fraction meaning "no bound stored" (the sum was `>= CODE_SCALE`). */
const CODE_UNBOUNDED = 1 - 2 ** -CODE_BITS;
/** Relative and absolute slack that keeps the bound conservative under rounding. */
const BOUND_SLACK = 1e-9;

/**
 * A column's code in the shuffled index: `±(offset + 1 + f)`, with `offset` the start of
 * its block, `f ∈ [0, 1)` an upper bound of `Σ_i C_i |x_ij|` divided by `CODE_SCALE`
 * (rounded up to `CODE_BITS` bits, exact in a double), and the sign negative once the
 * column's weight is non-zero. Decoding: `offset = floor(|code|) − 1`.
 */
function columnCode(offset: number, absSum: number): number {
  const units = Math.ceil((absSum / CODE_SCALE) * 2 ** CODE_BITS);
  const f = units >= 2 ** CODE_BITS ? CODE_UNBOUNDED : units / 2 ** CODE_BITS;
  return offset + 1 + f;
}

interface ColumnBlocks {
  start: Int32Array;
  block: Float64Array;
}

function columnBlocks(prob: LinearProblem): ColumnBlocks {
  const { X, rows, y, bias } = prob;
  const { indptr, indices, data } = X;
  const n = X.cols;
  const cols = bias > 0 ? n + 1 : n;
  const l = rows.length;
  const start = new Int32Array(cols + 1);
  for (let k = 0; k < l; k++) {
    const r = rows[k];
    for (let p = indptr[r], e = indptr[r + 1]; p < e; p++) start[indices[p] + 1] += 2;
  }
  if (bias > 0) start[n + 1] = 2 * l;
  for (let j = 0; j < cols; j++) start[j + 1] += start[j] + HEADER;
  const block = new Float64Array(start[cols]);
  const next = new Int32Array(cols);
  for (let j = 0; j < cols; j++) {
    next[j] = start[j] + HEADER;
    block[start[j] + 2] = start[j + 1];
  }
  for (let k = 0; k < l; k++) {
    const r = rows[k];
    const yk = y[k];
    for (let p = indptr[r], e = indptr[r + 1]; p < e; p++) {
      const q = next[indices[p]];
      next[indices[p]] = q + 2;
      block[q] = k;
      block[q + 1] = yk * data[p];
    }
    if (bias > 0) {
      const q = next[n];
      next[n] = q + 2;
      block[q] = k;
      block[q + 1] = yk * bias;
    }
  }
  return { start, block };
}

/**
 * Primal tolerance LIBLINEAR derives from `tol` for the L1 solvers:
 * `tol · max(min(pos, neg), 1) / l`.
 */
export function l1PrimalTolerance(tol: number, positives: number, negatives: number): number {
  return (tol * Math.max(Math.min(positives, negatives), 1)) / (positives + negatives);
}

const SIGMA = 0.01;
const MAX_LINE_SEARCH = 20;

/**
 * Solves the L1-regularised squared-hinge problem and writes the weights into `w`
 * (length `X.cols`, plus one for the bias weight when `bias > 0`).
 *
 * @param eps the primal tolerance (see {@link l1PrimalTolerance}).
 */
export function solveL1rL2Svc(prob: LinearProblem, w: Float64Array, eps: number, maxIter: number, rng: Mt19937): L1Solution {
  const { start, block } = columnBlocks(prob);
  const l = prob.rows.length;
  const wSize = start.length - 1;
  const Cpos = new Float64Array(l);
  for (let k = 0; k < l; k++) Cpos[k] = prob.y[k] > 0 ? prob.Cp : prob.Cn;
  const b = new Float64Array(l).fill(1);
  // `index` holds one code per column: its block offset, a bound on its gradient and whether
  // its weight is non-zero (see `columnCode`). Shuffling codes instead of column numbers
  // visits the columns in the same order: the draws depend only on the active size.
  const index = new Float64Array(wSize);
  for (let j = 0; j < wSize; j++) {
    const h = start[j];
    let s = 0;
    let abs = 0;
    for (let p = h + HEADER, e = start[j + 1]; p < e; p += 2) {
      s += Cpos[block[p]] * block[p + 1] * block[p + 1];
      abs += Cpos[block[p]] * Math.abs(block[p + 1]);
    }
    block[h] = 0; // w_j
    block[h + 1] = s; // xjSq_j = Σ C_i x_ij²
    index[j] = columnCode(h, abs);
  }

  let activeSize = wSize;
  let GmaxOld = Infinity;
  let Gnorm1Init = -1;
  let iter = 0;
  while (iter < maxIter) {
    let GmaxNew = 0;
    let Gnorm1New = 0;
    shufflePrefix(rng, index, activeSize);
    // bMax >= max_i b_i⁺ throughout the sweep (raised after every step)
    let bMax = 0;
    for (let k = 0; k < l; k++) if (b[k] > bMax) bMax = b[k];
    const shrinkAt = GmaxOld / l;
    for (let s = 0; s < activeSize; s++) {
      const code = index[s];
      const hp1 = Math.floor(Math.abs(code));
      if (code > 0) {
        // w_j = 0: decide from the bound |G| <= 2 Σ C_i |x_ij| b_i⁺ <= gBound when it is
        // conclusive, without reading the column (most columns, most sweeps)
        const frac = code - hp1;
        if (frac < CODE_UNBOUNDED) {
          const gBound = 2 * bMax * frac * CODE_SCALE * (1 + BOUND_SLACK);
          if (gBound < 1 - BOUND_SLACK) {
            // |G| < 1: no violation and a zero Newton step; shrunk iff |G| < 1 − GmaxOld/l
            if (shrinkAt >= 1) continue;
            if (shrinkAt < 1 - gBound - BOUND_SLACK) {
              activeSize--;
              index[s] = index[activeSize];
              index[activeSize] = code;
              s--;
              continue;
            }
          }
        }
      }
      const h = hp1 - 1;
      const a = h + HEADER;
      const e = block[h + 2];
      let Gloss = 0;
      let H = 0;
      for (let p = a; p < e; p += 2) {
        const k = block[p];
        if (b[k] > 0) {
          const v = block[p + 1];
          const tmp = Cpos[k] * v;
          Gloss -= tmp * b[k];
          H += tmp * v;
        }
      }
      Gloss *= 2;
      const G = Gloss;
      H *= 2;
      H = Math.max(H, 1e-12);
      const Gp = G + 1;
      const Gn = G - 1;
      const wj = block[h];
      let violation = 0;
      if (wj === 0) {
        if (Gp < 0) violation = -Gp;
        else if (Gn > 0) violation = Gn;
        else if (Gp > GmaxOld / l && Gn < -GmaxOld / l) {
          activeSize--;
          index[s] = index[activeSize];
          index[activeSize] = code;
          s--;
          continue;
        }
      } else if (wj > 0) {
        violation = Math.abs(Gp);
      } else {
        violation = Math.abs(Gn);
      }
      if (violation > GmaxNew) GmaxNew = violation;
      Gnorm1New += violation;

      let d: number;
      if (Gp < H * wj) d = -Gp / H;
      else if (Gn > H * wj) d = -Gn / H;
      else d = -wj;
      if (Math.abs(d) < 1e-12) continue;

      const xjSq = block[h + 1];
      let delta = Math.abs(wj + d) - Math.abs(wj) + G * d;
      let dOld = 0;
      let lossOld = 0;
      let tries = 0;
      for (; tries < MAX_LINE_SEARCH; tries++) {
        const dDiff = dOld - d;
        let cond = Math.abs(wj + d) - Math.abs(wj) - SIGMA * delta;
        const appxcond = xjSq * d * d + Gloss * d + cond;
        if (appxcond <= 0) {
          for (let p = a; p < e; p += 2) b[block[p]] += dDiff * block[p + 1];
          break;
        }
        let lossNew = 0;
        if (tries === 0) {
          lossOld = 0;
          for (let p = a; p < e; p += 2) {
            const k = block[p];
            if (b[k] > 0) lossOld += Cpos[k] * b[k] * b[k];
            const bNew = b[k] + dDiff * block[p + 1];
            b[k] = bNew;
            if (bNew > 0) lossNew += Cpos[k] * bNew * bNew;
          }
        } else {
          for (let p = a; p < e; p += 2) {
            const k = block[p];
            const bNew = b[k] + dDiff * block[p + 1];
            b[k] = bNew;
            if (bNew > 0) lossNew += Cpos[k] * bNew * bNew;
          }
        }
        cond = cond + lossNew - lossOld;
        if (cond <= 0) break;
        dOld = d;
        d *= 0.5;
        delta *= 0.5;
      }
      block[h] = wj + d;
      index[s] = block[h] === 0 ? Math.abs(code) : -Math.abs(code);
      if (tries >= MAX_LINE_SEARCH) {
        recomputeSlack(b, start, block);
        for (let k = 0; k < l; k++) if (b[k] > bMax) bMax = b[k];
      } else {
        for (let p = a; p < e; p += 2) if (b[block[p]] > bMax) bMax = b[block[p]];
      }
    }
    if (iter === 0) Gnorm1Init = Gnorm1New;
    iter++;
    if (Gnorm1New <= eps * Gnorm1Init) {
      if (activeSize === wSize) break;
      activeSize = wSize;
      GmaxOld = Infinity;
      continue;
    }
    GmaxOld = GmaxNew;
  }

  let objective = 0;
  for (let j = 0; j < wSize; j++) {
    w[j] = block[start[j]];
    objective += Math.abs(w[j]);
  }
  for (let k = 0; k < l; k++) if (b[k] > 0) objective += Cpos[k] * b[k] * b[k];
  return { nIter: iter, objective };
}

/** `b_i = 1 − y_i wᵀx_i` from scratch (after a failed line search). */
function recomputeSlack(b: Float64Array, start: Int32Array, block: Float64Array): void {
  b.fill(1);
  for (let j = 0; j + 1 < start.length; j++) {
    const h = start[j];
    const wj = block[h];
    if (wj === 0) continue;
    for (let p = h + HEADER, e = start[j + 1]; p < e; p += 2) b[block[p]] -= wj * block[p + 1];
  }
}

/**
 * The L1 primal objective `‖w‖₁ + Σ C_i max(0, 1 − y_i wᵀx_i)²` of any `w` (bias weight
 * included when `bias > 0`), computed from the rows.
 */
export function l1PrimalObjective(prob: LinearProblem, w: Float64Array): number {
  let v = 0;
  for (let j = 0; j < w.length; j++) v += Math.abs(w[j]);
  return v + squaredHingeLoss(prob, w);
}
