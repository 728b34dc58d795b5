import { describe, expect, it } from 'vitest';
import { rowDot, selectColumns, selectRows, type Csr } from './csr.js';

const m: Csr = {
  rows: 3,
  cols: 4,
  indptr: Int32Array.from([0, 2, 2, 5]),
  indices: Int32Array.from([0, 3, 1, 2, 3]),
  data: Float64Array.from([1, 2, 3, 4, 5]),
};

describe('csr', () => {
  it('selects rows in the order given', () => {
    const s = selectRows(m, [2, 0]);
    expect(Array.from(s.indptr)).toEqual([0, 3, 5]);
    expect(Array.from(s.indices)).toEqual([1, 2, 3, 0, 3]);
    expect(Array.from(s.data)).toEqual([3, 4, 5, 1, 2]);
  });
  it('keeps and renumbers columns without rescaling', () => {
    const s = selectColumns(m, [1, 3]);
    expect(s.cols).toBe(2);
    expect(Array.from(s.indptr)).toEqual([0, 1, 1, 3]);
    expect(Array.from(s.indices)).toEqual([1, 0, 1]);
    expect(Array.from(s.data)).toEqual([2, 3, 5]);
  });
  it('dots a row with a dense vector', () => {
    expect(rowDot(m, 2, [10, 100, 1000, 10000])).toBe(300 + 4000 + 50000);
    expect(rowDot(m, 1, [1, 1, 1, 1])).toBe(0);
  });
});
