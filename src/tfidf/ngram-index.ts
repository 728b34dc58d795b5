/**
 * An exact dictionary of n-grams of integer call ids.
 *
 * Each n-gram is stored once as its ids in one flat `Int32Array`; lookups go through an
 * open-addressing table of feature numbers keyed by a mixed polynomial hash, and every hit
 * is verified id by id against the stored sequence, so two different n-grams never share
 * a feature (no hash collisions leak into the vocabulary). Callers roll the polynomial
 * hash over their own buffers ({@link NGRAM_BASE}, {@link basePower}) so a window costs
 * O(1) hashing instead of O(n).
 *
 * @internal
 */

/** Multiplier of the rolling polynomial hash `h = Σ id[k]·B^(n-1-k)` (mod 2^32). */
export const NGRAM_BASE = 0x9e3779b1 | 0;

/** `B^n` mod 2^32, for removing the id that leaves a rolling window of length n. */
export function basePower(n: number): number {
  let p = 1;
  for (let k = 0; k < n; k++) p = Math.imul(p, NGRAM_BASE);
  return p;
}

/** Mixes a raw polynomial hash with the n-gram length (murmur3's finaliser). */
export function mixHash(h: number, n: number): number {
  h ^= Math.imul(n, 0x85ebca6b);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** Raw polynomial hash of `buf[start .. start+n)`. */
export function polyHash(buf: ArrayLike<number>, start: number, n: number): number {
  let h = 0;
  for (let k = 0; k < n; k++) h = (Math.imul(h, NGRAM_BASE) + buf[start + k]) | 0;
  return h;
}

/** Stored call ids: the narrowest unsigned type that holds every name id. */
export type GramArray = Uint8Array | Uint16Array | Int32Array;

/** A zeroed id array of `length` for ids `< nNames`. */
function gramArray(nNames: number, length: number): GramArray {
  return nNames <= 0x100 ? new Uint8Array(length) : nNames <= 0x10000 ? new Uint16Array(length) : new Int32Array(length);
}

/**
 * Exact n-gram → feature-number dictionary on typed arrays, laid out for few cache misses
 * per lookup: a slot holds (feature, hash) side by side, a feature's (offset, length) are
 * side by side, and the ids are stored in 8 bits when there are at most 256 call names.
 */
export class NgramIndex {
  /** All stored n-grams, back to back. */
  grams: GramArray;
  /**
   * `[2f]` start of feature f's ids in {@link grams}, `[2f+1]` its length n. An index built
   * by {@link fromFlat} whose features share one length does not keep it (feature f starts
   * at f·n): it is rebuilt on first use.
   */
  get meta(): Int32Array {
    return (this.metaArray ??= this.uniformMeta());
  }
  set meta(m: Int32Array) {
    this.metaArray = m;
  }
  /** Mixed hash of feature f (for rehashing); rebuilt on first use by an index from {@link fromFlat}. */
  get hashes(): Int32Array {
    return (this.hashArray ??= this.computeHashes());
  }
  set hashes(h: Int32Array) {
    this.hashArray = h;
  }
  private metaArray: Int32Array | null = null;
  private hashArray: Int32Array | null = null;
  /** Number of stored features. */
  size = 0;
  /** Number of distinct name ids the index can store (ids are `0 .. nNames-1`). */
  readonly nNames: number;
  /** Used length of {@link grams}. */
  private used = 0;
  /** The length shared by every feature so far (-1 while empty), or 0 once lengths differ. */
  private uniform = -1;
  /** Open-addressing table of (feature number or -1, its mixed hash) pairs; a power of two of pairs. */
  private slots: Int32Array;
  private mask: number;

  /** Creates an empty index for ids below `nNames`, sized for about `expected` features. */
  constructor(nNames: number, expected = 1024, expectedIds = expected * 10) {
    const cap = Math.max(16, expected);
    this.nNames = nNames;
    this.meta = new Int32Array(2 * cap);
    this.hashes = new Int32Array(cap);
    this.grams = gramArray(nNames, Math.max(16, expectedIds));
    let tableSize = 16;
    while (tableSize < cap * 2) tableSize *= 2;
    this.slots = new Int32Array(tableSize * 2).fill(-1);
    this.mask = tableSize - 1;
  }

  /**
   * Builds the index of features stored back to back in `ids` (feature f is the next
   * `lengths[f]` ids), numbered in that order, in one pass: no per-feature allocation or
   * copy. The caller must have checked that every length is >= 1 and that they add up to
   * `ids.length`; this checks every id (`0 <= id < nNames`) and that no feature repeats an
   * earlier one, and returns a description of the first problem instead of an index.
   * `ids` is adopted, not copied, when it already has the storage type for `nNames`
   * (the caller must then not modify it).
   */
  static fromFlat(nNames: number, ids: GramArray, lengths: ArrayLike<number>): NgramIndex | string {
    const V = lengths.length;
    const total = ids.length;
    // Every id must name a call (a type too narrow to hold nNames needs no check). Ids
    // that are converted are checked before the conversion; adopted ones while hashing.
    const limit = ids instanceof Uint8Array ? 0x100 : ids instanceof Uint16Array ? 0x10000 : 0x80000000;
    const check = nNames < limit ? nNames : -1;
    const out = new NgramIndex(nNames, 0, 0);
    let grams: GramArray;
    if (Object.getPrototypeOf(ids) === Object.getPrototypeOf(out.grams)) grams = ids;
    else {
      for (let p = 0; p < total; p++) {
        const id = ids[p];
        if (!(id >= 0 && id < nNames)) return `[${p}] = ${id} is not a name id`;
      }
      grams = gramArray(nNames, total);
      grams.set(ids);
    }
    // Two simple loops (hash everything, then fill the table) rather than one: they reach
    // optimised code sooner in a cold process.
    const hashes = new Int32Array(V);
    const scan = hashFeatures(grams, lengths, hashes);
    if (check >= 0 && (scan.max >= check || scan.min < 0)) {
      for (let p = 0; p < total; p++) if (!(grams[p] >= 0 && grams[p] < check)) return `[${p}] = ${grams[p]} is not a name id`;
    }
    // One length for all: no per-feature offsets (feature f starts at f·n). The hashes are
    // kept in the table only; both arrays are rebuilt if ever needed (see meta, hashes).
    const uniform = scan.uniform;
    let meta: Int32Array | null = null;
    if (uniform <= 0) {
      meta = new Int32Array(2 * Math.max(16, V));
      for (let f = 0, p = 0; f < V; f++) {
        meta[2 * f] = p;
        meta[2 * f + 1] = lengths[f];
        p += lengths[f];
      }
    }
    out.grams = grams;
    out.metaArray = meta;
    out.hashArray = null;
    out.used = total;
    out.uniform = uniform;
    let tableSize = 16;
    while (tableSize < V * 2) tableSize *= 2;
    const mask = tableSize - 1;
    const slots = new Int32Array(tableSize * 2).fill(-1);
    out.slots = slots;
    out.mask = mask;
    // Features with equal hashes (rare) are compared afterwards, in insertion order.
    const pairs = fillTable(slots, mask, hashes);
    for (let i = 0; i < pairs.length; i += 2) {
      if (out.sameFeature(pairs[i], pairs[i + 1])) return `feature ${pairs[i + 1]} repeats an earlier feature`;
    }
    out.size = V;
    return out;
  }

  /**
   * Feature number of `buf[start .. start+n)` whose mixed hash is `mixed`, or -1.
   * `mixed` must be `mixHash(polyHash(buf, start, n), n)`.
   */
  find(buf: Int32Array, start: number, n: number, mixed: number): number {
    const slots = this.slots;
    const wrap = (this.mask << 1) | 1;
    for (let s = (mixed << 1) & wrap; ; s = (s + 2) & wrap) {
      const f = slots[s];
      if (f < 0) return -1;
      if (slots[s + 1] === mixed && this.same(f, buf, start, n)) return f;
    }
  }

  /** Like {@link find}, but adds the n-gram when it is new; returns its feature number. */
  insert(buf: Int32Array, start: number, n: number, mixed: number): number {
    const slots = this.slots;
    const wrap = (this.mask << 1) | 1;
    let s = (mixed << 1) & wrap;
    for (; ; s = (s + 2) & wrap) {
      const f = slots[s];
      if (f < 0) break;
      if (slots[s + 1] === mixed && this.same(f, buf, start, n)) return f;
    }
    for (let k = 0; k < n; k++) {
      const id = buf[start + k];
      if (!(id >= 0 && id < this.nNames)) throw new RangeError(`name id ${id} is outside [0, ${this.nNames})`);
    }
    const f = this.append(buf, start, n, mixed);
    slots[s] = f;
    slots[s + 1] = mixed;
    if (this.size * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    return f;
  }

  /**
   * A new index holding the features `order[p]` with `keep[order[p]] >= 0`, numbered in
   * that order (0, 1, ...). No verification is needed: the features are already distinct.
   */
  subset(order: Int32Array, keep: Int32Array, count: number): NgramIndex {
    let ids = 0;
    for (let p = 0; p < order.length; p++) if (keep[order[p]] >= 0) ids += this.meta[2 * order[p] + 1];
    const out = new NgramIndex(this.nNames, count, ids);
    for (let p = 0; p < order.length; p++) {
      const f = order[p];
      if (keep[f] < 0) continue;
      out.append(this.grams, this.meta[2 * f], this.meta[2 * f + 1], this.hashes[f]);
    }
    out.rehash(out.slots.length / 2);
    return out;
  }

  /**
   * Looks up every window of length `lo..hi` that ends at a position in `[from, to)` of
   * `buf` and starts at or after 0, writing its feature number (or -1 when unknown, or
   * when it holds an unknown id, i.e. a negative one) to `out`, n by n. Returns the number
   * of windows written; `out` must hold `(to - from) * (hi - lo + 1)` values.
   */
  findWindows(buf: Int32Array, from: number, to: number, lo: number, hi: number, out: Int32Array): number {
    let w = 0;
    for (let n = lo; n <= hi; n++) {
      const bn = basePower(n);
      const start = from - n + 1 > 0 ? from - n + 1 : 0;
      let h = 0;
      let lastBad = start - 1;
      for (let i = start; i < to; i++) {
        const c = buf[i];
        if (c < 0) lastBad = i;
        h = (Math.imul(h, NGRAM_BASE) + c) | 0;
        if (i - n >= start) h = (h - Math.imul(buf[i - n], bn)) | 0;
        if (i >= from && i - n + 1 >= start) {
          out[w++] = lastBad > i - n ? -1 : this.find(buf, i - n + 1, n, mixHash(h, n));
        }
      }
    }
    return w;
  }

  /**
   * Every feature's ids back to back, feature 0 first (a view, not a copy): features are
   * always stored in their number order, each after the previous one.
   */
  ids(): GramArray {
    return this.grams.subarray(0, this.used);
  }

  /** The ids of feature f (a view, not a copy). */
  gram(f: number): GramArray {
    const u = this.uniform;
    if (u > 0) return this.grams.subarray(f * u, f * u + u);
    return this.grams.subarray(this.meta[2 * f], this.meta[2 * f] + this.meta[2 * f + 1]);
  }

  /** Length (n) of feature f. */
  lengthOf(f: number): number {
    return this.uniform > 0 ? this.uniform : this.meta[2 * f + 1];
  }

  /** {@link meta} of an index whose features all have length {@link uniform}. */
  private uniformMeta(): Int32Array {
    const n = this.uniform;
    const meta = new Int32Array(2 * Math.max(16, this.size));
    for (let f = 0; f < this.size; f++) {
      meta[2 * f] = f * n;
      meta[2 * f + 1] = n;
    }
    return meta;
  }

  /** {@link hashes} recomputed from the stored ids. */
  private computeHashes(): Int32Array {
    const meta = this.meta;
    const hashes = new Int32Array(meta.length >> 1);
    for (let f = 0; f < this.size; f++) {
      const n = meta[2 * f + 1];
      hashes[f] = mixHash(polyHash(this.grams, meta[2 * f], n), n);
    }
    return hashes;
  }

  /** Whether stored features g and f hold the same ids. */
  private sameFeature(g: number, f: number): boolean {
    const o = this.uniform > 0 ? f * this.uniform : this.meta[2 * f];
    return this.same(g, this.grams as Int32Array, o, this.lengthOf(f));
  }

  private same(f: number, buf: Int32Array, start: number, n: number): boolean {
    // With one length for all features (the usual ngramRange [n, n]) feature f starts at
    // f·n: no access to `meta`, one cache miss fewer per lookup.
    const u = this.uniform;
    let o: number;
    if (u === n) o = f * n;
    else if (u > 0) return false;
    else {
      if (this.meta[2 * f + 1] !== n) return false;
      o = this.meta[2 * f];
    }
    const g = this.grams;
    for (let k = 0; k < n; k++) if (g[o + k] !== buf[start + k]) return false;
    return true;
  }

  /** Stores a new feature (no table update); returns its number. */
  private append(src: ArrayLike<number>, start: number, n: number, mixed: number): number {
    const f = this.size;
    if (f === this.hashes.length) {
      const cap = this.hashes.length * 2;
      const meta = new Int32Array(2 * cap);
      meta.set(this.meta);
      this.meta = meta;
      const hashes = new Int32Array(cap);
      hashes.set(this.hashes);
      this.hashes = hashes;
    }
    if (this.used + n > this.grams.length) {
      const g = gramArray(this.nNames, Math.max(this.grams.length * 2, this.used + n));
      g.set(this.grams.subarray(0, this.used));
      this.grams = g;
    }
    const g = this.grams;
    for (let k = 0; k < n; k++) g[this.used + k] = src[start + k];
    this.meta[2 * f] = this.used;
    this.meta[2 * f + 1] = n;
    if (this.uniform !== n) this.uniform = this.uniform === -1 ? n : 0;
    this.hashes[f] = mixed;
    this.used += n;
    this.size = f + 1;
    return f;
  }

  private rehash(tableSize: number): void {
    const slots = new Int32Array(tableSize * 2).fill(-1);
    const mask = tableSize - 1;
    for (let f = 0; f < this.size; f++) {
      let s = this.hashes[f] & mask;
      while (slots[s << 1] >= 0) s = (s + 1) & mask;
      slots[s << 1] = f;
      slots[(s << 1) + 1] = this.hashes[f];
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/**
 * Mixed hash of each feature stored back to back in `grams` (lengths in `lengths`) into
 * `hashes`. Returns the largest and smallest id (for the caller's range check) and the
 * length every feature shares (0 when they differ, -1 when there is none).
 *
 * One pass over the ids, the range check reduced to a running maximum and minimum,
 * {@link mixHash} written out and the lengths compared on the way: in a fresh process this
 * runs in V8's interpreter for a good part of its first call (a model load), where every
 * operation and every extra pass counts (shipped model, 349,280 ids, cold: 7.4 -> 4.6 ms
 * wall against hashing, then checking the ids, in two loops).
 */
function hashFeatures(grams: GramArray, lengths: ArrayLike<number>, hashes: Int32Array): { uniform: number; max: number; min: number } {
  const V = lengths.length;
  const B = NGRAM_BASE;
  let max = 0;
  let min = 0;
  let uniform = -1;
  for (let f = 0, p = 0; f < V; f++) {
    const n = lengths[f];
    if (n !== uniform) uniform = uniform === -1 ? n : 0;
    let h = 0;
    for (const end = p + n; p < end; p++) {
      const id = grams[p];
      if (id > max) max = id;
      else if (id < min) min = id;
      h = (Math.imul(h, B) + id) | 0;
    }
    // mixHash(h, n), inline.
    h ^= Math.imul(n, 0x85ebca6b);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    hashes[f] = h | 0;
  }
  return { uniform, max, min };
}

/**
 * Inserts features 0..V-1 with mixed hashes `hashes` into the empty open-addressing table
 * `slots` (pairs of feature, hash; `mask + 1` pairs). Returns the pairs (earlier feature,
 * later feature) whose hashes are equal, for the caller to compare.
 */
function fillTable(slots: Int32Array, mask: number, hashes: Int32Array): number[] {
  const pairs: number[] = [];
  for (let f = 0; f < hashes.length; f++) {
    const mixed = hashes[f];
    let s = mixed & mask;
    for (; slots[s << 1] >= 0; s = (s + 1) & mask) {
      if (slots[(s << 1) + 1] === mixed) pairs.push(slots[s << 1], f);
    }
    slots[s << 1] = f;
    slots[(s << 1) + 1] = mixed;
  }
  return pairs;
}
