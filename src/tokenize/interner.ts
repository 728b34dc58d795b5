/**
 * Byte-level interning of call names: an open-addressing hash table over the names' bytes.
 *
 * The reader never decodes a line to a JavaScript string. It hashes a name's bytes while it
 * scans them ({@link hashName}: one multiply per four bytes, and no table load, so the scan is
 * not a chain of dependent memory loads), then looks the name up once ({@link ByteInterner.lookup}):
 * one slot probe and a byte-for-byte comparison with the stored name, so a lookup is exact
 * (a hash collision can never map two names to one id). A string is made only the first
 * time a name is seen, to register it in the shared {@link CallTable}. One interner is kept
 * per table (in a WeakMap), so every trace read into the same table reuses it.
 *
 * @packageDocumentation
 */
import type { CallTable } from './call-table.js';

/** Identifier bytes (A-Z, a-z, 0-9, _): 1; every other byte: 0. */
export const NAME_BYTE = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  NAME_BYTE[c] = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 ? 1 : 0;
}

/**
 * Hash of an empty name (see {@link hashName}). The hot loops write it, and the multiplier
 * of {@link hashStep}, as literals: neither is a small integer to V8, so a module constant
 * would be loaded from the module's context, boxed as a heap number, and converted back on
 * every use (measured: 4.5 % slower on a synthetic log of random call names).
 */
export const HASH_SEED = 0x811c9dc5 | 0;

/** One step of the name hash: folds the little-endian 32-bit word `w` into `h`. */
export function hashStep(h: number, w: number): number {
  return Math.imul(h ^ w, 0x9e3779b1 | 0);
}

/**
 * Hash of the name `buf[start..end)`: its bytes taken as little-endian 32-bit words (the last
 * one zero-padded), each folded in with {@link hashStep}. The reader's
 * fast paths compute the same value four bytes at a time with a DataView while they look for
 * the name's end; this is the byte-at-a-time form.
 */
export function hashName(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5 | 0; // HASH_SEED
  let w = 0;
  for (let q = start; q < end; q++) {
    const k = (q - start) & 3;
    w |= buf[q] << (k << 3);
    if (k === 3) {
      h = hashStep(h, w);
      w = 0;
    }
  }
  if (((end - start) & 3) !== 0) h = hashStep(h, w);
  return h;
}

/**
 * `[0]`: the hash of the name found by the last {@link scanName}. (A typed array, not a
 * module variable: a 32-bit hash stored in a variable would be boxed on every call.)
 */
export const scanHash = new Int32Array(1);

/**
 * Finds the end of a call name at `pos`, four bytes at a time: the first byte below `0`
 * (0x30) — the `(` of a raw call line, the `\r` or `\n` of a reduced one, a space — found in
 * each little-endian word with the borrow trick `(w - 0x30303030) & ~w & 0x80808080`, whose
 * lowest flagged byte is exact. Leaves the name's {@link hashName} in {@link scanHash}. Returns
 * the end, or -1 when the name is empty or no such byte is found in a whole word before `lim`
 * (the general path then decides the line). The span may hold bytes that are not identifier
 * characters (`:`, `@`, bytes >= 0x80): the lookup that follows compares it with known names,
 * which hold none, so such a span is never taken for a call.
 */
export function scanName(view: DataView, pos: number, lim: number): number {
  let h = 0x811c9dc5 | 0; // HASH_SEED
  let q = pos;
  while (q + 4 <= lim) {
    const w = view.getInt32(q, true);
    const t = (w - 0x30303030) & ~w & 0x80808080;
    if (t !== 0) {
      const k = (31 - Math.clz32(t & -t)) >> 3;
      if (k > 0) h = hashStep(h, w & ((1 << (k << 3)) - 1));
      q += k;
      if (q === pos) return -1;
      scanHash[0] = h;
      return q;
    }
    h = hashStep(h, w);
    q += 4;
  }
  return -1;
}

/**
 * Names an interner holds before its tables first grow (a table of NtTrace's ntdll
 * configuration has ~500; the corpus uses ~300). Growing replaces an array that the reader's
 * optimised code holds as a constant: V8 then throws that code away, or the compilation
 * under way (~40 ms of CPU while a first trace is read), so the room is made up front
 * (76 KiB per table).
 */
const INITIAL_NAMES = 1024;

/** Slot of a name of hash `h` and length `len`. */
export function slotOf(h: number, len: number, mask: number): number {
  let x = Math.imul(h ^ len, 0x85ebca6b);
  x ^= x >>> 15;
  return x & mask;
}

/**
 * The table id of the name `u8[start..end)` of hash `h` in an interner's `slots` (see
 * {@link ByteInterner.slots}), or -1. The name is compared with the stored one four bytes
 * at a time when `view` is given (`view` and `poolView` are DataViews over `u8` and `pool`),
 * else byte by byte. A function of its arguments alone, so that V8 inlines it into the
 * reader's fast path with the interner's arrays in registers.
 */
export function probeWords(
  slots: Int32Array,
  mask: number,
  pool: Uint8Array,
  poolView: DataView,
  u8: Uint8Array,
  view: DataView | null,
  start: number,
  end: number,
  h: number,
): number {
  const len = end - start;
  // The probe starts one slot early and steps first: the step then runs on every lookup,
  // so V8 has seen it before it optimises (a step first met after that, at the first
  // collision, would throw the optimised code away: a 25 ms recompilation).
  for (let i = (slotOf(h, len, mask) + mask) & mask; ;) {
    i = (i + 1) & mask;
    const r = i << 2;
    const l = slots[r + 1];
    if (l === 0) return -1;
    if (slots[r] !== h || l !== len) continue;
    const o = slots[r + 2] - start;
    let k = start;
    if (view !== null) while (k + 4 <= end && view.getInt32(k, true) === poolView.getInt32(o + k, true)) k += 4;
    while (k < end && u8[k] === pool[o + k]) k++;
    if (k === end) return slots[r + 3];
  }
}

/** Maps identifier bytes to ids of one {@link CallTable}. */
export class ByteInterner {
  /** All interned names' bytes, back to back. @internal (read by the reader's fast paths) */
  pool = new Uint8Array(INITIAL_NAMES * 32);
  /** A DataView of {@link pool}. @internal */
  poolView = new DataView(this.pool.buffer);
  private poolUsed = 0;
  private count = 0;
  /**
   * By table id, for the names interned here: start in {@link pool} and length (0 for an id
   * not interned through this interner). Replaced when grown: re-read after any
   * {@link intern}. @internal
   */
  idStart = new Int32Array(INITIAL_NAMES);
  /** @internal See {@link idStart}. */
  idLen = new Int32Array(INITIAL_NAMES);
  /**
   * Open addressing, one record of four int32 per slot (one cache line per probe): the
   * name's hash, its length (0 = empty slot), its start in {@link pool}, its table id. A power
   * of two of slots, at most half full. @internal (read by the reader's raw fast path)
   */
  slots = new Int32Array(4 * 2 * INITIAL_NAMES);
  /** @internal See {@link slots}. */
  mask = 2 * INITIAL_NAMES - 1;
  /**
   * The reader's guess of a line's name: by a hash of the line's eight bytes from its third
   * on (after a raw call's "Nt"), the id of the name last read at a line with those bytes
   * (-1: none). Right for 97 % of the raw corpus's calls and 99 % of the reduced corpus's;
   * a guess only: the reader compares the name. Never replaced. @internal
   */
  readonly seen = new Int32Array(1024).fill(-1);
  /**
   * The raw fast path's guess of where a call line's ` ) => ` is: by a hash of the line's
   * last four bytes, its distance from the line's end in the last line that ended so (0:
   * none). A guess only: the reader checks the bytes there. @internal
   */
  readonly ends = new Int32Array(256);
  /** Where the last {@link match} stopped. */
  matchEnd = 0;
  /**
   * A call list that a reader of this table has finished with, for the next reader to write
   * its calls into (reading many traces into one table then allocates no list per trace).
   * Taken while a reader runs, so readers that run at once each have their own. @internal
   */
  spareCalls: Int32Array | undefined = undefined;

  constructor(readonly table: CallTable) {}

  /** Number of names interned through this interner. */
  get size(): number {
    return this.count;
  }

  /**
   * The table id of the name `buf[start..end)` whose hash is `h` ({@link hashName}), or -1
   * when it was never interned. The bytes are compared, so the answer is exact.
   */
  lookup(buf: Uint8Array, start: number, end: number, h: number): number {
    return probeWords(this.slots, this.mask, this.pool, this.poolView, buf, null, start, end, h);
  }

  /**
   * {@link lookup} comparing four bytes at a time ({@link probeWords}): `view` is a DataView
   * over the same bytes as `buf` (same offset).
   */
  lookupWords(buf: Uint8Array, view: DataView, start: number, end: number, h: number): number {
    return probeWords(this.slots, this.mask, this.pool, this.poolView, buf, view, start, end, h);
  }

  /**
   * Scans the identifier starting at `start` (up to `end`) and returns the id of the name
   * `buf[start..matchEnd)` when it is known, -1 when not; `matchEnd` is where the identifier
   * ends (at a non-identifier byte or at `end`) either way.
   */
  match(buf: Uint8Array, start: number, end: number): number {
    let h = 0x811c9dc5 | 0; // HASH_SEED
    let w = 0;
    let q = start;
    while (q < end) {
      const c = buf[q];
      if (NAME_BYTE[c] === 0) break;
      const k = (q - start) & 3;
      w |= c << (k << 3);
      if (k === 3) {
        h = hashStep(h, w);
        w = 0;
      }
      q++;
    }
    if (((q - start) & 3) !== 0) h = hashStep(h, w);
    this.matchEnd = q;
    return q === start ? -1 : this.lookup(buf, start, q, h);
  }

  /** The table id of the identifier `buf[start..end)`, adding it to the table if new. */
  intern(buf: Uint8Array, start: number, end: number): number {
    for (let q = start; q < end; q++) {
      if (NAME_BYTE[buf[q]] === 0) throw new RangeError(`byte ${buf[q]} cannot be part of a call name`);
    }
    const h = hashName(buf, start, end);
    const found = this.lookup(buf, start, end, h);
    if (found >= 0) return found;
    // Identifier bytes are ASCII: latin1 maps each to one code unit.
    const id = this.table.intern(Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1'));
    this.add(buf, start, end, h, id);
    return id;
  }

  private add(buf: Uint8Array, start: number, end: number, h: number, id: number): void {
    const len = end - start;
    if (this.poolUsed + len > this.pool.length) {
      const p = new Uint8Array(Math.max(2 * this.pool.length, this.poolUsed + len));
      p.set(this.pool.subarray(0, this.poolUsed));
      this.pool = p;
      this.poolView = new DataView(p.buffer);
    }
    this.pool.set(buf.subarray(start, end), this.poolUsed);
    this.count++;
    if (2 * this.count > this.mask + 1) this.rehash(2 * (this.mask + 1));
    this.place(this.slots, this.mask, h, len, this.poolUsed, id);
    if (id >= this.idLen.length) {
      let size = this.idLen.length;
      while (size <= id) size *= 2;
      const st = new Int32Array(size);
      st.set(this.idStart);
      this.idStart = st;
      const ln = new Int32Array(size);
      ln.set(this.idLen);
      this.idLen = ln;
    }
    this.idStart[id] = this.poolUsed;
    this.idLen[id] = len;
    this.poolUsed += len;
  }

  private place(slots: Int32Array, mask: number, h: number, len: number, start: number, id: number): void {
    let i = slotOf(h, len, mask);
    while (slots[(i << 2) + 1] !== 0) i = (i + 1) & mask;
    const r = i << 2;
    slots[r] = h;
    slots[r + 1] = len;
    slots[r + 2] = start;
    slots[r + 3] = id;
  }

  private rehash(size: number): void {
    const old = this.slots;
    const slots = new Int32Array(4 * size);
    const mask = size - 1;
    for (let r = 0; r < old.length; r += 4) {
      if (old[r + 1] !== 0) this.place(slots, mask, old[r], old[r + 1], old[r + 2], old[r + 3]);
    }
    this.slots = slots;
    this.mask = mask;
  }
}

const interners = new WeakMap<CallTable, ByteInterner>();

/** The (shared) byte interner of `table`. */
export function internerFor(table: CallTable): ByteInterner {
  let it = interners.get(table);
  if (it === undefined) {
    it = new ByteInterner(table);
    interners.set(table, it);
  }
  return it;
}
