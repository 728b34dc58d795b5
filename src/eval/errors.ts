/**
 * Typed errors of the evaluation code (folds, cross-validation, bench). `SplitError` and
 * `MetricError` are defined with the shared statistics (`src/stats/errors.ts`), which the
 * core uses too, and exported from here as well.
 */
import { NtmdError } from '../errors.js';

export { SplitError, MetricError } from '../stats/errors.js';

/** A folds file cannot be used with this corpus (missing setting, unknown or repeated document). */
export class FoldsFileError extends NtmdError {
  /** The folds file (path or description). */
  readonly file: string;
  constructor(file: string, message: string) {
    super('FOLDS_FILE', `${file}: ${message}`);
    this.file = file;
  }
}
