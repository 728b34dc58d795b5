/**
 * NtMalDetect's SVM member, as one classifier:
 * `Pipeline([SelectFromModel(LinearSVC(penalty='l1', dual=False, tol=1e-3)), LinearSVC()])`.
 *
 * The first stage fits an L1-penalised squared-hinge SVM (LIBLINEAR solver 5) and keeps
 * the features with `|w_j| >= threshold` (1e-5); the second fits an L2 squared-hinge SVM
 * (solver 1) on those columns only. Rows are not renormalised after selection, exactly as
 * scikit-learn. The fitted state keeps only the kept columns and their weights, so a model
 * over 242,694 ten-grams stores a few dozen numbers.
 *
 * If the first stage keeps no feature (scikit-learn would then fail in the second stage),
 * the second stage is an intercept-only model: every trace gets the same margin.
 *
 * @packageDocumentation
 */
import { NotFittedError } from '../errors.js';
import { selectColumns } from '../tfidf/csr.js';
import type { Csr } from '../tfidf/csr.js';
import type { BinaryClassifier, ClassifierState, Labels } from './types.js';
import type { LinearSVCOptions, ResolvedLinearSVCOptions } from './linear-svc.js';
import { LinearSVC, resolveLinearSVCOptions, svcOptionsFromParams, svcOptionsToParams } from './linear-svc.js';
import { ClassifierStateError, FeatureCountError } from './linear-errors.js';
import { StateReader, labelsFromDecision, sparseDot } from './linear-model.js';
import type { SelectionThreshold } from './select-from-model.js';
import { L1_SELECTION_THRESHOLD, resolveThreshold, selectFromModel } from './select-from-model.js';

/** Options of {@link L1SelectedSVC}. */
export interface L1SelectedSVCOptions {
  /** The selecting L1 LinearSVC. Defaults: C 1, tol 1e-3 (NtMalDetect's), maxIter 1000, seed 0. */
  l1?: Omit<LinearSVCOptions, 'penalty'>;
  /** `SelectFromModel` threshold on `|w_j|`. Default 1e-5. */
  threshold?: SelectionThreshold;
  /** The final L2 LinearSVC. Defaults: scikit-learn's `LinearSVC()` (C 1, tol 1e-4, seed 0). */
  l2?: Omit<LinearSVCOptions, 'penalty'>;
}

const NAME = 'L1SelectedSVC';

/** The L1-selected linear SVM pipeline (kind `'linear-svc'`, variant `'l1-selected'`). */
export class L1SelectedSVC implements BinaryClassifier {
  readonly kind = 'linear-svc';
  /** Resolved options of the selecting stage. */
  readonly l1Options: ResolvedLinearSVCOptions;
  /** Resolved options of the final stage. */
  readonly l2Options: ResolvedLinearSVCOptions;
  /** The selection threshold as given. */
  readonly threshold: SelectionThreshold;
  /** Number of columns of the training matrix. */
  nFeatures = 0;
  /** Kept columns (ascending, indices into the full feature space). */
  kept: Int32Array = new Int32Array(0);
  /** Final-stage weight of each kept column. */
  coef: Float64Array = new Float64Array(0);
  /** First-stage (L1) weight of each kept column. */
  l1Coef: Float64Array = new Float64Array(0);
  /** Final-stage intercept. */
  intercept = 0;
  /** First-stage intercept. */
  l1Intercept = 0;
  /** First-stage objective `‖w‖₁ + |w_b| + C Σ ξ²` at its solution. */
  l1Objective = NaN;
  /** Outer iterations of the first and final stages. */
  nIter: [number, number] = [0, 0];
  /** Dense weights over all `nFeatures` columns (zero outside `kept`), for fast scoring. */
  private dense: Float64Array = new Float64Array(0);
  private fitted = false;

  constructor(options: L1SelectedSVCOptions = {}) {
    this.l1Options = resolveLinearSVCOptions({ ...options.l1, tol: options.l1?.tol ?? 1e-3, penalty: 'l1' }, 'l1');
    this.l2Options = resolveLinearSVCOptions({ ...options.l2, penalty: 'l2' }, 'l2');
    this.threshold = options.threshold ?? L1_SELECTION_THRESHOLD;
    resolveThreshold(new Float64Array(0), this.threshold); // validates
  }

  /** Fits both stages (on `rows` of `X` only, when given). */
  fit(X: Csr, y: Labels, rows?: Int32Array): this {
    const l1 = new LinearSVC(this.l1Options).fit(X, y, rows);
    const kept = selectFromModel(l1.coef, this.threshold);
    const l2 = new LinearSVC(this.l2Options).fit(selectColumns(X, kept), y, rows);
    this.nFeatures = X.cols;
    this.kept = kept;
    this.coef = l2.coef;
    this.l1Coef = Float64Array.from(kept, (j) => l1.coef[j]);
    this.intercept = l2.intercept;
    this.l1Intercept = l1.intercept;
    this.l1Objective = l1.objective;
    this.nIter = [l1.nIter, l2.nIter];
    this.buildDense();
    return this;
  }

  private buildDense(): void {
    this.dense = new Float64Array(this.nFeatures);
    for (let k = 0; k < this.kept.length; k++) this.dense[this.kept[k]] = this.coef[k];
    this.fitted = true;
  }

  /** Margins of the final stage on the kept columns of each row; > 0 means malicious. */
  decisionFunction(X: Csr): Float64Array {
    if (!this.fitted) throw new NotFittedError(NAME);
    if (X.cols !== this.nFeatures) throw new FeatureCountError(NAME, this.nFeatures, X.cols);
    const out = new Float64Array(X.rows);
    const { indptr, indices, data } = X;
    const w = this.dense;
    for (let r = 0; r < X.rows; r++) out[r] = sparseDot(w, indices, data, indptr[r], indptr[r + 1]) + this.intercept;
    return out;
  }

  /** 1 (malicious) iff the margin is > 0. */
  predict(X: Csr): Uint8Array {
    return labelsFromDecision(this.decisionFunction(X));
  }

  /** Snapshot: options of both stages, the kept columns and their weights. */
  state(): ClassifierState {
    if (!this.fitted) throw new NotFittedError(NAME);
    const params: Record<string, number | string | boolean | null> = {
      variant: 'l1-selected',
      threshold: typeof this.threshold === 'number' ? this.threshold : String(this.threshold),
      nFeatures: this.nFeatures,
      intercept: this.intercept,
      l1Intercept: this.l1Intercept,
      l1Objective: this.l1Objective,
      l1NIter: this.nIter[0],
      l2NIter: this.nIter[1],
    };
    Object.assign(params, svcOptionsToParams(this.l1Options, 'l1'), svcOptionsToParams(this.l2Options, 'l2'));
    return { kind: this.kind, params, arrays: { kept: this.kept.slice(), coef: this.coef.slice(), l1Coef: this.l1Coef.slice() } };
  }

  /** Restores a model saved by {@link L1SelectedSVC.state}. */
  static fromState(state: ClassifierState): L1SelectedSVC {
    const r = new StateReader(state, NAME).expect('linear-svc', 'variant', 'l1-selected');
    const stage = (s: 'l1' | 'l2'): Omit<LinearSVCOptions, 'penalty'> => {
      const { penalty: _, ...rest } = svcOptionsFromParams(r, s);
      return rest;
    };
    const t = state.params.threshold;
    const model = new L1SelectedSVC({
      l1: stage('l1'),
      l2: stage('l2'),
      threshold: typeof t === 'number' ? t : (String(t) as SelectionThreshold),
    });
    model.nFeatures = r.number('nFeatures');
    model.kept = r.int32('kept');
    model.coef = r.float64('coef', model.kept.length);
    model.l1Coef = r.float64('l1Coef', model.kept.length);
    for (let k = 0; k < model.kept.length; k++) {
      const j = model.kept[k];
      if (j < 0 || j >= model.nFeatures || (k > 0 && j <= model.kept[k - 1])) {
        throw new ClassifierStateError(NAME, `arrays.kept must be ascending column indices below ${model.nFeatures}, got ${j} at ${k}`);
      }
    }
    model.intercept = r.number('intercept');
    model.l1Intercept = r.number('l1Intercept');
    model.l1Objective = r.number('l1Objective');
    model.nIter = [r.number('l1NIter'), r.number('l2NIter')];
    model.buildDense();
    return model;
  }
}

/**
 * Restores either linear-SVC variant from its state (`params.variant` `'linear'` or
 * `'l1-selected'`).
 */
export function linearSvcFromState(state: ClassifierState): LinearSVC | L1SelectedSVC {
  return state.params?.variant === 'l1-selected' ? L1SelectedSVC.fromState(state) : LinearSVC.fromState(state);
}
