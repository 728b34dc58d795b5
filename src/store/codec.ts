/**
 * Compact encoding of a reduced call sequence, as stored in `ntmd_traces.sequence`.
 *
 * Layout (encoding 1), compressed as a whole with raw DEFLATE:
 *
 * ```
 * varint  nNames              distinct call names, in first-seen order
 * nNames x (varint byteLength, UTF-8 bytes)
 * varint  nCalls
 * u8      width               1, 2 or 4: bytes per call id
 * nCalls x id (little endian) index into the names above
 * ```
 *
 * A trace of 2 MB of text (about 100,000 calls over ~100 names) becomes 100 kB of ids
 * before compression and typically a few kB after. The canonical text of a sequence — each
 * call name followed by `\n` — is what {@link renderReduced} produces; the store proves
 * byte-identity of an imported reduced file by comparing it with this rendering, and keeps
 * the original bytes only when they differ.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { CallTable } from '../tokenize/call-table.js';
import { TraceEncodingError } from './errors.js';

/** Version tag stored next to each blob (`ntmd_traces.encoding`). */
export const SEQUENCE_ENCODING = 1;

/** A call sequence over its own small name table. */
export interface LocalSequence {
  /** Distinct names; `ids` index into this. */
  names: readonly string[];
  /** The calls, as indices into `names`. */
  ids: Int32Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

function writeVarint(buf: Uint8Array, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

/** Encodes and compresses a sequence (see the module comment for the layout). */
export function encodeSequence(seq: LocalSequence): Uint8Array {
  const { names, ids } = seq;
  const nameBytes = names.map((n) => encoder.encode(n));
  const width = names.length <= 0x100 ? 1 : names.length <= 0x10000 ? 2 : 4;
  let size = varintLength(names.length) + varintLength(ids.length) + 1 + ids.length * width;
  for (const b of nameBytes) size += varintLength(b.length) + b.length;
  const buf = new Uint8Array(size);
  let pos = writeVarint(buf, 0, names.length);
  for (const b of nameBytes) {
    pos = writeVarint(buf, pos, b.length);
    buf.set(b, pos);
    pos += b.length;
  }
  pos = writeVarint(buf, pos, ids.length);
  buf[pos++] = width;
  const n = ids.length;
  if (width === 1) {
    for (let i = 0; i < n; i++) buf[pos + i] = ids[i];
  } else if (width === 2) {
    for (let i = 0; i < n; i++) {
      const v = ids[i];
      buf[pos + 2 * i] = v & 0xff;
      buf[pos + 2 * i + 1] = v >>> 8;
    }
  } else {
    const view = new DataView(buf.buffer, buf.byteOffset + pos, n * 4);
    for (let i = 0; i < n; i++) view.setInt32(4 * i, ids[i], true);
  }
  return deflateRawSync(buf, { level: 6 });
}

/** A cursor over a decompressed blob, failing with {@link TraceEncodingError} on truncation. */
class Reader {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly what: string,
  ) {}

  varint(): number {
    let n = 0;
    let mul = 1;
    for (;;) {
      if (this.pos >= this.buf.length) throw new TraceEncodingError(this.what, 'sequence blob is truncated');
      const b = this.buf[this.pos++];
      n += (b & 0x7f) * mul;
      if (b < 0x80) return n;
      mul *= 128;
      if (mul > 2 ** 49) throw new TraceEncodingError(this.what, 'malformed length in sequence blob');
    }
  }

  bytes(len: number): Uint8Array {
    if (this.pos + len > this.buf.length) throw new TraceEncodingError(this.what, 'sequence blob is truncated');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
}

/** Decompresses and decodes a blob into its own name table (ids local to the trace). */
export function decodeSequence(blob: Uint8Array, what = 'stored trace'): LocalSequence {
  return decode(blob, what, undefined);
}

/**
 * Decompresses and decodes a blob with ids in a shared `table` (names interned in the
 * blob's first-seen order), as the corpus views hand calls to training.
 */
export function decodeInto(blob: Uint8Array, table: CallTable, what = 'stored trace'): Int32Array {
  return decode(blob, what, table).ids;
}

function decode(blob: Uint8Array, what: string, table: CallTable | undefined): LocalSequence {
  let raw: Uint8Array;
  try {
    raw = inflateRawSync(blob);
  } catch (e) {
    throw new TraceEncodingError(what, `sequence blob does not inflate (${(e as Error).message})`);
  }
  const r = new Reader(raw, what);
  const nNames = r.varint();
  const names: string[] = new Array<string>(nNames);
  for (let i = 0; i < nNames; i++) {
    const bytes = r.bytes(r.varint());
    try {
      names[i] = decoder.decode(bytes);
    } catch {
      throw new TraceEncodingError(what, `call name ${i} is not valid UTF-8`);
    }
  }
  const nCalls = r.varint();
  const width = r.bytes(1)[0];
  if (width !== 1 && width !== 2 && width !== 4) throw new TraceEncodingError(what, `unknown id width ${width}`);
  const body = r.bytes(nCalls * width);
  if (r.pos !== raw.length) throw new TraceEncodingError(what, `${raw.length - r.pos} unexpected bytes after the calls`);
  const map = new Int32Array(nNames);
  for (let i = 0; i < nNames; i++) map[i] = table ? table.intern(names[i]) : i;
  const ids = new Int32Array(nCalls);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  for (let i = 0; i < nCalls; i++) {
    const v = width === 1 ? body[i] : width === 2 ? view.getUint16(2 * i, true) : view.getInt32(4 * i, true);
    if (v < 0 || v >= nNames) throw new TraceEncodingError(what, `call ${i} has id ${v} outside its ${nNames} names`);
    ids[i] = map[v];
  }
  return { names, ids };
}

/**
 * The canonical reduced text of a sequence: each call name followed by `\n` (the layout of
 * the NtMalDetect `sysBEN/`/`sysMAL/` files). Empty for an empty sequence.
 */
export function renderReduced(seq: LocalSequence): Uint8Array {
  const lines = seq.names.map((n) => encoder.encode(n + '\n'));
  const ids = seq.ids;
  let size = 0;
  for (let i = 0; i < ids.length; i++) size += lines[ids[i]].length;
  const out = new Uint8Array(size);
  let pos = 0;
  for (let i = 0; i < ids.length; i++) {
    const line = lines[ids[i]];
    if (line.length < 24) {
      for (let k = 0; k < line.length; k++) out[pos + k] = line[k];
    } else out.set(line, pos);
    pos += line.length;
  }
  return out;
}

/**
 * Whether `bytes` is exactly the canonical reduced text of `seq` (see {@link renderReduced}),
 * compared in place without building the text.
 */
export function isCanonical(seq: LocalSequence, bytes: Uint8Array): boolean {
  const lines = seq.names.map((n) => encoder.encode(n + '\n'));
  const ids = seq.ids;
  let size = 0;
  for (let i = 0; i < ids.length; i++) size += lines[ids[i]].length;
  if (size !== bytes.length) return false;
  let pos = 0;
  for (let i = 0; i < ids.length; i++) {
    const line = lines[ids[i]];
    for (let k = 0; k < line.length; k++) if (bytes[pos + k] !== line[k]) return false;
    pos += line.length;
  }
  return true;
}

/** Lower-case hex SHA-256 (the one helper, src/hash.ts). */
export { sha256Hex } from '../hash.js';
