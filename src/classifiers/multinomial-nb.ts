/**
 * Multinomial naive Bayes on sparse rows, with scikit-learn 1.2.1's formulas
 * (`naive_bayes.py`, `MultinomialNB`, `force_alpha=False`):
 *
 * - `feature_count[c][j] = Σ_{i: y_i = c} x_ij` (rows summed in order);
 * - `feature_log_prob[c][j] = ln(fc[c][j] + α) − ln Σ_j' (fc[c][j'] + α)`;
 * - `class_log_prior[c] = ln(n_c) − ln n` (`fitPrior`), else `−ln 2`;
 * - `jll[i][c] = x_i · feature_log_prob[c] + class_log_prior[c]`;
 * - predict = argmax (ties → benign), log-probabilities by log-sum-exp.
 *
 * α below 1e-10 is raised to 1e-10, as scikit-learn does (it warns) to keep logs finite.
 *
 * @packageDocumentation
 */
import { NotFittedError, NtmdError } from '../errors.js';
import type { Csr } from '../tfidf/csr.js';
import { FeatureCountError } from './linear-errors.js';
import { StateReader, checkTrainingSet, positiveNumber } from './linear-model.js';
import type { BinaryClassifier, ClassifierState, Labels } from './types.js';

/** Options of {@link MultinomialNB}. */
export interface MultinomialNBOptions {
  /** Additive (Laplace/Lidstone) smoothing, >= 0. Default 1 (scikit-learn); NtMalDetect uses 0.01. */
  alpha?: number;
  /** Learn class priors from the labels (default) rather than use uniform ones. */
  fitPrior?: boolean;
}

/** Smallest α used, as scikit-learn's `_ALPHA_MIN`. */
export const NB_ALPHA_MIN = 1e-10;

/** Multinomial naive Bayes was given a negative feature value (counts and TF-IDF are >= 0). Code `NEGATIVE_INPUT`. */
export class NegativeInputError extends NtmdError {
  constructor(row: number, column: number, value: number) {
    super(
      'NEGATIVE_INPUT',
      `MultinomialNB: negative value ${value} at row ${row}, column ${column}; its input must be counts or TF-IDF (>= 0)`,
    );
  }
}

const NAME = 'MultinomialNB';

/** Binary multinomial naive Bayes (kind `multinomial-nb`). */
export class MultinomialNB implements BinaryClassifier {
  readonly kind = 'multinomial-nb';
  /** The smoothing as given. */
  readonly alpha: number;
  /** Whether class priors are learned. */
  readonly fitPrior: boolean;
  private flp: Float64Array | null = null;
  private prior: Float64Array | null = null;
  private counts: Float64Array | null = null;
  private fc: Float64Array | null = null;

  /** Validates the options (throws `InvalidOptionError`). */
  constructor({ alpha = 1.0, fitPrior = true }: MultinomialNBOptions = {}) {
    this.alpha = positiveNumber('multinomial-nb.alpha', alpha, true);
    if (typeof fitPrior !== 'boolean') throw new TypeError('multinomial-nb.fitPrior must be a boolean');
    this.fitPrior = fitPrior;
  }

  /** Number of features the model was fitted on. */
  get nFeatures(): number {
    return this.fitted().length / 2;
  }

  /** `feature_log_prob_`, 2 × nFeatures, row-major (benign row, then malicious row). */
  get featureLogProb(): Float64Array {
    return this.fitted();
  }

  /** `class_log_prior_` [benign, malicious]. */
  get classLogPrior(): Float64Array {
    this.fitted();
    return this.prior as Float64Array;
  }

  /** `class_count_` [benign, malicious]. */
  get classCount(): Float64Array {
    this.fitted();
    return this.counts as Float64Array;
  }

  /**
   * `feature_count_`, 2 × nFeatures row-major: available after {@link fit}, `null` on a
   * model restored by {@link fromState} (it is not needed to predict, so not stored).
   */
  get featureCount(): Float64Array | null {
    return this.fc;
  }

  /** Fits on non-negative rows `X` and labels `y` (both classes present). */
  fit(X: Csr, y: Labels): this {
    const [n0, n1] = checkTrainingSet(X, y, NAME);
    const V = X.cols;
    const fc = new Float64Array(2 * V);
    const { indptr, indices, data } = X;
    for (let r = 0; r < X.rows; r++) {
      const base = y[r] === 1 ? V : 0;
      for (let p = indptr[r]; p < indptr[r + 1]; p++) {
        const v = data[p];
        if (v < 0) throw new NegativeInputError(r, indices[p], v);
        fc[base + indices[p]] += v;
      }
    }
    const alpha = Math.max(this.alpha, NB_ALPHA_MIN);
    const flp = new Float64Array(2 * V);
    for (let c = 0; c < 2; c++) {
      let total = 0;
      for (let j = c * V; j < (c + 1) * V; j++) total += fc[j] + alpha;
      const logTotal = Math.log(total);
      for (let j = c * V; j < (c + 1) * V; j++) flp[j] = Math.log(fc[j] + alpha) - logTotal;
    }
    const prior = this.fitPrior
      ? Float64Array.of(Math.log(n0) - Math.log(n0 + n1), Math.log(n1) - Math.log(n0 + n1))
      : Float64Array.of(-Math.log(2), -Math.log(2));
    this.flp = flp;
    this.prior = prior;
    this.counts = Float64Array.of(n0, n1);
    this.fc = fc;
    return this;
  }

  /** `jll` per row: rows × 2, row-major ([i*2] benign, [i*2+1] malicious). */
  jointLogLikelihood(X: Csr): Float64Array {
    const flp = this.fitted();
    const V = flp.length / 2;
    if (X.cols !== V) throw new FeatureCountError(NAME, V, X.cols);
    const prior = this.prior as Float64Array;
    const out = new Float64Array(2 * X.rows);
    const { indptr, indices, data } = X;
    for (let r = 0; r < X.rows; r++) {
      let s0 = 0;
      let s1 = 0;
      for (let p = indptr[r]; p < indptr[r + 1]; p++) {
        const j = indices[p];
        s0 += data[p] * flp[j];
        s1 += data[p] * flp[V + j];
      }
      out[2 * r] = s0 + prior[0];
      out[2 * r + 1] = s1 + prior[1];
    }
    return out;
  }

  /** The log-odds `jll1 − jll0` per row (> 0: malicious). */
  decisionFunction(X: Csr): Float64Array {
    const jll = this.jointLogLikelihood(X);
    const out = new Float64Array(X.rows);
    for (let r = 0; r < X.rows; r++) out[r] = jll[2 * r + 1] - jll[2 * r];
    return out;
  }

  /** argmax of the joint log-likelihood (1 iff jll1 > jll0). */
  predict(X: Csr): Uint8Array {
    const jll = this.jointLogLikelihood(X);
    const out = new Uint8Array(X.rows);
    for (let r = 0; r < X.rows; r++) out[r] = jll[2 * r + 1] > jll[2 * r] ? 1 : 0;
    return out;
  }

  /** `jll − logsumexp(jll)` per row: rows × 2, row-major. */
  predictLogProba(X: Csr): Float64Array {
    const jll = this.jointLogLikelihood(X);
    for (let r = 0; r < X.rows; r++) {
      const a = jll[2 * r];
      const b = jll[2 * r + 1];
      const m = a > b ? a : b;
      const lse = Math.log(Math.exp(a - m) + Math.exp(b - m)) + m;
      jll[2 * r] = a - lse;
      jll[2 * r + 1] = b - lse;
    }
    return jll;
  }

  /** Class probabilities per row: rows × 2, row-major. They saturate; prefer the logs for comparisons. */
  predictProba(X: Csr): Float64Array {
    const lp = this.predictLogProba(X);
    for (let i = 0; i < lp.length; i++) lp[i] = Math.exp(lp[i]);
    return lp;
  }

  /** Parameters and the arrays needed to predict: `featureLogProb`, `classLogPrior`, `classCount`. */
  state(): ClassifierState {
    const flp = this.fitted();
    return {
      kind: this.kind,
      params: { alpha: this.alpha, fitPrior: this.fitPrior, nFeatures: flp.length / 2 },
      arrays: {
        featureLogProb: flp.slice(),
        classLogPrior: (this.prior as Float64Array).slice(),
        classCount: (this.counts as Float64Array).slice(),
      },
    };
  }

  /** Restores a model from {@link state} (throws `ClassifierStateError` when malformed). */
  static fromState(state: ClassifierState): MultinomialNB {
    const r = new StateReader(state, NAME).expect('multinomial-nb');
    const nFeatures = r.number('nFeatures');
    if (!Number.isInteger(nFeatures) || nFeatures < 0) r.fail('params.nFeatures must be an integer >= 0');
    const m = new MultinomialNB({ alpha: r.number('alpha'), fitPrior: r.boolean('fitPrior') });
    m.flp = r.float64('featureLogProb', 2 * nFeatures);
    m.prior = r.float64('classLogPrior', 2);
    m.counts = r.float64('classCount', 2);
    return m;
  }

  private fitted(): Float64Array {
    if (this.flp === null) throw new NotFittedError(NAME);
    return this.flp;
  }
}
