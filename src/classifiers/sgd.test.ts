import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError, NotFittedError } from '../errors.js';
import { selectRows } from '../tfidf/csr.js';
import { ClassifierStateError, SgdDivergedError, SingleClassError } from './linear-errors.js';
import { SGDClassifier, sgdDLoss, sgdLoss, sgdShuffleSeed } from './sgd.js';
import type { SgdLoss } from './sgd.js';
import { SKLEARN, smallProblem } from './test-helpers/linear-fixture.js';
import type { SklearnFit } from './test-helpers/linear-fixture.js';
import { csrFromDense } from './test-helpers/problems.js';

function expectSameFit(model: SGDClassifier, ref: SklearnFit, tol: number): void {
  expect(model.nIter).toBe(ref.n_iter);
  expect(Math.abs(model.intercept - ref.intercept)).toBeLessThanOrEqual(tol);
  ref.coef.forEach((c, j) => expect(Math.abs(model.coef[j] - c)).toBeLessThanOrEqual(tol * (1 + Math.abs(c))));
}

describe('SGDClassifier against scikit-learn 1.2.1 on a small problem', () => {
  const { X, y } = smallProblem();

  it('hinge + L2, optimal rate, seed 0: same epochs, weights and intercept', () => {
    expectSameFit(new SGDClassifier().fit(X, y), SKLEARN.sgd_hinge, 1e-12);
  });

  it('hinge + L1 (truncated gradient), seed 1', () => {
    const m = new SGDClassifier({ penalty: 'l1', seed: 1 }).fit(X, y);
    expectSameFit(m, SKLEARN.sgd_l1, 1e-12);
    SKLEARN.sgd_l1.coef.forEach((c, j) => expect(m.coef[j] === 0).toBe(c === 0));
  });

  it('log loss with averaging', () => {
    expectSameFit(new SGDClassifier({ loss: 'log_loss', average: true }).fit(X, y), SKLEARN.sgd_log_avg, 1e-12);
  });

  it('draws the shuffling seed as fit_binary does (second randint of RandomState(seed))', () => {
    // printed by numpy: r = np.random.RandomState(0); r.randint(1, 2**31 - 1); r.randint(2**31 - 1)
    expect(sgdShuffleSeed(0)).toBe(398764591);
  });
});

describe('SGD losses', () => {
  const losses: SgdLoss[] = ['hinge', 'log_loss', 'modified_huber', 'squared_hinge'];

  it('dloss is the derivative of loss away from kinks', () => {
    fc.assert(
      fc.property(fc.constantFrom(...losses), fc.double({ min: -5, max: 5, noNaN: true }), fc.constantFrom(-1, 1), (loss, p, y) => {
        const z = p * y;
        fc.pre(Math.abs(z - 1) > 1e-3 && Math.abs(z + 1) > 1e-3);
        const h = 1e-6;
        const numeric = (sgdLoss(loss, p + h, y) - sgdLoss(loss, p - h, y)) / (2 * h);
        expect(sgdDLoss(loss, p, y)).toBeCloseTo(numeric, 4);
      }),
    );
  });

  it('has the textbook values', () => {
    expect(sgdLoss('hinge', 0.25, 1)).toBe(0.75);
    expect(sgdLoss('hinge', 2, 1)).toBe(0);
    expect(sgdLoss('squared_hinge', -1, 1)).toBe(4);
    expect(sgdLoss('log_loss', 0, 1)).toBeCloseTo(Math.LN2, 15);
    expect(sgdLoss('log_loss', -30, 1)).toBe(30);
    expect(sgdLoss('modified_huber', -3, 1)).toBe(12);
    expect(sgdLoss('modified_huber', 0, -1)).toBe(1);
  });
});

describe('SGDClassifier behaviour', () => {
  const { X, y } = smallProblem();

  it('separates a separable problem perfectly, with every loss', () => {
    const rows = [
      [1, 0, 0.2],
      [0.9, 0.1, 0],
      [0.8, 0, 0.1],
      [0, 1, 0.2],
      [0.1, 0.9, 0],
      [0, 0.8, 0.1],
    ];
    const Xs = csrFromDense(rows, 3);
    const ys = Uint8Array.from([1, 1, 1, 0, 0, 0]);
    for (const loss of ['hinge', 'log_loss', 'modified_huber', 'squared_hinge'] as const) {
      const m = new SGDClassifier({ loss, alpha: 1e-3, seed: 5 }).fit(Xs, ys);
      expect(Array.from(m.predict(Xs))).toEqual(Array.from(ys));
    }
  });

  it('L1 gives sparser weights than L2, elastic-net in between', () => {
    const nz = (m: SGDClassifier): number => m.coef.reduce((s, v) => s + (v !== 0 ? 1 : 0), 0);
    const l2 = new SGDClassifier({ penalty: 'l2', alpha: 0.01 }).fit(X, y);
    const en = new SGDClassifier({ penalty: 'elasticnet', alpha: 0.01, l1Ratio: 0.5 }).fit(X, y);
    const l1 = new SGDClassifier({ penalty: 'l1', alpha: 0.01 }).fit(X, y);
    expect(nz(l1)).toBeLessThan(nz(l2));
    expect(nz(en)).toBeLessThanOrEqual(nz(l2));
    expect(nz(l1)).toBeLessThanOrEqual(nz(en));
  });

  it('is deterministic per seed, and the seed changes the visiting order', () => {
    const a = new SGDClassifier({ seed: 11 }).fit(X, y);
    const b = new SGDClassifier({ seed: 11 }).fit(X, y);
    const c = new SGDClassifier({ seed: 12 }).fit(X, y);
    expect(Array.from(a.coef)).toEqual(Array.from(b.coef));
    expect(Array.from(a.coef)).not.toEqual(Array.from(c.coef));
  });

  it('training on a subset of rows equals training on the copied rows', () => {
    const rows = Int32Array.from([5, 4, 3, 2, 1, 0, 20, 21, 22, 30, 31, 39]);
    const a = new SGDClassifier({ average: 3 }).fit(X, y, rows);
    const b = new SGDClassifier({ average: 3 }).fit(
      selectRows(X, rows),
      Uint8Array.from(rows, (r) => y[r]),
    );
    expect(Array.from(a.coef)).toEqual(Array.from(b.coef));
    expect(a.intercept).toBe(b.intercept);
  });

  it('other schedules: constant, invscaling, adaptive; tol null runs every epoch', () => {
    for (const learningRate of ['constant', 'invscaling', 'adaptive'] as const) {
      const m = new SGDClassifier({ learningRate, eta0: 0.1, maxIter: 50, tol: null }).fit(X, y);
      expect(m.nIter).toBe(50);
      expect(m.hitMaxIter).toBe(true);
      expect(m.t).toBe(1 + 50 * X.rows);
      expect(m.coef.every(Number.isFinite)).toBe(true);
    }
  });

  it('probabilities for log_loss and modified_huber only', () => {
    const log = new SGDClassifier({ loss: 'log_loss' }).fit(X, y);
    const p = log.predictProba(X);
    const d = log.decisionFunction(X);
    p.forEach((v, i) => expect(v).toBeCloseTo(1 / (1 + Math.exp(-d[i])), 15));
    const mh = new SGDClassifier({ loss: 'modified_huber' }).fit(X, y);
    const q = mh.predictProba(X);
    const e = mh.decisionFunction(X);
    q.forEach((v, i) => expect(v).toBeCloseTo((Math.min(1, Math.max(-1, e[i])) + 1) / 2, 15));
    expect(() => new SGDClassifier().fit(X, y).predictProba(X)).toThrow(InvalidOptionError);
  });

  it('round-trips through state()', () => {
    for (const opts of [{}, { penalty: 'l1' as const, alpha: 0.05 }, { loss: 'log_loss' as const, average: true, tol: null }]) {
      const m = new SGDClassifier(opts).fit(X, y);
      const back = SGDClassifier.fromState(m.state());
      expect(back.options).toEqual(m.options);
      expect(Array.from(back.decisionFunction(X))).toEqual(Array.from(m.decisionFunction(X)));
    }
    const st = new SGDClassifier().fit(X, y).state();
    expect(() => SGDClassifier.fromState({ ...st, kind: 'linear-svc' })).toThrow(ClassifierStateError);
  });

  it('reports divergence and misuse with typed errors', () => {
    expect(() => new SGDClassifier({ learningRate: 'constant', eta0: 1e308, penalty: 'none' }).fit(X, y)).toThrow(SgdDivergedError);
    expect(() => new SGDClassifier().fit(X, new Uint8Array(X.rows))).toThrow(SingleClassError);
    expect(() => new SGDClassifier().decisionFunction(X)).toThrow(NotFittedError);
    expect(() => new SGDClassifier({ learningRate: 'constant' })).toThrow(/sgd.eta0/);
    expect(() => new SGDClassifier({ l1Ratio: 2 })).toThrow(/sgd.l1Ratio/);
    expect(() => new SGDClassifier({ loss: 'perceptron' as SgdLoss })).toThrow(/sgd.loss/);
    expect(() => new SGDClassifier({ alpha: 0 })).toThrow(/sgd.alpha/);
  });
});
