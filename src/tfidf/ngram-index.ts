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

/** Exact n-gram → feature-number dictionary on typed arrays. */
export class NgramIndex {
  /** All stored n-grams, back to back. */
  grams: Int32Array;
  /** Start of feature f's ids in {@link grams}. */
  offsets: Int32Array;
  /** Length (n) of feature f. */
  lengths: Int32Array;
  /** Mixed hash of feature f (checked before the id-by-id comparison). */
  hashes: Int32Array;
  /** Number of stored features. */
  size = 0;
  /** Used length of {@link grams}. */
  private used = 0;
  /** Open-addressing table of (feature number or -1, its mixed hash) pairs; a power of two of pairs. */
  private slots: Int32Array;
  private mask: number;

  /** Creates an empty index sized for about `expected` features. */
  constructor(expected = 1024, expectedIds = expected * 10) {
    const cap = Math.max(16, expected);
    this.offsets = new Int32Array(cap);
    this.lengths = new Int32Array(cap);
    this.hashes = new Int32Array(cap);
    this.grams = new Int32Array(Math.max(16, expectedIds));
    let tableSize = 16;
    while (tableSize < cap * 2) tableSize *= 2;
    this.slots = new Int32Array(tableSize * 2).fill(-1);
    this.mask = tableSize - 1;
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
      if (slots[s + 1] === mixed && this.lengths[f] === n && this.same(f, buf, start, n)) return f;
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
      if (slots[s + 1] === mixed && this.lengths[f] === n && this.same(f, buf, start, n)) return f;
    }
    const f = this.size;
    if (f === this.offsets.length) this.growFeatures();
    if (this.used + n > this.grams.length) {
      const g = new Int32Array(Math.max(this.grams.length * 2, this.used + n));
      g.set(this.grams.subarray(0, this.used));
      this.grams = g;
    }
    this.grams.set(buf.subarray(start, start + n), this.used);
    this.offsets[f] = this.used;
    this.lengths[f] = n;
    this.hashes[f] = mixed;
    this.used += n;
    this.size = f + 1;
    slots[s] = f;
    slots[s + 1] = mixed;
    if (this.size * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    return f;
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

  /** The ids of feature f (a view, not a copy). */
  gram(f: number): Int32Array {
    return this.grams.subarray(this.offsets[f], this.offsets[f] + this.lengths[f]);
  }

  private same(f: number, buf: Int32Array, start: number, n: number): boolean {
    const g = this.grams;
    const o = this.offsets[f];
    for (let k = 0; k < n; k++) if (g[o + k] !== buf[start + k]) return false;
    return true;
  }

  private growFeatures(): void {
    const cap = this.offsets.length * 2;
    const grow = (a: Int32Array): Int32Array => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.offsets = grow(this.offsets);
    this.lengths = grow(this.lengths);
    this.hashes = grow(this.hashes);
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
