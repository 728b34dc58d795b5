/**
 * `SGDClassifier`: a linear model fitted by plain stochastic gradient descent on sparse rows,
 * following scikit-learn 1.2's `_plain_sgd` step for step — the paper's best models are SGD
 * with the hinge loss.
 *
 * Per sample, in the (seeded, per-epoch reshuffled) visiting order: margin
 * `p = wscale·(w·x) + b`; learning rate (`'optimal'`: `η = 1/(α(t₀ + t − 1))` with
 * `t₀ = 1/(α·√(1/√α))`); `update = −η·∂loss/∂p` (clipped to ±1e12); L2 / elastic-net
 * shrinkage `wscale ·= max(0, 1 − (1 − l1Ratio)ηα)`; `w += update·x / wscale`;
 * `b += update · 0.01` (scikit-learn's intercept decay for sparse input); optional
 * averaging; L1 / elastic-net truncated-gradient penalty (Tsuruoka et al. 2009) on the
 * row's features. An epoch whose summed training loss does not improve on the best by
 * `tol · n` counts as no improvement; `nIterNoChange` of them in a row stop the fit.
 *
 * Shuffling reproduces scikit-learn's `SequentialDataset.shuffle` (the `our_rand_r`
 * xorshift, seeded from `random_state` as `fit_binary` draws it), so for the same seed
 * the visiting order is scikit-learn's.
 *
 * @packageDocumentation
 */
import { InvalidOptionError } from '../errors.js';
import type { Csr } from '../tfidf/csr.js';
import type { BinaryClassifier, ClassifierState, Labels } from './types.js';
import {
  LinearClassifierBase,
  StateReader,
  coefFromState,
  coefToState,
  localColumns,
  oneOf,
  originalOrder,
  positiveInteger,
  positiveNumber,
  seedOption,
  sparseAxpy,
  sparseDot,
  trainingLabels,
} from './linear-model.js';
import { SgdDivergedError } from './linear-errors.js';
import { INT32_MAX, Mt19937, RandR } from './rng.js';

/** Losses of {@link SGDClassifier} (scikit-learn names). */
export type SgdLoss = 'hinge' | 'log_loss' | 'modified_huber' | 'squared_hinge';
/** Penalties of {@link SGDClassifier}. */
export type SgdPenalty = 'l2' | 'l1' | 'elasticnet' | 'none';
/** Learning-rate schedules of {@link SGDClassifier}. */
export type SgdLearningRate = 'optimal' | 'constant' | 'invscaling' | 'adaptive';

/** Options of {@link SGDClassifier}; defaults are scikit-learn 1.2's. */
export interface SGDClassifierOptions {
  /** Default `'hinge'` (a linear SVM). */
  loss?: SgdLoss;
  /** Default `'l2'`. */
  penalty?: SgdPenalty;
  /** Regularisation strength α. Default 1e-4. */
  alpha?: number;
  /** Elastic-net mixing (1 = pure L1). Default 0.15; ignored unless `penalty` is `'elasticnet'`. */
  l1Ratio?: number;
  /** Learn an intercept. Default true. */
  fitIntercept?: boolean;
  /** Maximum epochs. Default 1000. */
  maxIter?: number;
  /** Stop when the epoch loss fails to improve by `tol · n` for `nIterNoChange` epochs; `null` never stops early. Default 1e-3. */
  tol?: number | null;
  /** Default 5. */
  nIterNoChange?: number;
  /** Reshuffle the rows every epoch. Default true. */
  shuffle?: boolean;
  /** scikit-learn's `random_state` (an integer). Default 0. */
  seed?: number;
  /** Default `'optimal'`. */
  learningRate?: SgdLearningRate;
  /** Initial rate for `'constant'`, `'invscaling'`, `'adaptive'` (must be > 0 there). Default 0. */
  eta0?: number;
  /** Exponent of `'invscaling'`. Default 0.5. */
  powerT?: number;
  /** Average the weights: `false`, `true` (from the first step) or the step to start at. Default false. */
  average?: boolean | number;
}

/** Fully resolved {@link SGDClassifierOptions}. */
export interface ResolvedSGDOptions extends Required<Omit<SGDClassifierOptions, 'average' | 'tol'>> {
  tol: number | null;
  /** 0 = no averaging; otherwise the step `t` averaging starts at. */
  average: number;
}

/** scikit-learn's `MAX_DLOSS`. */
const MAX_DLOSS = 1e12;
/** scikit-learn's intercept decay for sparse datasets. */
const SPARSE_INTERCEPT_DECAY = 0.01;
/** Below this `wscale` the weights are rescaled (scikit-learn's `WSCALE_THRESHOLD`). */
const WSCALE_THRESHOLD = 1e-9;

const NAME = 'SGDClassifier';

/** Checks options and fills in defaults. */
export function resolveSGDOptions(options: SGDClassifierOptions = {}): ResolvedSGDOptions {
  const learningRate = oneOf('sgd.learningRate', options.learningRate ?? 'optimal', [
    'optimal',
    'constant',
    'invscaling',
    'adaptive',
  ] as const);
  const eta0 = positiveNumber('sgd.eta0', options.eta0 ?? 0, true);
  if (learningRate !== 'optimal' && eta0 <= 0)
    throw new InvalidOptionError('sgd.eta0', `a number > 0 with learningRate '${learningRate}'`, eta0);
  const l1Ratio = options.l1Ratio ?? 0.15;
  if (!(l1Ratio >= 0 && l1Ratio <= 1)) throw new InvalidOptionError('sgd.l1Ratio', 'a number in [0, 1]', l1Ratio);
  const avg = options.average ?? false;
  const average = avg === true ? 1 : avg === false ? 0 : positiveInteger('sgd.average', avg);
  const tol = options.tol === null ? null : positiveNumber('sgd.tol', options.tol ?? 1e-3, true);
  return {
    loss: oneOf('sgd.loss', options.loss ?? 'hinge', ['hinge', 'log_loss', 'modified_huber', 'squared_hinge'] as const),
    penalty: oneOf('sgd.penalty', options.penalty ?? 'l2', ['l2', 'l1', 'elasticnet', 'none'] as const),
    alpha: positiveNumber('sgd.alpha', options.alpha ?? 1e-4),
    l1Ratio,
    fitIntercept: options.fitIntercept ?? true,
    maxIter: positiveInteger('sgd.maxIter', options.maxIter ?? 1000),
    tol,
    nIterNoChange: positiveInteger('sgd.nIterNoChange', options.nIterNoChange ?? 5),
    shuffle: options.shuffle ?? true,
    seed: seedOption('sgd.seed', options.seed ?? 0),
    learningRate,
    eta0,
    powerT: options.powerT ?? 0.5,
    average,
  };
}

/** Loss `L(p, y)` for a margin `p` and a sign `y ∈ {−1, +1}`, as scikit-learn defines it. */
export function sgdLoss(loss: SgdLoss, p: number, y: number): number {
  const z = p * y;
  switch (loss) {
    case 'hinge':
      return z <= 1 ? 1 - z : 0;
    case 'squared_hinge':
      return z < 1 ? (1 - z) * (1 - z) : 0;
    case 'log_loss':
      if (z > 18) return Math.exp(-z);
      if (z < -18) return -z;
      return Math.log(1 + Math.exp(-z));
    case 'modified_huber':
      if (z >= 1) return 0;
      if (z >= -1) return (1 - z) * (1 - z);
      return -4 * z;
  }
}

/** Derivative `∂L/∂p`, as scikit-learn's `dloss`. */
export function sgdDLoss(loss: SgdLoss, p: number, y: number): number {
  const z = p * y;
  switch (loss) {
    case 'hinge':
      return z <= 1 ? -y : 0;
    case 'squared_hinge':
      return 1 - z > 0 ? -2 * y * (1 - z) : 0;
    case 'log_loss':
      if (z > 18) return Math.exp(-z) * -y;
      if (z < -18) return -y;
      return -y / (Math.exp(z) + 1);
    case 'modified_huber':
      if (z >= 1) return 0;
      if (z >= -1) return 2 * (1 - z) * -y;
      return -4 * y;
  }
}

/**
 * The two seeds scikit-learn's `fit_binary` draws from `RandomState(randomState)`: first
 * the dataset's (`randint(1, 2^31 − 1)`, unused by plain SGD), then the shuffling seed
 * (`randint(2^31 − 1)`).
 */
export function sgdShuffleSeed(randomState: number): number {
  const rs = new Mt19937(randomState);
  rs.interval(INT32_MAX - 2); // make_dataset: randint(1, INT32_MAX)
  return rs.interval(INT32_MAX - 1);
}

/** A linear classifier trained by SGD (kind `'sgd'`). */
export class SGDClassifier extends LinearClassifierBase implements BinaryClassifier {
  readonly kind = 'sgd';
  /** The resolved options. */
  readonly options: ResolvedSGDOptions;
  /** Samples seen plus one (scikit-learn's `t_`). */
  t = 1;

  constructor(options: SGDClassifierOptions = {}) {
    super(NAME, () => this.options.maxIter);
    this.options = resolveSGDOptions(options);
  }

  /** Fits on the rows of `X` (or on `rows` only, in that order), labels `y` per row of `X`. */
  fit(X: Csr, y: Labels, rows?: Int32Array): this {
    const sub = trainingLabels(X, y, rows, NAME).labels;
    const o = this.options;
    const n = sub.length;
    const order = new Int32Array(n);
    const sign = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      order[k] = k;
      sign[k] = sub[k] === 1 ? 1 : -1;
    }
    const rowOf = rows ?? order.slice();
    // renumber columns for locality of the row sweeps (same per-entry operations, same bits)
    const local = localColumns(X, rowOf);
    const { indptr, indices, data } = local.X;
    const alpha = o.alpha;
    const l1Ratio = o.penalty === 'l2' ? 0 : o.penalty === 'l1' ? 1 : o.penalty === 'elasticnet' ? o.l1Ratio : 0;
    const shrink = o.penalty === 'l2' || o.penalty === 'elasticnet';
    const truncate = o.penalty === 'l1' || o.penalty === 'elasticnet';
    const average = o.average;

    const wv = new WeightVector(X.cols, average > 0);
    const w = wv.w;
    const q = truncate ? new Float64Array(X.cols) : null;
    let intercept = 0;
    let averageIntercept = 0;
    let u = 0;
    let eta = o.eta0;
    let t = 1;
    const typw = Math.sqrt(1 / Math.sqrt(alpha));
    const optimalInit = 1 / ((typw / Math.max(1, sgdDLoss(o.loss, -typw, 1))) * alpha);
    const seed = sgdShuffleSeed(o.seed);

    let bestLoss = Infinity;
    let noImprovement = 0;
    let epoch = 0;
    for (; epoch < o.maxIter; epoch++) {
      if (o.shuffle) shuffleLikeSequentialDataset(order, seed);
      let sumLoss = 0;
      for (let s = 0; s < n; s++) {
        const k = order[s];
        const r = rowOf[k];
        const yk = sign[k];
        const a = indptr[r];
        const e = indptr[r + 1];
        const p = sparseDot(w, indices, data, a, e) * wv.wscale + intercept;
        if (o.learningRate === 'optimal') eta = 1 / (alpha * (optimalInit + t - 1));
        else if (o.learningRate === 'invscaling') eta = o.eta0 / Math.pow(t, o.powerT);
        sumLoss += sgdLoss(o.loss, p, yk);
        let dloss = sgdDLoss(o.loss, p, yk);
        if (dloss < -MAX_DLOSS) dloss = -MAX_DLOSS;
        else if (dloss > MAX_DLOSS) dloss = MAX_DLOSS;
        const update = -eta * dloss;
        if (shrink) wv.scale(Math.max(0, 1 - (1 - l1Ratio) * eta * alpha));
        if (update !== 0) {
          sparseAxpy(w, indices, data, a, e, update / wv.wscale);
          if (o.fitIntercept) intercept += update * SPARSE_INTERCEPT_DECAY;
        }
        if (average > 0 && average <= t) {
          const steps = t - average + 1;
          wv.addAverage(indices, data, a, e, update, steps);
          averageIntercept += (intercept - averageIntercept) / steps;
        }
        if (q) {
          u += l1Ratio * eta * alpha;
          truncateL1(w, q, indices, a, e, u, wv.wscale);
        }
        t++;
      }
      if (!Number.isFinite(intercept) || !allFinite(w)) throw new SgdDivergedError(epoch + 1);
      if (o.tol !== null && sumLoss > bestLoss - o.tol * n) noImprovement++;
      else noImprovement = 0;
      if (sumLoss < bestLoss) bestLoss = sumLoss;
      if (noImprovement >= o.nIterNoChange) {
        if (o.learningRate === 'adaptive' && eta > 1e-6) {
          eta /= 5;
          noImprovement = 0;
        } else {
          epoch++;
          break;
        }
      }
    }
    wv.reset();
    this.nIter = Math.min(epoch, o.maxIter);
    this.t = t;
    const useAverage = wv.aw !== null && average <= t - 1;
    this.coef = originalOrder(useAverage && wv.aw ? wv.aw : w, local.newToOld);
    this.intercept = useAverage ? averageIntercept : intercept;
    this.fitted = true;
    return this;
  }

  /**
   * Probability of malicious, where the loss defines one (scikit-learn): `'log_loss'` gives
   * the logistic `1/(1 + e^(−margin))`, `'modified_huber'` gives `(clip(margin, −1, 1) + 1)/2`.
   * @throws InvalidOptionError for the other losses.
   */
  predictProba(X: Csr): Float64Array {
    const loss = this.options.loss;
    if (loss !== 'log_loss' && loss !== 'modified_huber') {
      throw new InvalidOptionError('sgd.loss', "'log_loss' or 'modified_huber' for probabilities", loss);
    }
    const d = this.decisionFunction(X);
    for (let i = 0; i < d.length; i++) {
      d[i] = loss === 'log_loss' ? 1 / (1 + Math.exp(-d[i])) : (Math.min(1, Math.max(-1, d[i])) + 1) / 2;
    }
    return d;
  }

  /** Snapshot: options, intercept and weights (sparse when mostly zero). */
  state(): ClassifierState {
    this.requireFitted();
    const o = this.options;
    const { layout, arrays } = coefToState(this.coef);
    return {
      kind: this.kind,
      params: {
        loss: o.loss,
        penalty: o.penalty,
        alpha: o.alpha,
        l1Ratio: o.l1Ratio,
        fitIntercept: o.fitIntercept,
        maxIter: o.maxIter,
        tol: o.tol,
        nIterNoChange: o.nIterNoChange,
        shuffle: o.shuffle,
        seed: o.seed,
        learningRate: o.learningRate,
        eta0: o.eta0,
        powerT: o.powerT,
        average: o.average,
        nFeatures: this.coef.length,
        intercept: this.intercept,
        nIter: this.nIter,
        t: this.t,
        coefLayout: layout,
      },
      arrays,
    };
  }

  /** Restores a model saved by {@link SGDClassifier.state}. */
  static fromState(state: ClassifierState): SGDClassifier {
    const r = new StateReader(state, NAME).expect('sgd');
    const tol = state.params.tol;
    const model = new SGDClassifier({
      loss: r.string('loss') as SgdLoss,
      penalty: r.string('penalty') as SgdPenalty,
      alpha: r.number('alpha'),
      l1Ratio: r.number('l1Ratio'),
      fitIntercept: r.boolean('fitIntercept'),
      maxIter: r.number('maxIter'),
      tol: tol === null ? null : r.number('tol'),
      nIterNoChange: r.number('nIterNoChange'),
      shuffle: r.boolean('shuffle'),
      seed: r.number('seed'),
      learningRate: r.string('learningRate') as SgdLearningRate,
      eta0: r.number('eta0'),
      powerT: r.number('powerT'),
      average: r.number('average') === 0 ? false : r.number('average'),
    });
    model.coef = coefFromState(r, r.number('nFeatures'));
    model.intercept = r.number('intercept');
    model.nIter = r.number('nIter');
    model.t = r.number('t');
    model.fitted = true;
    return model;
  }
}

/**
 * scikit-learn's `WeightVector`: weights stored as `wscale · w` so that L2 shrinkage is one
 * multiplication, plus the lazily averaged weights `(aw + averageA · w) / averageB`.
 */
class WeightVector {
  readonly w: Float64Array;
  readonly aw: Float64Array | null;
  wscale = 1;
  private averageA = 0;
  private averageB = 1;

  constructor(n: number, averaged: boolean) {
    this.w = new Float64Array(n);
    this.aw = averaged ? new Float64Array(n) : null;
  }

  /** `wscale *= c`, folding the scale into the weights when it falls below 1e-9. */
  scale(c: number): void {
    this.wscale *= c;
    if (this.wscale < WSCALE_THRESHOLD) this.reset();
  }

  /** Folds `wscale` into `w` (and finalises the running average into `aw`). */
  reset(): void {
    const { w, aw } = this;
    if (aw) {
      for (let j = 0; j < aw.length; j++) aw[j] += this.averageA * w[j];
      const inv = 1 / this.averageB;
      for (let j = 0; j < aw.length; j++) aw[j] *= inv;
      this.averageA = 0;
      this.averageB = 1;
    }
    const ws = this.wscale;
    for (let j = 0; j < w.length; j++) w[j] *= ws;
    this.wscale = 1;
  }

  /** scikit-learn's `add_average` after a step `update` on a row, at averaging step `steps`. */
  addAverage(indices: Int32Array, data: Float64Array, a: number, e: number, update: number, steps: number): void {
    const mu = 1 / steps;
    const aw = this.aw;
    if (aw) {
      const A = this.averageA;
      const k = -update / this.wscale;
      for (let p = a; p < e; p++) aw[indices[p]] += A * data[p] * k;
    }
    if (steps > 1) this.averageB /= 1 - mu;
    this.averageA += mu * this.averageB * this.wscale;
  }
}

/**
 * scikit-learn's `SequentialDataset.shuffle(seed)`: Fisher–Yates on the current order with
 * a fresh `our_rand_r` stream from the same seed every epoch.
 */
function shuffleLikeSequentialDataset(order: Int32Array, seed: number): void {
  const rng = new RandR(seed);
  const n = order.length;
  for (let i = 0; i < n - 1; i++) {
    const j = i + (rng.next() % (n - i));
    const tmp = order[i];
    order[i] = order[j];
    order[j] = tmp;
  }
}

/** The truncated-gradient L1 step of scikit-learn's `l1penalty` on a row's features. */
function truncateL1(w: Float64Array, q: Float64Array, indices: Int32Array, a: number, e: number, u: number, wscale: number): void {
  for (let p = a; p < e; p++) {
    const j = indices[p];
    const z = w[j];
    if (wscale * z > 0) w[j] = Math.max(0, w[j] - (u + q[j]) / wscale);
    else if (wscale * z < 0) w[j] = Math.min(0, w[j] + (u - q[j]) / wscale);
    q[j] += wscale * (w[j] - z);
  }
}

function allFinite(w: Float64Array): boolean {
  for (let j = 0; j < w.length; j++) if (!Number.isFinite(w[j])) return false;
  return true;
}
