/**
 * The incremental trace reader: bytes in, call ids out.
 *
 * A state machine over lines. Its state (`State`: `UNDECIDED`, `RAW`, `IMAGE_PATH`,
 * `COMMAND_LINE`, `HELD_CALL`, `REDUCED`) says what the next line may be; each line is
 * classified into a `Shape` (`CALL`, `PRE_CALL`, `EVENT`, `PROGRAM_OUTPUT`, `NAME`...) by a
 * small function on its bytes ({@link TraceReader.shapeOf}), and {@link TraceReader.take}
 * counts it, emits its call and moves the state. The common lines — a raw log's call line, a
 * reduced trace's name — are taken by one tight loop ({@link TraceReader.run}), which decides
 * exactly as the general path for the lines it takes and leaves every other line to it; the
 * byte-level scans the two share are the helpers at the end of this module.
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
import { internerFor, slotOf } from './interner.js';
import type { ByteInterner } from './interner.js';
import {
  CALL_END_MIN,
  CLASS,
  DIGIT,
  IDENT,
  IDENT_START,
  NOT_EVENT,
  PROCESS_START,
  commandLineOpen,
  endsWithQuote,
  endsWithStatusZero,
  eventKind,
  findEmbeddedCall,
  hasCallEnd,
  hasPreEnd,
  isReadError,
  isStatusStart,
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
/** Calls handed to `onCalls` at a time. */
const BATCH = 4096;
/**
 * Initial size of the call list (it doubles as calls come). Small, so that the list first
 * grows before V8 optimises the fast path: a call first made after that (`grownAt`) throws
 * the optimised code away (a 20-40 ms recompilation, measured on a 68 MB log).
 */
const INITIAL_CALLS = 256;
const EMPTY_IDS = new Int32Array(0);
/** Largest call list left to the next reader of a table (1 MiB). */
const SPARE_CALLS_MAX = 1 << 18;
/** Initial size of the carried line's buffer (it grows to {@link LINE_MAX} as needed). */
const CARRY_MIN = 512;
const EMPTY_BYTES = new Uint8Array(0);
const EMPTY_VIEW = new DataView(EMPTY_BYTES.buffer);
/**
 * Bytes at the start of the input searched for NUL bytes (the binary-file hint of
 * NoCallsError; a program's or an archive's headers hold NULs within their first bytes).
 * Every read pays this search, so it is kept short: 64 KiB cost ~5 µs a file.
 */
const NUL_PROBE = 4096;
/**
 * Bytes after which the fast path returns to {@link TraceReader.feed}, which calls it again.
 * While V8 compiles the fast path in the background, the running call goes on in the
 * interpreter; if that call is still running when the compiled code is ready, V8 compiles
 * the function a second time for that call alone (on-stack replacement, ~40 ms of CPU).
 * Short calls pick up the compiled code instead.
 */
const RUN_BYTES = 4096;
/** Largest piece of a chunk parsed in one go. */
const SLICE = 256 * 1024;

// Bytes the reader tests for. Constants of this module, not imported: V8 folds a module's
// own constants into its optimised code as it does literals (an imported one is loaded on
// every use: 5 % of a raw log's reading, measured).
const CHAR_TAB = 0x09;
const CHAR_LF = 0x0a;
const CHAR_CR = 0x0d;
const CHAR_SPACE = 0x20;
const CHAR_QUOTE = 0x22;
const CHAR_LPAREN = 0x28;
const CHAR_PLUS = 0x2b;
const CHAR_COLON = 0x3a;
const CHAR_LESS = 0x3c;
const CHAR_GREATER = 0x3e;
const CHAR_LBRACKET = 0x5b;
const CHAR_A = 0x41;
const CHAR_M = 0x4d;
const CHAR_N = 0x4e;
const CHAR_Z = 0x5a;
const CHAR_t = 0x74;

// Numbers that are no small integers to V8 (31 bits) are written as literals where the line
// loops use them, with their name beside: a module constant of theirs would be loaded from
// the module's context as a heap number and converted on every use (interner.ts measured
// 4.5 %). They are:
//   MIX_GOLDEN = 0x9e3779b1 | 0   multiplier of the hashes of a line's bytes (the golden
//                                 ratio; hashStep's multiplier in interner.ts)
//   MIX_MURMUR = 0x85ebca6b | 0   murmur3's mix, for the second word of windowSlot's window
//   HASH_SEED  = 0x811c9dc5 | 0   the name hash's seed (interner.ts)
//   WORD_HIGHS = 0x80808080       the borrow trick's high bit of each byte

// Words the fast path compares (little-endian: the first byte is the lowest).
/** `) =>`: the arrow of a call's end. */
const WORD_ARROW = 0x3e3d2029;
/** `> 0\r`: the last four bytes of a CRLF call line of status 0. */
const WORD_ZERO_STATUS_CR = 0x0d30203e;
/** ` ) =` in the high three bytes: the four bytes before {@link WORD_ZERO_STATUS_CR}. */
const WORD_ARROW_HEAD = 0x3d202900;
const MASK_ARROW_HEAD = 0xffffff00 | 0;
/** `0` in each byte: the borrow trick then flags the bytes below `0` (`(`, `\r`, `\n`, space). */
const WORD_ZEROS = 0x30303030;
/** `>` in each byte. */
const WORD_GREATERS = 0x3e3e3e3e;
/** The borrow trick: a byte of `x` is zero when `(x - WORD_ONES) & ~x & WORD_HIGHS` flags it. */
const WORD_ONES = 0x01010101;
/** The first two bytes of a gzip member. */
const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;
/** The shortest line whose name {@link TraceReader.run} guesses (the guess hashes its bytes 2..10). */
const GUESS_MIN = 10;
/**
 * Most lines a call's string argument, or a child's command line, may go on over before the
 * reader decides it did not (NtTrace writes strings raw: a newline in one continues the line).
 */
const MAX_CONTINUED_LINES = 64;

/**
 * The reader's states: what the next line may be.
 * - `UNDECIDED`: `format: 'auto'` has seen only blank lines and bare names so far.
 * - `RAW`: a raw log, between calls.
 * - `IMAGE_PATH`: after `Process N starting at ...`: a line that is no call is its image path.
 * - `COMMAND_LINE`: inside a child's quoted command line that held a newline.
 * - `HELD_CALL`: inside a call's string argument that held a newline ({@link TraceReader.held}).
 * - `REDUCED`: a reduced trace, one name a line.
 */
const UNDECIDED = 0;
const RAW = 1;
const IMAGE_PATH = 2;
const COMMAND_LINE = 3;
const HELD_CALL = 4;
const REDUCED = 5;
type State = typeof UNDECIDED | typeof RAW | typeof IMAGE_PATH | typeof COMMAND_LINE | typeof HELD_CALL | typeof REDUCED;

/**
 * Line shapes ({@link TraceReader.shapeOf}). Of a raw log:
 * - `BLANK`: spaces and tabs only (in a reduced trace too).
 * - `CALL`: `Name(args) => status` (either spelling), or `Name(read error: N`.
 * - `PRE_CALL`: `Name(args) ...` (`-pre`: the call written before it runs).
 * - `CUT_CALL`: a call line the log ends inside (no newline after it).
 * - `OPEN_CALL`: a call line that ends inside a string argument it opened: its text goes on.
 * - `BAD_CALL`: starts like a call (`Name(`) but ends in an unknown spelling.
 * - `EVENT`: one of NtTrace's own lines (`Loaded DLL at ...`, `Thread N exit code: ...`).
 * - `PROCESS_START_LINE`: `Process N starting at ...`: the image path follows.
 * - `PROCESS_START_OPEN`: the same, whose quoted command line goes on over lines.
 * - `IMAGE_PATH_LINE`: the line after `PROCESS_START_LINE` (counted as the event's).
 * - `EMBEDDED_CALL`: program output, then a call on the same line.
 * - `PROGRAM_OUTPUT`: anything else.
 * In state `HELD_CALL`: `CALL_TEXT` (the string goes on), `CALL_TEXT_END` (and the call ends:
 * read), `PRE_CALL_TEXT_END` (and the -pre line ends), `NOT_CALL_TEXT` (it was not a call: the
 * held line is unparseable and this line is read again as a raw one). In state
 * `COMMAND_LINE`: `COMMAND_LINE_TEXT`, `COMMAND_LINE_END`. While `UNDECIDED`: `NAME` (a bare
 * name, held until the format is decided) or `NOT_NAME` (the log is raw: read again). Of a
 * reduced trace: `NAME`, `BLANK`, or `UNPARSEABLE`.
 */
const BLANK = 0;
const CALL = 1;
const PRE_CALL = 2;
const CUT_CALL = 3;
const OPEN_CALL = 4;
const BAD_CALL = 5;
const EVENT = 6;
const PROCESS_START_LINE = 7;
const PROCESS_START_OPEN = 8;
const IMAGE_PATH_LINE = 9;
const EMBEDDED_CALL = 10;
const PROGRAM_OUTPUT = 11;
const CALL_TEXT = 12;
const CALL_TEXT_END = 13;
const PRE_CALL_TEXT_END = 14;
const NOT_CALL_TEXT = 15;
const COMMAND_LINE_TEXT = 16;
const COMMAND_LINE_END = 17;
const NAME = 18;
const NOT_NAME = 19;
const UNPARSEABLE = 20;
type Shape =
  | typeof BLANK
  | typeof CALL
  | typeof PRE_CALL
  | typeof CUT_CALL
  | typeof OPEN_CALL
  | typeof BAD_CALL
  | typeof EVENT
  | typeof PROCESS_START_LINE
  | typeof PROCESS_START_OPEN
  | typeof IMAGE_PATH_LINE
  | typeof EMBEDDED_CALL
  | typeof PROGRAM_OUTPUT
  | typeof CALL_TEXT
  | typeof CALL_TEXT_END
  | typeof PRE_CALL_TEXT_END
  | typeof NOT_CALL_TEXT
  | typeof COMMAND_LINE_TEXT
  | typeof COMMAND_LINE_END
  | typeof NAME
  | typeof NOT_NAME
  | typeof UNPARSEABLE;

/**
 * `Buffer.prototype.indexOf`, called as `indexOf.call(buf, CHAR_LF, pos)` in the line loops:
 * V8's optimised code loads a method from a Buffer through a generic inline-cache call
 * (Buffer's prototype is too large for a constant load), about 5 % of a raw log's reading time.
 */
// `Buffer.prototype` is untyped (`any`) in @types/node; the annotation and the assertion give
// the method its type, and the method is taken off the prototype unbound on purpose.
// eslint-disable-next-line @typescript-eslint/unbound-method -- always called with a Buffer as `this` (indexOf.call(buf, ...))
const indexOf: (this: Buffer, value: number, byteOffset: number) => number = (Buffer.prototype as Buffer).indexOf;

/** A growable Int32Array. */
class IntList {
  data: Int32Array;
  length = 0;
  constructor(capacityOrData: number | Int32Array) {
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
  /** A right-sized copy. */
  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

/** A call whose line ended inside a string argument, held while its text goes on. */
interface HeldCall {
  /** The call's id. */
  id: number;
  /** Its line's `[pid/tid]` (-1 = absent). */
  a: number;
  b: number;
  /** Its line number and text (for a diagnostic if it turns out not to be a call). */
  line: number;
  text: string;
  /** Lines read since. */
  lines: number;
}

/** For the fast path, which writes a list's `data` itself: sets the list's length, grows it, returns the new `data`. */
function grownAt(list: IntList, length: number): Int32Array {
  list.length = length;
  list.grow();
  return list.data;
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
  /** What the next line may be. */
  private state: State;
  /** No split: the fast path ({@link run}) may take lines, in states `RAW` and `REDUCED`. */
  private readonly fast: boolean;

  private readonly all: IntList | undefined;
  private readonly batch: Int32Array | undefined;
  private batchLen = 0;
  private callCount = 0;
  /** Set by the fast path when it stopped before a line it could take (its budget, a batch, a -pre line): call it again. */
  private runCut = false;
  /** Whether a line of this log had a -time/-pid prefix (the fast path then skips prefixes too). */
  private sawPrefix = false;

  private readonly groups = new Map<string, IntList>();
  private groupA = -2;
  private groupB = -2;
  private group: IntList | undefined;
  /** Process and thread id of the current line's `[pid/tid]` prefix (-1 = none). */
  private lineA = -1;
  private lineB = -1;
  /** Scratch of the prefix and embedded-call scans (`[pid, tid]`, or the end of a name). */
  private readonly ids = new Float64Array(2);
  /** Scratch of {@link afterPrefixes}: the newline it found. */
  private readonly found = new Int32Array(1);
  /** The name {@link shapeOf} found on a call line: its id (-1 = not interned yet) and bytes. */
  private nameId = -1;
  private nameStart = 0;
  private nameEnd = 0;

  /** The incomplete last line of the previous chunk (allocated when first needed) and a DataView of it. */
  private carry = EMPTY_BYTES;
  private carryView = EMPTY_VIEW;
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
  private ended = false;
  /** Set while {@link end} reads the last line, which had no newline: a call cut there is read. */
  private atEnd = false;
  /** In state `HELD_CALL`: the call whose text goes on. */
  private held: HeldCall = { id: -1, a: -1, b: -1, line: 0, text: '', lines: 0 };
  /** In state `COMMAND_LINE`: lines the command line may still go on over. */
  private commandLineLines = 0;
  /** The first line that starts like a call but does not end like one (for diagnostics). */
  private firstBad: { line: number; text: string } | undefined;

  /** Bare names seen while `UNDECIDED`: [start, end) in `pendingBytes`. */
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
    this.fast = split === 'none';
    this.keepCalls = options.keepCalls !== false;
    this.onCalls = options.onCalls;
    this.fmt = format === 'auto' ? undefined : format;
    this.state = format === 'raw' ? RAW : format === 'reduced' ? REDUCED : UNDECIDED;
    if (this.keepCalls) {
      // The list a reader of this table left, if any (see ByteInterner.spareCalls).
      this.all = new IntList(this.interner.spareCalls ?? INITIAL_CALLS);
      this.interner.spareCalls = undefined;
    }
    if (this.onCalls) this.batch = new Int32Array(BATCH);
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

  /** The text encoding, once decided (always set after `end()`). */
  get encoding(): TraceEncoding | undefined {
    return this.front.encoding;
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
      this.startsMZ = this.head[0] === CHAR_M && this.head[1] === CHAR_Z;
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

  /**
   * Finishes the trace and returns the result. Throws {@link EmptyTraceError} for an input
   * with no content, {@link NoCallsError} when there was content but no call.
   */
  end(): TraceRead {
    if (this.ended) throw new ReaderEndedError('end');
    this.ended = true;
    if (this.gunzip) {
      this.inflate(new Uint8Array(0), true);
    } else if (this.headLen === 1) {
      this.text(this.head.subarray(0, 1));
    }
    this.front.end();
    if (this.carryLen > 0) {
      this.atEnd = true;
      this.line(this.carry, this.carryView, 0, this.carryLen);
      this.atEnd = false;
      this.carryLen = 0;
    }
    // The log ended inside a call's text that went on over lines: that call is cut.
    if (this.state === HELD_CALL) this.releaseHeld(CUT_CALL);
    if (this.state === UNDECIDED) this.decide(this.pending.length > 0 ? 'reduced' : 'raw');
    this.flushBatch();
    try {
      return this.result();
    } finally {
      this.leaveCalls();
    }
  }

  /** Leaves the call list (the result holds a copy) to the next reader of this table, unless larger than {@link SPARE_CALLS_MAX}. */
  private leaveCalls(): void {
    const all = this.all;
    const interner = this.interner;
    if (all === undefined || all.data.length > SPARE_CALLS_MAX) return;
    if (interner.spareCalls === undefined || interner.spareCalls.length < all.data.length) interner.spareCalls = all.data;
    all.data = EMPTY_IDS;
    all.length = 0;
  }

  /** The result of a trace that has ended, or its error. */
  private result(): TraceRead {
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

  // ---- Bytes in: gzip, encoding, lines ----

  /** Bytes that are not gzip, through the encoding front-end (directly to the parser once it passes them through). */
  private text(bytes: Uint8Array): void {
    if (this.plain) {
      this.feedSlices(bytes);
      return;
    }
    this.front.push(bytes);
    if (this.front.passThrough) this.plain = true;
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

  /**
   * Feeds a chunk in slices: many short feed() calls get optimised by V8 sooner than one long
   * loop (on-stack replacement), and onCalls batches flow while reading.
   */
  private feedSlices(chunk: Uint8Array): void {
    const b = asBuffer(chunk);
    for (let at = 0; at < b.length; at += SLICE) this.feed(b.subarray(at, Math.min(b.length, at + SLICE)));
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
      const nl = indexOf.call(buf, CHAR_LF, 0);
      if (nl < 0) {
        this.appendCarry(u8, 0, n);
        return;
      }
      this.appendCarry(u8, 0, nl);
      this.line(this.carry, this.carryView, 0, this.carryLen);
      this.carryLen = 0;
      pos = nl + 1;
    }
    for (;;) {
      // The common lines go through a fast path that finds the line's end itself; every other
      // line (and a line it cannot take whole) is the general path's, one at a time.
      if (this.fast) {
        const state = this.state;
        if (state === RAW || state === REDUCED) {
          const reduced = state === REDUCED;
          do pos = this.run(buf, u8, view, pos, n, reduced);
          while (this.runCut);
        }
      }
      const nl = indexOf.call(buf, CHAR_LF, pos);
      if (nl < 0) break;
      if (nl - pos > LINE_MAX) {
        const s = new Uint8Array(LINE_MAX);
        s.set(u8.subarray(pos, pos + LINE_HEAD), 0);
        s.set(u8.subarray(nl - LINE_TAIL, nl), LINE_HEAD);
        this.line(s, new DataView(s.buffer), 0, LINE_MAX);
      } else {
        this.line(u8, view, pos, nl);
      }
      pos = nl + 1;
    }
    if (pos < n) this.appendCarry(u8, pos, n);
  }

  /** Appends to the carried line, keeping only its head and tail once it is too long. */
  private appendCarry(src: Uint8Array, s: number, e: number): void {
    let len = e - s;
    // Room for the whole line kept (a carried line is mostly short: the buffer grows to LINE_MAX as needed).
    const need = Math.min(LINE_MAX, this.carryLen + len);
    if (this.carry.length < need) {
      const c = new Uint8Array(Math.min(LINE_MAX, Math.max(CARRY_MIN, 2 * need)));
      c.set(this.carry.subarray(0, this.carryLen));
      this.carry = c;
      this.carryView = new DataView(c.buffer);
    }
    const c = this.carry;
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

  // ---- The fast path ----

  /**
   * The fast path (no split), in state `RAW` (`reduced` false) or `REDUCED` (true): takes the
   * common lines from `pos` on — a raw log's call line `Nt...(...) => status` of a known name
   * (either spelling; after its -time/-pid prefixes once the general path has met one in this
   * log), its -pre line `Nt...(...) ...` (one at a time: it returns after it), a reduced
   * trace's line `Name` of a known name — and hands each raw line without prefix that is no
   * call to the general path ({@link plainLine}) without leaving the loop. Returns where it
   * stopped: at the first line it does not take (the general path decides it), at an
   * incomplete last line, or with {@link runCut} set (call again) after {@link RUN_BYTES}, a
   * batch to `onCalls`, a -pre line, or a call the general path emitted. Decides exactly as
   * {@link shapeOf} for the lines it takes (property tests compare the two on whole logs).
   *
   * One loop for both formats, the name found once: first guessed — the name last read at a
   * line with the same eight bytes after the first two (right for 97 % of the raw corpus's
   * calls, 99 % of the reduced corpus's: {@link ByteInterner.seen}) — and compared four bytes
   * at a time; else scanned four bytes at a time while hashed (as {@link scanName}) and looked
   * up (as {@link probeWords}). Then a raw line's newline is found natively, from its `(`, and
   * its end checked: `) => 0` in constant time (a CRLF log's in two words before the newline),
   * else as {@link hasPreEnd}, then as {@link hasCallEnd}: first where `) => ` was in the last
   * line that ended in the same four bytes ({@link ByteInterner.ends}), else backwards four
   * bytes at a time.
   *
   * The name's lookup and the call's end are written out here, once, not called: V8 inlines
   * functions into this loop from a budget counted in bytecode (920 bytes), of which
   * `Buffer.indexOf` and its wrappers take 442. Measured on a 4 MB synthetic log, warm: the
   * guess as a shared function 14 % slower; the status check as one not inlined, 12 % of the
   * time; the name's scan and lookup as calls (scanName, probeWords) pushed indexOf's wrappers
   * out of the budget, 20 % slower. One loop for both formats costs a reduced trace ~3 %
   * against a loop of its own.
   */
  private run(buf: Buffer, u8: Uint8Array, view: DataView, pos: number, n: number, reduced: boolean): number {
    // The interner's arrays in locals (re-read on every call: see batchFast).
    const { idLen, idStart, pool, poolView, slots, mask, seen, ends } = this.interner;
    const all = this.all;
    let out = all === undefined ? EMPTY_IDS : all.data;
    let outLen = all === undefined ? 0 : all.length;
    const batch = this.batch;
    const prefixed = this.sawPrefix;
    const stop = pos + RUN_BYTES;
    let taken = 0;
    let preNext = -1;
    this.runCut = false;
    for (;;) {
      if (pos >= stop) {
        this.runCut = true;
        break;
      }
      // (Every read below stays inside the array, before `lim`: an out-of-bounds read would
      // send V8's optimised code back to the interpreter. No name or prefix holds a newline,
      // so none is read across one.)
      if (pos + 1 >= n) break;
      const lim = n - pos > LINE_MAX ? pos + LINE_MAX : n;
      // Where the name starts: the line's start, or after a raw line's prefixes.
      let at = pos;
      // A raw line's newline, once found (after prefixes).
      let nl = -1;
      if (!reduced) {
        if (u8[pos] !== CHAR_N || u8[pos + 1] !== CHAR_t) {
          if (!isPrefixStart(u8[pos])) {
            // No call and no prefix: the general path's line, read without leaving the loop.
            this.settleRun(taken, outLen);
            taken = 0;
            const next = this.plainLine(buf, u8, view, pos, lim);
            if (next < 0) break;
            pos = next;
            // A call emitted (runCut: called again), or another state (an event's lines).
            if (this.runCut || this.state !== RAW) return pos;
            continue;
          }
          if (!prefixed) break;
          at = afterPrefixes(buf, u8, pos, lim, this.ids, this.found);
          if (at < 0) break;
          nl = this.found[0];
        }
        // "Nt" and a capital letter (NtClose, NtGdi..., NtUser...), as rawShape asks.
        if (at + 2 >= lim || !isUpper(u8[at + 2])) break;
      }
      // The name, guessed: its bytes, and the "(" (raw) or the newline (reduced) after them.
      let id = -1;
      let q = -1;
      let next = -1;
      let slot = -1;
      if (at + GUESS_MIN <= lim) {
        slot = windowSlot(view, at);
        id = seen[slot];
        if (id >= 0) {
          const end = at + idLen[id];
          if (end < lim && (reduced || u8[end] === CHAR_LPAREN)) {
            // Four bytes at a time, then the last one to three bytes as the name's last word
            // (a name has three bytes or more).
            const o = idStart[id] - at;
            let k = at;
            while (k + 4 <= end && view.getInt32(k, true) === poolView.getInt32(o + k, true)) k += 4;
            if (k < end && k + 4 > end && end - 4 >= at) {
              if (view.getInt32(end - 4, true) === poolView.getInt32(o + end - 4, true)) k = end;
            } else {
              while (k < end && u8[k] === pool[o + k]) k++;
            }
            if (k === end && (!reduced || (next = afterReducedName(u8, end, n)) >= 0)) q = end;
          }
        }
      }
      if (q < 0) {
        // Else scanned to its first byte below "0" ("(", "\r", "\n", a space), four bytes at a
        // time (the borrow trick flags such bytes in a little-endian word; the lowest flag is
        // exact), hashed as it goes (hashStep with its multiplier written as a literal).
        let h = 0x811c9dc5 | 0; // HASH_SEED
        let p = at;
        for (;;) {
          if (p + 4 > lim) {
            p = -1;
            break;
          }
          const w = view.getInt32(p, true);
          const t = (w - WORD_ZEROS) & ~w & 0x80808080; // WORD_HIGHS
          if (t !== 0) {
            const k = (31 - Math.clz32(t & -t)) >> 3;
            if (k > 0) h = Math.imul(h ^ (w & ((1 << (k << 3)) - 1)), 0x9e3779b1 | 0); // MIX_GOLDEN
            p += k;
            break;
          }
          h = Math.imul(h ^ w, 0x9e3779b1 | 0); // MIX_GOLDEN
          p += 4;
        }
        if (p <= at) break;
        if (reduced) {
          next = afterReducedName(u8, p, n);
          if (next < 0) break;
        } else if (u8[p] !== CHAR_LPAREN) {
          break;
        }
        // Looked up (as probeWords). The probe starts one slot early and steps first: the step
        // then runs on every lookup, so V8 has seen it before it optimises (a step first met
        // after that, at the first collision, would throw the optimised code away).
        const len = p - at;
        id = -1;
        for (let i = (slotOf(h, len, mask) + mask) & mask; ;) {
          i = (i + 1) & mask;
          const r = i << 2;
          const l = slots[r + 1];
          if (l === 0) break;
          if (slots[r] !== h || l !== len) continue;
          const o = slots[r + 2] - at;
          let k = at;
          while (k + 4 <= p && view.getInt32(k, true) === poolView.getInt32(o + k, true)) k += 4;
          while (k < p && u8[k] === pool[o + k]) k++;
          if (k === p) {
            id = slots[r + 3];
            break;
          }
        }
        if (id < 0) break;
        if (slot >= 0) seen[slot] = id;
        q = p;
      }
      if (reduced) {
        pos = next;
      } else {
        // The newline, searched from the "(" on (the native search costs by the byte).
        if (nl < 0) {
          nl = indexOf.call(buf, CHAR_LF, q);
          if (nl < 0 || nl >= lim) break;
        }
        // The common end first, in two words: ") => 0\r" before the newline (a CRLF log's
        // status 0), which is endsWithStatusZero's case with one "\r" stripped.
        const zeroCrlf =
          nl - q >= 8 &&
          view.getInt32(nl - 4, true) === WORD_ZERO_STATUS_CR &&
          (view.getInt32(nl - 8, true) & MASK_ARROW_HEAD) === WORD_ARROW_HEAD;
        if (!zeroCrlf) {
          let e = nl;
          while (e > pos && u8[e - 1] === CHAR_CR) e--;
          if (!endsWithStatusZero(u8, q, e, view)) {
            if (e - q < CALL_END_MIN + 2) break;
            // A status never ends in ") ...", so a -pre line is told first (its arguments may
            // hold ") => " inside a string); counted after the loop, which then returns.
            if (hasPreEnd(u8, q, e)) {
              preNext = nl + 1;
              break;
            }
            // Any other status: first where ") => " was in the last line that ended in the
            // same four bytes (any ") => " a status follows makes the line a call), else
            // hasCallEnd's backward scan, four bytes at a time where no ">" is.
            const low = q + CALL_END_MIN;
            const ek = Math.imul(view.getInt32(e - 4, true), 0x9e3779b1 | 0) >>> 24; // MIX_GOLDEN
            let i = e - ends[ek];
            if (!(
              i >= low &&
              i + 2 < e &&
              view.getInt32(i - 3, true) === WORD_ARROW &&
              u8[i + 1] === CHAR_SPACE &&
              isStatusStart(u8[i + 2])
            )) {
              for (i = e - 2; i >= low; i--) {
                if (i - 3 >= low) {
                  const x = view.getInt32(i - 3, true) ^ WORD_GREATERS;
                  if (((x - WORD_ONES) & ~x & 0x80808080) === 0) {
                    i -= 3;
                    continue;
                  }
                }
                if (view.getInt32(i - 3, true) === WORD_ARROW && u8[i + 1] === CHAR_SPACE && i + 2 < e && isStatusStart(u8[i + 2])) break;
              }
              if (i < low) break;
              ends[ek] = e - i;
            }
          }
        }
        pos = nl + 1;
      }
      taken++;
      if (all !== undefined) {
        if (outLen === out.length) out = grownAt(all, outLen);
        out[outLen++] = id;
      }
      if (batch !== undefined && this.batchFast(id, taken, outLen)) {
        taken = 0;
        break;
      }
    }
    this.settleRun(taken, outLen);
    if (preNext >= 0) {
      this.st.lines++;
      this.take(PRE_CALL, u8, pos, pos);
      this.runCut = true;
      return preNext;
    }
    return pos;
  }

  /**
   * A line of {@link run} at `pos` that has no prefix and no call, read by the general
   * path. Returns where the next line starts, or -1 when the line does not end before `lim`
   * (the general path takes it). Sets {@link runCut} when it emitted a call (recoverEmbedded:
   * its batch may have gone to onCalls, so run is called again with fresh locals).
   */
  private plainLine(buf: Buffer, u8: Uint8Array, view: DataView, pos: number, lim: number): number {
    const nl = indexOf.call(buf, CHAR_LF, pos);
    if (nl < 0 || nl >= lim) return -1;
    let e = nl;
    while (e > pos && u8[e - 1] === CHAR_CR) e--;
    // (As line() and rawShape() would: the line has no prefix and is no call.)
    this.st.lines++;
    this.lineA = -1;
    this.lineB = -1;
    const calls = this.callCount;
    this.take(this.otherShape(u8, view, pos, pos, e), u8, pos, e);
    if (this.callCount !== calls) this.runCut = true;
    return nl + 1;
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
    this.settleRun(taken, outLen);
    this.flushBatch();
    this.runCut = true;
    return true;
  }

  /**
   * Settles what a fast path took so far: `taken` call lines (counted as {@link take} counts
   * `CALL`) and the call list's length `outLen`.
   */
  private settleRun(taken: number, outLen: number): void {
    if (this.all !== undefined) this.all.length = outLen;
    if (taken === 0) return;
    const st = this.st;
    st.lines += taken;
    st.calls += taken;
    this.callCount += taken;
  }

  // ---- The general path: one line at a time ----

  /** Handles one line `buf[s..e)` (without its `\n`); `view` is a DataView over `buf`. */
  private line(buf: Uint8Array, view: DataView, s: number, e: number): void {
    this.st.lines++;
    while (e > s && buf[e - 1] === CHAR_CR) e--;
    // A line is read again when its shape moved the state (NOT_CALL_TEXT, NOT_NAME).
    while (!this.take(this.shapeOf(buf, view, s, e), buf, s, e));
  }

  /** The shape of the line `buf[s..e)` in the current state (see {@link Shape}). */
  private shapeOf(buf: Uint8Array, view: DataView, s: number, e: number): Shape {
    switch (this.state) {
      case RAW:
      case IMAGE_PATH:
        return this.rawShape(buf, view, s, e);
      case HELD_CALL:
        return this.heldShape(buf, view, s, e);
      case COMMAND_LINE:
        return endsWithQuote(buf, s, e) || this.commandLineLines <= 1 ? COMMAND_LINE_END : COMMAND_LINE_TEXT;
      case REDUCED:
        return this.reducedShape(buf, s, e);
      default:
        return this.undecidedShape(buf, s, e);
    }
  }

  /**
   * A line of a raw log: a call (after the optional `-time`/`-pid` prefixes, whose ids are
   * left in {@link lineA}/{@link lineB}; its name in {@link nameId}..), an event, or not
   * NtTrace's.
   */
  private rawShape(buf: Uint8Array, view: DataView, s: number, e: number): Shape {
    const ids = this.ids;
    const p = skipPrefixes(buf, s, e, ids);
    // (The ids are copied only from a prefix that has them: a Float64Array's element stored in
    // a field that held small integers changes the reader's hidden class, which throws away
    // the optimised code that uses it, or its compilation under way.)
    if (ids[0] >= 0) {
      this.lineA = ids[0];
      this.lineB = ids[1];
    } else {
      this.lineA = -1;
      this.lineB = -1;
    }
    // The fast path skips prefixes too from now on (see run).
    if (p !== s) this.sawPrefix = true;
    // A call starts with "Nt" and a capital letter (NtTrace's configurations name every
    // traced function so, NtGdi... and NtUser... included).
    if (p + 2 < e && buf[p] === CHAR_N && buf[p + 1] === CHAR_t && isUpper(buf[p + 2])) {
      const interner = this.interner;
      const id = interner.match(buf, p, e);
      const q = interner.matchEnd;
      if (q < e && buf[q] === CHAR_LPAREN) {
        this.nameId = id;
        this.nameStart = p;
        this.nameEnd = q;
        // A status never ends in ") ...", so a -pre line is told first (its arguments may
        // hold ") => " inside a string).
        if (hasPreEnd(buf, q, e)) return PRE_CALL;
        // ("Name(read error: N": NtTrace could not read the arguments of a call that ran.)
        if (hasCallEnd(buf, q, e, view) || isReadError(buf, q, e)) return CALL;
        // The log ends inside this call's line (a truncated file, a tracer killed while
        // writing): the call ran or was about to, so it is read, as NtMalDetect's reader did.
        if (this.atEnd) return CUT_CALL;
        // A string argument opened and the line ended: NtTrace writes strings raw, so the
        // string held a newline and the call's text goes on over the next lines.
        if (hasByte(buf, CHAR_QUOTE, q, e)) return OPEN_CALL;
        return BAD_CALL;
      }
    }
    return this.otherShape(buf, view, s, p, e);
  }

  /**
   * A raw line `buf[s..e)` that is no call (its body, after any prefix, at `p`): blank, an
   * event, the image path, program output with a call after it, or program output.
   */
  private otherShape(buf: Uint8Array, view: DataView, s: number, p: number, e: number): Shape {
    // (A blank line is checked from the line's start: a prefix alone is not blank.)
    if (isBlank(buf, s, e)) return BLANK;
    const ev = eventKind(buf, p, e);
    if (ev === PROCESS_START) return commandLineOpen(buf, p, e) ? PROCESS_START_OPEN : PROCESS_START_LINE;
    if (ev !== NOT_EVENT) return EVENT;
    if (this.state === IMAGE_PATH) return IMAGE_PATH_LINE;
    const ids = this.ids;
    const name = findEmbeddedCall(buf, s, e, ids, view);
    if (name < 0) return PROGRAM_OUTPUT;
    this.nameStart = name;
    this.nameEnd = ids[0] | 0; // (a position: an integer, kept a small one: see rawShape)
    return EMBEDDED_CALL;
  }

  /**
   * A line after a held call ({@link held}): the rest of its string argument, up to and
   * including the line where the call ends. Not the call's (`NOT_CALL_TEXT`): in a log with
   * `-pid`/`-tid` prefixes, a prefixed line (NtTrace's own), and the line after
   * {@link MAX_CONTINUED_LINES} lines without the call's end.
   */
  private heldShape(buf: Uint8Array, view: DataView, s: number, e: number): Shape {
    if (this.sawPrefix && startsWithIdPrefix(buf, s, e, this.ids)) return NOT_CALL_TEXT;
    // (The text goes on from the line's start: the "(" is taken to be just before it.)
    if (hasCallEnd(buf, s - 1, e, view)) return CALL_TEXT_END;
    if (hasPreEnd(buf, s - 1, e)) return PRE_CALL_TEXT_END;
    return this.held.lines >= MAX_CONTINUED_LINES ? NOT_CALL_TEXT : CALL_TEXT;
  }

  /** A line of a reduced trace: a call name (identifier or number, padding aside), or blank. */
  private reducedShape(buf: Uint8Array, s: number, e: number): Shape {
    if (!this.trimName(buf, s, e)) return BLANK;
    s = this.nameStart;
    e = this.nameEnd;
    const id = this.interner.match(buf, s, e);
    this.nameId = this.interner.matchEnd === e ? id : -1;
    return this.nameId >= 0 || isReducedName(buf, s, e) ? NAME : UNPARSEABLE;
  }

  /**
   * A line while `format: 'auto'` is undecided: the first line that is neither blank nor a
   * bare call name means raw; {@link DETECT_LINES} bare names mean reduced.
   */
  private undecidedShape(buf: Uint8Array, s: number, e: number): Shape {
    if (!this.trimName(buf, s, e)) return BLANK;
    return isReducedName(buf, this.nameStart, this.nameEnd) ? NAME : NOT_NAME;
  }

  /**
   * A reduced line's padding (spaces and tabs, and CRs at its end) trimmed off `buf[s..e)`:
   * the rest in {@link nameStart}..{@link nameEnd}; false when nothing is left (a blank line).
   */
  private trimName(buf: Uint8Array, s: number, e: number): boolean {
    while (s < e && (buf[s] === CHAR_SPACE || buf[s] === CHAR_TAB)) s++;
    while (e > s && (buf[e - 1] === CHAR_SPACE || buf[e - 1] === CHAR_TAB || buf[e - 1] === CHAR_CR)) e--;
    this.nameStart = s;
    this.nameEnd = e;
    return s < e;
  }

  /**
   * Counts a line of shape `shape` (`buf[s..e)`), emits its call and moves the state. Returns
   * false when the line is to be read again in the state it moved to.
   */
  private take(shape: Shape, buf: Uint8Array, s: number, e: number): boolean {
    const st = this.st;
    switch (shape) {
      case BLANK:
        // (In a raw log: after "Process N starting at ...", an empty image path.)
        st.blank++;
        if (this.state === IMAGE_PATH) this.state = RAW;
        return true;
      case CALL:
        st.calls++;
        this.emit(this.nameId >= 0 ? this.nameId : this.interner.intern(buf, this.nameStart, this.nameEnd));
        this.state = RAW;
        return true;
      case CUT_CALL:
        st.cutCalls++;
        this.emit(this.nameId >= 0 ? this.nameId : this.interner.intern(buf, this.nameStart, this.nameEnd));
        this.state = RAW;
        return true;
      case PRE_CALL:
        st.preCalls++;
        this.state = RAW;
        return true;
      case OPEN_CALL: {
        const held = this.held;
        held.id = this.nameId >= 0 ? this.nameId : this.interner.intern(buf, this.nameStart, this.nameEnd);
        held.a = this.lineA;
        held.b = this.lineB;
        held.line = st.lines;
        held.text = excerpt(buf, s, e);
        held.lines = 0;
        this.state = HELD_CALL;
        return true;
      }
      case BAD_CALL:
        st.unparseable++;
        this.firstBad ??= { line: st.lines, text: excerpt(buf, s, e) };
        this.state = RAW;
        return true;
      case EVENT:
      case IMAGE_PATH_LINE:
        st.events++;
        this.state = RAW;
        return true;
      case PROCESS_START_LINE:
        st.events++;
        this.state = IMAGE_PATH;
        return true;
      case PROCESS_START_OPEN:
        st.events++;
        this.commandLineLines = MAX_CONTINUED_LINES;
        this.state = COMMAND_LINE;
        return true;
      case EMBEDDED_CALL:
        st.embeddedCalls++;
        if (this.recoverEmbedded) {
          this.embeddedGroup(buf, s, this.nameStart);
          this.emit(this.interner.intern(buf, this.nameStart, this.nameEnd));
        }
        return true;
      case PROGRAM_OUTPUT:
        st.programOutput++;
        return true;
      case CALL_TEXT:
        st.programOutput++;
        this.held.lines++;
        return true;
      case CALL_TEXT_END:
        st.programOutput++;
        this.releaseHeld(CALL);
        return true;
      case PRE_CALL_TEXT_END:
        st.programOutput++;
        this.releaseHeld(PRE_CALL);
        return true;
      case NOT_CALL_TEXT:
        this.releaseHeld(BAD_CALL);
        return false;
      case COMMAND_LINE_TEXT:
        // The child's command line goes on: this line is part of the event, not a call.
        st.events++;
        this.commandLineLines--;
        return true;
      case COMMAND_LINE_END:
        st.events++;
        this.commandLineLines = 0;
        this.state = IMAGE_PATH;
        return true;
      case NAME:
        if (this.state === UNDECIDED) {
          this.hold(buf, this.nameStart, this.nameEnd);
          return true;
        }
        st.calls++;
        this.emit(this.nameId >= 0 ? this.nameId : this.interner.intern(buf, this.nameStart, this.nameEnd));
        return true;
      case NOT_NAME:
        this.decide('raw');
        return false;
      default:
        // UNPARSEABLE: a reduced trace's line that is no name.
        st.unparseable++;
        return true;
    }
  }

  /** Settles the held call's first line as `CALL`, `PRE_CALL`, `CUT_CALL` or `BAD_CALL`; the state is `RAW` again. */
  private releaseHeld(as: Shape): void {
    const st = this.st;
    const held = this.held;
    this.state = RAW;
    if (as === BAD_CALL) {
      st.unparseable++;
      this.firstBad ??= { line: held.line, text: held.text };
    } else if (as === PRE_CALL) {
      st.preCalls++;
    } else {
      if (as === CALL) st.calls++;
      else st.cutCalls++;
      const a = this.lineA;
      const b = this.lineB;
      this.lineA = held.a;
      this.lineB = held.b;
      this.emit(held.id);
      this.lineA = a;
      this.lineB = b;
    }
  }

  /** Picks the group of an embedded call from a `[pid/tid] ` written just before its name at `n`. */
  private embeddedGroup(buf: Uint8Array, s: number, n: number): void {
    this.lineA = -1;
    this.lineB = -1;
    for (let i = n - 3; i >= s && i >= n - 26; i--) {
      if (buf[i] === CHAR_LBRACKET && skipIdPrefix(buf, i, n + 1, this.ids) === n) {
        this.lineA = this.ids[0];
        this.lineB = this.ids[1];
        return;
      }
    }
  }

  /** Holds a bare name while the format is undecided; {@link DETECT_LINES} of them decide `'reduced'`. */
  private hold(buf: Uint8Array, s: number, e: number): void {
    const len = e - s;
    if (this.pendingUsed + len > this.pendingBytes.length) {
      const p = new Uint8Array(Math.max(1024, 2 * (this.pendingUsed + len)));
      p.set(this.pendingBytes.subarray(0, this.pendingUsed));
      this.pendingBytes = p;
    }
    this.pendingBytes.set(buf.subarray(s, e), this.pendingUsed);
    this.pending.push(this.pendingUsed, this.pendingUsed + len);
    this.pendingUsed += len;
    if (this.pending.length >= 2 * DETECT_LINES) this.decide('reduced');
  }

  /** Settles the format and replays the names held while it was undecided. */
  private decide(format: TraceFormat): void {
    this.fmt = format;
    this.state = format === 'raw' ? RAW : REDUCED;
    const pend = this.pending;
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = new Uint8Array(0);
    this.pendingUsed = 0;
    for (let i = 0; i < pend.length; i += 2) {
      if (format === 'reduced') {
        this.st.calls++;
        this.emit(this.interner.intern(bytes, pend[i], pend[i + 1]));
      } else {
        // In a raw log a bare name is the program's own output.
        this.st.programOutput++;
      }
    }
  }

  // ---- Calls out ----

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

// ---- Byte-level helpers of the line loops ----

/** Is `c` an ASCII capital letter? */
function isUpper(c: number): boolean {
  return c >= CHAR_A && c <= CHAR_Z;
}

/** Can byte `c` start a `-time`/`-delta` prefix (a digit, `+`, `:`, `<` or `>`)? */
function isTimeStart(c: number): boolean {
  return (CLASS[c] & DIGIT) !== 0 || c === CHAR_PLUS || c === CHAR_COLON || c === CHAR_LESS || c === CHAR_GREATER;
}

/** By byte: 1 if it can start a prefix (`-time`/`-delta`, or `[` of `-pid`/`-tid`). Never modified. */
const PREFIX_START = Uint8Array.from({ length: 256 }, (_, c) => (isTimeStart(c) || c === CHAR_LBRACKET ? 1 : 0));

/** Can byte `c` start a prefix? (A table lookup: small enough for V8 to inline it anywhere.) */
function isPrefixStart(c: number): boolean {
  return PREFIX_START[c] !== 0;
}

/**
 * For {@link TraceReader.run}: where the call name starts after the prefixes of the line at
 * `pos` (skipped as {@link skipPrefixes} does, up to the line's newline, which is left in
 * `found[0]`), or -1 when the line does not end before `lim` or no "Nt" follows its prefixes
 * (the general path then takes it). A function of its own, with its own newline search, so
 * that V8 does not inline the prefixes' parse into the fast loop, whose inlining budget it
 * would take from `Buffer.indexOf`'s wrappers (22 % slower on a prefixed log, measured).
 */
function afterPrefixes(buf: Buffer, u8: Uint8Array, pos: number, lim: number, ids: Float64Array, found: Int32Array): number {
  const nl = indexOf.call(buf, CHAR_LF, pos);
  if (nl < 0 || nl >= lim) return -1;
  const at = skipPrefixes(u8, pos, nl, ids);
  if (at + 2 >= nl || u8[at] !== CHAR_N || u8[at + 1] !== CHAR_t) return -1;
  found[0] = nl;
  return at;
}

/**
 * Where the body of the line `buf[s..e)` starts: after its `-time`/`-delta` and `-pid`/`-tid`
 * prefixes, if any. `ids` gets the `[pid/tid]` (-1 = absent).
 */
function skipPrefixes(buf: Uint8Array, s: number, e: number, ids: Float64Array): number {
  ids[0] = -1;
  ids[1] = -1;
  if (s >= e || (CLASS[buf[s]] & IDENT_START) !== 0) return s;
  let p = s;
  if (isTimeStart(buf[p])) p = skipTimePrefix(buf, p, e);
  if (p < e && buf[p] === CHAR_LBRACKET) p = skipIdPrefix(buf, p, e, ids);
  return p;
}

/** Does `buf[s..e)` start with a `-pid`/`-tid` prefix (after an optional `-time` one)? */
function startsWithIdPrefix(buf: Uint8Array, s: number, e: number, ids: Float64Array): boolean {
  const p = buf[s] === CHAR_LBRACKET ? s : skipTimePrefix(buf, s, e);
  return buf[p] === CHAR_LBRACKET && skipIdPrefix(buf, p, e, ids) !== p;
}

/**
 * Index in the interner's `seen` of the line at `pos`: a hash of its eight bytes from
 * `pos + 2` on (after a raw call's "Nt"). The caller checks that they are in the buffer.
 */
function windowSlot(view: DataView, pos: number): number {
  // (MIX_MURMUR, MIX_GOLDEN: see the note on literals above.)
  return Math.imul(view.getInt32(pos + 2, true) ^ Math.imul(view.getInt32(pos + 6, true), 0x85ebca6b | 0), 0x9e3779b1 | 0) >>> 22;
}

/** Where the next line starts when a reduced line's name ends at `q` (`\n` or `\r\n`), else -1. */
function afterReducedName(u8: Uint8Array, q: number, n: number): number {
  const c = u8[q];
  if (c === CHAR_LF) return q + 1;
  if (c === CHAR_CR && q + 1 < n && u8[q + 1] === CHAR_LF) return q + 2;
  return -1;
}

/** Is byte `c` in `buf[s..e)`? */
function hasByte(buf: Uint8Array, c: number, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (buf[i] === c) return true;
  return false;
}

/** Is `buf[s..e)` blank (spaces and tabs only)? */
function isBlank(buf: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (buf[i] !== CHAR_SPACE && buf[i] !== CHAR_TAB) return false;
  return true;
}

/** Is `buf[s..e)` a reduced-trace call name: an identifier, or a decimal number (numeric syscall traces)? */
function isReducedName(buf: Uint8Array, s: number, e: number): boolean {
  if (s === e) return false;
  const want = (CLASS[buf[s]] & DIGIT) !== 0 ? DIGIT : IDENT_START;
  if ((CLASS[buf[s]] & want) === 0) return false;
  const rest = want === DIGIT ? DIGIT : IDENT;
  for (let i = s + 1; i < e; i++) if ((CLASS[buf[i]] & rest) === 0) return false;
  return true;
}

/** Longest excerpt of a line quoted in a diagnostic. */
const EXCERPT_BYTES = 160;

/** `buf[s..e)` as text for a diagnostic, cut to {@link EXCERPT_BYTES} bytes. */
function excerpt(buf: Uint8Array, s: number, e: number): string {
  const cut = e - s > EXCERPT_BYTES;
  return Buffer.from(buf.subarray(s, cut ? s + EXCERPT_BYTES : e)).toString('utf8') + (cut ? '…' : '');
}
