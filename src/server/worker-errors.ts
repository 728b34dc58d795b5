/**
 * Typed errors of the worker's own checks: what it refuses to believe from the server, and
 * the faults on its own side found before a program runs.
 *
 * @packageDocumentation
 */
import { NtmdError } from '../errors.js';

/**
 * The server sent a claim the worker will not use: a field is missing, of the wrong type,
 * out of bounds, or shaped to escape the job folder (`sha256: "../../x"`). Nothing of the
 * claim was used; the worker stops (a server that sends such claims is broken or hostile).
 * Code `WORKER_BAD_CLAIM`; {@link ClaimRejectedError.field} names the field.
 */
export class ClaimRejectedError extends NtmdError {
  /** The claim's field that failed (e.g. `sha256`, `size`). */
  readonly field: string;

  constructor(field: string, message: string) {
    super('WORKER_BAD_CLAIM', `the server sent a claim the worker refuses: ${field} ${message}`);
    this.field = field;
  }
}

/**
 * A fault on the worker's side, found before the program ran (the tracer is missing or does
 * not start, the job folder cannot be written). Not the program's fault: the claim is given
 * back without counting an attempt, and the worker stops. Code `WORKER_PREFLIGHT`.
 */
export class WorkerPreflightError extends NtmdError {
  /** What failed: `tracer` or `folder`. */
  readonly check: 'tracer' | 'folder';

  constructor(check: 'tracer' | 'folder', message: string, options?: { cause?: unknown }) {
    super('WORKER_PREFLIGHT', message, options);
    this.check = check;
  }
}

/**
 * A worker option that would be unsafe or cannot work: plain `http://` to a server that is
 * not on this machine (without `insecureHttp`), a `--pass-env` name that could carry a
 * secret, an unreadable CA or token file. Code `WORKER_CONFIG`.
 */
export class WorkerConfigError extends NtmdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WORKER_CONFIG', message, options);
  }
}
