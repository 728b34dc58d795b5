/**
 * A line-by-line reading of a whole trace, for the reader's property tests: the rules of
 * docs/nttrace-grammar.md written as plainly as they can be (one line at a time, names as
 * strings, no carry, no guess, no state machine), on the same byte-level syntax functions
 * (syntax.ts, tested on their own). The reader must count every line and emit every call as
 * this does, however its input is cut into chunks.
 */
import {
  NOT_EVENT,
  PROCESS_START,
  commandLineOpen,
  endsWithQuote,
  eventKind,
  findEmbeddedCall,
  hasCallEnd,
  hasPreEnd,
  isReadError,
  skipIdPrefix,
  skipTimePrefix,
} from '../syntax.js';
import { LINE_HEAD, LINE_TAIL } from '../reader.js';
import { sniffEncoding } from '../encoding.js';
import type { LineStats } from '../types.js';

/** What {@link oracleRead} gives: the line counts and the calls' names, in order. */
export interface OracleRead {
  stats: LineStats;
  names: string[];
}

/** The most lines a string or a command line goes on over (as the reader). */
const MAX_CONTINUED_LINES = 64;

const isIdent = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const text = (b: Uint8Array, s: number, e: number): string => Buffer.from(b.subarray(s, e)).toString('latin1');

/**
 * Does the reader's front end hand `input` to the line parser byte for byte: UTF-8 without a
 * byte-order mark, not gzip? {@link oracleRead} reads lines only, so the properties that compare
 * the reader with it hold for such input; a generator that puts random bytes at the very start
 * of a file can make a mark (`FE FF` is UTF-16 BE), and such a draw is discarded. The front end
 * has its own tests (encoding.test.ts, the gzip tests of reader.test.ts).
 */
export function passesThrough(input: Uint8Array): boolean {
  if (input.length >= 2 && input[0] === 0x1f && input[1] === 0x8b) return false;
  return sniffEncoding(input, true)?.encoding === 'utf-8';
}

/** Reads `input` (not gzip) as `format` says, line by line. */
export function oracleRead(input: Uint8Array, format: 'raw' | 'reduced', recoverEmbedded = false): OracleRead {
  const stats: LineStats = {
    lines: 0,
    calls: 0,
    preCalls: 0,
    embeddedCalls: 0,
    events: 0,
    programOutput: 0,
    unparseable: 0,
    cutCalls: 0,
    blank: 0,
  };
  const names: string[] = [];
  // The lines: split at each "\n"; a last line without one is the input's last (maybe cut).
  const lines: { bytes: Uint8Array; last: boolean }[] = [];
  let pos = 0;
  while (pos < input.length) {
    let nl = input.indexOf(10, pos);
    const last = nl < 0;
    if (last) nl = input.length;
    let line = input.subarray(pos, nl);
    if (line.length > LINE_HEAD + LINE_TAIL) {
      // A long line is read as its head and tail.
      const cut = new Uint8Array(LINE_HEAD + LINE_TAIL);
      cut.set(line.subarray(0, LINE_HEAD), 0);
      cut.set(line.subarray(line.length - LINE_TAIL), LINE_HEAD);
      line = cut;
    }
    lines.push({ bytes: line, last });
    pos = nl + 1;
  }

  let imagePathNext = false;
  let commandLineLeft = 0;
  let sawPrefix = false;
  let held: { name: string; linesSince: number } | undefined;
  const ids = new Float64Array(2);

  for (const { bytes, last } of lines) {
    stats.lines++;
    let e = bytes.length;
    while (e > 0 && bytes[e - 1] === 13) e--;
    const b = bytes;
    if (format === 'reduced') {
      let s = 0;
      while (s < e && (b[s] === 32 || b[s] === 9)) s++;
      while (e > s && (b[e - 1] === 32 || b[e - 1] === 9 || b[e - 1] === 13)) e--;
      const t = text(b, s, e);
      if (t === '') stats.blank++;
      else if (/^[A-Za-z_][A-Za-z0-9_]*$|^[0-9]+$/.test(t)) {
        stats.calls++;
        names.push(t);
      } else stats.unparseable++;
      continue;
    }
    // A call whose string argument held a newline goes on until the line where it ends.
    if (held !== undefined) {
      let q = 0;
      if (b[0] !== 91) q = skipTimePrefix(b, 0, e);
      const prefixed = b[q] === 91 && skipIdPrefix(b, q, e, ids) !== q;
      if (sawPrefix && prefixed) {
        stats.unparseable++;
        held = undefined;
      } else if (hasCallEnd(b, -1, e)) {
        stats.programOutput++;
        stats.calls++;
        names.push(held.name);
        held = undefined;
        continue;
      } else if (hasPreEnd(b, -1, e)) {
        stats.programOutput++;
        stats.preCalls++;
        held = undefined;
        continue;
      } else if (++held.linesSince > MAX_CONTINUED_LINES) {
        stats.unparseable++;
        held = undefined;
      } else {
        stats.programOutput++;
        continue;
      }
    }
    // A child's command line that held a newline goes on as the event's lines.
    if (commandLineLeft > 0) {
      stats.events++;
      commandLineLeft = endsWithQuote(b, 0, e) ? 0 : commandLineLeft - 1;
      if (commandLineLeft === 0) imagePathNext = true;
      continue;
    }
    // Prefixes: -time/-delta, then -pid/-tid (only when the line does not start with a letter).
    let p = 0;
    const c0 = b[0];
    const startsIdent = (c0 >= 65 && c0 <= 90) || (c0 >= 97 && c0 <= 122) || c0 === 95;
    if (!startsIdent && e > 0) {
      if ((c0 >= 48 && c0 <= 57) || c0 === 43 || c0 === 58 || c0 === 60 || c0 === 62) p = skipTimePrefix(b, p, e);
      if (b[p] === 91) p = skipIdPrefix(b, p, e, ids);
      if (p !== 0) sawPrefix = true;
    }
    // A call: "Nt", a capital, identifier bytes, "(".
    if (b[p] === 78 && b[p + 1] === 116 && p + 2 < e && b[p + 2] >= 65 && b[p + 2] <= 90) {
      let q = p;
      while (q < e && isIdent(b[q])) q++;
      if (q < e && b[q] === 40) {
        imagePathNext = false;
        const name = text(b, p, q);
        if (hasPreEnd(b, q, e)) stats.preCalls++;
        else if (hasCallEnd(b, q, e) || isReadError(b, q, e)) {
          stats.calls++;
          names.push(name);
        } else if (last) {
          stats.cutCalls++;
          names.push(name);
        } else if (b.subarray(q, e).includes(34)) {
          held = { name, linesSince: 0 };
        } else stats.unparseable++;
        continue;
      }
    }
    // Not a call: blank, an event, the image path, an embedded call, program output.
    let w = 0;
    while (w < e && (b[w] === 32 || b[w] === 9)) w++;
    if (w === e) {
      imagePathNext = false;
      stats.blank++;
      continue;
    }
    const ev = eventKind(b, p, e);
    if (ev !== NOT_EVENT || imagePathNext) {
      imagePathNext = ev === PROCESS_START;
      if (ev === PROCESS_START && commandLineOpen(b, p, e)) {
        imagePathNext = false;
        commandLineLeft = MAX_CONTINUED_LINES;
      }
      stats.events++;
      continue;
    }
    const n = findEmbeddedCall(b, 0, e, ids);
    if (n >= 0) {
      stats.embeddedCalls++;
      if (recoverEmbedded) names.push(text(b, n, ids[0]));
      continue;
    }
    stats.programOutput++;
  }
  // The input ended inside a held call: it is cut.
  if (held !== undefined) {
    stats.cutCalls++;
    names.push(held.name);
  }
  return { stats, names };
}
