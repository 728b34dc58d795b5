/**
 * Byte-level interning of call names: a trie over the bytes.
 *
 * The reader never decodes a line to a JavaScript string. It walks the name's bytes down a
 * trie whose nodes know the table id of the name ending there, so finding where a name ends
 * and which call it is takes one pass with one table load per byte. A string is made only
 * the first time a name is seen, to register it in the shared {@link CallTable}. One interner
 * is kept per table (in a WeakMap), so every trace read into the same table reuses it.
 *
 * @packageDocumentation
 */
import type { CallTable } from './call-table.js';

/** Identifier byte -> child slot 0..62 (A-Z, a-z, 0-9, _); 255 for every other byte. */
const SLOT = new Uint8Array(256).fill(255);
for (let c = 65; c <= 90; c++) SLOT[c] = c - 65;
for (let c = 97; c <= 122; c++) SLOT[c] = c - 97 + 26;
for (let c = 48; c <= 57; c++) SLOT[c] = c - 48 + 52;
SLOT[95] = 62;
const FANOUT_BITS = 6;

/** Maps identifier bytes to ids of one {@link CallTable}. */
export class ByteInterner {
  /** child[(node << 6) + slot] = child node, 0 = none (node 0 is the root). */
  private child = new Int32Array(256 << FANOUT_BITS);
  /** Table id of the name ending at each node, -1 for none. */
  private idAt = new Int32Array(256).fill(-1);
  private nodes = 1;
  /** Where the last {@link match} stopped. */
  matchEnd = 0;

  constructor(readonly table: CallTable) {}

  /**
   * Walks the identifier starting at `start` (up to `end`). Returns the id of the name
   * `buf[start..matchEnd)` when it is known and the identifier ends at `matchEnd` (at a
   * non-identifier byte or at `end`); -1 when the name was never seen (then `matchEnd` is
   * not where it ends).
   */
  match(buf: Uint8Array, start: number, end: number): number {
    const child = this.child;
    let node = 0;
    let q = start;
    while (q < end) {
      const k = SLOT[buf[q]];
      if (k === 255) break;
      node = child[(node << FANOUT_BITS) + k];
      if (node === 0) {
        this.matchEnd = q;
        return -1;
      }
      q++;
    }
    this.matchEnd = q;
    return this.idAt[node];
  }

  /** The table id of the identifier `buf[start..end)`, adding it to the table if new. */
  intern(buf: Uint8Array, start: number, end: number): number {
    let node = 0;
    for (let q = start; q < end; q++) {
      const k = SLOT[buf[q]];
      if (k === 255) throw new RangeError(`byte ${buf[q]} cannot be part of a call name`);
      const at = (node << FANOUT_BITS) + k;
      let next = this.child[at];
      if (next === 0) {
        next = this.newNode();
        this.child[at] = next;
      }
      node = next;
    }
    let id = this.idAt[node];
    if (id < 0) {
      // Identifier bytes are ASCII: latin1 maps each to one code unit.
      id = this.table.intern(Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1'));
      this.idAt[node] = id;
    }
    return id;
  }

  private newNode(): number {
    if (this.nodes === this.idAt.length) {
      const ids = new Int32Array(this.nodes * 2).fill(-1);
      ids.set(this.idAt);
      this.idAt = ids;
      const ch = new Int32Array((this.nodes * 2) << FANOUT_BITS);
      ch.set(this.child);
      this.child = ch;
    }
    return this.nodes++;
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
