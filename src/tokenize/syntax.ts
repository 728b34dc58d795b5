/**
 * Byte-level pieces of NtTrace's line grammar (from NtTrace's source, `NtTrace.cpp` and
 * `EntryPoint.cpp`):
 *
 * ```text
 * line    = [time-prefix] [id-prefix] body
 * time    = [HH:MM:SS.mmm] [" "] [delta] ": "        (-time, -delta; delta is "+S.mmm", "<0", ">999s" or empty)
 * id      = "[" pid "/" tid "] " | "[" pid "] " | "[" tid "] "   (-pid, -tid; numbers right-aligned in width 4)
 * call    = Name "(" args ") => " status [" [" code " '" message "']"]   (after the call returned)
 * pre     = Name "(" args ") ..."                     (-pre: before the call runs)
 * args    = " " arg ", " arg ... " "   (through v1.0)  |  arg ", " arg ...   (v1.1 and later)
 * event   = "Process N starting at ..." | "Loaded DLL at ..." | ...
 * ```
 *
 * All functions work on `Uint8Array` ranges `[start, end)` and never allocate.
 *
 * @packageDocumentation
 */

/** Byte classes: bit 1 = identifier character, bit 2 = digit, bit 4 = identifier start. */
export const CLASS = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const upper = c >= 65 && c <= 90;
  const lower = c >= 97 && c <= 122;
  const digit = c >= 48 && c <= 57;
  CLASS[c] = (upper || lower || digit || c === 95 ? 1 : 0) | (digit ? 2 : 0) | (upper || lower || c === 95 ? 4 : 0);
}
export const IDENT = 1;
export const DIGIT = 2;
export const IDENT_START = 4;

/** Is `buf[i]` a decimal digit? (`i` inside the array: the callers check their bounds first.) */
function digitAt(buf: Uint8Array, i: number): boolean {
  return (CLASS[buf[i]] & DIGIT) !== 0;
}

/**
 * Skips a `-time` / `-delta` prefix (`12:34:56.789: `, `12:34:56.789 +0.015: `, `+1.250: `,
 * `: ` for the first delta). Returns the position after it, or `start` if there is none.
 * Straight-line checks after one bounds check each (no loop over fixed-width fields): the raw
 * fast path calls this on every line of a prefixed log.
 */
export function skipTimePrefix(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  if (
    end - i >= 12 &&
    digitAt(buf, i) &&
    digitAt(buf, i + 1) &&
    buf[i + 2] === 58 &&
    digitAt(buf, i + 3) &&
    digitAt(buf, i + 4) &&
    buf[i + 5] === 58 &&
    digitAt(buf, i + 6) &&
    digitAt(buf, i + 7) &&
    buf[i + 8] === 46 &&
    digitAt(buf, i + 9) &&
    digitAt(buf, i + 10) &&
    digitAt(buf, i + 11)
  ) {
    i += 12;
    if (buf[i] === 32 && i + 1 < end) i++; // time and delta are separated by a space
  }
  const c = buf[i];
  if (c === 43 /* + */) {
    let j = i + 1;
    while (j < end && digitAt(buf, j)) j++;
    if (j > i + 1 && buf[j] === 46 && end - j >= 4 && digitAt(buf, j + 1) && digitAt(buf, j + 2) && digitAt(buf, j + 3)) i = j + 4;
    else return start;
  } else if (c === 60 /* < */ && buf[i + 1] === 48) {
    i += 2;
  } else if (c === 62 /* > */ && buf[i + 1] === 57 && buf[i + 2] === 57 && buf[i + 3] === 57 && buf[i + 4] === 115) {
    i += 5;
  }
  if (i + 1 < end && buf[i] === 58 && buf[i + 1] === 32) return i + 2;
  return start;
}

/**
 * Parses a `-pid` / `-tid` prefix `[ 123/4567] ` at `start`. On success returns the position
 * after it and stores the numbers in `out[0]` (first) and `out[1]` (second, -1 when absent);
 * otherwise returns `start`.
 */
export function skipIdPrefix(buf: Uint8Array, start: number, end: number, out: Float64Array): number {
  if (buf[start] !== 91 /* [ */) return start;
  let i = start + 1;
  let first = -1;
  let second = -1;
  for (let part = 0; part < 2; part++) {
    while (i < end && buf[i] === 32) i++;
    let n = 0;
    const d0 = i;
    while (i < end && (CLASS[buf[i]] & DIGIT) !== 0 && i - d0 < 10) n = n * 10 + (buf[i++] - 48);
    if (i === d0) return start;
    if (part === 0) first = n;
    else second = n;
    if (buf[i] !== 47 /* / */ || part === 1) break;
    i++;
  }
  if (i + 1 >= end || buf[i] !== 93 /* ] */ || buf[i + 1] !== 32) return start;
  out[0] = first;
  out[1] = second;
  return i + 2;
}

/**
 * Does the call text `buf[open..end)` (from its `(`) end like a completed call: `) => ` and
 * a status after the arguments? Both of NtTrace's spellings match: `Name( a, b ) => 0`
 * (through v1.0) and `Name(a, b) => 0` (v1.1 and later), with any status text (numeric,
 * symbolic, followed by an error's ` [0x… 'message']`). The last `) => ` of the line counts,
 * so an argument string holding one does not end the call early. Scans backwards from the
 * end, so the cost is the length of the status text; with `view` (a DataView over the same
 * bytes as `buf`, same offset) four bytes at a time where no `>` is (an error status's
 * message is ~50 bytes).
 */
export function hasCallEnd(buf: Uint8Array, open: number, end: number, view: DataView | null = null): boolean {
  // The first possible ">" is that of "() => ": open + 4.
  const low = open + CALL_END_MIN;
  for (let i = end - 2; i >= low; i--) {
    if (view !== null && i - 3 >= low) {
      // No ">" among buf[i-3..i] (the borrow trick has no false negatives): skip the word.
      const x = view.getInt32(i - 3, true) ^ 0x3e3e3e3e;
      if (((x - 0x01010101) & ~x & 0x80808080) === 0) {
        i -= 3;
        continue;
      }
    }
    if (isArrowAt(buf, i) && isStatusAt(buf, i + 2, end)) return true;
  }
  return false;
}

/**
 * Does a call's status start at `buf[p]` (before `end`): a digit or `-` (NtTrace writes a
 * number: `0`, `-1`, `0xc0000034`), or a capital (a symbolic name)? A `) => ` inside a string
 * argument is mostly followed by anything else (`"a) => b"`), so the call's end is the last
 * `) => ` a status follows. (Only the first byte is checked: the raw fast path checks it on
 * every call that failed.)
 */
export function isStatusAt(buf: Uint8Array, p: number, end: number): boolean {
  return p < end && isStatusStart(buf[p]);
}

/** Can byte `c` start a status (a digit, `-`, or a capital)? See {@link isStatusAt}. */
export function isStatusStart(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 45 || (c >= 65 && c <= 90);
}

/**
 * Offset of the first `>` of a call end from the `(`: `() => 0` has its `>` at `(` + 4.
 * (A status follows the `> `, so the `>` is never the line's last byte.)
 */
export const CALL_END_MIN = 4;

/** Is `buf[i]` the `>` of `) => ` followed by a space? (`i - 3 >= 0` and `i + 1` in range: the callers check.) */
export function isArrowAt(buf: Uint8Array, i: number): boolean {
  return buf[i] === 62 && buf[i - 1] === 61 && buf[i - 2] === 32 && buf[i - 3] === 41 && buf[i + 1] === 32;
}

/**
 * The common case of {@link hasCallEnd}, in constant time: does the call text `buf[open..end)`
 * end in `) => 0` (status 0, nine calls in ten; either spelling)? When true, {@link hasCallEnd}
 * is true and {@link hasPreEnd} false for the same text. With `view` (as for
 * {@link hasCallEnd}) the last four bytes are compared as one word.
 */
export function endsWithStatusZero(buf: Uint8Array, open: number, end: number, view: DataView | null = null): boolean {
  if (end - open < 7) return false;
  if (view !== null) {
    // "=> 0", little-endian, then ") ".
    return view.getInt32(end - 4, true) === 0x30203e3d && buf[end - 5] === 32 && buf[end - 6] === 41;
  }
  return (
    buf[end - 1] === 48 && buf[end - 3] === 62 && buf[end - 2] === 32 && buf[end - 4] === 61 && buf[end - 5] === 32 && buf[end - 6] === 41
  );
}

/**
 * Does the call text `buf[open..end)` end like a `-pre` line (the call written before it
 * runs): `Name( a ) ...` (through v1.0) or `Name(a) ...` (v1.1 and later)?
 */
export function hasPreEnd(buf: Uint8Array, open: number, end: number): boolean {
  return end - open >= 6 && buf[end - 1] === 46 && buf[end - 2] === 46 && buf[end - 3] === 46 && buf[end - 4] === 32 && buf[end - 5] === 41;
}

/** Event lines NtTrace writes itself (after the optional prefixes). */
const EVENT_PREFIXES = [
  'Loaded DLL at ',
  'Unload of DLL at ',
  'Created thread: ',
  'Initial breakpoint',
  'Breakpoint at ',
  'Access violation at ',
  'Exception: ',
  'Exception raised by attempted close',
  'Ignoring unhandled exception',
  'C++ exception at ',
  'CLR exception',
  'CLR Notification: ',
  'MSVC Notification: ',
  'SetThreadName "',
  'WOW64 initialised',
  'Detached',
  'Setting SHOW_LDR_SNAPS',
  "Can't set thread context",
  "Can't get thread context",
].map((s) => Uint8Array.from(Buffer.from(s, 'latin1')));

/** {@link EVENT_PREFIXES} by their first byte (most bytes start none). */
const EVENTS_BY_FIRST: Uint8Array[][] = Array.from({ length: 256 }, () => []);
for (const p of EVENT_PREFIXES) EVENTS_BY_FIRST[p[0]].push(p);

const PROCESS = Uint8Array.from(Buffer.from('Process ', 'latin1'));
const THREAD = Uint8Array.from(Buffer.from('Thread ', 'latin1'));
const STARTING = Uint8Array.from(Buffer.from(' starting at ', 'latin1'));
const EXIT_CODE = Uint8Array.from(Buffer.from(' exit code: ', 'latin1'));

function startsWith(buf: Uint8Array, at: number, end: number, s: Uint8Array): boolean {
  if (end - at < s.length) return false;
  for (let k = 0; k < s.length; k++) if (buf[at + k] !== s[k]) return false;
  return true;
}

const WITH_COMMAND_LINE = Uint8Array.from(Buffer.from(' with command line: ', 'latin1'));
const READ_ERROR = Uint8Array.from(Buffer.from('read error: ', 'latin1'));

/**
 * For a `Process N starting at ADDR with command line: "..."` line (NtTrace 1.1 and later)
 * at `buf[at..e)`: does the quoted command line go on over the next lines (it held a
 * newline, so the line does not end with its closing quote)? False for the other spellings
 * (v1.0 writes no command line; an unreadable one is empty).
 */
export function commandLineOpen(buf: Uint8Array, at: number, e: number): boolean {
  for (let i = at; i + WITH_COMMAND_LINE.length <= e; i++) {
    if (buf[i] === 32 && startsWith(buf, i, e, WITH_COMMAND_LINE)) {
      const open = i + WITH_COMMAND_LINE.length;
      if (open >= e || buf[open] !== 34 /* " */) return false;
      return !endsWithQuote(buf, open + 1, e);
    }
  }
  return false;
}

/** Does `buf[s..e)` end with `"` (trailing spaces aside)? */
export function endsWithQuote(buf: Uint8Array, s: number, e: number): boolean {
  while (e > s && buf[e - 1] === 32) e--;
  return e > s && buf[e - 1] === 34;
}

/**
 * Is the call text `buf[open..e)` (from its `(`) NtTrace's `(read error: N`, written in place
 * of the arguments of a call whose argument block it could not read (the line ends there)?
 */
export function isReadError(buf: Uint8Array, open: number, e: number): boolean {
  let i = open + 1;
  if (!startsWith(buf, i, e, READ_ERROR)) return false;
  i += READ_ERROR.length;
  const d = i;
  while (i < e && (CLASS[buf[i]] & DIGIT) !== 0) i++;
  return i > d && i === e;
}

/** Event kinds returned by {@link eventKind}. */
export const NOT_EVENT = 0;
export const EVENT = 1;
/** `Process N starting at ...`: NtTrace writes the image path on the next line. */
export const PROCESS_START = 2;

/** Classifies `buf[at..end)` as one of NtTrace's event lines. */
export function eventKind(buf: Uint8Array, at: number, end: number): number {
  if (at >= end) return NOT_EVENT;
  const c = buf[at];
  if (c === 80 /* P */ || c === 84 /* T */) {
    const word = c === 80 ? PROCESS : THREAD;
    if (!startsWith(buf, at, end, word)) return NOT_EVENT;
    let i = at + word.length;
    const d0 = i;
    while (i < end && (CLASS[buf[i]] & DIGIT) !== 0) i++;
    if (i === d0) return NOT_EVENT;
    if (startsWith(buf, i, end, EXIT_CODE)) return EVENT;
    if (c === 80 && startsWith(buf, i, end, STARTING)) return PROCESS_START;
    return NOT_EVENT;
  }
  const candidates = EVENTS_BY_FIRST[c];
  for (let k = 0; k < candidates.length; k++) if (startsWith(buf, at, end, candidates[k])) return EVENT;
  return NOT_EVENT;
}

/**
 * The first `(` in `buf[k..end)`, or -1. With `view` (a DataView over the same bytes as
 * `buf`, same offset) four bytes at a time: the borrow trick on `w ^ 0x28282828` flags the
 * `(` bytes of a little-endian word, and its lowest flag is exact.
 */
function nextParen(buf: Uint8Array, view: DataView | null, k: number, end: number): number {
  if (view !== null) {
    while (k + 4 <= end) {
      const x = view.getInt32(k, true) ^ 0x28282828;
      const t = (x - 0x01010101) & ~x & 0x80808080;
      if (t !== 0) return k + ((31 - Math.clz32(t & -t)) >> 3);
      k += 4;
    }
  }
  for (; k < end; k++) if (buf[k] === 40) return k;
  return -1;
}

/**
 * Looks for a call written after program output on the same line (`\tNtWriteFile( ... ) => 0`,
 * `textNtClose( ... ) => 0`). Returns the start of the call name, or -1; the name ends at the
 * `(` found at `out[0]`. `view`, when given, is a DataView over the same bytes as `buf` (same
 * offset): the line is then searched four bytes at a time.
 */
export function findEmbeddedCall(buf: Uint8Array, start: number, end: number, out: Float64Array, view: DataView | null = null): number {
  for (let k = nextParen(buf, view, start + 1, end); k >= 0; k = nextParen(buf, view, k + 1, end)) {
    let r = k;
    while (r > start && (CLASS[buf[r - 1]] & IDENT) !== 0) r--;
    // The call name starts at the first "Nt" + capital letter of the identifier run.
    for (let n = r; n + 2 < k; n++) {
      if (buf[n] === 78 && buf[n + 1] === 116 && buf[n + 2] >= 65 && buf[n + 2] <= 90) {
        if (hasPreEnd(buf, k, end) || !hasCallEnd(buf, k, end, view)) return -1;
        out[0] = k;
        return n;
      }
    }
  }
  return -1;
}
