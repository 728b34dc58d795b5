/**
 * The fit's count: the n-grams of the training documents into an exact n-gram dictionary (the
 * vocabulary before sorting and pruning), in one pass: each
 * feature's document frequency and total count, and each document's row of counts (features
 * numbered as first seen). The single-thread fit (`vectorizer.ts`) counts every n-gram; each
 * thread of the threaded fit (`parallel.ts`) counts the n-grams of its parts only.
 *
 * @packageDocumentation
 */
import { NGRAM_BASE, NgramIndex, basePower, mixHash } from './ngram-index.js';

/** The part of the n-grams an n-gram of mixed hash `mixed` is counted in (high bits: the index's slots use the low ones). */
function partOf(mixed: number, parts: number): number {
  return (mixed >>> 20) % parts;
}

/**
 * The fit's n-gram count over documents added one by one (transforms count with the fitted
 * vectorizer's `NgramCounter`). Per feature f the counter keeps, side by
 * side (one cache line): `[4f]` df, `[4f+1]` total count, `[4f+2]` number + 1 of the last
 * document holding f, `[4f+3]` its position in `cols`/`vals`.
 */
export class VocabularyCounter {
  /** The n-grams seen, numbered as first seen. */
  readonly index: NgramIndex;
  private stats: Int32Array;
  private cols: Int32Array;
  private vals: Int32Array;
  private nnz = 0;
  private docs = 0;

  /** `nNames` names; room for `capacity` features and values to start with (it grows). */
  constructor(nNames: number, capacity: number) {
    this.index = new NgramIndex(nNames, capacity);
    this.stats = new Int32Array(4 * capacity);
    this.cols = new Int32Array(capacity);
    this.vals = new Int32Array(capacity);
  }

  /**
   * Counts the n-grams of lengths `lo..hi` of `ids[a .. a+length)` as the next document,
   * keeping only those of part `part` of `parts` (by {@link partOf}; `parts` 1: all), and
   * returns the end of its row in the values.
   */
  add(ids: Int32Array, a: number, length: number, lo: number, hi: number, parts = 1, part = 0): number {
    const index = this.index;
    let { stats, cols, vals, nnz } = this;
    const mark = ++this.docs;
    for (let n = lo; n <= hi && n <= length; n++) {
      const bn = basePower(n);
      let h = 0;
      for (let i = 0; i < length; i++) {
        h = (Math.imul(h, NGRAM_BASE) + ids[a + i]) | 0;
        if (i >= n) h = (h - Math.imul(ids[a + i - n], bn)) | 0;
        if (i < n - 1) continue;
        const mixed = mixHash(h, n);
        if (parts !== 1 && partOf(mixed, parts) !== part) continue;
        const f4 = index.insert(ids, a + i - n + 1, n, mixed) << 2;
        if (f4 >= stats.length) stats = grow(stats, stats.length * 2);
        stats[f4 + 1]++;
        if (stats[f4 + 2] === mark) {
          vals[stats[f4 + 3]]++;
          continue;
        }
        stats[f4 + 2] = mark;
        stats[f4]++;
        if (nnz === cols.length) {
          cols = grow(cols, nnz * 2);
          vals = grow(vals, nnz * 2);
        }
        stats[f4 + 3] = nnz;
        cols[nnz] = f4 >> 2;
        vals[nnz] = 1;
        nnz++;
      }
    }
    this.stats = stats;
    this.cols = cols;
    this.vals = vals;
    this.nnz = nnz;
    return nnz;
  }

  /**
   * The count so far: df and total per feature, and the values of the rows back to back
   * (feature per value in `cols`, count in `vals`): views of the counter's storage, no copy.
   */
  result(): { df: Int32Array; total: Int32Array; cols: Int32Array; vals: Int32Array } {
    const V = this.index.size;
    const stats = this.stats;
    const df = new Int32Array(V);
    const total = new Int32Array(V);
    for (let f = 0; f < V; f++) {
      df[f] = stats[f << 2];
      total[f] = stats[(f << 2) + 1];
    }
    return { df, total, cols: this.cols.subarray(0, this.nnz), vals: this.vals.subarray(0, this.nnz) };
  }
}

function grow(a: Int32Array, cap: number): Int32Array {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}
