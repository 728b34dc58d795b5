/**
 * Typed errors of the linear classifiers (LinearSVC, the L1-selected pipeline, SGD).
 *
 * @packageDocumentation
 */
import { NtmdError } from '../errors.js';

/** The training labels hold only one class (or none): a binary linear model cannot be fitted. */
export class SingleClassError extends NtmdError {
  constructor(estimator: string, counts: readonly [number, number]) {
    super(
      'SINGLE_CLASS',
      `${estimator}: training needs samples of both classes, got ${counts[0]} benign (0) and ${counts[1]} malicious (1)`,
    );
  }
}

/** Labels and matrix disagree (length), or a label is neither 0 nor 1. */
export class LabelError extends NtmdError {
  constructor(estimator: string, detail: string) {
    super('BAD_LABELS', `${estimator}: ${detail}`);
  }
}

/** A matrix has another number of columns than the model was fitted with. */
export class FeatureCountError extends NtmdError {
  /** Columns the model expects. */
  readonly expected: number;
  /** Columns received. */
  readonly received: number;

  constructor(estimator: string, expected: number, received: number) {
    super('FEATURE_COUNT', `${estimator}: the matrix has ${received} columns, the model was fitted on ${expected}`);
    this.expected = expected;
    this.received = received;
  }
}

/** A serialised classifier state is not of the expected kind or misses a field. */
export class ClassifierStateError extends NtmdError {
  constructor(estimator: string, detail: string) {
    super('BAD_CLASSIFIER_STATE', `${estimator} state: ${detail}`);
  }
}

/** SGD's weights or intercept became infinite or NaN (scikit-learn raises the same). */
export class SgdDivergedError extends NtmdError {
  constructor(epoch: number) {
    super('SGD_DIVERGED', `SGDClassifier: floating-point under-/overflow at epoch ${epoch}; lower eta0 or alpha, or scale the features`);
  }
}
