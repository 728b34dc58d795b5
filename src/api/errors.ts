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
    const what = reason === 'ENOENT' ? 'no such file' : reason === 'EISDIR' ? 'is a folder, not a trace file' : reason === 'EACCES' ? 'permission denied' : reason;
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
