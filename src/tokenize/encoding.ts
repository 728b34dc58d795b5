/**
 * The reader's text front-end: which encoding a trace's bytes are in, and UTF-16 to UTF-8.
 *
 * The parser ({@link TraceReader}) works on UTF-8 (or ASCII) bytes. A trace redirected to a
 * file by Windows PowerShell 5 (`ntrace app.exe > app.log`) is UTF-16 LE with a byte-order
 * mark; other tools write UTF-16 BE or leave the mark out, and Notepad writes UTF-8 with a
 * mark. {@link TextFront} looks at the first bytes once ({@link sniffEncoding}), then passes
 * UTF-8 through untouched (a UTF-8 mark is dropped) and converts UTF-16 to UTF-8, so that the
 * parser sees the same bytes as for the trace's UTF-8 twin: the same calls, line counts and
 * diagnostics. A UTF-16 code unit `0x0A00` (a character of a string argument) becomes three
 * UTF-8 bytes of 0x80 and above, never a newline: lines are found after the conversion.
 *
 * Gzip comes first: the reader decompresses, then this front-end reads the decompressed bytes.
 *
 * @packageDocumentation
 */
import { TextDecoder } from 'node:util';
import type { TraceEncoding } from './types.js';

/**
 * Bytes at the start of a trace without byte-order mark that {@link sniffEncoding} looks at
 * for UTF-16's pattern of NUL bytes (32 characters of UTF-16).
 */
export const SNIFF_BYTES = 64;

/** What {@link sniffEncoding} decided: the encoding, and the length of its byte-order mark. */
export interface Sniffed {
  readonly encoding: TraceEncoding;
  /** Bytes of the byte-order mark at the start (0, 2 or 3): not part of the text. */
  readonly bom: number;
}

const UTF8: Sniffed = { encoding: 'utf-8', bom: 0 };
const UTF8_BOM: Sniffed = { encoding: 'utf-8-bom', bom: 3 };
const LE_BOM: Sniffed = { encoding: 'utf-16le', bom: 2 };
const BE_BOM: Sniffed = { encoding: 'utf-16be', bom: 2 };
const LE: Sniffed = { encoding: 'utf-16le', bom: 0 };
const BE: Sniffed = { encoding: 'utf-16be', bom: 0 };

/**
 * The encoding of a trace from its first bytes `b` (all of the input when `final`), or
 * undefined when more bytes are needed to decide. The rule, in order:
 *
 * 1. `EF BB BF`: UTF-8 with byte-order mark; `FF FE`: UTF-16 LE; `FE FF`: UTF-16 BE (mark
 *    dropped in each case).
 * 2. Neither of the first two bytes is 0: UTF-8 (decided on two bytes, so UTF-8 input is
 *    never held back).
 * 3. Else the window: the first {@link SNIFF_BYTES} bytes (all of a shorter input), rounded
 *    down to an even count, at least 2. UTF-16 LE without mark when every byte pair of the
 *    window is an ASCII character: first byte 0x01-0x7F, second byte 0; UTF-16 BE when
 *    every pair is `00` then 0x01-0x7F. (ASCII text in UTF-16 has every other byte 0.)
 * 4. Anything else is read as UTF-8, as before: a binary file keeps its NUL bytes and so the
 *    reader's binary-file hint.
 *
 * A trace without mark whose first 32 characters are not all ASCII is therefore not taken
 * for UTF-16 (NtTrace's logs and reduced traces start with ASCII; Windows PowerShell always
 * writes the mark). Random bytes pass rule 3 with a chance of about 2^-288 (a full window); a
 * file that does pass is decoded, and if it holds no call it fails as any text without calls
 * does (a binary's NUL bytes survive the decoding as NUL characters: the binary-file hint stays).
 */
export function sniffEncoding(b: Uint8Array, final: boolean): Sniffed | undefined {
  const n = b.length;
  if (n === 0) return final ? UTF8 : undefined;
  const b0 = b[0];
  if (b0 === 0xef) {
    if (n >= 3) return b[1] === 0xbb && b[2] === 0xbf ? UTF8_BOM : UTF8;
    if (n === 2 && b[1] !== 0xbb) return UTF8;
    return final ? UTF8 : undefined;
  }
  if (n < 2) return final ? UTF8 : undefined;
  const b1 = b[1];
  if (b0 === 0xff && b1 === 0xfe) return LE_BOM;
  if (b0 === 0xfe && b1 === 0xff) return BE_BOM;
  if (b0 !== 0 && b1 !== 0) return UTF8;
  if (n < SNIFF_BYTES && !final) return undefined;
  const w = Math.min(n, SNIFF_BYTES) & ~1;
  if (b1 === 0 && allAsciiUnits(b, w, 0)) return LE;
  if (b0 === 0 && allAsciiUnits(b, w, 1)) return BE;
  return UTF8;
}

/** Is every byte pair of `b[0..w)` an ASCII character (0x01-0x7F at `lo`, 0 at the other byte)? */
function allAsciiUnits(b: Uint8Array, w: number, lo: number): boolean {
  const hi = 1 - lo;
  for (let i = 0; i < w; i += 2) {
    const c = b[i + lo];
    if (c === 0 || c > 0x7f || b[i + hi] !== 0) return false;
  }
  return true;
}

/**
 * A whole trace's bytes (not gzip) as text, decoded as the reader decodes them: the encoding
 * by {@link sniffEncoding}, the byte-order mark dropped, bad bytes or units as U+FFFD.
 */
export function decodeText(bytes: Uint8Array): { text: string; encoding: TraceEncoding } {
  const d = sniffEncoding(bytes, true) as Sniffed;
  const body = bytes.subarray(d.bom);
  if (d.encoding === 'utf-16le') return { text: new TextDecoder('utf-16le', { ignoreBOM: true }).decode(body), encoding: d.encoding };
  if (d.encoding === 'utf-16be') {
    const swapped = Buffer.from(body.subarray(0, body.length & ~1)).swap16();
    const odd = body.length & 1 ? '\ufffd' : '';
    return { text: new TextDecoder('utf-16le', { ignoreBOM: true }).decode(swapped) + odd, encoding: d.encoding };
  }
  return { text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(body), encoding: d.encoding };
}

/** Characters at the start of UTF-16 text checked for {@link TextFront.binaryLike}. */
const BINARY_PROBE = 4096;

/** Bytes of UTF-16 converted in one go (the UTF-8 output then stays in the CPU's cache). */
const PIECE = 1 << 16;

/** Is `u` (a UTF-16 code unit) the first half of a surrogate pair? */
function isHighSurrogate(u: number): boolean {
  return u >= 0xd800 && u <= 0xdbff;
}

/** A lone surrogate (a unit that is not UTF-16), with the `u` flag: a whole pair never matches. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The text front-end of one trace: {@link push} bytes (after gunzip), {@link end}; the sink
 * gets the text as UTF-8 bytes (a view it must not keep: the next call may reuse it).
 *
 * UTF-16 is converted with the platform's own native code: `Buffer.toString('utf16le')` to a
 * string, `Buffer.write` to UTF-8 (about 3 GB/s of UTF-16 here; `TextDecoder('utf-16le')`,
 * which streams by itself, measured 0.7 GB/s, and a JavaScript loop 60 MB/s). What streaming
 * needs is done here: an odd last byte, and a last unit that is the first half of a surrogate
 * pair, are held for the next chunk, so the result never depends on where chunks end. A lone
 * surrogate becomes U+FFFD (`Buffer.write` writes `EF BF BD`), as `TextDecoder` and the UTF-8
 * twin's encoder write it; a cut last unit at the end is U+FFFD too. UTF-16 BE is byte-swapped
 * first (`Buffer.swap16`, native) in a scratch copy.
 */
export class TextFront {
  /** The encoding, once decided. */
  encoding: TraceEncoding | undefined;
  private readonly sink: (utf8: Uint8Array) => void;
  /** The first bytes, while the encoding is undecided. */
  private head: Uint8Array | undefined;
  private headLen = 0;
  /** UTF-16 (LE or BE): bytes are converted. */
  private utf16 = false;
  private bigEndian = false;
  /** Bytes held for the next chunk, in input order: half a surrogate pair, then an odd byte (0-3 bytes). */
  private readonly held = new Uint8Array(4);
  private heldLen = 0;
  private scratch: Buffer | undefined;
  private out: Buffer | undefined;
  /** Characters of UTF-16 text looked at by {@link binaryLike} so far. */
  private probed = 0;
  /**
   * UTF-16 input whose first {@link BINARY_PROBE} characters hold a NUL character, U+FFFD or a
   * unit that is not UTF-16 (a lone surrogate): a binary file that merely starts like UTF-16 (a
   * mark `FF FE`, say). Text that Windows writes holds none of these; random bytes read as
   * UTF-16 hold a lone surrogate every ~40 units. The reader's binary-file hint reads this.
   */
  binaryLike = false;

  constructor(sink: (utf8: Uint8Array) => void) {
    this.sink = sink;
  }

  /** True once the input is known to be UTF-8 and its mark (if any) is behind: bytes may go straight to the parser. */
  get passThrough(): boolean {
    return !this.utf16 && this.encoding !== undefined;
  }

  /** Feeds the next bytes. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.encoding !== undefined) {
      if (!this.utf16) this.sink(chunk);
      else for (let at = 0; at < chunk.length; at += PIECE) this.transcode(chunk.subarray(at, Math.min(chunk.length, at + PIECE)));
      return;
    }
    if (this.headLen === 0) {
      // The common case: the first chunk decides on its own, nothing is copied.
      const d = sniffEncoding(chunk, false);
      if (d !== undefined) {
        this.start(d);
        this.push(chunk.subarray(d.bom));
        return;
      }
    }
    const head = (this.head ??= new Uint8Array(SNIFF_BYTES));
    const take = Math.min(SNIFF_BYTES - this.headLen, chunk.length);
    head.set(chunk.subarray(0, take), this.headLen);
    this.headLen += take;
    const d = sniffEncoding(head.subarray(0, this.headLen), false);
    if (d === undefined) return;
    this.start(d);
    this.push(head.subarray(d.bom, this.headLen));
    this.push(chunk.subarray(take));
  }

  /** The input has ended: decides on what is held, and writes a cut last character as U+FFFD. */
  end(): void {
    if (this.encoding === undefined) {
      const held = this.head === undefined ? new Uint8Array(0) : this.head.subarray(0, this.headLen);
      const d = sniffEncoding(held, true) as Sniffed;
      this.start(d);
      this.push(held.subarray(d.bom));
    }
    if (!this.utf16 || this.heldLen === 0) return;
    // Half a surrogate pair (a lone surrogate: U+FFFD) and/or an odd byte (U+FFFD).
    const n = this.heldLen;
    this.heldLen = 0;
    this.emit((n >= 2 ? '\ufffd' : '') + (n & 1 ? '\ufffd' : ''));
  }

  private start(d: Sniffed): void {
    this.encoding = d.encoding;
    this.utf16 = d.encoding === 'utf-16le' || d.encoding === 'utf-16be';
    this.bigEndian = d.encoding === 'utf-16be';
  }

  /** Converts a piece of UTF-16 (at most {@link PIECE} bytes) to UTF-8 for the sink. */
  private transcode(piece: Uint8Array): void {
    let src: Buffer;
    if (this.heldLen > 0 || this.bigEndian) {
      // The held bytes then the piece, in a scratch copy (swapped there when big-endian).
      const len = this.heldLen + piece.length;
      if (this.scratch === undefined || this.scratch.length < len) this.scratch = Buffer.allocUnsafe(Math.max(len, PIECE + 4));
      src = this.scratch;
      src.set(this.held.subarray(0, this.heldLen), 0);
      src.set(piece, this.heldLen);
      src = src.subarray(0, len);
      this.heldLen = 0;
    } else {
      src = Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    }
    const held = this.held;
    let n = src.length & ~1;
    const odd = src.length & 1 ? src[n] : -1;
    if (n >= 2) {
      const a = src[n - 2];
      const b = src[n - 1];
      if (isHighSurrogate(this.bigEndian ? (a << 8) | b : (b << 8) | a)) {
        held[0] = a;
        held[1] = b;
        this.heldLen = 2;
        n -= 2;
      }
    }
    if (odd >= 0) held[this.heldLen++] = odd;
    if (n === 0) return;
    // (src is the scratch copy here when big-endian: swapped in place.)
    if (this.bigEndian) src.subarray(0, n).swap16();
    this.emit(src.toString('utf16le', 0, n));
  }

  private emit(text: string): void {
    if (this.probed < BINARY_PROBE) {
      let head = text.length > BINARY_PROBE - this.probed ? text.slice(0, BINARY_PROBE - this.probed) : text;
      // (A pair cut by the slice is not a lone surrogate.)
      if (head !== text && isHighSurrogate(head.charCodeAt(head.length - 1))) head = head.slice(0, -1);
      if (head.includes('\u0000') || head.includes('\ufffd') || LONE_SURROGATE.test(head)) this.binaryLike = true;
      this.probed += head.length;
    }
    // A UTF-16 code unit is at most three UTF-8 bytes (a surrogate pair, two units, four).
    const need = 3 * text.length;
    if (this.out === undefined || this.out.length < need) this.out = Buffer.allocUnsafe(Math.max(need, 3 * (PIECE / 2) + 6));
    const n = this.out.write(text, 0, 'utf8');
    this.sink(this.out.subarray(0, n));
  }
}
