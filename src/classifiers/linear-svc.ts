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
import type { Csr } from '../tfidf/csr.js';
import type { BinaryClassifier, ClassifierState, Labels } from './types.js';
import { l1PrimalTolerance, solveL1rL2Svc } from './l1-svc-solver.js';
import {
  LinearClassifierBase,
  StateReader,
  classGroupedOrder,
  coefFromState,
  coefToState,
  localColumns,
  oneOf,
  originalOrder,
  positiveInteger,
  positiveNumber,
  seedOption,
  trainingLabels,
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
export class LinearSVC extends LinearClassifierBase implements BinaryClassifier {
  readonly kind = 'linear-svc';
  /** The resolved options. */
  readonly options: ResolvedLinearSVCOptions;
  /**
   * Primal objective at the solution, with the intercept weight penalised as LIBLINEAR does:
   * `½‖w‖² + ½w_b² + Σ C_i ξ_i²` for L2, `‖w‖₁ + |w_b| + Σ C_i ξ_i²` for L1.
   */
  objective = NaN;

  constructor(options: LinearSVCOptions = {}) {
    super(NAME, () => this.options.maxIter);
    this.options = resolveLinearSVCOptions(options);
  }

  /**
   * Fits on the rows of `X` with labels `y` (one per row). With `rows`, trains on those
   * rows only (in that order, `y` still indexed by row of `X`), without copying the matrix.
   */
  fit(X: Csr, y: Labels, rows?: Int32Array): this {
    const { labels: sub, counts } = trainingLabels(X, y, rows, NAME);
    const order = classGroupedOrder(sub);
    const trainRows = new Int32Array(order.length);
    const sign = new Float64Array(order.length);
    for (let k = 0; k < order.length; k++) {
      trainRows[k] = rows ? rows[order[k]] : order[k];
      sign[k] = sub[order[k]] === 1 ? 1 : -1;
    }
    const o = this.options;
    // the dual solver sweeps rows: renumber columns for locality (same sums, same bits)
    const local = o.penalty === 'l2' ? localColumns(X, trainRows) : null;
    const prob: LinearProblem = {
      X: local ? local.X : X,
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
    this.coef = local ? originalOrder(w, local.newToOld) : o.fitIntercept ? w.slice(0, X.cols) : w;
    this.intercept = o.fitIntercept ? o.interceptScaling * w[X.cols] : 0;
    this.fitted = true;
    return this;
  }

  /**
   * Snapshot: options, intercept, and the weights, stored sparse (`coefIndex`/`coefValue`)
   * when at most half of them are non-zero (always the case after L1), dense otherwise.
   */
  state(): ClassifierState {
    this.requireFitted();
    const { layout, arrays } = coefToState(this.coef);
    return {
      kind: this.kind,
      params: {
        variant: 'linear',
        ...svcOptionsToParams(this.options, ''),
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
    const model = new LinearSVC(svcOptionsFromParams(r, ''));
    model.coef = coefFromState(r, r.number('nFeatures'));
    model.intercept = r.number('intercept');
    model.nIter = r.number('nIter');
    model.objective = r.number('objective');
    model.fitted = true;
    return model;
  }
}

/** Key of a stage option in a state's params: `name`, or `prefix.name` for a pipeline stage. */
function optionKey(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

/** The options of a LinearSVC as state params (keys prefixed `prefix.` when given). */
export function svcOptionsToParams(o: ResolvedLinearSVCOptions, prefix: string): Record<string, number | string | boolean> {
  const k = (name: string): string => optionKey(prefix, name);
  return {
    [k('penalty')]: o.penalty,
    [k('C')]: o.C,
    [k('tol')]: o.tol,
    [k('maxIter')]: o.maxIter,
    [k('fitIntercept')]: o.fitIntercept,
    [k('interceptScaling')]: o.interceptScaling,
    [k('seed')]: o.seed,
    [k('classWeight0')]: o.classWeight[0],
    [k('classWeight1')]: o.classWeight[1],
  };
}

/** Reads back what {@link svcOptionsToParams} wrote. */
export function svcOptionsFromParams(r: StateReader, prefix: string): LinearSVCOptions {
  const k = (name: string): string => optionKey(prefix, name);
  return {
    penalty: r.string(k('penalty')) as 'l1' | 'l2',
    C: r.number(k('C')),
    tol: r.number(k('tol')),
    maxIter: r.number(k('maxIter')),
    fitIntercept: r.boolean(k('fitIntercept')),
    interceptScaling: r.number(k('interceptScaling')),
    seed: r.number(k('seed')),
    classWeight: [r.number(k('classWeight0')), r.number(k('classWeight1'))],
  };
}
