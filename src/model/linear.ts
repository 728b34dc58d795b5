/**
 * The prediction-time form of every ensemble member: an affine function of the TF-IDF row,
 * `score = Σ_j x_j·w_j + bias`, plus an optional Platt scaler `P = 1 / (1 + exp(a·score + b))`.
 *
 * All three member kinds are affine in the TF-IDF row: naive Bayes' decision value
 * `jll1 − jll0 = (prior1 − prior0) + x·(flp1 − flp0)` (one log-odds vector and a prior
 * term), and the linear SVMs' margin `x·w + b` (only the selected columns are non-zero).
 * A trained model and the same model loaded from its file both score through this one
 * form, so their predictions are identical bit for bit, and `explain()`'s contributions
 * `x_j·w_j` sum (with the bias) exactly to the decision value.
 */
import type { Csr } from '../tfidf/csr.js';
import type { BinaryClassifier } from '../classifiers/types.js';

/** The member kinds. */
export type MemberKind = 'multinomial-nb' | 'linear-svc' | 'sgd';

/** Platt scaling parameters: `P(malicious) = 1 / (1 + exp(a·score + b))`. */
export interface PlattParams {
  readonly a: number;
  readonly b: number;
}

/** One member in prediction form. */
export interface LinearMember {
  /** Stable member id used in verdicts (`multinomial-nb`, `linear-svc`, `sgd`, or a configured name). */
  readonly name: string;
  readonly kind: MemberKind;
  /** The intercept (linear models) or the prior log-odds term (naive Bayes). */
  readonly bias: number;
  /** Dense weights, one per vocabulary column (0 for columns the member does not use). */
  readonly weights: Float64Array;
  /** Platt scaler when the model was calibrated, else null. */
  readonly platt: PlattParams | null;
}

/** What the bias is called in explanations: naive Bayes has a prior term, the others an intercept. */
export function biasLabel(kind: MemberKind): 'prior' | 'intercept' {
  return kind === 'multinomial-nb' ? 'prior' : 'intercept';
}

/** Decision value of row `r`: the weighted sum over the row's entries in storage order, then + bias. */
export function memberScore(m: LinearMember, X: Csr, r: number): number {
  const w = m.weights;
  let s = 0;
  for (let p = X.indptr[r], e = X.indptr[r + 1]; p < e; p++) s += X.data[p] * w[X.indices[p]];
  return s + m.bias;
}

/** Calibrated probability of a decision value (undefined when the member has no scaler). */
export function memberProbability(m: LinearMember, score: number): number | undefined {
  if (m.platt === null) return undefined;
  const t = m.platt.a * score + m.platt.b;
  // Same two-branch form as scikit-learn's expit, stable for large |t|.
  return t >= 0 ? Math.exp(-t) / (1 + Math.exp(-t)) : 1 / (1 + Math.exp(t));
}

/** Number of non-zero weights. */
export function nonZeroWeights(m: LinearMember): number {
  let n = 0;
  for (let j = 0; j < m.weights.length; j++) if (m.weights[j] !== 0) n++;
  return n;
}

/**
 * The affine form of a fitted classifier over `cols` columns. Reads the learned arrays when
 * the classifier exposes them (naive Bayes: `featureLogProb` and `classLogPrior`; the
 * L1-selected SVC: `kept`, `coef`, `intercept`; linear models: dense `coef` and `intercept`),
 * so the weights are exactly the classifier's; otherwise probes it ({@link probeLinearForm}).
 */
export function linearForm(clf: BinaryClassifier, cols: number): { bias: number; weights: Float64Array } {
  const c = clf as unknown as {
    featureLogProb?: unknown;
    classLogPrior?: unknown;
    kept?: unknown;
    coef?: unknown;
    intercept?: unknown;
  };
  if (c.featureLogProb instanceof Float64Array && c.classLogPrior instanceof Float64Array && c.featureLogProb.length === 2 * cols) {
    const flp = c.featureLogProb;
    const weights = new Float64Array(cols);
    for (let j = 0; j < cols; j++) weights[j] = flp[cols + j] - flp[j];
    return { bias: c.classLogPrior[1] - c.classLogPrior[0], weights };
  }
  if (
    c.kept instanceof Int32Array &&
    c.coef instanceof Float64Array &&
    typeof c.intercept === 'number' &&
    c.kept.length === c.coef.length
  ) {
    const weights = new Float64Array(cols);
    for (let k = 0; k < c.kept.length; k++) weights[c.kept[k]] = c.coef[k];
    return { bias: c.intercept, weights };
  }
  if (c.coef instanceof Float64Array && c.coef.length === cols && typeof c.intercept === 'number') {
    return { bias: c.intercept, weights: c.coef.slice() };
  }
  return probeLinearForm(clf, cols);
}

/**
 * Reads the affine form of a fitted classifier over `cols` columns by evaluating its own
 * decision function on the empty row (the bias) and on each unit row `e_j` (the bias plus
 * `w_j`). Works for any affine classifier, whatever its internal state; a column the model
 * ignores gets weight exactly 0.
 */
export function probeLinearForm(clf: BinaryClassifier, cols: number): { bias: number; weights: Float64Array } {
  const rows = cols + 1;
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(cols);
  const data = new Float64Array(cols).fill(1);
  for (let j = 0; j < cols; j++) {
    indices[j] = j;
    indptr[j + 1] = j + 1;
  }
  indptr[rows] = cols;
  const d = clf.decisionFunction({ rows, cols, indptr, indices, data });
  const bias = d[cols];
  const weights = new Float64Array(cols);
  for (let j = 0; j < cols; j++) weights[j] = d[j] - bias;
  return { bias, weights };
}
