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
import { NgramIndex } from './ngram-index.js';
import type { GramArray } from './ngram-index.js';
import type { FittedTfidf, NgramCounts, TfidfVectorizer } from './vectorizer.js';
import { collectNames, fitFromCounts } from './vectorizer.js';
import { VocabularyCounter } from './vocabulary-count.js';

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

/**
 * Counts part `p` of the n-grams of every document, on the shared ids, keeping the n-grams of
 * that part only. The parts are disjoint, so no n-gram is stored twice whatever thread counts
 * which part.
 */
export function countPart(data: CountNgramsData, p: number): CountNgramsPart {
  const { ids, offsets, lo, hi, parts } = data;
  const nDocs = offsets.length - 1;
  const counter = new VocabularyCounter(data.nNames, 1 << 15);
  const rowEnd = new Int32Array(nDocs);
  for (let d = 0; d < nDocs; d++) rowEnd[d] = counter.add(ids, offsets[d], offsets[d + 1] - offsets[d], lo, hi, parts, p);
  const { index } = counter;
  const V = index.size;
  const meta = index.meta;
  const lengths = new Int32Array(V);
  let used = 0;
  for (let f = 0; f < V; f++) used += lengths[f] = meta[2 * f + 1];
  const { df, total, cols, vals } = counter.result();
  // Copies, not views of the counter's storage: the part is posted to the calling thread.
  return { size: V, grams: index.grams.slice(0, used), lengths, df, total, rowEnd, cols: cols.slice(), vals: vals.slice() };
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
  return fitFromCounts(o, names, counts, nDocs);
}
