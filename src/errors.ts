/**
 * Typed errors of ntmaldetect.
 *
 * Every error the library throws on purpose is an {@link NtmdError} with a stable
 * machine-readable {@link NtmdError.code}, so callers can `switch (err.code)` instead of
 * matching message text. Each part of the library defines its own subclasses next to its
 * code (`src/tokenize/errors.ts`, `src/model/errors.ts`, ...); they all extend this one.
 *
 * @packageDocumentation
 */

/** Base class of every error ntmaldetect throws on purpose. */
export class NtmdError extends Error {
  /** Stable identifier of the kind of failure, e.g. `EMPTY_TRACE`, `MODEL_TRUNCATED`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Type guard: is `err` one of ntmaldetect's typed errors (optionally of a given code)? */
export function isNtmdError(err: unknown, code?: string): err is NtmdError {
  return err instanceof NtmdError && (code === undefined || err.code === code);
}

/** A caller passed an option or argument that is out of range or of the wrong shape. */
export class InvalidOptionError extends NtmdError {
  /** Dotted path of the offending option, e.g. `tfidf.ngramRange`. */
  readonly option: string;

  constructor(option: string, expected: string, received: unknown) {
    super('INVALID_OPTION', `invalid option ${option}: expected ${expected}, received ${describe(received)}`);
    this.option = option;
  }
}

/** A model or estimator was used before it was fitted. */
export class NotFittedError extends NtmdError {
  constructor(what: string) {
    super('NOT_FITTED', `${what} is not fitted yet: call fit() first`);
  }
}

/** Short human description of a received value for error messages (never the whole value). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of ${value.byteLength} bytes`;
  return `a ${typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value}`;
}
