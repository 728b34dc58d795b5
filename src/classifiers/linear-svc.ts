/**
 * `LinearSVC`: a linear SVM with the squared hinge loss, trained with scikit-learn's LIBLINEAR
 * solvers on sparse rows, number for number:
 *
 * - `penalty: 'l2'` (default): LIBLINEAR solver 1, dual coordinate descent
 *   (`LinearSVC()` in scikit-learn), see {@link solveL2rL2SvcDual};
 * - `penalty: 'l1'`: LIBLINEAR solver 5, primal coordinate-descent Newton
 *   (`LinearSVC(penalty='l1', dual=False)`), see {@link solveL1rL2Svc}.
 *
 * The intercept is LIBLINEAR's: one more feature of constant value `interceptScaling`,
 * regularised like the others; `intercept = interceptScaling · w_bias`. Training rows are
 * visited grouped by class (benign first), and the coordinate order comes from
 * `std::mt19937` seeded as scikit-learn seeds it from `random_state` = {@link LinearSVCOptions.seed},
 * so the same seed gives the same iterations as scikit-learn 1.2.
 *
 * @packageDocumentation
 */
import { NotFittedError } from '../errors.js';
import type { Csr } from '../tfidf/csr.js';
import type { BinaryClassifier, ClassifierState, Labels } from './types.js';
import { l1PrimalTolerance, solveL1rL2Svc } from './l1-svc-solver.js';
import { LabelError } from './linear-errors.js';
import {
  StateReader,
  checkTrainingSet,
  classGroupedOrder,
  coefFromState,
  coefToState,
  labelsFromDecision,
  linearDecision,
  nonZeroIndices,
  oneOf,
  positiveInteger,
  positiveNumber,
  seedOption,
} from './linear-model.js';
import type { LinearProblem } from './linear-svc-dual.js';
import { l2PrimalObjective, solveL2rL2SvcDual } from './linear-svc-dual.js';
import { Mt19937, sklearnSeed } from './rng.js';

/** Options of {@link LinearSVC}; defaults are scikit-learn 1.2's. */
export interface LinearSVCOptions {
  /** `'l2'` (dual coordinate descent) or `'l1'` (primal CD-Newton, sparse weights). Default `'l2'`. */
  penalty?: 'l2' | 'l1';
  /** Inverse regularisation strength. Default 1. */
  C?: number;
  /** Stopping tolerance. Default 1e-4 (NtMalDetect's L1 stage uses 1e-3). */
  tol?: number;
  /** Cap on outer iterations. Default 1000. */
  maxIter?: number;
  /** Learn an intercept (as a regularised extra feature). Default true. */
  fitIntercept?: boolean;
  /** Value of the extra intercept feature. Default 1. */
  interceptScaling?: number;
  /** scikit-learn's `random_state` (an integer): decides the coordinate order. Default 0. */
  seed?: number;
  /** Multipliers of C for class 0 (benign) and class 1 (malicious). Default `[1, 1]`. */
  classWeight?: readonly [number, number];
}

/** Fully resolved {@link LinearSVCOptions}. */
export type ResolvedLinearSVCOptions = Required<LinearSVCOptions>;

/** Checks and fills in defaults. */
export function resolveLinearSVCOptions(options: LinearSVCOptions = {}, prefix = 'linearSvc'): ResolvedLinearSVCOptions {
  const cw = options.classWeight ?? [1, 1];
  positiveNumber(`${prefix}.classWeight[0]`, cw[0]);
  positiveNumber(`${prefix}.classWeight[1]`, cw[1]);
  return {
    penalty: oneOf(`${prefix}.penalty`, options.penalty ?? 'l2', ['l2', 'l1'] as const),
    C: positiveNumber(`${prefix}.C`, options.C ?? 1),
    tol: positiveNumber(`${prefix}.tol`, options.tol ?? 1e-4),
    maxIter: positiveInteger(`${prefix}.maxIter`, options.maxIter ?? 1000),
    fitIntercept: options.fitIntercept ?? true,
    interceptScaling: positiveNumber(`${prefix}.interceptScaling`, options.interceptScaling ?? 1),
    seed: seedOption(`${prefix}.seed`, options.seed ?? 0),
    classWeight: [cw[0], cw[1]],
  };
}

const NAME = 'LinearSVC';

/** A squared-hinge linear SVM over sparse rows (kind `'linear-svc'`). */
export class LinearSVC implements BinaryClassifier {
  readonly kind = 'linear-svc';
  /** The resolved options. */
  readonly options: ResolvedLinearSVCOptions;
  /** Weights, one per column (scikit-learn's `coef_[0]`). Empty before fit. */
  coef: Float64Array = new Float64Array(0);
  /** Intercept (scikit-learn's `intercept_[0]`). */
  intercept = 0;
  /** Outer iterations of the last fit (scikit-learn's `n_iter_`). */
  nIter = 0;
  /**
   * Primal objective at the solution, with the intercept weight penalised as LIBLINEAR does:
   * `½‖w‖² + ½w_b² + Σ C_i ξ_i²` for L2, `‖w‖₁ + |w_b| + Σ C_i ξ_i²` for L1.
   */
  objective = NaN;
  private fitted = false;

  constructor(options: LinearSVCOptions = {}) {
    this.options = resolveLinearSVCOptions(options);
  }

  /** True when the last fit stopped at `maxIter` (scikit-learn warns `ConvergenceWarning`). */
  get hitMaxIter(): boolean {
    return this.nIter >= this.options.maxIter;
  }

  /**
   * Fits on the rows of `X` with labels `y` (one per row). With `rows`, trains on those
   * rows only (in that order, `y` still indexed by row of `X`), without copying the matrix.
   */
  fit(X: Csr, y: Labels, rows?: Int32Array): this {
    const sub = rows ? subsetLabels(y, rows, X.rows, NAME) : y;
    const counts = checkTrainingSet(rows ? { ...X, rows: rows.length } : X, sub, NAME);
    const order = classGroupedOrder(sub);
    const trainRows = new Int32Array(order.length);
    const sign = new Float64Array(order.length);
    for (let k = 0; k < order.length; k++) {
      trainRows[k] = rows ? rows[order[k]] : order[k];
      sign[k] = sub[order[k]] === 1 ? 1 : -1;
    }
    const o = this.options;
    const prob: LinearProblem = {
      X,
      rows: trainRows,
      y: sign,
      bias: o.fitIntercept ? o.interceptScaling : 0,
      Cp: o.C * o.classWeight[1],
      Cn: o.C * o.classWeight[0],
    };
    const w = new Float64Array(X.cols + (o.fitIntercept ? 1 : 0));
    const rng = new Mt19937(sklearnSeed(o.seed));
    if (o.penalty === 'l2') {
      this.nIter = solveL2rL2SvcDual(prob, w, o.tol, o.maxIter, rng).nIter;
      this.objective = l2PrimalObjective(prob, w);
    } else {
      const sol = solveL1rL2Svc(prob, w, l1PrimalTolerance(o.tol, counts[1], counts[0]), o.maxIter, rng);
      this.nIter = sol.nIter;
      this.objective = sol.objective;
    }
    this.coef = o.fitIntercept ? w.slice(0, X.cols) : w;
    this.intercept = o.fitIntercept ? o.interceptScaling * w[X.cols] : 0;
    this.fitted = true;
    return this;
  }

  /** Margins `coef·x + intercept`, one per row; > 0 means malicious. */
  decisionFunction(X: Csr): Float64Array {
    if (!this.fitted) throw new NotFittedError(NAME);
    return linearDecision(X, this.coef, this.intercept, NAME);
  }

  /** 1 (malicious) iff the margin is > 0. */
  predict(X: Csr): Uint8Array {
    return labelsFromDecision(this.decisionFunction(X));
  }

  /** Indices of the non-zero weights (ascending). */
  nonZero(): Int32Array {
    return nonZeroIndices(this.coef);
  }

  /**
   * Snapshot: options, intercept, and the weights, stored sparse (`coefIndex`/`coefValue`)
   * when at most half of them are non-zero (always the case after L1), dense otherwise.
   */
  state(): ClassifierState {
    if (!this.fitted) throw new NotFittedError(NAME);
    const o = this.options;
    const { layout, arrays } = coefToState(this.coef);
    return {
      kind: this.kind,
      params: {
        variant: 'linear',
        penalty: o.penalty,
        C: o.C,
        tol: o.tol,
        maxIter: o.maxIter,
        fitIntercept: o.fitIntercept,
        interceptScaling: o.interceptScaling,
        seed: o.seed,
        classWeight0: o.classWeight[0],
        classWeight1: o.classWeight[1],
        nFeatures: this.coef.length,
        intercept: this.intercept,
        nIter: this.nIter,
        objective: this.objective,
        coefLayout: layout,
      },
      arrays,
    };
  }

  /** Restores a model saved by {@link LinearSVC.state}. */
  static fromState(state: ClassifierState): LinearSVC {
    const r = new StateReader(state, NAME).expect('linear-svc', 'variant', 'linear');
    const model = new LinearSVC({
      penalty: r.string('penalty') as 'l1' | 'l2',
      C: r.number('C'),
      tol: r.number('tol'),
      maxIter: r.number('maxIter'),
      fitIntercept: r.boolean('fitIntercept'),
      interceptScaling: r.number('interceptScaling'),
      seed: r.number('seed'),
      classWeight: [r.number('classWeight0'), r.number('classWeight1')],
    });
    model.coef = coefFromState(r, r.number('nFeatures'));
    model.intercept = r.number('intercept');
    model.nIter = r.number('nIter');
    model.objective = r.number('objective');
    model.fitted = true;
    return model;
  }
}

/** `y[rows[k]]` for each k, checking every row exists. */
export function subsetLabels(y: Labels, rows: Int32Array, nRows: number, estimator: string): Uint8Array {
  if (y.length !== nRows) throw new LabelError(estimator, `${y.length} labels for ${nRows} rows`);
  const out = new Uint8Array(rows.length);
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k];
    if (r < 0 || r >= nRows) throw new LabelError(estimator, `training row ${r} does not exist (the matrix has ${nRows} rows)`);
    out[k] = y[r];
  }
  return out;
}
