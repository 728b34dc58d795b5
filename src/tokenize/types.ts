/**
 * Types of the trace reader's public API.
 *
 * @packageDocumentation
 */
import type { CallTable } from './call-table.js';

/** The two trace formats: NtTrace's own log, or one call name per line (NtMalDetect's corpus). */
export type TraceFormat = 'raw' | 'reduced';

/**
 * The text encoding a trace was read in (see docs/inputs.md): UTF-8 (or ASCII), UTF-8 with a
 * byte-order mark, or UTF-16 little- or big-endian (with or without mark; what Windows
 * PowerShell 5's `>` writes is `'utf-16le'`). Decided on the first bytes after gunzip.
 */
export type TraceEncoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be';

/** How to group calls besides the whole sequence. */
export type SplitMode = 'none' | 'process' | 'thread';

/** Options of {@link readTraceSync}, {@link readTrace} and {@link TraceReader}. */
export interface ReadOptions {
  /** Input format; `'auto'` (default) decides from the first lines. */
  format?: TraceFormat | 'auto';
  /** Shared id space for call names; a new table when absent. */
  table?: CallTable;
  /** File name used in error messages and copied to {@link TraceRead.source}. */
  source?: string;
  /**
   * Also count calls whose line starts with program output written without a newline
   * (`InstallService xNtWriteFile( ... ) => 0`). Default `false`: such a line is program
   * output (that is how NtMalDetect's corpus was reduced) and is counted in
   * {@link LineStats.embeddedCalls}.
   */
  recoverEmbedded?: boolean;
  /**
   * With NtTrace's `-pid` / `-tid` prefixes, also give one call sequence per process
   * (`'process'`) or per thread (`'thread'`) in {@link TraceRead.groups}. Default `'none'`.
   */
  split?: SplitMode;
  /**
   * Keep the whole call sequence in {@link TraceRead.calls} (default `true`). With `false`,
   * `calls` (and the groups) come back empty and memory does not grow with the trace: use
   * {@link ReadOptions.onCalls} to consume the calls as they are parsed.
   */
  keepCalls?: boolean;
  /**
   * Receives the call ids in parse order, in batches: `ids[0..length)`. The buffer is reused
   * after the callback returns; copy what you keep. Called at least once per pushed chunk
   * that produced calls, so a live consumer never waits for a full batch.
   */
  onCalls?: (ids: Int32Array, length: number) => void;
}

/** How many lines of each kind the reader saw. Every line is counted in exactly one kind. */
export interface LineStats {
  /** All lines, including blank ones and a last line without newline. */
  lines: number;
  /** Completed calls (`Name(...) => status` in either spelling, or a name line of a reduced trace). */
  calls: number;
  /** `-pre` lines (`Name(...) ...`), written before a call runs; never counted as calls. */
  preCalls: number;
  /** Call lines preceded by program output on the same line (counted as calls only with `recoverEmbedded`). */
  embeddedCalls: number;
  /** NtTrace's own event lines: process/thread start and exit, DLL loads, breakpoints, exceptions... */
  events: number;
  /** Anything else: the traced program's console output, debug strings, `-stack` frames. */
  programOutput: number;
  /** Lines that start like a call (`Nt...(`) but do not end like one, or bad lines of a reduced trace. */
  unparseable: number;
  /**
   * 0 or 1: the log's last line (no newline after it) starts like a call but is cut before its
   * end, as in a truncated file or a log whose tracer was killed while writing. Its call is in
   * the call sequence (NtMalDetect's reader counted it too) and counted here, not in `calls`.
   */
  cutCalls: number;
  /** Empty or whitespace-only lines. */
  blank: number;
}

/** One call sequence per process or thread (see {@link ReadOptions.split}). */
export interface TraceGroup {
  /** `'1234'` (process id) or `'1234/5678'` (process/thread); `''` for calls without a prefix. */
  key: string;
  /** Call ids of this group, in order. */
  calls: Int32Array;
}

/** What reading a trace gives. */
export interface TraceRead {
  /** Call ids in order (ids of {@link TraceRead.table}); empty with `keepCalls: false`. */
  calls: Int32Array;
  /** The name table the ids refer to. */
  table: CallTable;
  /** The format the input was read as. */
  format: TraceFormat;
  /** Line counts by kind. */
  stats: LineStats;
  /** The text encoding the input was read in (gzip is undone first). */
  encoding: TraceEncoding;
  /** File name, from the options (or the path given to {@link readTrace}). */
  source?: string;
  /**
   * The first line that starts like a call (`Nt...(`) but does not end like one (see
   * {@link LineStats.unparseable}): its 1-based line number and text (cut to 160 bytes).
   */
  firstUnparseable?: { line: number; text: string };
  /** Present when `split` is `'process'` or `'thread'`: groups in first-seen order. */
  groups?: TraceGroup[];
}
