/**
 * Compressed sparse row (CSR) matrices on typed arrays: the one matrix type of the
 * library. Row `i` holds the column indices `indices[indptr[i] .. indptr[i+1])` (sorted
 * ascending, no duplicates) with their values in `data` at the same positions.
 */

/** A read-only CSR matrix of float64 values. */
export interface Csr {
  readonly rows: number;
  readonly cols: number;
  /** Length `rows + 1`; `indptr[0] = 0`, `indptr[rows] = nnz`. */
  readonly indptr: Int32Array;
  /** Column of each stored value, ascending within a row. */
  readonly indices: Int32Array;
  /** The stored values. */
  readonly data: Float64Array;
}

/** Number of stored values. */
export function nnz(m: Csr): number {
  return m.indptr[m.rows];
}

/** Selects rows (in the given order) into a new matrix. */
export function selectRows(m: Csr, rows: ArrayLike<number>): Csr {
  let total = 0;
  for (let k = 0; k < rows.length; k++) total += m.indptr[rows[k] + 1] - m.indptr[rows[k]];
  const indptr = new Int32Array(rows.length + 1);
  const indices = new Int32Array(total);
  const data = new Float64Array(total);
  let p = 0;
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k];
    const a = m.indptr[r];
    const b = m.indptr[r + 1];
    indices.set(m.indices.subarray(a, b), p);
    data.set(m.data.subarray(a, b), p);
    p += b - a;
    indptr[k + 1] = p;
  }
  return { rows: rows.length, cols: m.cols, indptr, indices, data };
}

/**
 * Keeps only the given columns (ascending, distinct), renumbered `0..keep.length-1`.
 * Values are not rescaled (scikit-learn's SelectFromModel does not renormalise rows).
 */
export function selectColumns(m: Csr, keep: ArrayLike<number>): Csr {
  const map = new Int32Array(m.cols).fill(-1);
  for (let k = 0; k < keep.length; k++) map[keep[k]] = k;
  const indptr = new Int32Array(m.rows + 1);
  let total = 0;
  for (let p = 0; p < m.indptr[m.rows]; p++) if (map[m.indices[p]] >= 0) total++;
  const indices = new Int32Array(total);
  const data = new Float64Array(total);
  let q = 0;
  for (let r = 0; r < m.rows; r++) {
    for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) {
      const c = map[m.indices[p]];
      if (c >= 0) {
        indices[q] = c;
        data[q] = m.data[p];
        q++;
      }
    }
    indptr[r + 1] = q;
  }
  return { rows: m.rows, cols: keep.length, indptr, indices, data };
}

/** Dot product of row `r` of `m` with a dense vector `w` (length >= m.cols). */
export function rowDot(m: Csr, r: number, w: ArrayLike<number>): number {
  let s = 0;
  for (let p = m.indptr[r], e = m.indptr[r + 1]; p < e; p++) s += m.data[p] * w[m.indices[p]];
  return s;
}
