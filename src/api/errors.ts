/**
 * Typed errors of the public API.
 */
import { NtmdError } from '../errors.js';

/** A trace file could not be opened (missing, a folder, no permission). Code `TRACE_UNREADABLE`. */
export class TraceUnreadableError extends NtmdError {
  /** The path as given. */
  readonly path: string;
  /** The system error code (`ENOENT`, `EISDIR`, `EACCES`, ...). */
  readonly reason: string;

  constructor(path: string, reason: string) {
    const what =
      reason === 'ENOENT'
        ? 'no such file'
        : reason === 'EISDIR'
          ? 'is a folder, not a trace file'
          : reason === 'EACCES'
            ? 'permission denied'
            : reason;
    super('TRACE_UNREADABLE', `${path}: cannot read the trace: ${what}`);
    this.path = path;
    this.reason = reason;
  }
}

/** Turns a file-system error of reading `path` into {@link TraceUnreadableError}; rethrows anything else. */
export function unreadable(path: string, e: unknown): never {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code) && !(e instanceof NtmdError)) throw new TraceUnreadableError(path, code);
  throw e;
}

/** What {@link NotATraceError} reports. */
export interface NotATraceDetail {
  /** File name, if known. */
  readonly source?: string | undefined;
  /** Lines of the input, when read from text. */
  readonly lines?: number | undefined;
  /** Calls read (one per line of a reduced trace). */
  readonly calls: number;
  /** Of those, calls the model knows as calls (see `assertTrace`). */
  readonly knownCalls: number;
  /** What the model expects, in words. */
  readonly expected: string;
  /** The first distinct call names read (up to three). */
  readonly sample: readonly string[];
  /** The share of known calls a trace needs. */
  readonly minShare: number;
}

/**
 * The input reads as calls, but too few of them are calls the model knows: it is not a
 * trace (a list of numbers, a word list, a column of a table). Code `NOT_A_TRACE`.
 */
export class NotATraceError extends NtmdError {
  readonly detail: NotATraceDetail;

  constructor(detail: NotATraceDetail) {
    const d = detail;
    const share = d.calls === 0 ? 0 : d.knownCalls / d.calls;
    const where = d.source === undefined || d.source === '' ? 'the input' : d.source;
    const lines = d.lines !== undefined ? `${d.lines} line${d.lines === 1 ? '' : 's'}, ` : '';
    super(
      'NOT_A_TRACE',
      `${where} is not a trace: ${lines}${d.calls} read as calls, of which ${d.knownCalls} (${(100 * share).toFixed(1)}%) are known calls ` +
        `(first: ${d.sample.map((s) => JSON.stringify(s.length > 40 ? s.slice(0, 40) + '…' : s)).join(', ')}); the model expects ${d.expected}, ` +
        `at least ${(100 * d.minShare).toFixed(0)}% of the calls`,
    );
    this.detail = detail;
  }
}
