/**
 * Small random sparse problems for property tests of the linear classifiers, and the
 * gradients their optimality conditions are checked with.
 */
import fc from 'fast-check';
import type { Csr } from '../../tfidf/csr.js';

/** A training set. */
export interface Problem {
  X: Csr;
  y: Uint8Array;
}

/** Builds a CSR matrix from dense rows (zeros dropped). */
export function csrFromDense(rows: readonly (readonly number[])[], cols: number): Csr {
  const indptr = new Int32Array(rows.length + 1);
  const indices: number[] = [];
  const data: number[] = [];
  rows.forEach((row, i) => {
    for (let j = 0; j < cols; j++) {
      if (row[j] !== 0) {
        indices.push(j);
        data.push(row[j]);
      }
    }
    indptr[i + 1] = indices.length;
  });
  return { rows: rows.length, cols, indptr, indices: Int32Array.from(indices), data: Float64Array.from(data) };
}

/** Random problems: 4–16 rows, 1–6 columns, ~60% dense, values in [−1, 1], both classes present. */
export const arbProblem: fc.Arbitrary<Problem> = fc
  .record({ rows: fc.integer({ min: 4, max: 16 }), cols: fc.integer({ min: 1, max: 6 }) })
  .chain(({ rows, cols }) =>
    fc.record({
      dense: fc.array(
        fc.array(fc.oneof(fc.constant(0), fc.double({ min: -1, max: 1, noNaN: true })), { minLength: cols, maxLength: cols }),
        { minLength: rows, maxLength: rows },
      ),
      labels: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: rows - 2, maxLength: rows - 2 }),
      cols: fc.constant(cols),
    }),
  )
  .map(({ dense, labels, cols }) => ({ X: csrFromDense(dense, cols), y: Uint8Array.from([0, 1, ...labels]) }));

/**
 * Gradient of the squared-hinge loss `Σ C max(0, 1 − y_i(w·x_i + B·w_b))²` with respect to
 * `[w, w_b]` (the last entry only when `bias > 0`).
 */
export function squaredHingeGradient(X: Csr, y: Uint8Array, w: Float64Array, wb: number, bias: number, C: number): Float64Array {
  const g = new Float64Array(X.cols + (bias > 0 ? 1 : 0));
  for (let i = 0; i < X.rows; i++) {
    const s = y[i] === 1 ? 1 : -1;
    let m = bias * wb;
    for (let p = X.indptr[i]; p < X.indptr[i + 1]; p++) m += w[X.indices[p]] * X.data[p];
    const slack = 1 - s * m;
    if (slack <= 0) continue;
    const f = -2 * C * slack * s;
    for (let p = X.indptr[i]; p < X.indptr[i + 1]; p++) g[X.indices[p]] += f * X.data[p];
    if (bias > 0) g[X.cols] += f * bias;
  }
  return g;
}
