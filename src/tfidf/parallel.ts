/**
 * The TF-IDF fit with the n-gram count on several threads: the n-grams are dealt into parts
 * by their hash, and each thread (the calling one too) counts the parts it claims over every
 * document into an exact n-gram dictionary of that part. The parts are disjoint, so no
 * n-gram is stored twice (the fit's memory is that of one thread, plus the shared call ids)
 * and the merge is a concatenation: features numbered part by part, each document's row the
 * parts' rows joined. The fit then finishes with the code of
 * {@link TfidfVectorizer.fitTransform}: columns are sorted by feature, so the vocabulary, the
 * idf values and every row are those of the single-thread fit, bit for bit, whichever thread
 * counted which part.
 *
 * @packageDocumentation
 */
import type { CallTable } from '../tokenize/call-table.js';
import type { JobRun, ThreadGroup } from '../threads.js';
import type { Csr } from './csr.js';
import { EmptyVocabularyError } from './errors.js';
import { NGRAM_BASE, NgramIndex, basePower, mixHash } from './ngram-index.js';
import type { GramArray } from './ngram-index.js';
import type { FittedTfidf, NgramCounts, TfidfVectorizer } from './vectorizer.js';
import {
  FittedTfidf as Fitted,
  collectNames,
  countNegative,
  idfOf,
  pruneFeatures,
  remapRows,
  sortFeatures,
  weighRow,
} from './vectorizer.js';

/** Data of the `count-ngrams` job: every document's name ids back to back (shared memory). */
export interface CountNgramsData {
  /** Canonical name ids of all documents, back to back (in a `SharedArrayBuffer`). */
  readonly ids: Int32Array;
  /** Document d is `ids[offsets[d] .. offsets[d+1])` (in a `SharedArrayBuffer`). */
  readonly offsets: Int32Array;
  readonly nNames: number;
  readonly lo: number;
  readonly hi: number;
  /** Number of parts the n-grams are dealt into (by their hash); item p counts part p. */
  readonly parts: number;
}

/** The count of one part of the n-grams over every document (feature numbers its own). */
export interface CountNgramsPart {
  readonly size: number;
  /** The features' ids back to back (in the index's storage type: 8 or 16 bits for few names), and each one's length. */
  readonly grams: GramArray;
  readonly lengths: Int32Array;
  readonly df: Int32Array;
  readonly total: Int32Array;
  /** Document d's values are `cols/vals[rowEnd[d-1] .. rowEnd[d])`. */
  readonly rowEnd: Int32Array;
  readonly cols: Int32Array;
  readonly vals: Int32Array;
}

/** The part of the n-grams an n-gram of mixed hash `mixed` is counted in (high bits: the index's slots use the low ones). */
function partOf(mixed: number, parts: number): number {
  return (mixed >>> 20) % parts;
}

/**
 * Counts part `p` of the n-grams of every document: the loop of `countNgrams` in
 * `vectorizer.ts`, on the shared ids, keeping the n-grams of that part only. The parts are
 * disjoint, so no n-gram is stored twice whatever thread counts which part.
 */
export function countPart(data: CountNgramsData, p: number): CountNgramsPart {
  const { ids, offsets, lo, hi, parts } = data;
  const nDocs = offsets.length - 1;
  const index = new NgramIndex(data.nNames, 1 << 15);
  let stats: Int32Array = new Int32Array(4 << 15);
  let cols: Int32Array = new Int32Array(1 << 15);
  let vals: Int32Array = new Int32Array(1 << 15);
  const rowEnd = new Int32Array(nDocs);
  let nnz = 0;
  for (let d = 0; d < nDocs; d++) {
    const a = offsets[d];
    const L = offsets[d + 1] - a;
    const mark = d + 1;
    for (let n = lo; n <= hi && n <= L; n++) {
      const bn = basePower(n);
      let h = 0;
      for (let i = 0; i < L; i++) {
        h = (Math.imul(h, NGRAM_BASE) + ids[a + i]) | 0;
        if (i >= n) h = (h - Math.imul(ids[a + i - n], bn)) | 0;
        if (i < n - 1) continue;
        const mixed = mixHash(h, n);
        if (partOf(mixed, parts) !== p) continue;
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
    rowEnd[d] = nnz;
  }
  const V = index.size;
  const meta = index.meta;
  const lengths = new Int32Array(V);
  let used = 0;
  for (let f = 0; f < V; f++) used += lengths[f] = meta[2 * f + 1];
  const df = new Int32Array(V);
  const total = new Int32Array(V);
  for (let f = 0; f < V; f++) {
    df[f] = stats[f << 2];
    total[f] = stats[(f << 2) + 1];
  }
  return {
    size: V,
    grams: index.grams.slice(0, used),
    lengths,
    df,
    total,
    rowEnd,
    cols: cols.slice(0, nnz),
    vals: vals.slice(0, nnz),
  };
}

/** The `count-ngrams` job on one thread: item p counts part p. */
export function countNgramsJob(data: CountNgramsData): JobRun<CountNgramsPart, null> {
  return { item: (p) => countPart(data, p) };
}

/** One count from the parts: features numbered part by part, each document's row the parts' rows joined. */
function mergeParts(parts: readonly CountNgramsPart[], nNames: number, nDocs: number): NgramCounts | null {
  let V = 0;
  let idsTotal = 0;
  let nnz = 0;
  const base: number[] = [];
  for (const p of parts) {
    base.push(V);
    V += p.size;
    idsTotal += p.grams.length;
    nnz += p.cols.length;
  }
  if (V === 0) return null;
  // The parts' storage type (the same for all: the same names), so fromFlat adopts the array.
  const grams = new (parts[0].grams.constructor as new (n: number) => GramArray)(idsTotal);
  const lengths = new Int32Array(V);
  const df = new Int32Array(V);
  const total = new Int32Array(V);
  for (let k = 0, g = 0; k < parts.length; k++) {
    const p = parts[k];
    grams.set(p.grams, g);
    g += p.grams.length;
    lengths.set(p.lengths, base[k]);
    df.set(p.df, base[k]);
    total.set(p.total, base[k]);
  }
  const index = NgramIndex.fromFlat(nNames, grams, lengths);
  if (typeof index === 'string') throw new Error(`internal error: the merged n-gram parts ${index}`);
  const indptr = new Int32Array(nDocs + 1);
  const cols = new Int32Array(nnz);
  const vals = new Int32Array(nnz);
  let q = 0;
  for (let d = 0; d < nDocs; d++) {
    for (let k = 0; k < parts.length; k++) {
      const p = parts[k];
      const from = d === 0 ? 0 : p.rowEnd[d - 1];
      const to = p.rowEnd[d];
      const b = base[k];
      vals.set(p.vals.subarray(from, to), q);
      for (let c = from; c < to; c++) cols[q++] = b + p.cols[c];
    }
    indptr[d + 1] = q;
  }
  return { index, df, total, indptr, cols, vals };
}

/**
 * {@link TfidfVectorizer.fitTransform} with the n-gram count shared by the threads of
 * `group` (whose script serves the `count-ngrams` job) and the calling thread: the same
 * vocabulary, idf and matrix, the same errors.
 */
export async function fitTransformOnThreads(
  vectorizer: TfidfVectorizer,
  docs: readonly Int32Array[],
  table: CallTable,
  group: ThreadGroup,
): Promise<{ tfidf: FittedTfidf; X: Csr }> {
  const o = vectorizer.options;
  const [lo, hi] = o.ngramRange;
  const { names, map } = collectNames(docs, table, o.lowercase, vectorizer.tokenRule);
  const nDocs = docs.length;
  let length = 0;
  for (const d of docs) length += d.length;
  const offsets = new Int32Array(new SharedArrayBuffer(4 * (nDocs + 1)));
  const ids = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, length)));
  for (let d = 0, p = 0; d < nDocs; d++) {
    const doc = docs[d];
    for (let i = 0; i < doc.length; i++) ids[p + i] = map[doc[i]];
    p += doc.length;
    offsets[d + 1] = p;
  }
  // Two parts per thread: a thread that starts late still takes its share.
  const parts = 2 * (group.size + 1);
  const data: CountNgramsData = { ids, offsets, nNames: names.length, lo, hi, parts };
  const res = await group.run('count-ngrams', data, parts, countNgramsJob(data));
  const counts = mergeParts(res.items, names.length, nDocs);
  // From here on, as TfidfVectorizer.fitTransform.
  if (counts === null) {
    throw new EmptyVocabularyError(`empty vocabulary: no document has ${lo} or more calls, so there is no ${lo}-gram to learn`);
  }
  const { index } = counts;
  const order = sortFeatures(index, names.length, hi);
  const newId = pruneFeatures(o, order, counts.df, counts.total, nDocs);
  const V = index.size - countNegative(newId);
  if (V === 0) {
    throw new EmptyVocabularyError('After pruning, no terms remain. Try a lower minDf or a higher maxDf.');
  }
  const final = index.subset(order, newId, V);
  const idf = new Float64Array(V);
  for (let f = 0; f < index.size; f++) if (newId[f] >= 0) idf[newId[f]] = idfOf(counts.df[f], nDocs, o.smoothIdf);
  const tfidf = new Fitted(o, names, final, idf);
  const X = remapRows(counts, newId, V);
  for (let r = 0; r < X.rows; r++) weighRow(X.indices, X.data, X.indptr[r], X.indptr[r + 1], idf, o);
  return { tfidf, X };
}

function grow(a: Int32Array, cap: number): Int32Array {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}
