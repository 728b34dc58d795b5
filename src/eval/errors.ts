/**
 * Typed errors of the evaluation code (folds, cross-validation, bench).
 */
import { NtmdError } from '../errors.js';

/** A folds file cannot be used with this corpus (missing setting, unknown or repeated document). */
export class FoldsFileError extends NtmdError {
  /** The folds file (path or description). */
  readonly file: string;
  constructor(file: string, message: string) {
    super('FOLDS_FILE', `${file}: ${message}`);
    this.file = file;
  }
}

/** A split cannot be made: too few documents of a class for the number of folds, and so on. */
export class SplitError extends NtmdError {
  constructor(message: string) {
    super('SPLIT', message);
  }
}

/** A metric was asked of data it is not defined for (no positives, no negatives, mismatched lengths). */
export class MetricError extends NtmdError {
  constructor(message: string) {
    super('METRIC', message);
  }
}
