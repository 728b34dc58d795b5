/**
 * Fitting the TF-IDF vectorizer in bounded memory: the documents are read in passes from
 * wherever they live (files, most often) and never held together, and the n-grams seen in
 * a single document are never stored when pruning drops them. The result is the same
 * vocabulary, idf and matrix as {@link TfidfVectorizer.fitTransform} of the same documents,
 * value for value.
 *
 * **With pruning by document frequency** (`minDf` an integer >= 2):
 * 1. *Candidates.* Each document's distinct n-grams are found exactly (a small table per
 *    document); each one not yet a candidate is tested against a blocked Bloom filter of
 *    the n-grams met so far, and becomes a candidate (stored exactly, in an
 *    {@link NgramIndex}) when the filter says it was met before. Every n-gram of two or more
 *    documents is met a second time, so it is a candidate; an n-gram of one document is one
 *    only through a false positive of the filter. Memory: the filter (a fixed number of
 *    bits) and the candidates, not the n-grams seen once (most of them).
 * 2. *Counts.* The documents are read again, each with its distinct n-grams as the first
 *    pass found them (a temporary file, {@link StreamingFitOptions.scratch}): each one that is
 *    a candidate gets its exact document frequency and total count, and the document's row
 *    its count.
 * 3. *The fit's own steps* ({@link sortFeatures}, {@link pruneFeatures}, idf,
 *    {@link weighRow}) on the candidates: the false positives are pruned by their exact
 *    document frequency, and the features kept, their column order, idf and rows are those
 *    of the in-memory fit.
 *
 * **Without it** (`minDf` 0, 1 or a fraction: any n-gram may be kept) there is nothing to
 * leave out: one pass counts every n-gram exactly (memory: the vocabulary and the rows,
 * still without the documents).
 *
 * The rows are kept as (feature, count) pairs in chunks of 2^20 and turned into the final
 * CSR matrix chunk by chunk, releasing each.
 *
 * @packageDocumentation
 */
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { CallTable } from '../tokenize/call-table.js';
import type { Csr } from './csr.js';
import { EmptyVocabularyError } from './errors.js';
import { NGRAM_BASE, NgramIndex, basePower, mixHash } from './ngram-index.js';
import type { TfidfOptions, TokenRule } from './vectorizer.js';
import { FittedTfidf, TfidfVectorizer, collectNames, countNegative, idfOf, pruneFeatures, sortFeatures, weighRow } from './vectorizer.js';

/**
 * Documents that can be read more than once, the same each time: `pass(visit)` calls
 * `visit` once per document, in order, with its call ids (of the table given to
 * {@link fitTfidfStreaming}, which may grow during the first pass). The array is only read
 * during the call.
 */
export interface DocumentPasses {
  pass(visit: (calls: Int32Array) => void): void;
}

/** Options of {@link fitTfidfStreaming} besides the vectorizer's. */
export interface StreamingFitOptions {
  /**
   * Bits of the first pass's filter: a power of two >= 256. Default: from
   * {@link expectedCalls} (one bit per call, at least 2^16, at most 2^30 = 128 MiB). A
   * smaller filter makes more candidates (more memory and time), never another result.
   */
  readonly filterBits?: number;
  /** About how many calls the documents hold (e.g. their bytes / 8); sizes the filter. Default 2^24. */
  readonly expectedCalls?: number;
  /**
   * Where the first pass writes each document's distinct n-grams (16 bytes each: position,
   * length, hash, count), which the second pass reads instead of finding them again: a folder
   * (default: the system's temporary folder; the file is unlinked as soon as it is open), or
   * `false`.
   */
  readonly scratch?: string | false;
  /** Called when a pass starts (1: candidates, 2: counts), and with 3 when the counts are turned into the matrix. */
  readonly onPass?: (pass: 1 | 2 | 3) => void;
}

/** What {@link fitTfidfStreaming} found besides the fit (for benchmarks and tests). */
export interface StreamingFitStats {
  /** Passes over the documents: 2 with pruning by document frequency, else 1. */
  readonly passes: number;
  /** Documents read (per pass). */
  readonly documents: number;
  /** Sum over documents of their distinct n-grams (the stored values of an unpruned matrix). */
  readonly distinctPerDocument: number;
  /** Candidates of the second pass (every n-gram in the one-pass case). */
  readonly candidates: number;
  /** Features kept. */
  readonly features: number;
  /** Bits of the filter (0 without one). */
  readonly filterBits: number;
}

const CHUNK = 1 << 20;

/**
 * Fits a TF-IDF vectorizer on documents read in passes (see the module's description) and
 * returns what {@link TfidfVectorizer.fitTransform} returns for them, plus figures.
 * Throws as `fitTransform` does ({@link EmptyVocabularyError}, `UnsupportedCallNameError`,
 * `InvalidOptionError`), and an `Error` when a pass reads other documents than the first.
 */
export function fitTfidfStreaming(
  options: TfidfOptions,
  docs: DocumentPasses,
  table: CallTable,
  streaming: StreamingFitOptions = {},
): { tfidf: FittedTfidf; X: Csr; stats: StreamingFitStats } {
  const vectorizer = new TfidfVectorizer(options); // validates
  const o = vectorizer.options;
  const rule: TokenRule = vectorizer.tokenRule;
  const [lo, hi] = o.ngramRange;
  const prune = Number.isInteger(o.minDf) && o.minDf >= 2;
  const names = new ProvisionalNames(table, o.lowercase);
  const grams = new DocGrams();
  let cand = new NgramIndex(256, 1 << 12);
  const widen = (): void => {
    if (names.count > cand.nNames) cand = widenIndex(cand, names.count);
  };
  let filterBits = 0;
  let windows = 0;
  let distinctPerDocument = 0;
  let nDocs = 0;
  let namesMet = 0;
  const callsPerDoc: number[] = [];
  let stats = new Int32Array(0);
  const rows = new RowChunks();
  let doc = 0;
  const spill = prune && streaming.scratch !== false ? new GramSpill(streaming.scratch ?? tmpdir()) : null;
  try {
    if (prune) {
      // Pass 1: candidates (n-grams met in two documents, and the filter's false positives).
      filterBits = streaming.filterBits ?? defaultFilterBits(streaming.expectedCalls ?? 1 << 24);
      if (!(Number.isInteger(filterBits) && filterBits >= 256 && (filterBits & (filterBits - 1)) === 0 && filterBits <= 2 ** 31)) {
        throw new RangeError(`filterBits must be a power of two from 256 to 2^31, got ${filterBits}`);
      }
      const filter = new BlockedBloom(filterBits);
      streaming.onPass?.(1);
      docs.pass((calls) => {
        callsPerDoc.push(calls.length);
        const buf = names.map(calls);
        widen();
        windows += grams.fill(buf, calls.length, lo, hi);
        distinctPerDocument += grams.size;
        spill?.write(grams);
        const { list, slots } = grams;
        for (let e = 0; e < grams.size; e++) {
          const s = list[e];
          const start = slots[s];
          const n = slots[s + 1];
          const mixed = slots[s + 2];
          // A candidate's bits are all set: the filter answers first; insert() keeps a candidate already there.
          if (filter.testAndSet(mixed, secondHash(buf, start, n))) cand.insert(buf, start, n, mixed);
        }
      });
      nDocs = callsPerDoc.length;
      namesMet = names.count;
    }

    // Pass 2 (the only pass without pruning): exact counts and rows over the candidates.
    streaming.onPass?.(prune ? 2 : 1);
    // Per candidate side by side (one cache line): [2f] document frequency, [2f+1] total count.
    stats = new Int32Array(2 * (prune ? Math.max(cand.size, 1) : 1 << 12));
    docs.pass((calls) => {
      if (prune && (doc >= nDocs || callsPerDoc[doc] !== calls.length)) {
        throw new Error(
          `the documents changed between the passes of the fit: document ${doc} has ${calls.length} calls, ` +
            (doc >= nDocs ? `and the first pass read ${nDocs} documents` : `${callsPerDoc[doc]} in the first pass`),
        );
      }
      if (!prune) callsPerDoc.push(calls.length);
      const buf = names.map(calls);
      if (prune && names.count > namesMet) {
        throw new Error(
          `the documents changed between the passes of the fit: document ${doc} holds a call name the first pass did not read`,
        );
      }
      widen();
      if (spill) {
        // The document's distinct n-grams as the first pass found them: (start, n, hash, count).
        const g = spill.read(doc);
        for (let e = 0; e < g.length; e += 4) {
          const f = cand.find(buf, g[e], g[e + 1], g[e + 2]);
          if (f < 0) continue;
          stats[2 * f]++;
          stats[2 * f + 1] += g[e + 3];
          rows.push(f, g[e + 3]);
        }
        rows.endRow();
        doc++;
        return;
      }
      const w = grams.fill(buf, calls.length, lo, hi);
      if (!prune) {
        windows += w;
        distinctPerDocument += grams.size;
      }
      const { list, slots } = grams;
      for (let e = 0; e < grams.size; e++) {
        const s = list[e];
        const f = prune ? cand.find(buf, slots[s], slots[s + 1], slots[s + 2]) : cand.insert(buf, slots[s], slots[s + 1], slots[s + 2]);
        if (f < 0) continue;
        if (2 * f >= stats.length) stats = grow(stats, stats.length * 2);
        stats[2 * f]++;
        stats[2 * f + 1] += slots[s + 3];
        rows.push(f, slots[s + 3]);
      }
      rows.endRow();
      doc++;
    });
    if (prune && doc !== nDocs) {
      throw new Error(`the documents changed between the passes of the fit: the second pass read ${doc} documents, the first ${nDocs}`);
    }
  } finally {
    spill?.close();
  }
  nDocs = doc;

  // The fit's own steps, on the candidates in the model's name ids.
  streaming.onPass?.(3);
  const used = names.usedIds();
  const { names: sorted, map } = collectNames([used], table, o.lowercase, rule);
  if (windows === 0) {
    throw new EmptyVocabularyError(`empty vocabulary: no document has ${lo} or more calls, so there is no ${lo}-gram to learn`);
  }
  const index = renamed(cand, names.rankOf(map), sorted.length);
  const V0 = index.size;
  cand = new NgramIndex(1, 0, 0);
  const order = sortFeatures(index, sorted.length, hi);
  const df = new Int32Array(V0);
  const total = new Int32Array(V0);
  for (let f = 0; f < V0; f++) {
    df[f] = stats[2 * f];
    total[f] = stats[2 * f + 1];
  }
  stats = new Int32Array(0);
  const newId = pruneFeatures(o, order, df, total, nDocs);
  const V = V0 - countNegative(newId);
  if (V === 0) throw new EmptyVocabularyError('After pruning, no terms remain. Try a lower minDf or a higher maxDf.');
  const final = index.subset(order, newId, V);
  const idf = new Float64Array(V);
  for (let f = 0; f < V0; f++) if (newId[f] >= 0) idf[newId[f]] = idfOf(df[f], nDocs, o.smoothIdf);
  const tfidf = new FittedTfidf(o, sorted, final, idf);
  const X = rows.toCsr(newId, V);
  for (let r = 0; r < X.rows; r++) weighRow(X.indices, X.data, X.indptr[r], X.indptr[r + 1], idf, o);
  return {
    tfidf,
    X,
    stats: { passes: prune ? 2 : 1, documents: nDocs, distinctPerDocument, candidates: V0, features: V, filterBits },
  };
}

/**
 * One bit per expected call, a power of two in [2^16, 2^30]. The corpus at 64 copies (126 M
 * calls, about 10 M distinct ten-grams): 2^28 bits (32 MiB), some 27 bits per n-gram, too few
 * false positives to matter.
 */
function defaultFilterBits(expectedCalls: number): number {
  let bits = 1 << 16;
  while (bits < expectedCalls && bits < 2 ** 30) bits *= 2;
  return bits;
}

/**
 * Call ids of the table → provisional name ids (one per canonical name, numbered as first
 * met), kept while the table grows; at the end, the ranks of the sorted names.
 */
class ProvisionalNames {
  /** Distinct canonical names met. */
  count = 0;
  private readonly table: CallTable;
  private readonly lowercase: boolean;
  private ids = new Int32Array(1024).fill(-1);
  private readonly byName = new Map<string, number>();
  private buf = new Int32Array(1 << 16);

  constructor(table: CallTable, lowercase: boolean) {
    this.table = table;
    this.lowercase = lowercase;
  }

  /** The provisional ids of `calls` in a scratch buffer (valid until the next call). */
  map(calls: Int32Array): Int32Array {
    const L = calls.length;
    if (this.buf.length < L) this.buf = new Int32Array(Math.max(L, this.buf.length * 2));
    const size = this.table.size;
    if (this.ids.length < size) {
      const next = new Int32Array(Math.max(size, this.ids.length * 2)).fill(-1);
      next.set(this.ids);
      this.ids = next;
    }
    const ids = this.ids;
    const buf = this.buf;
    for (let i = 0; i < L; i++) {
      const id = calls[i];
      if (!(id >= 0 && id < size)) throw new RangeError(`call id ${id} at position ${i} is not in the call table (size ${size})`);
      let p = ids[id];
      if (p < 0) p = ids[id] = this.provisional(id);
      buf[i] = p;
    }
    return buf;
  }

  /** The table ids met, ascending. */
  usedIds(): Int32Array {
    let k = 0;
    for (let id = 0; id < this.ids.length; id++) if (this.ids[id] >= 0) k++;
    const out = new Int32Array(k);
    for (let id = 0, j = 0; id < this.ids.length; id++) if (this.ids[id] >= 0) out[j++] = id;
    return out;
  }

  /** Provisional id → rank, from `map` (table id → rank of its canonical name). */
  rankOf(map: Int32Array): Int32Array {
    const rank = new Int32Array(this.count).fill(-1);
    for (let id = 0; id < this.ids.length; id++) if (this.ids[id] >= 0) rank[this.ids[id]] = map[id];
    return rank;
  }

  private provisional(id: number): number {
    const raw = this.table.nameOf(id);
    const name = this.lowercase ? raw.toLowerCase() : raw;
    let p = this.byName.get(name);
    if (p === undefined) this.byName.set(name, (p = this.count++));
    return p;
  }
}

/**
 * The distinct n-grams of one document with their counts, exactly: an open-addressing
 * table whose slots hold (start in the document's buffer, n, mixed hash, count), compared
 * id by id against the buffer. `list` holds the used slots in first-seen order.
 */
class DocGrams {
  slots = new Int32Array(4 << 10).fill(-1);
  list = new Int32Array(1 << 10);
  size = 0;
  private mask = (1 << 10) - 1;

  /** Finds the distinct n-grams (n in [lo, hi]) of `buf[0 .. L)`; returns the windows. */
  fill(buf: Int32Array, L: number, lo: number, hi: number): number {
    this.clear(L * (hi - lo + 1));
    let windows = 0;
    const slots = this.slots;
    for (let n = lo; n <= hi && n <= L; n++) {
      const bn = basePower(n);
      let h = 0;
      // Loops of period 1 or 2 (a call repeated, two calls alternating: 18% and 24% of the
      // corpus's ten-grams): e1 / e2 count the positions up to i whose id equals the one 1 / 2
      // before; from n on, the window ending at i equals the one ending at i - 1 / i - 2,
      // whose slot (s1 / s2) is counted without a probe.
      let e1 = 0;
      let e2 = 0;
      let s1 = -1;
      let s2 = -1;
      for (let i = 0; i < L; i++) {
        const c = buf[i];
        h = (Math.imul(h, NGRAM_BASE) + c) | 0;
        if (i >= n) h = (h - Math.imul(buf[i - n], bn)) | 0;
        e1 = i >= 1 && c === buf[i - 1] ? e1 + 1 : 0;
        e2 = i >= 2 && c === buf[i - 2] ? e2 + 1 : 0;
        if (i < n - 1) continue;
        let s: number;
        if (e1 >= n) slots[(s = s1) + 3]++;
        else if (e2 >= n) slots[(s = s2) + 3]++;
        else s = this.add(buf, i - n + 1, n, mixHash(h, n));
        s2 = s1;
        s1 = s;
        windows++;
      }
    }
    return windows;
  }

  /** Counts the n-gram at `start` (a new slot, or one more in its slot); returns its slot. */
  private add(buf: Int32Array, start: number, n: number, mixed: number): number {
    const slots = this.slots;
    const wrap = (this.mask << 2) | 3;
    let s = (mixed << 2) & wrap;
    for (; ; s = (s + 4) & wrap) {
      const o = slots[s];
      if (o < 0) break;
      if (slots[s + 2] === mixed && slots[s + 1] === n) {
        let k = 0;
        while (k < n && buf[o + k] === buf[start + k]) k++;
        if (k === n) {
          slots[s + 3]++;
          return s;
        }
      }
    }
    slots[s] = start;
    slots[s + 1] = n;
    slots[s + 2] = mixed;
    slots[s + 3] = 1;
    this.list[this.size++] = s;
    return s;
  }

  /** Empties the table, sized for `windows` n-grams at most. */
  private clear(windows: number): void {
    let cap = this.mask + 1;
    if (cap < windows * 2) {
      while (cap < windows * 2) cap *= 2;
      this.slots = new Int32Array(cap * 4).fill(-1);
      this.list = new Int32Array(cap);
      this.mask = cap - 1;
    } else {
      for (let e = 0; e < this.size; e++) this.slots[this.list[e]] = -1;
    }
    this.size = 0;
  }
}

/**
 * The first pass's distinct n-grams of each document, (start, n, mixed hash, count) as four
 * Int32 values, in a temporary file unlinked as soon as it is open (where the system allows;
 * else removed by {@link close}), read back in document order.
 */
class GramSpill {
  private fd: number;
  private path: string | null;
  private readonly counts: number[] = [];
  private buf = new Int32Array(1 << 16);
  private written = 0;
  private position = 0;
  private next = 0;

  constructor(folder: string) {
    const path = join(folder, `ntmd-grams-${process.pid}-${randomBytes(6).toString('hex')}.i32`);
    this.fd = openSync(path, 'wx+', 0o600);
    this.path = path;
    try {
      rmSync(path);
      this.path = null;
    } catch {
      // Windows: an open file cannot be unlinked; close() removes it.
    }
  }

  /** Appends one document's distinct n-grams. */
  write(grams: DocGrams): void {
    const k = grams.size;
    if (this.buf.length < 4 * k) this.buf = new Int32Array(Math.max(4 * k, this.buf.length * 2));
    const { list, slots } = grams;
    const out = this.buf;
    for (let e = 0; e < k; e++) {
      const s = list[e];
      out[4 * e] = slots[s];
      out[4 * e + 1] = slots[s + 1];
      out[4 * e + 2] = slots[s + 2];
      out[4 * e + 3] = slots[s + 3];
    }
    const bytes = new Uint8Array(out.buffer, 0, 16 * k);
    for (let at = 0; at < bytes.length;) at += writeSync(this.fd, bytes, at, bytes.length - at, this.written + at);
    this.written += bytes.length;
    this.counts.push(k);
  }

  /** Document `doc`'s entries (the documents are read in order; a view valid until the next read). */
  read(doc: number): Int32Array {
    if (doc !== this.next++) throw new Error(`internal error: the n-gram file read out of order (${doc})`);
    const k = this.counts[doc];
    if (this.buf.length < 4 * k) this.buf = new Int32Array(Math.max(4 * k, this.buf.length * 2));
    const bytes = new Uint8Array(this.buf.buffer, 0, 16 * k);
    for (let at = 0; at < bytes.length;) {
      const got = readSync(this.fd, bytes, at, bytes.length - at, this.position);
      if (got === 0) throw new Error('internal error: the n-gram file of the first pass ended early');
      at += got;
      this.position += got;
    }
    return this.buf.subarray(0, 4 * k);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    if (this.path !== null) rmSync(this.path, { force: true });
    this.path = null;
  }
}

/** A second hash of `buf[start .. start+n)`, independent of the index's (another base, another finaliser). */
function secondHash(buf: Int32Array, start: number, n: number): number {
  let h = 0x2545f491;
  for (let k = 0; k < n; k++) h = (Math.imul(h ^ buf[start + k], 0x5bd1e995) + 0x68e31da4) | 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  h = Math.imul(h, 0x297a2d39);
  h ^= h >>> 15;
  return h;
}

/**
 * A blocked Bloom filter: the first hash picks a block of 256 bits (one 32-byte run of
 * eight words), four 8-bit pieces of the second pick four bits in it.
 */
class BlockedBloom {
  private readonly words: Int32Array;
  private readonly blockMask: number;

  constructor(bits: number) {
    this.words = new Int32Array(bits >>> 5);
    this.blockMask = (bits >>> 8) - 1;
  }

  /** Sets the key's bits; whether all of them were set before (the key was probably added). */
  testAndSet(h1: number, h2: number): boolean {
    const w = this.words;
    const base = ((h1 >>> 0) & this.blockMask) << 3;
    let seen = true;
    for (let k = 0; k < 32; k += 8) {
      const b = (h2 >>> k) & 255;
      const i = base + (b >>> 5);
      const bit = 1 << (b & 31);
      if ((w[i] & bit) === 0) {
        seen = false;
        w[i] |= bit;
      }
    }
    return seen;
  }
}

/** The same features with ids of up to `nNames` names (a wider id type when needed). */
function widenIndex(index: NgramIndex, nNames: number): NgramIndex {
  let room = index.nNames;
  while (room < nNames) room = room <= 0x100 ? 0x10000 : 0x7fffffff;
  const { ids, lengths } = flatten(index, null);
  const out = NgramIndex.fromFlat(room, ids, lengths);
  if (typeof out === 'string') throw new Error(`internal error: widening the candidates: ${out}`);
  return out;
}

/** The same features with every id `g` replaced by `rank[g]`, for ids of `nNames` names. */
function renamed(index: NgramIndex, rank: Int32Array, nNames: number): NgramIndex {
  const { ids, lengths } = flatten(index, rank);
  const typed = nNames <= 0x100 ? new Uint8Array(ids) : nNames <= 0x10000 ? new Uint16Array(ids) : ids;
  const out = NgramIndex.fromFlat(nNames, typed, lengths);
  if (typeof out === 'string') throw new Error(`internal error: renaming the candidates: ${out}`);
  return out;
}

/** Every feature's ids back to back (mapped through `rank` when given), and their lengths. */
function flatten(index: NgramIndex, rank: Int32Array | null): { ids: Int32Array; lengths: Int32Array } {
  const V = index.size;
  const lengths = new Int32Array(V);
  let totalIds = 0;
  for (let f = 0; f < V; f++) totalIds += lengths[f] = index.lengthOf(f);
  const ids = new Int32Array(totalIds);
  for (let f = 0, p = 0; f < V; f++) {
    const g = index.gram(f);
    for (let k = 0; k < g.length; k++) ids[p++] = rank ? rank[g[k]] : g[k];
  }
  return { ids, lengths };
}

/** Rows of (feature, count) pairs, in chunks, turned into a CSR matrix chunk by chunk. */
class RowChunks {
  private cols: Int32Array[] = [new Int32Array(CHUNK)];
  private vals: Int32Array[] = [new Int32Array(CHUNK)];
  private at = 0;
  private nnz = 0;
  private ends: Int32Array = new Int32Array(1024);
  private rows = 0;

  push(f: number, count: number): void {
    if (this.at === CHUNK) {
      this.cols.push(new Int32Array(CHUNK));
      this.vals.push(new Int32Array(CHUNK));
      this.at = 0;
    }
    this.cols[this.cols.length - 1][this.at] = f;
    this.vals[this.vals.length - 1][this.at] = count;
    this.at++;
    this.nnz++;
  }

  endRow(): void {
    if (this.rows === this.ends.length) this.ends = grow(this.ends, this.rows * 2);
    if (this.nnz > 0x7fffffff) throw new RangeError('more than 2^31 - 1 stored values: the matrix is too large for one fit');
    this.ends[this.rows++] = this.nnz;
  }

  /**
   * The matrix in final column numbering (`newId[f]`, -1 when pruned), columns ascending
   * within a row, values the counts; the chunks are released as they are read.
   */
  toCsr(newId: Int32Array, V: number): Csr {
    let kept = 0;
    for (let c = 0; c < this.cols.length; c++) {
      const cols = this.cols[c];
      const end = c === this.cols.length - 1 ? this.at : CHUNK;
      for (let p = 0; p < end; p++) if (newId[cols[p]] >= 0) kept++;
    }
    const indptr = new Int32Array(this.rows + 1);
    const indices = new Int32Array(kept);
    const data = new Float64Array(kept);
    const dense = new Int32Array(V);
    let chunk = 0;
    let p = 0;
    let cols = this.cols[0];
    let vals = this.vals[0];
    let seen = 0;
    let q = 0;
    for (let r = 0; r < this.rows; r++) {
      const a = q;
      const end = this.ends[r];
      for (; seen < end; seen++, p++) {
        if (p === CHUNK) {
          this.cols[chunk] = EMPTY;
          this.vals[chunk] = EMPTY;
          chunk++;
          cols = this.cols[chunk];
          vals = this.vals[chunk];
          p = 0;
        }
        const j = newId[cols[p]];
        if (j < 0) continue;
        indices[q++] = j;
        dense[j] = vals[p];
      }
      indices.subarray(a, q).sort();
      for (let t = a; t < q; t++) {
        data[t] = dense[indices[t]];
        dense[indices[t]] = 0;
      }
      indptr[r + 1] = q;
    }
    this.cols = [];
    this.vals = [];
    return { rows: this.rows, cols: V, indptr, indices, data };
  }
}

const EMPTY = new Int32Array(0);

function grow(a: Int32Array, cap: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}
