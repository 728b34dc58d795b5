/**
 * Typed errors of the trace reader.
 *
 * @packageDocumentation
 */
import { NtmdError } from '../errors.js';
import type { LineStats, TraceFormat } from './types.js';

/** Name used in messages when the caller gave no file name. */
function label(source: string | undefined): string {
  return source === undefined || source === '' ? 'the input' : source;
}

/** The trace has no content at all (0 bytes, or only blank lines). Code `EMPTY_TRACE`. */
export class EmptyTraceError extends NtmdError {
  /** File name given in the read options, if any. */
  readonly source: string | undefined;

  constructor(source: string | undefined, blankLines = 0) {
    const what = blankLines > 0 ? `only ${blankLines} blank line${blankLines === 1 ? '' : 's'}` : '0 bytes';
    super('EMPTY_TRACE', `${label(source)} is an empty trace (${what}): expected an NtTrace log or a reduced trace`);
    this.source = source;
  }
}

/**
 * The input has content but not a single system call: most often a file that is not a
 * trace at all (an `.exe` passed by mistake, a text file). Code `NO_CALLS`.
 */
export class NoCallsError extends NtmdError {
  /** File name given in the read options, if any. */
  readonly source: string | undefined;
  /** The format the input was read as. */
  readonly format: TraceFormat;
  /** What the reader saw, line kind by line kind. */
  readonly stats: LineStats;
  /** The input looks like a binary file (an executable, NUL bytes), not text. */
  readonly binary: boolean;

  constructor(source: string | undefined, format: TraceFormat, stats: LineStats, hint = '', binary = false) {
    const expected =
      format === 'raw'
        ? 'an NtTrace log with call lines such as "NtOpenKey(KeyHandle=..., ...) => 0" (NtTrace 1.1 and later) or "NtOpenKey( KeyHandle=..., ... ) => 0" (earlier)'
        : 'a reduced trace with one call name per line, such as "NtOpenKey"';
    const seen =
      `${stats.lines} line${stats.lines === 1 ? '' : 's'} read as ${format}: ` +
      `${stats.programOutput} program output, ${stats.events} events, ${stats.preCalls} pre-call, ` +
      `${stats.embeddedCalls} embedded calls, ${stats.unparseable} unparseable, ${stats.blank} blank`;
    super('NO_CALLS', `${label(source)} holds no system call: expected ${expected}; ${seen}${hint ? `; ${hint}` : ''}`);
    this.source = source;
    this.format = format;
    this.stats = stats;
    this.binary = binary;
  }
}

/** A gzip-compressed trace is corrupt or truncated. Code `CORRUPT_GZIP`. */
export class CorruptGzipError extends NtmdError {
  /** File name given in the read options, if any. */
  readonly source: string | undefined;

  constructor(source: string | undefined, detail: string) {
    super('CORRUPT_GZIP', `${label(source)} starts like a gzip file but cannot be decompressed: ${detail}`);
    this.source = source;
  }
}

/** A {@link TraceReader} was used after `end()`. Code `READER_ENDED`. */
export class ReaderEndedError extends NtmdError {
  constructor(what: string) {
    super('READER_ENDED', `TraceReader.${what}() called after end(): create a new reader for another trace`);
  }
}
