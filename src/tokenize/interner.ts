/**
 * Byte-level interning of call names.
 *
 * The reader never decodes a whole line to a JavaScript string: it hashes the name bytes
 * while it scans them and looks them up in an open-addressing table keyed on the bytes. A
 * string is made only the first time a name is seen, to register it in the shared
 * {@link CallTable}. One interner is kept per table (in a WeakMap), so every trace read into
 * the same table reuses the same byte cache.
 *
 * @packageDocumentation
 */
import type { CallTable } from './call-table.js';

/** FNV-1a offset basis; the reader starts every name hash with it. */
export const HASH_SEED = 0x811c9dc5 | 0;

/** One FNV-1a step: `hashStep(h, byte)`. Inlined by hand in the hot loops. */
export function hashStep(h: number, byte: number): number {
  return Math.imul(h ^ byte, 0x01000193);
}

/** FNV-1a hash of `buf[start..end)`. */
export function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = HASH_SEED;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
  return h;
}

/** Maps name bytes to ids of one {@link CallTable}. */
export class ByteInterner {
  /** Slot -> entry index + 1 (0 = empty). */
  private slots = new Int32Array(1024);
  private mask = 1023;
  private hashes = new Int32Array(256);
  private starts = new Int32Array(256);
  private lengths = new Int32Array(256);
  private ids = new Int32Array(256);
  private pool = new Uint8Array(4096);
  private poolUsed = 0;
  private count = 0;

  constructor(readonly table: CallTable) {}

  /** The table id of the name `buf[start..end)` whose {@link hashBytes} is `hash`. */
  intern(buf: Uint8Array, start: number, end: number, hash: number): number {
    const len = end - start;
    const pool = this.pool;
    let slot = hash & this.mask;
    for (;;) {
      const e = this.slots[slot];
      if (e === 0) break;
      const k = e - 1;
      if (this.hashes[k] === hash && this.lengths[k] === len) {
        const p = this.starts[k];
        let i = 0;
        while (i < len && pool[p + i] === buf[start + i]) i++;
        if (i === len) return this.ids[k];
      }
      slot = (slot + 1) & this.mask;
    }
    return this.add(buf, start, end, hash, slot);
  }

  private add(buf: Uint8Array, start: number, end: number, hash: number, slot: number): number {
    const len = end - start;
    // Names are ASCII identifiers or digits; latin1 maps each byte to one code unit.
    const name = Buffer.from(buf.buffer, buf.byteOffset + start, len).toString('latin1');
    const id = this.table.intern(name);
    if (this.count === this.hashes.length) {
      const grow = (a: Int32Array): Int32Array<ArrayBuffer> => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.hashes = grow(this.hashes);
      this.starts = grow(this.starts);
      this.lengths = grow(this.lengths);
      this.ids = grow(this.ids);
    }
    if (this.poolUsed + len > this.pool.length) {
      const p = new Uint8Array(Math.max(this.pool.length * 2, this.poolUsed + len));
      p.set(this.pool.subarray(0, this.poolUsed));
      this.pool = p;
    }
    this.pool.set(buf.subarray(start, end), this.poolUsed);
    const k = this.count++;
    this.hashes[k] = hash;
    this.starts[k] = this.poolUsed;
    this.lengths[k] = len;
    this.ids[k] = id;
    this.poolUsed += len;
    this.slots[slot] = k + 1;
    if (this.count * 2 > this.slots.length) this.rehash();
    return id;
  }

  private rehash(): void {
    const size = this.slots.length * 2;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    for (let k = 0; k < this.count; k++) {
      let slot = this.hashes[k] & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = k + 1;
    }
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
