/**
 * Sparse n-gram TF-IDF over call-id sequences, with scikit-learn's definitions
 * (`TfidfVectorizer(analyzer='word', ngram_range=..., ...)` on the call names joined by
 * spaces), but built on integer ids: the vocabulary is an exact n-gram dictionary
 * ({@link NgramIndex}), never a map of joined strings.
 *
 * Definitions, as scikit-learn 1.2.1 (`feature_extraction/text.py`):
 * - a token is one call name, lower-cased when `lowercase` (the default);
 * - the features are all runs of n consecutive tokens, n in `ngramRange`; a feature's
 *   name is its tokens joined by one space; columns are sorted by that name in code-unit
 *   order (for the word-character names of system calls this equals comparing the token
 *   sequences name by name, which is how we sort: a radix sort on name ranks);
 * - tf = raw count (`sublinearTf`: 1 + ln count);
 * - idf = ln((1 + n) / (1 + df)) + 1 with `smoothIdf` (default), else ln(n / df) + 1;
 * - each row is tf × idf, then scaled to unit L2 (or L1) norm;
 * - n-grams unknown to the vocabulary are dropped at transform; a trace shorter than n
 *   gives an empty row.
 *
 * @packageDocumentation
 */
import { InvalidOptionError } from '../errors.js';
import type { CallTable } from '../tokenize/call-table.js';
import type { Csr } from './csr.js';
import { EmptyVocabularyError, TfidfStateError, UnsupportedCallNameError } from './errors.js';
import { VocabularyCounter } from './vocabulary-count.js';
import { NgramIndex, mixHash, polyHash } from './ngram-index.js';

/** Row normalisation: `'l2'` (scikit-learn's default), `'l1'`, or none. */
export type TfidfNorm = 'l2' | 'l1' | null;

/** Options of {@link TfidfVectorizer}; every field defaults as scikit-learn's `TfidfVectorizer` except `ngramRange`. */
export interface TfidfOptions {
  /** Smallest and largest n. Default `[10, 10]` (NtMalDetect's ten-grams). Each costs one pass over the calls. */
  ngramRange?: [number, number];
  /**
   * Drop features found in fewer documents. An integer >= 0 is a document count (default
   * 1, i.e. keep all); a value in (0, 1) is a fraction of the documents.
   */
  minDf?: number;
  /**
   * Drop features found in more documents. A value in (0, 1] is a fraction of the
   * documents (default 1, i.e. keep all); an integer >= 2 is a document count.
   */
  maxDf?: number;
  /**
   * Keep only the `maxFeatures` features of largest total count (after `minDf`/`maxDf`).
   * Ties are broken by column order (scikit-learn's unstable argsort may pick other tied
   * features). Default `null`: keep all.
   */
  maxFeatures?: number | null;
  /** tf = 1 + ln(count). Default false. */
  sublinearTf?: boolean;
  /** idf = ln((1 + n) / (1 + df)) + 1 rather than ln(n / df) + 1. Default true. */
  smoothIdf?: boolean;
  /** Multiply by idf at all. Default true. */
  useIdf?: boolean;
  /** Row normalisation. Default `'l2'`. */
  norm?: TfidfNorm;
  /** Lower-case call names before building n-grams, as scikit-learn. Default true. */
  lowercase?: boolean;
  /**
   * Which call names fitting accepts, each as exactly one token (see {@link TokenRule}).
   * Default `'word'`. Not stored in a model's `tfidf` options: a model's configuration sets
   * it through its `alphabet` (`'nt'` → `'word'`, `'custom'` → `'nonspace'`).
   */
  tokenRule?: TokenRule;
}

/**
 * The token rule of fitting:
 * - `'word'`: scikit-learn's default `token_pattern` `(?u)\b\w\w+\b` (two or more letters,
 *   digits or underscores), the rule of NtTrace's call names. A name it would split or drop
 *   throws {@link UnsupportedCallNameError}.
 * - `'nonspace'`: any name without whitespace or control characters (scikit-learn's
 *   `token_pattern=r"\S+"`): numbers such as `6`, one-character names, `kernel32.dll!CreateFileW`.
 */
export type TokenRule = 'word' | 'nonspace';

/** The token rules. */
export const TOKEN_RULES: readonly TokenRule[] = ['word', 'nonspace'];

/** {@link TfidfOptions} with every default filled in. */
export interface ResolvedTfidfOptions {
  readonly ngramRange: [number, number];
  readonly minDf: number;
  readonly maxDf: number;
  readonly maxFeatures: number | null;
  readonly sublinearTf: boolean;
  readonly smoothIdf: boolean;
  readonly useIdf: boolean;
  readonly norm: TfidfNorm;
  readonly lowercase: boolean;
}

/** Validates options and fills in the defaults. Throws {@link InvalidOptionError}. */
export function resolveTfidfOptions(options: TfidfOptions = {}): ResolvedTfidfOptions {
  const range = options.ngramRange ?? [10, 10];
  if (
    !Array.isArray(range) ||
    range.length !== 2 ||
    !Number.isInteger(range[0]) ||
    !Number.isInteger(range[1]) ||
    range[0] < 1 ||
    range[1] < range[0] ||
    range[1] > 64
  ) {
    throw new InvalidOptionError('tfidf.ngramRange', 'two integers [lo, hi] with 1 <= lo <= hi <= 64', range);
  }
  const minDf = options.minDf ?? 1;
  if (!(Number.isInteger(minDf) ? minDf >= 0 : minDf > 0 && minDf < 1)) {
    throw new InvalidOptionError('tfidf.minDf', 'an integer count >= 0 or a fraction in (0, 1)', minDf);
  }
  const maxDf = options.maxDf ?? 1;
  if (!(Number.isInteger(maxDf) ? maxDf >= 1 : maxDf > 0 && maxDf < 1)) {
    throw new InvalidOptionError('tfidf.maxDf', 'a fraction in (0, 1] or an integer count >= 2', maxDf);
  }
  const maxFeatures = options.maxFeatures ?? null;
  if (maxFeatures !== null && !(Number.isInteger(maxFeatures) && maxFeatures >= 1)) {
    throw new InvalidOptionError('tfidf.maxFeatures', 'a positive integer or null', maxFeatures);
  }
  const norm = options.norm === undefined ? 'l2' : options.norm;
  if (norm !== 'l2' && norm !== 'l1' && norm !== null) {
    throw new InvalidOptionError('tfidf.norm', "'l2', 'l1' or null", norm);
  }
  const flag = (name: keyof TfidfOptions, value: unknown, dflt: boolean): boolean => {
    if (value === undefined) return dflt;
    if (typeof value !== 'boolean') throw new InvalidOptionError(`tfidf.${name}`, 'a boolean', value);
    return value;
  };
  return {
    ngramRange: [range[0], range[1]],
    minDf,
    maxDf,
    maxFeatures,
    sublinearTf: flag('sublinearTf', options.sublinearTf, false),
    smoothIdf: flag('smoothIdf', options.smoothIdf, true),
    useIdf: flag('useIdf', options.useIdf, true),
    norm,
    lowercase: flag('lowercase', options.lowercase, true),
  };
}

/** Serialisable state of a {@link FittedTfidf}: options, names and typed arrays only. */
export interface TfidfState {
  readonly options: ResolvedTfidfOptions;
  /** The model's call names (canonical: lower-cased unless `lowercase: false`), sorted. */
  readonly names: readonly string[];
  /** All features' ids into `names`, back to back, in column order. */
  readonly grams: Int32Array;
  /** Length (n) of each feature. */
  readonly lengths: Int32Array;
  /** idf of each feature. */
  readonly idf: Float64Array;
}

/** Result of {@link FittedTfidf.transformOne}. */
export interface TransformOneResult {
  /** The trace's TF-IDF row (1 × vocabularySize). */
  readonly X: Csr;
  /** N-gram occurrences in the trace (for each n in range, max(0, calls - n + 1)). */
  readonly ngrams: number;
  /** Occurrences not in the vocabulary (including those with a call name the model never saw). */
  readonly unknown: number;
}

const WORD_TOKEN = /^[\p{L}\p{N}\p{Mn}\p{Pc}]{2,}$/u;
/**
 * One `\S+` token whose n-grams sort as scikit-learn's joined feature names do: no
 * whitespace by JavaScript's or Python's definition (`\x1c`-`\x1f`, `\x85` are Python
 * whitespace) and no control character (all of them sort below the joining space).
 */
const NONSPACE_TOKEN = /^[^\s\x00-\x20\x7f-\x9f]+$/u;

/** Configures a TF-IDF vectorizer; {@link fit} returns the immutable {@link FittedTfidf}. */
export class TfidfVectorizer {
  /** The resolved options. */
  readonly options: ResolvedTfidfOptions;
  /** Which call names fitting accepts (see {@link TokenRule}). */
  readonly tokenRule: TokenRule;

  /** Validates `options` (throws {@link InvalidOptionError}); see {@link TfidfOptions} for defaults. */
  constructor(options: TfidfOptions = {}) {
    this.options = resolveTfidfOptions(options);
    const rule = options.tokenRule ?? 'word';
    if (!TOKEN_RULES.includes(rule)) throw new InvalidOptionError('tfidf.tokenRule', TOKEN_RULES.join(' | '), rule);
    this.tokenRule = rule;
  }

  /** Learns the vocabulary and idf from `docs` (call ids in `table`). */
  fit(docs: readonly Int32Array[], table: CallTable): FittedTfidf {
    return this.fitTransform(docs, table).tfidf;
  }

  /**
   * Learns the vocabulary and idf, and returns the training documents' TF-IDF matrix
   * (one row per document, in order) from the same single pass over the calls.
   *
   * Throws {@link EmptyVocabularyError} when no document has an n-gram (or pruning leaves
   * none), {@link UnsupportedCallNameError} for a call name the {@link tokenRule} does not
   * take as one token, and a `RangeError` for an id outside `table`.
   */
  fitTransform(docs: readonly Int32Array[], table: CallTable): { tfidf: FittedTfidf; X: Csr } {
    const o = this.options;
    const [lo, hi] = o.ngramRange;
    const { names, map, maxLen } = collectNames(docs, table, o.lowercase, this.tokenRule);
    return fitFromCounts(o, names, countNgrams(docs, map, names.length, maxLen, lo, hi), docs.length);
  }
}

/**
 * A fitted vectorizer: the vocabulary (an exact n-gram dictionary on the model's own
 * call-name ids), idf and options. Immutable; transforms never touch the training corpus.
 */
export class FittedTfidf {
  /** The resolved options it was fitted with. */
  readonly options: ResolvedTfidfOptions;
  /** Number of features (columns). */
  readonly vocabularySize: number;
  /** idf of each column. */
  readonly idf: Float64Array;
  /** The model's own call-name table (canonical names, sorted); n-grams are ids into it. */
  readonly names: readonly string[];
  private readonly index: NgramIndex;
  private readonly nameIds: Map<string, number>;
  private readonly maps = new WeakMap<CallTable, Int32Array>();
  /* Scratch reused across transforms (JavaScript is single-threaded; nothing here is re-entrant). */
  private buf = new Int32Array(1024);
  private hits = new Int32Array(1024);
  private touched = new Int32Array(1024);
  private counts: Int32Array | null = null;

  /** @internal Use {@link TfidfVectorizer.fit} or {@link FittedTfidf.fromState}. */
  constructor(options: ResolvedTfidfOptions, names: readonly string[], index: NgramIndex, idf: Float64Array) {
    this.options = options;
    this.names = names;
    this.index = index;
    this.idf = idf;
    this.vocabularySize = index.size;
    this.nameIds = new Map(names.map((n, i) => [n, i]));
  }

  /** The call-name ids (into {@link names}) of column `j`, a copy. */
  ngram(j: number): Int32Array {
    this.checkColumn(j);
    return Int32Array.from(this.index.gram(j));
  }

  /** Column `j`'s name as scikit-learn renders it: the (lower-cased) call names joined by one space. */
  featureName(j: number): string {
    this.checkColumn(j);
    const g = this.index.gram(j);
    let s = this.names[g[0]];
    for (let k = 1; k < g.length; k++) s += ' ' + this.names[g[k]];
    return s;
  }

  /** Whether `name` (any case when `lowercase`) is in the model's call-name table. */
  knowsName(name: string): boolean {
    return this.nameIds.has(this.options.lowercase ? name.toLowerCase() : name);
  }

  /** Column of an n-gram given as call names (any case when `lowercase`), or -1. */
  columnOf(callNames: readonly string[]): number {
    const ids = new Int32Array(callNames.length);
    for (let k = 0; k < ids.length; k++) {
      const id = this.nameIds.get(this.options.lowercase ? callNames[k].toLowerCase() : callNames[k]);
      if (id === undefined) return -1;
      ids[k] = id;
    }
    return ids.length === 0 ? -1 : this.index.find(ids, 0, ids.length, mixHash(polyHash(ids, 0, ids.length), ids.length));
  }

  /** TF-IDF rows of `docs` (call ids in `table`), one per document. */
  transform(docs: readonly Int32Array[], table: CallTable): Csr {
    const indptr = new Int32Array(docs.length + 1);
    let indices = new Int32Array(1024);
    let data = new Float64Array(1024);
    let nnz = 0;
    for (let d = 0; d < docs.length; d++) {
      const k = this.accumulate(docs[d], table).distinct;
      if (nnz + k > indices.length) {
        const cap = Math.max(indices.length * 2, nnz + k);
        indices = growInt(indices, cap);
        const nd = new Float64Array(cap);
        nd.set(data);
        data = nd;
      }
      this.emit(k, indices, data, nnz);
      nnz += k;
      indptr[d + 1] = nnz;
    }
    return { rows: docs.length, cols: this.vocabularySize, indptr, indices: indices.slice(0, nnz), data: data.slice(0, nnz) };
  }

  /**
   * The TF-IDF row of one trace, with its n-gram and unknown-n-gram counts (the API layer
   * decides "insufficient" when `ngrams - unknown === 0`). Costs one hash probe per
   * n-gram; no allocation per call.
   */
  transformOne(calls: Int32Array, table: CallTable): TransformOneResult {
    const { distinct, ngrams, unknown } = this.accumulate(calls, table);
    const indices = new Int32Array(distinct);
    const data = new Float64Array(distinct);
    this.emit(distinct, indices, data, 0);
    const X: Csr = { rows: 1, cols: this.vocabularySize, indptr: Int32Array.of(0, distinct), indices, data };
    return { X, ngrams, unknown };
  }

  /** An incremental counter for a trace that arrives call by call (e.g. a live NtTrace). */
  counter(table: CallTable): NgramCounter {
    return new NgramCounter(this, table);
  }

  /** The serialisable state (see {@link TfidfState}). */
  state(): TfidfState {
    const ix = this.index;
    let total = 0;
    const lengths = new Int32Array(ix.size);
    for (let j = 0; j < ix.size; j++) total += lengths[j] = ix.lengthOf(j);
    // One native copy (the index stores the features back to back, in order).
    const grams = new Int32Array(total);
    grams.set(ix.ids());
    return { options: this.options, names: this.names.slice(), grams, lengths, idf: this.idf.slice() };
  }

  /** Rebuilds a fitted vectorizer from {@link state}; validates it (throws {@link TfidfStateError}). */
  static fromState(state: TfidfState): FittedTfidf {
    const { names, grams, lengths, idf } = state;
    if (!(grams instanceof Int32Array)) throw new TfidfStateError('grams', 'is not an Int32Array');
    if (!(lengths instanceof Int32Array)) throw new TfidfStateError('lengths', 'is not an Int32Array');
    if (!(idf instanceof Float64Array)) throw new TfidfStateError('idf', 'is not a Float64Array');
    return FittedTfidf.restore(state.options, names.slice(), grams, lengths, idf.slice());
  }

  /**
   * @internal {@link fromState} for the model reader: the ids may be stored in 8, 16 or 32
   * bits and the lengths in 8 or 32, and `names`, `grams` (when already in the index's
   * storage type) and `idf` are adopted, not copied: the caller must not keep or modify
   * them. Validates everything {@link fromState} does (throws {@link TfidfStateError}).
   */
  static restore(
    optionsIn: ResolvedTfidfOptions,
    names: readonly string[],
    grams: Uint8Array | Uint16Array | Int32Array,
    lengths: Uint8Array | Int32Array,
    idf: Float64Array,
  ): FittedTfidf {
    const options = resolveTfidfOptions({ ...optionsIn, ngramRange: [...optionsIn.ngramRange] as [number, number] });
    if (idf.length !== lengths.length) {
      throw new TfidfStateError('idf', `has ${idf.length} values for ${lengths.length} features`);
    }
    const [lo, hi] = options.ngramRange;
    let total = 0;
    for (let j = 0; j < lengths.length; j++) {
      if (lengths[j] < lo || lengths[j] > hi) throw new TfidfStateError('lengths', `[${j}] = ${lengths[j]} is outside ngramRange`);
      total += lengths[j];
    }
    if (total !== grams.length) throw new TfidfStateError('grams', `holds ${grams.length} ids, lengths sum to ${total}`);
    if (new Set(names).size !== names.length) throw new TfidfStateError('names', 'holds duplicates');
    const index = NgramIndex.fromFlat(names.length, grams, lengths);
    if (typeof index === 'string') throw new TfidfStateError('grams', index);
    return new FittedTfidf(options, names, index, idf);
  }

  /** @internal Table id → model name id (or -1), extended as `table` grows. */
  canonicalMap(table: CallTable): Int32Array {
    const old = this.maps.get(table);
    if (old !== undefined && old.length === table.size) return old;
    const map = new Int32Array(table.size);
    const from = old === undefined ? 0 : old.length;
    if (old !== undefined) map.set(old);
    for (let id = from; id < map.length; id++) {
      const name = table.nameOf(id);
      map[id] = this.nameIds.get(this.options.lowercase ? name.toLowerCase() : name) ?? -1;
    }
    this.maps.set(table, map);
    return map;
  }

  /** @internal Looks up the windows ending in `buf[from, to)`; see {@link NgramIndex.findWindows}. */
  findWindows(buf: Int32Array, from: number, to: number, out: Int32Array): number {
    return this.index.findWindows(buf, from, to, this.options.ngramRange[0], this.options.ngramRange[1], out);
  }

  /** @internal Turns counts of sorted columns into TF-IDF values in place. */
  weigh(indices: Int32Array, data: Float64Array, a: number, b: number): void {
    weighRow(indices, data, a, b, this.idf, this.options);
  }

  /** Counts the trace's known n-grams into the dense scratch; leaves `touched[0..distinct)` sorted. */
  private accumulate(calls: Int32Array, table: CallTable): { distinct: number; ngrams: number; unknown: number } {
    const L = calls.length;
    const [lo, hi] = this.options.ngramRange;
    if (this.buf.length < L) this.buf = new Int32Array(Math.max(L, this.buf.length * 2));
    const windows = L * (hi - lo + 1);
    if (this.hits.length < windows) this.hits = new Int32Array(Math.max(windows, this.hits.length * 2));
    const map = this.canonicalMap(table);
    const buf = this.buf;
    const m = map.length;
    for (let i = 0; i < L; i++) {
      const id = calls[i];
      buf[i] = id >= 0 && id < m ? map[id] : -1;
    }
    const hits = this.hits;
    const w = this.index.findWindows(buf, 0, L, lo, hi, hits);
    const counts = (this.counts ??= new Int32Array(this.vocabularySize));
    if (this.touched.length < w) this.touched = new Int32Array(Math.max(w, this.touched.length * 2));
    const touched = this.touched;
    let k = 0;
    let unknown = 0;
    let prev = -1;
    let run = 0;
    for (let p = 0; p < w; p++) {
      const f = hits[p];
      if (f < 0) unknown++;
      else if (f === prev) run++;
      else {
        if (run > 0) {
          if (counts[prev] === 0) touched[k++] = prev;
          counts[prev] += run;
        }
        prev = f;
        run = 1;
      }
    }
    if (run > 0) {
      if (counts[prev] === 0) touched[k++] = prev;
      counts[prev] += run;
    }
    touched.subarray(0, k).sort();
    return { distinct: k, ngrams: w, unknown };
  }

  /** Writes the accumulated row at `at` of `indices`/`data`, weighs it, and clears the scratch. */
  private emit(k: number, indices: Int32Array, data: Float64Array, at: number): void {
    const counts = this.counts;
    const touched = this.touched;
    if (counts === null) return;
    for (let p = 0; p < k; p++) {
      const f = touched[p];
      indices[at + p] = f;
      data[at + p] = counts[f];
      counts[f] = 0;
    }
    weighRow(indices, data, at, at + k, this.idf, this.options);
  }

  private checkColumn(j: number): void {
    if (!Number.isInteger(j) || j < 0 || j >= this.vocabularySize) {
      throw new RangeError(`column ${j} is outside the vocabulary (size ${this.vocabularySize})`);
    }
  }
}

/**
 * Counts the n-grams of one trace as its calls arrive ({@link push} / {@link pushMany}),
 * keeping only the last `hi - 1` calls and a sparse count per feature seen, so memory
 * grows with the distinct n-grams of the trace, not with its length or the vocabulary.
 * {@link toRow} gives the TF-IDF row of everything pushed so far, equal to
 * `transformOne` of the concatenated calls.
 */
export class NgramCounter {
  /** Calls pushed since creation or the last {@link reset}. */
  calls = 0;
  /** N-gram occurrences so far. */
  ngrams = 0;
  /** Occurrences not in the vocabulary so far. */
  unknown = 0;
  private readonly model: FittedTfidf;
  private readonly table: CallTable;
  private readonly keep: number;
  private buf = new Int32Array(256);
  private hits = new Int32Array(256);
  private tail = 0;
  private readonly one = new Int32Array(1);
  /** Open-addressing map: `[2s]` feature (or -1), `[2s+1]` its count; a power of two of slots. */
  private map = new Int32Array(128).fill(-1);
  private distinct = 0;

  /** @internal Use {@link FittedTfidf.counter}. */
  constructor(model: FittedTfidf, table: CallTable) {
    this.model = model;
    this.table = table;
    this.keep = model.options.ngramRange[1] - 1;
  }

  /** Adds one call id (of the counter's table). */
  push(id: number): void {
    this.one[0] = id;
    this.pushMany(this.one, 1);
  }

  /** Adds `ids[0 .. length)` (the buffer may be reused by the caller afterwards). */
  pushMany(ids: Int32Array, length: number = ids.length): void {
    if (length <= 0) return;
    const [lo, hi] = this.model.options.ngramRange;
    const need = this.tail + length;
    if (this.buf.length < need) this.buf = growInt(this.buf, Math.max(need, this.buf.length * 2));
    const windows = length * (hi - lo + 1);
    if (this.hits.length < windows) this.hits = new Int32Array(Math.max(windows, this.hits.length * 2));
    const map = this.model.canonicalMap(this.table);
    const m = map.length;
    const buf = this.buf;
    for (let i = 0; i < length; i++) {
      const id = ids[i];
      buf[this.tail + i] = id >= 0 && id < m ? map[id] : -1;
    }
    const w = this.model.findWindows(buf, this.tail, need, this.hits);
    // Repeated n-grams come in runs (loops in the traced program): count a run with one map update.
    let prev = -1;
    let run = 0;
    for (let p = 0; p < w; p++) {
      const f = this.hits[p];
      if (f < 0) this.unknown++;
      else if (f === prev) run++;
      else {
        if (run > 0) this.add(prev, run);
        prev = f;
        run = 1;
      }
    }
    if (run > 0) this.add(prev, run);
    this.ngrams += w;
    this.calls += length;
    const keep = Math.min(this.keep, need);
    buf.copyWithin(0, need - keep, need);
    this.tail = keep;
  }

  /** The TF-IDF row (1 × vocabularySize) of all calls pushed so far. */
  toRow(): Csr {
    const k = this.distinct;
    const map = this.map;
    const indices = new Int32Array(k);
    for (let s = 0, p = 0; s < map.length; s += 2) if (map[s] >= 0) indices[p++] = map[s];
    indices.sort();
    const data = new Float64Array(k);
    for (let p = 0; p < k; p++) data[p] = map[this.slotOf(indices[p]) + 1];
    this.model.weigh(indices, data, 0, k);
    return { rows: 1, cols: this.model.vocabularySize, indptr: Int32Array.of(0, k), indices, data };
  }

  /** Forgets everything pushed (keeps the buffers). */
  reset(): void {
    this.calls = 0;
    this.ngrams = 0;
    this.unknown = 0;
    this.tail = 0;
    this.distinct = 0;
    this.map.fill(-1);
  }

  /** Index of f's slot in {@link map}, or of the empty slot where it would go. */
  private slotOf(f: number): number {
    const map = this.map;
    const wrap = map.length - 1;
    let s = ((Math.imul(f, 0x9e3779b1) >>> 7) << 1) & wrap;
    while (map[s] !== f && map[s] >= 0) s = (s + 2) & wrap;
    return s;
  }

  private add(f: number, count: number): void {
    const s = this.slotOf(f);
    if (this.map[s] === f) {
      this.map[s + 1] += count;
      return;
    }
    this.map[s] = f;
    this.map[s + 1] = count;
    if (++this.distinct * 4 > this.map.length) this.rehash();
  }

  private rehash(): void {
    const old = this.map;
    this.map = new Int32Array(old.length * 2).fill(-1);
    for (let s = 0; s < old.length; s += 2) {
      if (old[s] < 0) continue;
      const t = this.slotOf(old[s]);
      this.map[t] = old[s];
      this.map[t + 1] = old[s + 1];
    }
  }
}

/* ---------------------------------------------------------------- fitting internals */

/** The model's sorted canonical names, the table → name-id map, and the longest document. */
export function collectNames(
  docs: readonly Int32Array[],
  table: CallTable,
  lowercase: boolean,
  rule: TokenRule,
): { names: string[]; map: Int32Array; maxLen: number } {
  const size = table.size;
  const used = new Uint8Array(size);
  let maxLen = 0;
  for (let d = 0; d < docs.length; d++) {
    const doc = docs[d];
    if (doc.length > maxLen) maxLen = doc.length;
    for (let i = 0; i < doc.length; i++) {
      const id = doc[i];
      if (!(id >= 0 && id < size))
        throw new RangeError(`document ${d}: call id ${id} at position ${i} is not in the call table (size ${size})`);
      used[id] = 1;
    }
  }
  const canon = new Map<number, string>();
  for (let id = 0; id < size; id++) {
    if (!used[id]) continue;
    const raw = table.nameOf(id);
    if (!(rule === 'word' ? WORD_TOKEN : NONSPACE_TOKEN).test(raw)) throw new UnsupportedCallNameError(raw, rule);
    canon.set(id, lowercase ? raw.toLowerCase() : raw);
  }
  const names = [...new Set(canon.values())].sort();
  const rank = new Map(names.map((n, i) => [n, i]));
  const map = new Int32Array(size).fill(-1);
  for (const [id, name] of canon) map[id] = rank.get(name) as number;
  return { names, map, maxLen };
}

/** @internal What counting n-grams gives (also merged from several threads, `parallel.ts`). */
export interface NgramCounts {
  index: NgramIndex;
  /** Document frequency per (first-seen) feature. */
  df: Int32Array;
  /** Total count per feature. */
  total: Int32Array;
  indptr: Int32Array;
  /** Feature per stored value (first-seen numbering), rows in document order. */
  cols: Int32Array;
  /** Count per stored value. */
  vals: Int32Array;
}

/**
 * @internal The fit from the count on, for the single-thread and the threaded fit alike: the
 * features sorted into column order and pruned, idf, and the rows weighed. Throws
 * {@link EmptyVocabularyError} when there is no feature (`counts` null or empty), or none is
 * left after pruning.
 */
export function fitFromCounts(
  o: ResolvedTfidfOptions,
  names: string[],
  counts: NgramCounts | null,
  nDocs: number,
): { tfidf: FittedTfidf; X: Csr } {
  const lo = o.ngramRange[0];
  if (counts === null || counts.index.size === 0) {
    throw new EmptyVocabularyError(`empty vocabulary: no document has ${lo} or more calls, so there is no ${lo}-gram to learn`);
  }
  const { index } = counts;
  const order = sortFeatures(index, names.length, o.ngramRange[1]);
  const newId = pruneFeatures(o, order, counts.df, counts.total, nDocs);
  const V = index.size - countNegative(newId);
  if (V === 0) {
    throw new EmptyVocabularyError('After pruning, no terms remain. Try a lower minDf or a higher maxDf.');
  }
  const final = index.subset(order, newId, V);
  const idf = new Float64Array(V);
  for (let f = 0; f < index.size; f++) if (newId[f] >= 0) idf[newId[f]] = idfOf(counts.df[f], nDocs, o.smoothIdf);
  const tfidf = new FittedTfidf(o, names, final, idf);
  const X = remapRows(counts, newId, V);
  for (let r = 0; r < X.rows; r++) weighRow(X.indices, X.data, X.indptr[r], X.indptr[r + 1], idf, o);
  return { tfidf, X };
}

/** One pass over all calls: the exact vocabulary, df, total counts and the count matrix. */
function countNgrams(docs: readonly Int32Array[], map: Int32Array, nNames: number, maxLen: number, lo: number, hi: number): NgramCounts {
  const counter = new VocabularyCounter(nNames, 1 << 16);
  const indptr = new Int32Array(docs.length + 1);
  const buf = new Int32Array(maxLen);
  for (let d = 0; d < docs.length; d++) {
    const doc = docs[d];
    for (let i = 0; i < doc.length; i++) buf[i] = map[doc[i]];
    indptr[d + 1] = counter.add(buf, 0, doc.length, lo, hi);
  }
  return { index: counter.index, indptr, ...counter.result() };
}

/**
 * Feature numbers in column order: by name ranks position by position, a shorter n-gram
 * before its extensions. LSD radix sort, one stable counting pass per position.
 */
export function sortFeatures(index: NgramIndex, nNames: number, hi: number): Int32Array {
  const V = index.size;
  const { grams, meta } = index;
  // digit[f]: rank + 1 of feature f's k-th name (0 past its end), refilled for each pass in
  // storage order, so the random accesses of the pass hit this compact array, not `grams`.
  const digit = nNames < 0xff ? new Uint8Array(V) : nNames < 0xffff ? new Uint16Array(V) : new Int32Array(V);
  let order = new Int32Array(V);
  for (let f = 0; f < V; f++) order[f] = f;
  let next = new Int32Array(V);
  const bucket = new Int32Array(nNames + 2);
  for (let k = hi - 1; k >= 0; k--) {
    for (let f = 0; f < V; f++) digit[f] = k < meta[2 * f + 1] ? grams[meta[2 * f] + k] + 1 : 0;
    bucket.fill(0);
    for (let p = 0; p < V; p++) bucket[digit[order[p]] + 1]++;
    for (let b = 1; b < bucket.length; b++) bucket[b] += bucket[b - 1];
    for (let p = 0; p < V; p++) {
      const f = order[p];
      next[bucket[digit[f]]++] = f;
    }
    const t = order;
    order = next;
    next = t;
  }
  return order;
}

/** New column of each feature (-1 when pruned), following scikit-learn's `_limit_features`. */
export function pruneFeatures(o: ResolvedTfidfOptions, order: Int32Array, df: Int32Array, total: Int32Array, nDocs: number): Int32Array {
  const high = Number.isInteger(o.maxDf) && o.maxDf !== 1 ? o.maxDf : o.maxDf * nDocs;
  const low = Number.isInteger(o.minDf) ? o.minDf : o.minDf * nDocs;
  if (high < low) {
    throw new InvalidOptionError('tfidf.maxDf', `a document count >= minDf (${low} documents)`, o.maxDf);
  }
  const V = order.length;
  const keep = new Uint8Array(V); // by sorted position
  let kept = 0;
  for (let p = 0; p < V; p++) {
    const d = df[order[p]];
    if (d >= low && d <= high) {
      keep[p] = 1;
      kept++;
    }
  }
  if (o.maxFeatures !== null && kept > o.maxFeatures) {
    const positions = new Int32Array(kept);
    for (let p = 0, q = 0; p < V; p++) if (keep[p]) positions[q++] = p;
    const ranked = Array.from(positions).sort((a, b) => total[order[b]] - total[order[a]] || a - b);
    keep.fill(0);
    for (let r = 0; r < o.maxFeatures; r++) keep[ranked[r]] = 1;
  }
  const newId = new Int32Array(V).fill(-1);
  for (let p = 0, j = 0; p < V; p++) if (keep[p]) newId[order[p]] = j++;
  return newId;
}

export function countNegative(a: Int32Array): number {
  let c = 0;
  for (let i = 0; i < a.length; i++) if (a[i] < 0) c++;
  return c;
}

/** The count matrix in final column numbering, rows sorted by column; values are counts. */
function remapRows(c: NgramCounts, newId: Int32Array, V: number): Csr {
  const rows = c.indptr.length - 1;
  let nnz = 0;
  for (let p = 0; p < c.indptr[rows]; p++) if (newId[c.cols[p]] >= 0) nnz++;
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(nnz);
  const data = new Float64Array(nnz);
  const dense = new Int32Array(V);
  let q = 0;
  for (let r = 0; r < rows; r++) {
    const a = q;
    for (let p = c.indptr[r]; p < c.indptr[r + 1]; p++) {
      const j = newId[c.cols[p]];
      if (j < 0) continue;
      indices[q++] = j;
      dense[j] = c.vals[p];
    }
    indices.subarray(a, q).sort();
    for (let p = a; p < q; p++) {
      data[p] = dense[indices[p]];
      dense[indices[p]] = 0;
    }
    indptr[r + 1] = q;
  }
  return { rows, cols: V, indptr, indices, data };
}

/** idf of a feature found in `df` of `n` documents. */
export function idfOf(df: number, n: number, smooth: boolean): number {
  return smooth ? Math.log((n + 1) / (df + 1)) + 1 : Math.log(n / df) + 1;
}

/** Counts → tf (→ tf·idf) → normalised, in place on `data[a, b)`; scikit-learn's order of operations. */
export function weighRow(indices: Int32Array, data: Float64Array, a: number, b: number, idf: Float64Array, o: ResolvedTfidfOptions): void {
  if (o.sublinearTf) for (let p = a; p < b; p++) data[p] = Math.log(data[p]) + 1;
  if (o.useIdf) for (let p = a; p < b; p++) data[p] *= idf[indices[p]];
  if (o.norm === null) return;
  let s = 0;
  if (o.norm === 'l2') {
    for (let p = a; p < b; p++) s += data[p] * data[p];
    s = Math.sqrt(s);
  } else {
    for (let p = a; p < b; p++) s += Math.abs(data[p]);
  }
  if (s === 0) return;
  for (let p = a; p < b; p++) data[p] /= s;
}

function growInt(a: Int32Array, cap: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}
