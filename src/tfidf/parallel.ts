/**
 * The TF-IDF fit with the n-gram count on several threads: each thread (the calling one
 * too) counts the documents it claims into its own exact n-gram dictionary; the calling
 * thread then merges the dictionaries (document frequencies and totals are sums, each
 * document's row is its counting thread's, renumbered) and finishes the fit with the code
 * of {@link TfidfVectorizer.fitTransform}. Columns are sorted by feature, so the vocabulary,
 * the idf values and every row are those of the single-thread fit, bit for bit, whichever
 * thread counted which document.
 *
 * @packageDocumentation
 */
import type { CallTable } from '../tokenize/call-table.js';
import type { JobResult, JobRun, ThreadGroup } from '../threads.js';
import type { Csr } from './csr.js';
import { EmptyVocabularyError } from './errors.js';
import { NGRAM_BASE, NgramIndex, basePower, mixHash } from './ngram-index.js';
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
}

/** What a thread hands back: its dictionary, counts and rows (feature numbers its own). */
export interface CountNgramsEnd {
  readonly size: number;
  /** The features' ids back to back (as `Int32Array`), `meta` offsets and lengths, `hashes` mixed hashes. */
  readonly grams: Int32Array;
  readonly meta: Int32Array;
  readonly hashes: Int32Array;
  readonly df: Int32Array;
  readonly total: Int32Array;
  /** Row r is document `docs[r]`: `cols/vals[rowEnd[r-1] .. rowEnd[r])`. */
  readonly docs: Int32Array;
  readonly rowEnd: Int32Array;
  readonly cols: Int32Array;
  readonly vals: Int32Array;
}

/** One thread's count (the loop of `countNgrams` in `vectorizer.ts`, on shared ids). */
export class NgramTally {
  readonly index: NgramIndex;
  private stats: Int32Array = new Int32Array(4 << 16);
  private cols: Int32Array = new Int32Array(1 << 16);
  private vals: Int32Array = new Int32Array(1 << 16);
  private docs: Int32Array = new Int32Array(64);
  private rowEnd: Int32Array = new Int32Array(64);
  private rows = 0;
  private nnz = 0;

  constructor(private readonly data: CountNgramsData) {
    this.index = new NgramIndex(data.nNames, 1 << 16);
  }

  /** The job run of this tally. */
  job(): JobRun<null, CountNgramsEnd> {
    return { item: (d) => this.add(d), end: () => this.end() };
  }

  /** Counts document d. */
  add(d: number): null {
    const { ids, offsets, lo, hi } = this.data;
    const index = this.index;
    let stats = this.stats;
    let cols = this.cols;
    let vals = this.vals;
    let nnz = this.nnz;
    const a = offsets[d];
    const L = offsets[d + 1] - a;
    const mark = this.rows + 1;
    for (let n = lo; n <= hi && n <= L; n++) {
      const bn = basePower(n);
      let h = 0;
      for (let i = 0; i < L; i++) {
        h = (Math.imul(h, NGRAM_BASE) + ids[a + i]) | 0;
        if (i >= n) h = (h - Math.imul(ids[a + i - n], bn)) | 0;
        if (i < n - 1) continue;
        const f4 = index.insert(ids, a + i - n + 1, n, mixHash(h, n)) << 2;
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
    if (this.rows === this.docs.length) {
      this.docs = grow(this.docs, this.rows * 2);
      this.rowEnd = grow(this.rowEnd, this.rows * 2);
    }
    this.docs[this.rows] = d;
    this.rowEnd[this.rows] = nnz;
    this.rows++;
    this.stats = stats;
    this.cols = cols;
    this.vals = vals;
    this.nnz = nnz;
    return null;
  }

  /** The tally as plain arrays. */
  end(): CountNgramsEnd {
    const ix = this.index;
    const V = ix.size;
    const meta = ix.meta.slice(0, 2 * V);
    const used = V === 0 ? 0 : meta[2 * V - 2] + meta[2 * V - 1];
    const df = new Int32Array(V);
    const total = new Int32Array(V);
    for (let f = 0; f < V; f++) {
      df[f] = this.stats[f << 2];
      total[f] = this.stats[(f << 2) + 1];
    }
    return {
      size: V,
      grams: Int32Array.from(ix.grams.subarray(0, used)),
      meta,
      hashes: ix.hashes.slice(0, V),
      df,
      total,
      docs: this.docs.slice(0, this.rows),
      rowEnd: this.rowEnd.slice(0, this.rows),
      cols: this.cols.slice(0, this.nnz),
      vals: this.vals.slice(0, this.nnz),
    };
  }
}

/** The `count-ngrams` job on one thread. */
export function countNgramsJob(data: CountNgramsData): JobRun<null, CountNgramsEnd> {
  return new NgramTally(data).job();
}

/** One count from the threads' tallies: the calling thread's dictionary grows into the merged one. */
function mergeCounts(res: JobResult<null, CountNgramsEnd>, base: NgramTally, nDocs: number): NgramCounts {
  const index = base.index;
  const parts = res.ends.map((e) => e.value);
  const remaps: Int32Array[] = [];
  for (let t = 0; t < parts.length; t++) {
    const p = parts[t];
    if (t === 0) {
      remaps.push(new Int32Array(0)); // the base's own numbering
      continue;
    }
    const remap = new Int32Array(p.size);
    for (let f = 0; f < p.size; f++) remap[f] = index.insert(p.grams, p.meta[2 * f], p.meta[2 * f + 1], p.hashes[f]);
    remaps.push(remap);
  }
  const V = index.size;
  const df = new Int32Array(V);
  const total = new Int32Array(V);
  const owner = new Int32Array(nDocs);
  const row = new Int32Array(nDocs);
  let nnz = 0;
  parts.forEach((p, t) => {
    const remap = remaps[t];
    for (let f = 0; f < p.size; f++) {
      const g = t === 0 ? f : remap[f];
      df[g] += p.df[f];
      total[g] += p.total[f];
    }
    for (let r = 0; r < p.docs.length; r++) {
      owner[p.docs[r]] = t;
      row[p.docs[r]] = r;
    }
    nnz += p.cols.length;
  });
  const indptr = new Int32Array(nDocs + 1);
  const cols = new Int32Array(nnz);
  const vals = new Int32Array(nnz);
  let q = 0;
  for (let d = 0; d < nDocs; d++) {
    const t = owner[d];
    const p = parts[t];
    const r = row[d];
    const from = r === 0 ? 0 : p.rowEnd[r - 1];
    const to = p.rowEnd[r];
    if (t === 0) {
      cols.set(p.cols.subarray(from, to), q);
      q += to - from;
    } else {
      const remap = remaps[t];
      for (let k = from; k < to; k++) cols[q++] = remap[p.cols[k]];
    }
    vals.set(p.vals.subarray(from, to), q - (to - from));
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
  const data: CountNgramsData = { ids, offsets, nNames: names.length, lo, hi };
  const base = new NgramTally(data);
  const res = await group.run('count-ngrams', data, nDocs, base.job());
  const counts = mergeCounts(res, base, nDocs);
  // From here on, as TfidfVectorizer.fitTransform.
  const { index } = counts;
  if (index.size === 0) {
    throw new EmptyVocabularyError(`empty vocabulary: no document has ${lo} or more calls, so there is no ${lo}-gram to learn`);
  }
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
