/**
 * Typed errors of the shared statistics (fold assignment, metrics). `ntmaldetect` exports
 * them from its evaluation part too (`src/eval/errors.ts` re-exports them).
 */
import { NtmdError } from '../errors.js';

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
