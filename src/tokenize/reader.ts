/**
 * The incremental trace reader: bytes in, call ids out.
 *
 * Lines are found with `Buffer.indexOf` (native, several GB/s) and parsed in place on the
 * bytes; a call name is hashed while it is scanned and interned through a byte-level table
 * ({@link internerFor}), so no line is ever decoded to a JavaScript string. Only an
 * incomplete last line is carried between chunks, and a line longer than
 * {@link LINE_HEAD} + {@link LINE_TAIL} bytes is judged on its first {@link LINE_HEAD} and
 * last {@link LINE_TAIL} bytes, both when it arrives whole and when it arrives in pieces, so
 * the result never depends on where the chunks split and memory stays bounded.
 *
 * @packageDocumentation
 */
import type { Gunzip } from 'fflate';
import { InvalidOptionError } from '../errors.js';
import { fflate } from '../fflate-lazy.js';
import { CallTable } from './call-table.js';
import { TextFront } from './encoding.js';
import { CorruptGzipError, EmptyTraceError, NoCallsError, ReaderEndedError } from './errors.js';
import { internerFor, probeWords, scanHash, scanName, slotOf } from './interner.js';
import type { ByteInterner } from './interner.js';
import {
  CALL_END_MIN,
  CLASS,
  DIGIT,
  IDENT,
  IDENT_START,
  PROCESS_START,
  NOT_EVENT,
  commandLineOpen,
  endsWithQuote,
  endsWithStatusZero,
  isStatusStart,
  eventKind,
  findEmbeddedCall,
  hasCallEnd,
  hasPreEnd,
  isReadError,
  skipIdPrefix,
  skipTimePrefix,
} from './syntax.js';
import type { LineStats, ReadOptions, SplitMode, TraceEncoding, TraceFormat, TraceGroup, TraceRead } from './types.js';

/** Bytes of a long line's start that the reader looks at. */
export const LINE_HEAD = 8192;
/** Bytes of a long line's end that the reader looks at. */
export const LINE_TAIL = 1024;
const LINE_MAX = LINE_HEAD + LINE_TAIL;

/** Non-blank lines of reduced shape after which `format: 'auto'` settles on `'reduced'`. */
const DETECT_LINES = 64;
const BATCH = 4096;
const EMPTY = new Uint8Array(0);
const EMPTY_IDS = new Int32Array(0);
/**
 * Bytes at the start of the input searched for NUL bytes (the binary-file hint of
 * NoCallsError; a program's or an archive's headers hold NULs within their first bytes).
 * Every read pays this search, so it is kept short: 64 KiB cost ~5 µs a file.
 */
const NUL_PROBE = 4096;
/**
 * Bytes after which a fast path returns to {@link TraceReader.feed}, which calls it again.
 * While V8 compiles a fast path in the background, the running call goes on in the
 * interpreter; if that call is still running when the compiled code is ready, V8 compiles
 * the function a second time for that call alone (on-stack replacement, ~40 ms of CPU).
 * Short calls pick up the compiled code instead.
 */
const RUN_BYTES = 4096;
/** Largest piece of a chunk parsed in one go. */
const SLICE = 256 * 1024;

// Bytes the reader tests for. Constants of this module, not imported: V8 folds a module's
// own constants into its optimised code as it does literals (an imported one is loaded
// on every use).
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const PAREN_OPEN = 0x28;
const PAREN_CLOSE = 0x29;
const PLUS = 0x2b;
const COLON = 0x3a;
const LESS = 0x3c;
const EQUALS = 0x3d;
const GREATER = 0x3e;
const BRACKET_OPEN = 0x5b;
const CH_A = 0x41;
const CH_M = 0x4d;
const CH_N = 0x4e;
const CH_Z = 0x5a;
const CH_t = 0x74;
/** The first two bytes of a gzip member. */
const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/**
 * `Buffer.prototype.indexOf`, called as `indexOf.call(buf, LF, pos)` in the hot loops: V8's
 * optimised code loads a method from a Buffer through a generic inline-cache call (Buffer's
 * prototype is too large for a constant load), about 5 % of a raw log's reading time.
 */
// `Buffer.prototype` is untyped (`any`) in @types/node; the annotation and the assertion give
// the method its type, and the method is taken off the prototype unbound on purpose.
// eslint-disable-next-line @typescript-eslint/unbound-method -- always called with a Buffer as `this` (indexOf.call(buf, ...))
const indexOf: (this: Buffer, value: number, byteOffset: number) => number = (Buffer.prototype as Buffer).indexOf;

/**
 * One spare of each buffer a read needs (the call list, the carried line, the `onCalls`
 * batch), handed from a reader that has ended to the next one: reading many traces then
 * allocates none of them per trace, which spares the garbage collector (these are
 * off-heap allocations). A reader takes a spare when it starts (or first needs it) and gives
 * it back at `end()`; readers that run at once simply allocate their own. A call list
 * larger than {@link SPARE_CALLS_MAX} entries is not kept.
 */
const spare: { calls: Int32Array | undefined; carry: typeof EMPTY | undefined; batch: Int32Array | undefined } = {
  calls: undefined,
  carry: undefined,
  batch: undefined,
};
/** Largest call list kept as a spare (1 MiB). */
const SPARE_CALLS_MAX = 1 << 18;

/** A growable Int32Array. */
class IntList {
  data: Int32Array;
  length = 0;
  constructor(capacityOrData: number | Int32Array = 1024) {
    this.data = typeof capacityOrData === 'number' ? new Int32Array(capacityOrData) : capacityOrData;
  }
  push(v: number): void {
    if (this.length === this.data.length) this.grow();
    this.data[this.length++] = v;
  }
  grow(): void {
    const d = new Int32Array(this.data.length * 2);
    d.set(this.data);
    this.data = d;
  }
  /** For a fast path that writes `data` itself: sets the length, grows, returns the new `data`. */
  grownAt(length: number): Int32Array {
    this.length = length;
    this.grow();
    return this.data;
  }
  /** A right-sized copy. */
  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

function newStats(): LineStats {
  return { lines: 0, calls: 0, preCalls: 0, embeddedCalls: 0, events: 0, programOutput: 0, unparseable: 0, cutCalls: 0, blank: 0 };
}

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Reads one trace incrementally: `push()` chunks (bytes or text) as they come, then `end()`.
 * The result is the same however the input is cut into chunks. Gzip input (magic bytes
 * `1f 8b`, including multi-member files) is decompressed on the fly; UTF-16 text (what
 * Windows PowerShell's `>` writes) is converted to UTF-8 before parsing ({@link TextFront}).
 *
 * ```ts
 * const reader = new TraceReader({ source: 'app.log' });
 * for await (const chunk of stream) reader.push(chunk);
 * const { calls, table, stats } = reader.end();
 * ```
 */
export class TraceReader {
  private readonly table: CallTable;
  private readonly interner: ByteInterner;
  private readonly source: string | undefined;
  private readonly recoverEmbedded: boolean;
  private readonly split: SplitMode;
  private readonly keepCalls: boolean;
  private readonly onCalls: ((ids: Int32Array, length: number) => void) | undefined;
  private readonly st: LineStats = newStats();
  private fmt: TraceFormat | undefined;
  /** Raw format without split: {@link feed} may take its fast path. */
  private rawFast = false;

  private readonly all: IntList | undefined;
  private readonly batch: Int32Array | undefined;
  private batchLen = 0;
  private callCount = 0;
  /** Set by a fast path that stopped only because it had run {@link RUN_BYTES}: call it again. */
  private runCut = false;
  /** Whether a line of this log had a -time/-pid prefix (rawRun then skips prefixes too). */
  private sawPrefix = false;

  private readonly groups = new Map<string, IntList>();
  private groupA = -2;
  private groupB = -2;
  private group: IntList | undefined;
  /** Process and thread id of the current line's `[pid/tid]` prefix (-1 = none). */
  private lineA = -1;
  private lineB = -1;
  private readonly ids = new Float64Array(2);

  /** The incomplete last line of the previous chunk (allocated when first needed). */
  private carry = EMPTY;
  private carryLen = 0;

  private bytesIn = 0;
  private head = new Uint8Array(2);
  private headLen = 0;
  private gunzip: Gunzip | undefined;
  /** The encoding front-end (after gunzip): sniffs the first bytes, converts UTF-16 to UTF-8. */
  private readonly front = new TextFront((utf8) => this.feedSlices(utf8));
  /** Not gzip, and the front-end passes the bytes through (UTF-8): push feeds them directly. */
  private plain = false;
  private sawNul = false;
  private startsMZ = false;
  private afterProcessStart = false;
  private ended = false;
  /** Set while {@link finish} reads the last line, which had no newline: a call cut there is read. */
  private atEnd = false;
  /**
   * A call line whose string argument held a newline (NtTrace writes strings raw): the call's
   * id while its text goes on over the next lines ({@link continueCall}), else -1. Its line is
   * counted when the call's end is met; the lines in between are counted as program output.
   */
  private heldId = -1;
  /** The held call's `[pid/tid]`, its line number, its first line's text, and the lines read since. */
  private heldA = -1;
  private heldB = -1;
  private heldLine = 0;
  private heldText = '';
  private heldLines = 0;
  /** Lines left of a child's command line that went on over lines (`Process N starting at ... "a` ⏎ `b"`). */
  private commandLineLines = 0;
  /** The first line that starts like a call but does not end like one (for diagnostics). */
  private firstBad: { line: number; text: string } | undefined;

  /** Reduced-shaped lines seen while `format: 'auto'` is undecided: [start, end) in `pending`. */
  private pending: number[] = [];
  private pendingBytes = new Uint8Array(0);
  private pendingUsed = 0;

  constructor(options: ReadOptions = {}) {
    const format = options.format ?? 'auto';
    if (format !== 'auto' && format !== 'raw' && format !== 'reduced') {
      throw new InvalidOptionError('format', "'auto', 'raw' or 'reduced'", format);
    }
    const split = options.split ?? 'none';
    if (split !== 'none' && split !== 'process' && split !== 'thread') {
      throw new InvalidOptionError('split', "'none', 'process' or 'thread'", split);
    }
    if (options.onCalls !== undefined && typeof options.onCalls !== 'function') {
      throw new InvalidOptionError('onCalls', 'a function', options.onCalls);
    }
    this.table = options.table ?? new CallTable();
    this.interner = internerFor(this.table);
    this.source = options.source;
    this.recoverEmbedded = options.recoverEmbedded === true;
    this.split = split;
    this.keepCalls = options.keepCalls !== false;
    this.onCalls = options.onCalls;
    this.fmt = format === 'auto' ? undefined : format;
    this.rawFast = this.fmt === 'raw' && split === 'none';
    // Small to start with (a short trace is read in microseconds): it doubles as calls come.
    if (this.keepCalls) {
      this.all = new IntList(spare.calls ?? 256);
      spare.calls = undefined;
    }
    if (this.onCalls) {
      this.batch = spare.batch ?? new Int32Array(BATCH);
      spare.batch = undefined;
    }
  }

  /** Line counts so far (a live view; do not modify). */
  get stats(): Readonly<LineStats> {
    return this.st;
  }

  /** Number of calls read so far. */
  get calls(): number {
    return this.callCount;
  }

  /** The format, once decided (always set after `end()`). */
  get format(): TraceFormat | undefined {
    return this.fmt;
  }

  /**
   * Feeds the next chunk: bytes (UTF-8, UTF-8 with byte-order mark, UTF-16 LE or BE with or
   * without mark: see `sniffEncoding` in encoding.ts; gzip of any of these) or text. A chunk may end
   * anywhere, inside a UTF-16 code unit or a byte-order mark too.
   */
  push(chunk: Uint8Array | string): void {
    if (this.ended) throw new ReaderEndedError('push');
    if (typeof chunk === 'string') {
      if (chunk.length === 0) return;
      chunk = Buffer.from(chunk, 'utf8');
    }
    if (chunk.byteLength === 0) return;
    if (this.plain) {
      this.feedSlices(chunk);
    } else if (this.gunzip) {
      this.inflate(chunk, false);
    } else if (this.headLen < 2) {
      // Decide gzip or not on the first two bytes, whatever the chunking.
      const had = this.headLen;
      let i = 0;
      while (this.headLen < 2 && i < chunk.byteLength) this.head[this.headLen++] = chunk[i++];
      if (this.headLen < 2) return;
      this.startsMZ = this.head[0] === CH_M && this.head[1] === CH_Z;
      if (this.head[0] === GZIP_MAGIC_0 && this.head[1] === GZIP_MAGIC_1) {
        // Gunzip first, then the encoding front-end reads the decompressed bytes.
        this.gunzip = new (fflate().Gunzip)((data) => this.front.push(data));
        this.inflate(this.head.slice(0, 2), false);
        if (i < chunk.byteLength) this.inflate(chunk.subarray(i), false);
      } else if (had === 0) {
        // The two bytes are this chunk's own: it is parsed whole (no line carried over).
        this.text(chunk);
      } else {
        this.text(this.head.subarray(0, 2));
        if (i < chunk.byteLength) this.text(chunk.subarray(i));
      }
    } else {
      this.text(chunk);
    }
    this.flushBatch();
  }

  /** Bytes that are not gzip, through the encoding front-end (directly to the parser once it passes them through). */
  private text(bytes: Uint8Array): void {
    if (this.plain) {
      this.feedSlices(bytes);
      return;
    }
    this.front.push(bytes);
    if (this.front.passThrough) this.plain = true;
  }

  /** The text encoding, once decided (always set after `end()`). */
  get encoding(): TraceEncoding | undefined {
    return this.front.encoding;
  }

  /**
   * Feeds a chunk in slices: many short feed() calls get optimised by V8 sooner than one long
   * loop (on-stack replacement), and onCalls batches flow while reading.
   */
  private feedSlices(chunk: Uint8Array): void {
    const b = asBuffer(chunk);
    for (let at = 0; at < b.length; at += SLICE) this.feed(b.subarray(at, Math.min(b.length, at + SLICE)));
  }

  /**
   * Finishes the trace and returns the result. Throws {@link EmptyTraceError} for an input
   * with no content, {@link NoCallsError} when there was content but no call.
   */
  end(): TraceRead {
    if (this.ended) throw new ReaderEndedError('end');
    this.ended = true;
    try {
      return this.finish();
    } finally {
      this.releaseBuffers();
    }
  }

  /** The work of {@link end}. */
  private finish(): TraceRead {
    if (this.gunzip) {
      this.inflate(new Uint8Array(0), true);
    } else if (this.headLen === 1) {
      this.text(this.head.subarray(0, 1));
    }
    this.front.end();
    if (this.carryLen > 0) {
      this.atEnd = true;
      this.line(this.carry, 0, this.carryLen);
      this.atEnd = false;
      this.carryLen = 0;
    }
    // The log ended inside a call's text that went on over lines: that call is cut.
    if (this.heldId >= 0) this.releaseHeld(CUT);
    if (this.fmt === undefined) this.decide(this.pending.length > 0 ? 'reduced' : 'raw');
    this.flushBatch();
    const st = this.st;
    if (st.lines === st.blank) throw new EmptyTraceError(this.source, st.blank);
    const format = this.fmt as TraceFormat;
    if (this.callCount === 0) {
      let hint = '';
      if (this.startsMZ) hint = 'it starts with "MZ", like a Windows executable, not a trace';
      else if (this.sawNul) hint = 'it holds NUL bytes, like a binary file';
      else if (this.front.binaryLike)
        hint = `it starts like ${this.front.encoding === 'utf-16be' ? 'UTF-16 BE' : 'UTF-16 LE'} text but its first characters hold NULs or units that are not UTF-16, like a binary file`;
      else if (st.embeddedCalls > 0) hint = 'every call follows program output on its line: try recoverEmbedded (--recover-embedded)';
      else if (this.firstBad !== undefined) {
        const b = this.firstBad;
        hint = `${st.unparseable} line${st.unparseable === 1 ? '' : 's'} start like a call but end in an unknown spelling; the first, line ${b.line}: ${JSON.stringify(b.text)}`;
      }
      const binary = this.startsMZ || this.sawNul || this.front.binaryLike;
      throw new NoCallsError(this.source, format, { ...st }, hint, binary);
    }
    const result: TraceRead = {
      calls: this.all ? this.all.toArray() : new Int32Array(0),
      table: this.table,
      format,
      stats: { ...st },
      encoding: this.front.encoding as TraceEncoding,
    };
    if (this.source !== undefined) result.source = this.source;
    if (this.firstBad !== undefined) result.firstUnparseable = this.firstBad;
    if (this.split !== 'none') {
      const groups: TraceGroup[] = [];
      for (const [key, list] of this.groups) groups.push({ key, calls: list.toArray() });
      result.groups = groups;
    }
    return result;
  }

  /** Gives this reader's buffers to the next reader (see {@link spare}); it has ended. */
  private releaseBuffers(): void {
    const all = this.all;
    if (all !== undefined && all.data.length <= SPARE_CALLS_MAX && (spare.calls === undefined || spare.calls.length < all.data.length)) {
      spare.calls = all.data;
      all.data = EMPTY_IDS;
      all.length = 0;
    }
    if (this.carry !== EMPTY) {
      spare.carry = this.carry;
      this.carry = EMPTY;
    }
    // (The batch stays referenced here: onCalls's buffer is documented as reused.)
    if (this.batch !== undefined) spare.batch = this.batch;
  }

  private inflate(chunk: Uint8Array, final: boolean): void {
    try {
      (this.gunzip as Gunzip).push(chunk, final);
    } catch (err) {
      // fflate's own errors carry a numeric code; anything else (a throwing onCalls) passes through.
      if (!(err instanceof Error) || typeof (err as { code?: unknown }).code !== 'number') throw err;
      throw new CorruptGzipError(this.source, err instanceof Error ? err.message : String(err));
    }
  }

  /** Splits decoded bytes into lines; carries an incomplete last line to the next chunk. */
  private feed(buf: Buffer): void {
    const n = buf.length;
    // Parse through a plain Uint8Array view: every parsing function then sees one array
    // shape (Buffer's differs), which keeps V8's element loads monomorphic.
    const u8 = new Uint8Array(buf.buffer, buf.byteOffset, n);
    const view = new DataView(buf.buffer, buf.byteOffset, n);
    // NUL bytes only matter for the error hint on a file with no call: look at the start only.
    if (this.bytesIn < NUL_PROBE && !this.sawNul) {
      const head = NUL_PROBE - this.bytesIn;
      if ((n > head ? buf.subarray(0, head) : buf).indexOf(0) >= 0) this.sawNul = true;
    }
    this.bytesIn += n;
    let pos = 0;
    if (this.carryLen > 0) {
      const nl = buf.indexOf(10);
      if (nl < 0) {
        this.appendCarry(u8, 0, n);
        return;
      }
      this.appendCarry(u8, 0, nl);
      this.line(this.carry, 0, this.carryLen);
      this.carryLen = 0;
      pos = nl + 1;
    }
    for (;;) {
      // The common lines go through fast paths that find the line's end themselves: a raw
      // log's call "Nt...(...) => status" without prefix, and a reduced trace's bare name,
      // of names seen before. Every other line (and a line they cannot take whole) takes the
      // general path, which decides exactly the same for the lines they take.
      if (this.rawFast && this.heldId < 0 && this.commandLineLines === 0) {
        do pos = this.rawRun(buf, u8, view, pos, n);
        while (this.runCut);
      } else if (this.fmt === 'reduced' && this.split === 'none') {
        do pos = this.reducedRun(u8, view, pos, n);
        while (this.runCut);
      }
      const nl = indexOf.call(buf, LF, pos);
      if (nl < 0) break;
      if (nl - pos > LINE_MAX) {
        const s = new Uint8Array(LINE_MAX);
        s.set(u8.subarray(pos, pos + LINE_HEAD), 0);
        s.set(u8.subarray(nl - LINE_TAIL, nl), LINE_HEAD);
        this.line(s, 0, LINE_MAX);
      } else {
        this.line(u8, pos, nl);
      }
      pos = nl + 1;
    }
    if (pos < n) this.appendCarry(u8, pos, n);
  }

  /**
   * Fast path of a raw log (format raw, no split): takes call lines `Nt...(...) => status` (either spelling)
   * of known names (after their -time/-pid prefixes once the general path has met one in this
   * log: {@link prefixedName}), their -pre lines `Nt...( ... ) ...` (one at a time: it returns
   * after each), and lines without prefix that are not calls ({@link plainLine}), from
   * `pos` on, and returns where it stopped: at the first line it does not take (the general
   * path decides it), at an incomplete last line, or after a batch went to `onCalls`. The
   * name is first guessed: the name last read at a line with the same eight bytes after
   * "Nt" ({@link ByteInterner.seen}), compared four bytes at a time. Else it is scanned and
   * hashed four bytes at a time (as {@link scanName}) and looked up (as {@link probeWords}),
   * both written out in the loop; the newline is found natively, and the line's end
   * checked: `) => 0` in constant time ({@link endsWithStatusZero}; a CRLF log's in two
   * words before the newline); any other status first where `) => ` was in the last line
   * with the same last four bytes ({@link ByteInterner.ends}), else backwards four bytes at
   * a time (as {@link hasCallEnd}). Decides exactly as {@link rawLine} for these lines
   * (property tests compare the two on whole logs).
   */
  private rawRun(buf: Buffer, u8: Uint8Array, view: DataView, pos: number, n: number): number {
    // The interner's arrays in locals (re-read on every call: see batchFast).
    const { idLen, idStart, pool, poolView, slots, mask, seen, ends } = this.interner;
    const all = this.all;
    let out = all === undefined ? EMPTY_IDS : all.data;
    let outLen = all === undefined ? 0 : all.length;
    const batch = this.batch;
    const plainOther = !this.recoverEmbedded;
    const prefixed = this.sawPrefix;
    let taken = 0;
    let preNext = -1;
    const stop = pos + RUN_BYTES;
    this.runCut = false;
    for (;;) {
      if (pos >= stop) {
        this.runCut = true;
        break;
      }
      // (Every read below stays inside the array: an out-of-bounds read would send V8's
      // optimised code back to the interpreter.)
      if (pos + 1 >= n) break;
      const lim = n - pos > LINE_MAX ? pos + LINE_MAX : n;
      const c0 = u8[pos];
      // Where the call's name starts: the line's start, or after its -time/-pid prefixes.
      let at = pos;
      // The line's newline, when the prefixes' parse has found it already.
      let nl = -1;
      if (c0 !== CH_N || u8[pos + 1] !== CH_t) {
        if ((CLASS[c0] & DIGIT) === 0 && c0 !== PLUS && c0 !== COLON && c0 !== LESS && c0 !== GREATER && c0 !== BRACKET_OPEN) {
          // Not a call, and no prefix (those start with a digit, "+", ":", "<", ">" or "["):
          // judged here as rawLine would (otherLine), without leaving the loop. (With
          // recoverEmbedded, otherLine may emit a call: the general path takes those lines.)
          if (!plainOther) break;
          // Settle the lines taken so far first (otherLine reads afterProcessStart).
          this.countFast(taken);
          taken = 0;
          const next = this.plainLine(buf, u8, view, pos, lim);
          if (next < 0) break;
          pos = next;
          // A child's command line that goes on over lines: its lines are the general path's.
          if (this.commandLineLines > 0) break;
          continue;
        }
        // A -time/-delta then -pid/-tid prefix, once the general path has met one in this log
        // (a plain log's digit-led output lines then never make the call, which stays out of
        // V8's inlining budget for this function: see prefixedName).
        if (!prefixed) break;
        at = prefixedName(buf, u8, pos, lim, this.ids);
        if (at < 0) break;
        nl = foundNewline[0];
      }
      // "Nt" and a capital letter (NtClose, NtGdi..., NtUser...), as rawLine asks.
      if (at + 2 >= lim || !isUpper(u8[at + 2])) break;
      // Guess: the name last read at a line with the same eight bytes after "Nt" (right for
      // 97 % of the raw corpus's calls); the "(" after it and its bytes are compared. (Written
      // out here and in reducedRun: a shared function, inlined here, took V8's inlining budget
      // from hasPreEnd, which then became a call: 11-17 % slower, measured.)
      let id = -1;
      let q = -1;
      let slot = -1;
      if (at + 10 <= lim) {
        slot = windowSlot(view, at);
        id = seen[slot];
        if (id >= 0) {
          const end = at + idLen[id];
          if (end < lim && u8[end] === PAREN_OPEN) {
            const o = idStart[id] - at;
            let k = at + 2;
            while (k + 4 <= end && view.getInt32(k, true) === poolView.getInt32(o + k, true)) k += 4;
            // The last one to three bytes: the name's last four bytes as one word (a name has at
            // least three, "Nt" and one more; a three-byte one is compared byte by byte).
            if (k < end && k + 4 > end && end - 4 >= at) {
              if (view.getInt32(end - 4, true) === poolView.getInt32(o + end - 4, true)) k = end;
            } else {
              while (k < end && u8[k] === pool[o + k]) k++;
            }
            if (k === end) q = end;
          }
        }
      }
      if (q < 0) {
        // Else scan the name four bytes at a time, hashing it (as scanName; hashStep's
        // multiplier written as a literal, which V8 folds into the instruction, and not a call,
        // which would take from V8's inlining budget for this function), and look it up (as
        // probeWords). Written out here, though the guess misses only 3 % of the raw corpus's
        // calls: calling scanName and probeWords instead measured 7-10 % slower (V8 then
        // inlined other functions into this one, and compiled it twice).
        let h = 0x811c9dc5 | 0; // HASH_SEED
        let p = at;
        for (;;) {
          if (p + 4 > lim) {
            p = -1;
            break;
          }
          const w = view.getInt32(p, true);
          const t = (w - 0x30303030) & ~w & 0x80808080;
          if (t !== 0) {
            const k = (31 - Math.clz32(t & -t)) >> 3;
            if (k > 0) h = Math.imul(h ^ (w & ((1 << (k << 3)) - 1)), 0x9e3779b1 | 0);
            p += k;
            break;
          }
          h = Math.imul(h ^ w, 0x9e3779b1 | 0); // hashStep, written out (see above)
          p += 4;
        }
        if (p < 0 || u8[p] !== PAREN_OPEN) break;
        q = p;
        const len = q - at;
        id = -1;
        // The probe starts one slot early and steps first: the step then runs on every lookup,
        // so V8 has seen it before it optimises (a step first met after that, at the first
        // collision, would throw the optimised code away: a 25 ms recompilation).
        for (let i = (slotOf(h, len, mask) + mask) & mask; ;) {
          i = (i + 1) & mask;
          const r = i << 2;
          const l = slots[r + 1];
          if (l === 0) break;
          if (slots[r] !== h || l !== len) continue;
          const o = slots[r + 2] - at;
          let k = at;
          while (k + 4 <= q && view.getInt32(k, true) === poolView.getInt32(o + k, true)) k += 4;
          while (k < q && u8[k] === pool[o + k]) k++;
          if (k === q) {
            id = slots[r + 3];
            break;
          }
        }
        if (id < 0) break;
        if (slot >= 0) seen[slot] = id;
      }
      // The line's end: the native newline search (memchr) beats any JavaScript loop here.
      if (nl < 0) {
        nl = indexOf.call(buf, LF, q);
        if (nl < 0 || nl >= lim) break;
      }
      // The common end first, in two words: ") => 0\r" before the newline (a CRLF log's
      // status 0), which is endsWithStatusZero's case with one "\r" stripped.
      const zeroCrlf =
        nl - q >= 8 && view.getInt32(nl - 4, true) === 0x0d30203e && (view.getInt32(nl - 8, true) & 0xffffff00) === 0x3d202900;
      let e = nl;
      if (zeroCrlf) e = nl - 1;
      else while (e > pos && u8[e - 1] === CR) e--;
      if (!zeroCrlf && !endsWithStatusZero(u8, q, e, view)) {
        // Any other status (an error's message is ~50 bytes): hasCallEnd's backward scan with
        // a DataView, written out here: V8 does not inline hasCallEnd into this loop, and the
        // call cost 6-9 % on a log where half the calls fail (measured; the property test of
        // the fast paths against the general path ties the two).
        if (e - q < 6) break;
        if (hasPreEnd(u8, q, e)) {
          // A -pre line (the call written before it runs): counted after the loop, which
          // then returns and is called again (a path back into the loop from here measured
          // 3 % slower on logs without -pre lines).
          preNext = nl + 1;
          break;
        }
        const low = q + CALL_END_MIN;
        // First where ") => " was, counted from the end, in the last line that ended in the
        // same four bytes (an error's message is the same text each time): any ") => " in
        // range makes the line a call, so a match there settles it.
        // (The byte after ") => " is at most u8[e], the line's CR or newline: no status.)
        const ek = Math.imul(view.getInt32(e - 4, true), 0x9e3779b1 | 0) >>> 24;
        let i = e - ends[ek];
        if (!(
          i >= low &&
          i <= e - 2 &&
          u8[i] === GREATER &&
          u8[i - 1] === EQUALS &&
          u8[i - 2] === SPACE &&
          u8[i - 3] === PAREN_CLOSE &&
          u8[i + 1] === SPACE &&
          isStatusStart(u8[i + 2])
        )) {
          for (i = e - 2; i >= low; i--) {
            if (i - 3 >= low) {
              const x = view.getInt32(i - 3, true) ^ 0x3e3e3e3e;
              if (((x - 0x01010101) & ~x & 0x80808080) === 0) {
                i -= 3;
                continue;
              }
            }
            if (
              u8[i] === GREATER &&
              u8[i - 1] === EQUALS &&
              u8[i - 2] === SPACE &&
              u8[i - 3] === PAREN_CLOSE &&
              u8[i + 1] === SPACE &&
              isStatusStart(u8[i + 2])
            )
              break;
          }
          if (i < low) break;
          ends[ek] = e - i;
        }
      }
      pos = nl + 1;
      taken++;
      if (all !== undefined) {
        if (outLen === out.length) out = all.grownAt(outLen);
        out[outLen++] = id;
      }
      if (batch !== undefined && this.batchFast(id, taken, outLen)) {
        taken = 0;
        break;
      }
    }
    this.endRun(taken, outLen);
    if (preNext >= 0) {
      this.countPre();
      this.runCut = true;
      return preNext;
    }
    return pos;
  }

  /**
   * A raw line at `pos` that is not a call and has no prefix, for {@link rawRun}: judged as
   * {@link rawLine} would. Returns where the next line starts, or -1 when the line does not
   * end before `lim` (the general path takes it).
   */
  private plainLine(buf: Buffer, u8: Uint8Array, view: DataView, pos: number, lim: number): number {
    const nl = indexOf.call(buf, LF, pos);
    if (nl < 0 || nl >= lim) return -1;
    let e = nl;
    while (e > pos && u8[e - 1] === CR) e--;
    this.st.lines++;
    this.otherLine(u8, pos, pos, e, view);
    return nl + 1;
  }

  /**
   * Fast path of a reduced trace: takes lines `Name\n` (or `Name\r\n`) of known names from
   * `pos` on, and returns where it stopped: at the first line it does not take (blank,
   * padded, a new name, anything else: the general path decides those), at an incomplete
   * last line, or after a batch went to `onCalls`. As in {@link rawRun}, the name is first
   * guessed ({@link ByteInterner.seen}) and compared four bytes at a time, else scanned
   * ({@link scanName}) and looked up ({@link probeWords}, which V8 inlines here);
   * the output list is written here. Decides exactly as {@link reducedLine} for the lines it
   * takes.
   */
  private reducedRun(u8: Uint8Array, view: DataView, pos: number, n: number): number {
    const { idLen, idStart, pool, poolView, slots, mask, seen } = this.interner;
    const all = this.all;
    let out = all === undefined ? EMPTY_IDS : all.data;
    let outLen = all === undefined ? 0 : all.length;
    const batch = this.batch;
    let taken = 0;
    const stop = pos + RUN_BYTES;
    this.runCut = false;
    for (;;) {
      if (pos >= stop) {
        this.runCut = true;
        break;
      }
      const lim = n - pos > LINE_MAX ? pos + LINE_MAX : n;
      // Guess: the name last read at a line with the same eight bytes from the third on (as
      // in rawRun), taken when the line ends right after it.
      let id = -1;
      let next = -1;
      let slot = -1;
      if (pos + 10 <= lim) {
        slot = windowSlot(view, pos);
        id = seen[slot];
        if (id >= 0) {
          const end = pos + idLen[id];
          if (end < lim) {
            const o = idStart[id] - pos;
            let k = pos;
            while (k + 4 <= end && view.getInt32(k, true) === poolView.getInt32(o + k, true)) k += 4;
            // The last one to three bytes as one word, as in rawRun.
            if (k < end && k + 4 > end && end - 4 >= pos) {
              if (view.getInt32(end - 4, true) === poolView.getInt32(o + end - 4, true)) k = end;
            } else {
              while (k < end && u8[k] === pool[o + k]) k++;
            }
            if (k === end) next = afterReducedName(u8, end, n);
          }
        }
      }
      if (next < 0) {
        const q = scanName(view, pos, lim);
        if (q < 0) break;
        next = afterReducedName(u8, q, n);
        if (next < 0) break;
        id = probeWords(slots, mask, pool, poolView, u8, view, pos, q, scanHash[0]);
        if (id < 0) break;
        if (slot >= 0) seen[slot] = id;
      }
      pos = next;
      taken++;
      if (all !== undefined) {
        if (outLen === out.length) out = all.grownAt(outLen);
        out[outLen++] = id;
      }
      if (batch !== undefined && this.batchFast(id, taken, outLen)) {
        taken = 0;
        break;
      }
    }
    this.endRun(taken, outLen);
    return pos;
  }

  /**
   * Adds a call a fast path took to the `onCalls` batch. When that fills it, settles the fast
   * path's line count (`taken`, this line included) and the call list's length (`outLen`),
   * hands the batch to `onCalls`, and returns true: the fast path then returns and is called
   * again, with fresh locals (onCalls may have read another trace into the same table,
   * growing the interner's arrays).
   */
  private batchFast(id: number, taken: number, outLen: number): boolean {
    const batch = this.batch as Int32Array;
    batch[this.batchLen++] = id;
    if (this.batchLen < BATCH) return false;
    if (this.all !== undefined) this.all.length = outLen;
    this.countFast(taken);
    this.flushBatch();
    this.runCut = true;
    return true;
  }

  /** Settles a fast path's state when it returns: the lines it took and the call list's length. */
  private endRun(taken: number, outLen: number): void {
    if (this.all !== undefined) this.all.length = outLen;
    this.countFast(taken);
  }

  /** Counts a -pre line (the call written before it runs) that rawRun took, as {@link rawLine} would. */
  private countPre(): void {
    const st = this.st;
    st.lines++;
    st.preCalls++;
    this.afterProcessStart = false;
  }

  /** Counts `taken` call lines of a fast path (as {@link rawLine} and {@link emit} would). */
  private countFast(taken: number): void {
    if (taken === 0) return;
    const st = this.st;
    st.lines += taken;
    st.calls += taken;
    this.callCount += taken;
    this.afterProcessStart = false;
  }

  /** Appends to the carried line, keeping only its head and tail once it is too long. */
  private appendCarry(src: Uint8Array, s: number, e: number): void {
    if (this.carry.length === 0) {
      this.carry = spare.carry ?? new Uint8Array(LINE_MAX);
      spare.carry = undefined;
    }
    const c = this.carry;
    let len = e - s;
    if (this.carryLen + len <= LINE_MAX) {
      c.set(src.subarray(s, e), this.carryLen);
      this.carryLen += len;
      return;
    }
    if (this.carryLen < LINE_HEAD) {
      const k = LINE_HEAD - this.carryLen;
      c.set(src.subarray(s, s + k), this.carryLen);
      this.carryLen = LINE_HEAD;
      s += k;
      len -= k;
    }
    if (len >= LINE_TAIL) {
      c.set(src.subarray(e - LINE_TAIL, e), LINE_HEAD);
      this.carryLen = LINE_MAX;
    } else {
      const keep = Math.min(LINE_TAIL - len, this.carryLen - LINE_HEAD);
      c.copyWithin(LINE_HEAD, this.carryLen - keep, this.carryLen);
      c.set(src.subarray(s, e), LINE_HEAD + keep);
      this.carryLen = LINE_HEAD + keep + len;
    }
  }

  /** Handles one line `buf[s..e)` (without its `\n`). */
  private line(buf: Uint8Array, s: number, e: number): void {
    const st = this.st;
    st.lines++;
    while (e > s && buf[e - 1] === CR) e--;
    const fmt = this.fmt;
    if (fmt === 'raw') this.rawLine(buf, s, e);
    else if (fmt === 'reduced') this.reducedLine(buf, s, e);
    else this.detectLine(buf, s, e);
  }

  /** One line of NtTrace's log. */
  private rawLine(buf: Uint8Array, s: number, e: number): void {
    if (this.heldId >= 0 && this.continueCall(buf, s, e)) return;
    if (this.commandLineLines > 0) {
      // The child's command line goes on: this line is part of the event, not a call.
      this.st.events++;
      this.commandLineLines = endsWithQuote(buf, s, e) ? 0 : this.commandLineLines - 1;
      if (this.commandLineLines === 0) this.afterProcessStart = true;
      return;
    }
    const st = this.st;
    let p = s;
    let c = buf[p];
    this.lineA = -1;
    this.lineB = -1;
    // Optional prefixes: -time/-delta, then -pid/-tid.
    if ((CLASS[c] & IDENT_START) === 0 && p < e) {
      if ((CLASS[c] & DIGIT) !== 0 || c === PLUS || c === COLON || c === LESS || c === GREATER) {
        p = skipTimePrefix(buf, p, e);
        c = buf[p];
      }
      if (c === BRACKET_OPEN) {
        const q = skipIdPrefix(buf, p, e, this.ids);
        if (q !== p) {
          p = q;
          c = buf[p];
          this.lineA = this.ids[0];
          this.lineB = this.ids[1];
        }
      }
      // The fast path skips prefixes too from now on (see rawRun).
      if (p !== s) this.sawPrefix = true;
    }
    // A call starts with "Nt" and a capital letter (NtTrace's configurations name every
    // traced function so, NtGdi... and NtUser... included).
    if (c === CH_N && buf[p + 1] === CH_t && p + 2 < e && isUpper(buf[p + 2])) {
      // Scan the name (hashing it) and look it up among the known names.
      const interner = this.interner;
      const id = interner.match(buf, p, e);
      const q = interner.matchEnd;
      if (q < e && buf[q] === PAREN_OPEN) {
        this.afterProcessStart = false;
        // A status never ends in ") ...", so a -pre line is told first (its arguments may
        // hold ") => " inside a string).
        if (hasPreEnd(buf, q, e)) {
          st.preCalls++;
        } else if (hasCallEnd(buf, q, e) || isReadError(buf, q, e)) {
          // ("Name(read error: N": NtTrace could not read the arguments of a call that ran.)
          st.calls++;
          this.emit(id >= 0 ? id : interner.intern(buf, p, q));
        } else if (this.atEnd) {
          // The log ends inside this call's line (a truncated file, a tracer killed while
          // writing): the call ran or was about to, so it is read, as NtMalDetect's reader did.
          st.cutCalls++;
          this.emit(id >= 0 ? id : interner.intern(buf, p, q));
        } else if (hasByte(buf, QUOTE, q, e)) {
          // A string argument opened and the line ended: NtTrace writes strings raw, so the
          // string held a newline and the call's text goes on over the next lines.
          this.holdCall(id >= 0 ? id : interner.intern(buf, p, q), excerpt(buf, s, e));
        } else {
          st.unparseable++;
          this.firstBad ??= { line: st.lines, text: excerpt(buf, s, e) };
        }
        return;
      }
    }
    this.otherLine(buf, s, p, e);
  }

  /** Holds the call of a line that ended inside a string argument (see {@link heldId}). */
  private holdCall(id: number, text: string): void {
    this.heldId = id;
    this.heldA = this.lineA;
    this.heldB = this.lineB;
    this.heldLine = this.st.lines;
    this.heldText = text;
    this.heldLines = 0;
  }

  /**
   * A line after a held call ({@link heldId}): the rest of its string argument, up to and
   * including the line where the call ends (then the call is read, with its first line's
   * `[pid/tid]`). Returns false when the line is not the call's: in a log with `-pid`/`-tid`
   * prefixes, a prefixed line is NtTrace's own (the held line is then unparseable), and after
   * {@link MAX_CONTINUED_LINES} lines without the call's end it was not a call.
   */
  private continueCall(buf: Uint8Array, s: number, e: number): boolean {
    const st = this.st;
    if (this.sawPrefix && startsWithIdPrefix(buf, s, e, this.ids)) {
      this.releaseHeld(UNPARSEABLE);
      return false;
    }
    if (hasCallEnd(buf, s - 1, e)) {
      st.programOutput++;
      this.releaseHeld(CALL);
    } else if (hasPreEnd(buf, s - 1, e)) {
      st.programOutput++;
      this.releaseHeld(PRE);
    } else if (++this.heldLines > MAX_CONTINUED_LINES) {
      this.releaseHeld(UNPARSEABLE);
      return false;
    } else {
      st.programOutput++;
    }
    return true;
  }

  /** Settles the held call's first line as a call, a -pre line, a cut call or unparseable. */
  private releaseHeld(as: typeof CALL | typeof PRE | typeof CUT | typeof UNPARSEABLE): void {
    const st = this.st;
    const id = this.heldId;
    this.heldId = -1;
    if (as === UNPARSEABLE) {
      st.unparseable++;
      this.firstBad ??= { line: this.heldLine, text: this.heldText };
      return;
    }
    if (as === PRE) {
      st.preCalls++;
      return;
    }
    if (as === CALL) st.calls++;
    else st.cutCalls++;
    const a = this.lineA;
    const b = this.lineB;
    this.lineA = this.heldA;
    this.lineB = this.heldB;
    this.emit(id);
    this.lineA = a;
    this.lineB = b;
  }

  /**
   * A raw line that is not a call: blank, event, embedded call or program output. `view`, when
   * given, is a DataView over `buf` (see {@link findEmbeddedCall}).
   */
  private otherLine(buf: Uint8Array, s: number, p: number, e: number, view: DataView | null = null): void {
    const st = this.st;
    let b = s;
    while (b < e && (buf[b] === SPACE || buf[b] === TAB)) b++;
    if (b === e) {
      // (An empty image path: NtTrace could not name the process's image.)
      this.afterProcessStart = false;
      st.blank++;
      return;
    }
    const ev = eventKind(buf, p, e);
    if (ev !== NOT_EVENT || this.afterProcessStart) {
      // The line after "Process N starting at ..." is the image path; before it, the rest of
      // the command line when that held a newline (its lines are the event's, never calls).
      this.afterProcessStart = ev === PROCESS_START;
      if (ev === PROCESS_START && commandLineOpen(buf, p, e)) {
        this.afterProcessStart = false;
        this.commandLineLines = MAX_CONTINUED_LINES;
      }
      st.events++;
      return;
    }
    const n = findEmbeddedCall(buf, s, e, this.ids, view);
    if (n >= 0) {
      st.embeddedCalls++;
      if (this.recoverEmbedded) {
        const k = this.ids[0];
        this.embeddedGroup(buf, s, n);
        this.emit(this.interner.intern(buf, n, k));
      }
      return;
    }
    st.programOutput++;
  }

  /** Picks the group of an embedded call from a `[pid/tid] ` written just before its name. */
  private embeddedGroup(buf: Uint8Array, s: number, n: number): void {
    this.lineA = -1;
    this.lineB = -1;
    for (let i = n - 3; i >= s && i >= n - 26; i--) {
      if (buf[i] === BRACKET_OPEN && skipIdPrefix(buf, i, n + 1, this.ids) === n) {
        this.lineA = this.ids[0];
        this.lineB = this.ids[1];
        return;
      }
    }
  }

  /** One line of a reduced trace: a call name (identifier or number), or blank. */
  private reducedLine(buf: Uint8Array, s: number, e: number): void {
    const st = this.st;
    while (s < e && (buf[s] === SPACE || buf[s] === TAB)) s++;
    while (e > s && (buf[e - 1] === SPACE || buf[e - 1] === TAB || buf[e - 1] === CR)) e--;
    if (s === e) {
      st.blank++;
      return;
    }
    let id = this.interner.match(buf, s, e);
    if (id < 0 || this.interner.matchEnd !== e) {
      if (!isReducedName(buf, s, e)) {
        st.unparseable++;
        return;
      }
      id = this.interner.intern(buf, s, e);
    }
    st.calls++;
    this.emit(id);
  }

  /**
   * A line while `format: 'auto'` is undecided: the first line that is neither blank nor a
   * bare call name means raw; {@link DETECT_LINES} bare names mean reduced.
   */
  private detectLine(buf: Uint8Array, s: number, e: number): void {
    let a = s;
    let b = e;
    while (a < b && (buf[a] === SPACE || buf[a] === TAB)) a++;
    while (b > a && (buf[b - 1] === SPACE || buf[b - 1] === TAB || buf[b - 1] === CR)) b--;
    if (a === b) {
      this.st.blank++;
      return;
    }
    if (!isReducedName(buf, a, b)) {
      this.decide('raw');
      this.rawLine(buf, s, e);
      return;
    }
    const len = b - a;
    if (this.pendingUsed + len > this.pendingBytes.length) {
      const p = new Uint8Array(Math.max(1024, 2 * (this.pendingUsed + len)));
      p.set(this.pendingBytes.subarray(0, this.pendingUsed));
      this.pendingBytes = p;
    }
    this.pendingBytes.set(buf.subarray(a, b), this.pendingUsed);
    this.pending.push(this.pendingUsed, this.pendingUsed + len);
    this.pendingUsed += len;
    if (this.pending.length >= 2 * DETECT_LINES) this.decide('reduced');
  }

  /** Settles the format and replays the lines held while it was undecided. */
  private decide(format: TraceFormat): void {
    this.fmt = format;
    this.rawFast = format === 'raw' && this.split === 'none';
    const pend = this.pending;
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = new Uint8Array(0);
    this.pendingUsed = 0;
    for (let i = 0; i < pend.length; i += 2) {
      if (format === 'reduced') {
        const s = pend[i];
        const e = pend[i + 1];
        this.st.calls++;
        this.emit(this.interner.intern(bytes, s, e));
      } else {
        // In a raw log a bare name is the program's own output.
        this.st.programOutput++;
      }
    }
  }

  /** The group of calls of process `a` / thread `b` (-1 = absent; both -1 = no prefix). */
  private selectGroup(a: number, b: number): IntList {
    if (this.split === 'process' && b >= 0) b = -1;
    if (a === this.groupA && b === this.groupB && this.group !== undefined) return this.group;
    this.groupA = a;
    this.groupB = b;
    const key = a < 0 ? '' : b >= 0 ? `${a}/${b}` : String(a);
    let g = this.groups.get(key);
    if (g === undefined) {
      g = new IntList(this.keepCalls ? 1024 : 1);
      this.groups.set(key, g);
    }
    this.group = g;
    return g;
  }

  private emit(id: number): void {
    this.callCount++;
    if (this.all !== undefined) this.all.push(id);
    if (this.batch !== undefined) {
      this.batch[this.batchLen++] = id;
      if (this.batchLen === BATCH) this.flushBatch();
    }
    if (this.split !== 'none') {
      const g = this.selectGroup(this.lineA, this.lineB);
      if (this.keepCalls) g.push(id);
    }
  }

  private flushBatch(): void {
    if (this.batchLen > 0 && this.onCalls !== undefined && this.batch !== undefined) {
      const n = this.batchLen;
      this.batchLen = 0;
      this.onCalls(this.batch, n);
    }
  }
}

/** `"`: a string argument's quotes. */
const QUOTE = 0x22;
/**
 * Most lines a call's string argument, or a child's command line, may go on over before the
 * reader decides it did not (NtTrace writes strings raw: a newline in one continues the line).
 */
const MAX_CONTINUED_LINES = 64;
/** How a held call's first line is settled ({@link TraceReader.releaseHeld}). */
const CALL = 0;
const PRE = 1;
const CUT = 2;
const UNPARSEABLE = 3;

/** Is byte `c` in `buf[s..e)`? */
function hasByte(buf: Uint8Array, c: number, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (buf[i] === c) return true;
  return false;
}

/** Does `buf[s..e)` start with a `-pid`/`-tid` prefix (after an optional `-time` one)? */
function startsWithIdPrefix(buf: Uint8Array, s: number, e: number, ids: Float64Array): boolean {
  const p = buf[s] === BRACKET_OPEN ? s : skipTimePrefix(buf, s, e);
  return buf[p] === BRACKET_OPEN && skipIdPrefix(buf, p, e, ids) !== p;
}

/** Is `c` an ASCII capital letter? */
function isUpper(c: number): boolean {
  return c >= CH_A && c <= CH_Z;
}

/** Longest excerpt of a line quoted in a diagnostic. */
const EXCERPT_BYTES = 160;

/** `buf[s..e)` as text for a diagnostic, cut to {@link EXCERPT_BYTES} bytes. */
function excerpt(buf: Uint8Array, s: number, e: number): string {
  const cut = e - s > EXCERPT_BYTES;
  return Buffer.from(buf.subarray(s, cut ? s + EXCERPT_BYTES : e)).toString('utf8') + (cut ? '…' : '');
}

/** Where {@link prefixedName} leaves the newline it found. */
const foundNewline = new Int32Array(1);

/**
 * For {@link TraceReader.rawRun}: the start of the call name after the -time/-delta and
 * -pid/-tid prefixes of the line at `pos` (skipped as {@link TraceReader.rawLine} does), with
 * the line's newline in {@link foundNewline}; or -1 when the line does not end before `lim` or
 * no "Nt" follows its prefixes (the general path then takes it). The prefixes are parsed up
 * to the newline, so no read leaves the array. A function of its own, so that this code is
 * not part of rawRun, whose size counts against what V8 inlines into it.
 */
function prefixedName(buf: Buffer, u8: Uint8Array, pos: number, lim: number, ids: Float64Array): number {
  const nl = indexOf.call(buf, LF, pos);
  if (nl < 0 || nl >= lim) return -1;
  let at = pos;
  if (u8[pos] !== BRACKET_OPEN) at = skipTimePrefix(u8, pos, nl);
  if (u8[at] === BRACKET_OPEN) at = skipIdPrefix(u8, at, nl, ids);
  if (u8[at] !== CH_N || u8[at + 1] !== CH_t) return -1;
  foundNewline[0] = nl;
  return at;
}

/**
 * Index in {@link ByteInterner.seen} of the line at `pos`: a hash of its eight bytes from
 * `pos + 2` on (after a raw call's "Nt"). The caller checks that they are in the buffer.
 */
function windowSlot(view: DataView, pos: number): number {
  return Math.imul(view.getInt32(pos + 2, true) ^ Math.imul(view.getInt32(pos + 6, true), 0x85ebca6b | 0), 0x9e3779b1 | 0) >>> 22;
}

/** Where the next line starts when a reduced line's name ends at `q` (`\n` or `\r\n`), else -1. */
function afterReducedName(u8: Uint8Array, q: number, n: number): number {
  const c = u8[q];
  if (c === LF) return q + 1;
  if (c === CR && q + 1 < n && u8[q + 1] === LF) return q + 2;
  return -1;
}

/** Is `buf[s..e)` an identifier (`[A-Za-z_][A-Za-z0-9_]*`)? */
function isIdentifier(buf: Uint8Array, s: number, e: number): boolean {
  if (s === e || (CLASS[buf[s]] & IDENT_START) === 0) return false;
  for (let i = s + 1; i < e; i++) if ((CLASS[buf[i]] & IDENT) === 0) return false;
  return true;
}

/** Is `buf[s..e)` a reduced-trace call name: an identifier, or a decimal number (numeric syscall traces)? */
function isReducedName(buf: Uint8Array, s: number, e: number): boolean {
  if (s === e) return false;
  if ((CLASS[buf[s]] & DIGIT) === 0) return isIdentifier(buf, s, e);
  for (let i = s; i < e; i++) if ((CLASS[buf[i]] & DIGIT) === 0) return false;
  return true;
}
