/**
 * The one small interface every classifier implements. Everything works on sparse CSR
 * input and binary labels: 0 = benign, 1 = malicious.
 */
import type { Csr } from '../tfidf/csr.js';

/** Binary labels, one per row: 0 benign, 1 malicious. */
export type Labels = Uint8Array;

/** A plain, serialisable snapshot of a fitted classifier: scalars and typed arrays only. */
export interface ClassifierState {
  /** Stable member id, e.g. `multinomial-nb`, `linear-svc`, `sgd`. */
  readonly kind: string;
  /** Scalar parameters and learned scalars (JSON-safe). */
  readonly params: Record<string, number | string | boolean | null>;
  /** Learned arrays, by name. */
  readonly arrays: Record<string, Float64Array | Int32Array>;
}

/** A fitted-or-not binary classifier over sparse rows. */
export interface BinaryClassifier {
  /** Stable member id used in verdicts and model files. */
  readonly kind: string;
  /** Fits on `X` (rows = traces) and labels `y`; returns `this`. */
  fit(X: Csr, y: Labels): this;
  /**
   * Decision value per row: > 0 means malicious. For naive Bayes the log-odds
   * `jll1 - jll0`; for linear models the margin `w·x + b`.
   */
  decisionFunction(X: Csr): Float64Array;
  /** Label per row (1 iff the decision value is > 0, as scikit-learn). */
  predict(X: Csr): Uint8Array;
  /** Snapshot of the fitted parameters (for the model file). */
  state(): ClassifierState;
}
