/**
 * Platt scaling: P(malicious | score) = 1 / (1 + exp(a·score + b)), fitted as
 * scikit-learn 1.2.1's `_sigmoid_calibration` defines it (`calibration.py`):
 *
 * - targets are Platt's smoothed labels: t = (N₊ + 1) / (N₊ + 2) for malicious rows and
 *   t = 1 / (N₋ + 2) for benign ones;
 * - (a, b) minimise the cross-entropy −Σ [t·ln P + (1 − t)·ln(1 − P)], starting from
 *   a = 0, b = ln((N₋ + 1) / (N₊ + 1)).
 *
 * scikit-learn minimises with scipy's BFGS (stopping at gradient norm 1e-5); we use
 * Newton's method with backtracking line search on the same convex objective, in the
 * overflow-safe form of Lin, Lin & Weng (2007), "A note on Platt's probabilistic outputs
 * for support vector machines", and run it to a gradient of ~1e-10 — the same optimum,
 * reached more tightly (parameters agree with scikit-learn's to about 1e-5).
 *
 * @packageDocumentation
 */
import { CalibrationError } from './errors.js';

/** Serialisable state of a {@link PlattCalibrator}. */
export interface PlattState {
  readonly a: number;
  readonly b: number;
}

/** A fitted (or fittable) Platt scaler of one member's decision values. */
export class PlattCalibrator {
  /** Slope: negative when larger scores mean malicious. */
  a = 0;
  /** Offset. */
  b = 0;
  /** Newton iterations of the last fit. */
  iterations = 0;

  /**
   * Fits on out-of-fold decision values and their labels (0 benign / 1 malicious).
   * @throws CalibrationError for mismatched lengths, non-finite scores or labels not 0/1.
   */
  fit(scores: ArrayLike<number>, y: ArrayLike<number>): this {
    const n = scores.length;
    if (y.length !== n) throw new CalibrationError(`${n} scores but ${y.length} labels`);
    if (n === 0) throw new CalibrationError('no scores to fit on');
    let pos = 0;
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(scores[i])) throw new CalibrationError(`score ${scores[i]} at row ${i} is not finite`);
      if (y[i] === 1) pos++;
      else if (y[i] !== 0) throw new CalibrationError(`label ${y[i]} at row ${i}: expected 0 or 1`);
    }
    const neg = n - pos;
    const tPos = (pos + 1) / (pos + 2);
    const tNeg = 1 / (neg + 2);
    const t = new Float64Array(n);
    for (let i = 0; i < n; i++) t[i] = y[i] === 1 ? tPos : tNeg;
    let a = 0;
    let b = Math.log((neg + 1) / (pos + 1));
    let f = objective(scores, t, a, b);
    let it = 0;
    for (; it < 200; it++) {
      // Gradient and Hessian of the objective (Lin et al.'s p = P(malicious)).
      let h11 = 1e-12;
      let h22 = 1e-12;
      let h21 = 0;
      let g1 = 0;
      let g2 = 0;
      for (let i = 0; i < n; i++) {
        const s = scores[i];
        const z = s * a + b;
        let p: number;
        let q: number;
        if (z >= 0) {
          const e = Math.exp(-z);
          p = e / (1 + e);
          q = 1 / (1 + e);
        } else {
          const e = Math.exp(z);
          p = 1 / (1 + e);
          q = e / (1 + e);
        }
        const d2 = p * q;
        h11 += s * s * d2;
        h22 += d2;
        h21 += s * d2;
        const d1 = t[i] - p;
        g1 += s * d1;
        g2 += d1;
      }
      if (Math.abs(g1) < 1e-10 && Math.abs(g2) < 1e-10) break;
      const det = h11 * h22 - h21 * h21;
      const da = -(h22 * g1 - h21 * g2) / det;
      const db = -(-h21 * g1 + h11 * g2) / det;
      const gd = g1 * da + g2 * db;
      let step = 1;
      let accepted = false;
      while (step >= 1e-10) {
        const na = a + step * da;
        const nb = b + step * db;
        const nf = objective(scores, t, na, nb);
        if (nf < f + 1e-4 * step * gd) {
          a = na;
          b = nb;
          f = nf;
          accepted = true;
          break;
        }
        step /= 2;
      }
      if (!accepted) break; // no further decrease representable: at the optimum to rounding
    }
    this.a = a;
    this.b = b;
    this.iterations = it;
    return this;
  }

  /** P(malicious) for a decision value. */
  probability(score: number): number {
    const z = this.a * score + this.b;
    // 1 / (1 + e^z) without overflow for large |z|.
    if (z >= 0) {
      const e = Math.exp(-z);
      return e / (1 + e);
    }
    return 1 / (1 + Math.exp(z));
  }

  /** `{ a, b }`. */
  state(): PlattState {
    return { a: this.a, b: this.b };
  }

  /** Restores a scaler from {@link state}. */
  static fromState(state: PlattState): PlattCalibrator {
    if (!Number.isFinite(state?.a) || !Number.isFinite(state?.b)) throw new CalibrationError('state needs finite a and b');
    const c = new PlattCalibrator();
    c.a = state.a;
    c.b = state.b;
    return c;
  }
}

/** −Σ [t·ln P + (1 − t)·ln(1 − P)] with P = 1 / (1 + e^(a·s + b)), overflow-safe. */
function objective(scores: ArrayLike<number>, t: Float64Array, a: number, b: number): number {
  let f = 0;
  for (let i = 0; i < t.length; i++) {
    const z = scores[i] * a + b;
    f += z >= 0 ? t[i] * z + Math.log1p(Math.exp(-z)) : (t[i] - 1) * z + Math.log1p(Math.exp(z));
  }
  return f;
}
