import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError, NotFittedError } from '../errors.js';
import { selectRows } from '../tfidf/csr.js';
import { ClassifierStateError, FeatureCountError, LabelError, SingleClassError } from './linear-errors.js';
import { LinearSVC } from './linear-svc.js';
import { dualObjective, l2PrimalObjective, solveL2rL2SvcDual } from './linear-svc-dual.js';
import type { LinearProblem } from './linear-svc-dual.js';
import { l1PrimalObjective, l1PrimalTolerance } from './l1-svc-solver.js';
import { Mt19937 } from './rng.js';
import { SKLEARN, smallProblem } from './test-helpers/linear-fixture.js';
import type { SklearnFit } from './test-helpers/linear-fixture.js';
import { arbProblem, csrFromDense, squaredHingeGradient } from './test-helpers/problems.js';
import { referenceL1 } from './test-helpers/reference-l1.js';
import { classGroupedOrder } from './linear-model.js';
import { sklearnSeed } from './rng.js';

function expectSameFit(model: LinearSVC, ref: SklearnFit, tol: number): void {
  expect(model.nIter).toBe(ref.n_iter);
  expect(Math.abs(model.intercept - ref.intercept)).toBeLessThanOrEqual(tol);
  expect(model.coef.length).toBe(ref.coef.length);
  ref.coef.forEach((c, j) => expect(Math.abs(model.coef[j] - c)).toBeLessThanOrEqual(tol));
  // same support, exactly: the L1 zeros are exact zeros in both
  ref.coef.forEach((c, j) => expect(model.coef[j] === 0).toBe(c === 0));
}

describe('LinearSVC against scikit-learn 1.2.1 on a small problem', () => {
  const { X, y } = smallProblem();

  it('L2 (dual CD, solver 1): same iterations, weights and intercept', () => {
    expectSameFit(new LinearSVC().fit(X, y), SKLEARN.l2, 1e-13);
  });

  it('L2 with C = 10, seed 7, tol 1e-6', () => {
    expectSameFit(new LinearSVC({ C: 10, seed: 7, tol: 1e-6 }).fit(X, y), SKLEARN.l2_c10_seed7, 1e-12);
  });

  it('L2 without intercept', () => {
    const m = new LinearSVC({ fitIntercept: false }).fit(X, y);
    expectSameFit(m, SKLEARN.l2_noint, 1e-13);
    expect(m.intercept).toBe(0);
  });

  it('L1 (primal CD-Newton, solver 5) with tol 1e-3: same iterations, support and weights', () => {
    const m = new LinearSVC({ penalty: 'l1', tol: 1e-3 }).fit(X, y);
    expectSameFit(m, SKLEARN.l1, 1e-13);
    expect(m.hitMaxIter).toBe(false);
  });

  it('L1 with C = 5, interceptScaling 2, seed 3, stopping at maxIter like scikit-learn', () => {
    const m = new LinearSVC({ penalty: 'l1', C: 5, interceptScaling: 2, seed: 3 }).fit(X, y);
    expectSameFit(m, SKLEARN.l1_c5_scaling2, 1e-12);
    expect(m.hitMaxIter).toBe(true);
  });

  it('training on a subset of rows equals training on the copied rows', () => {
    const rows = Int32Array.from([39, 3, 5, 0, 12, 7, 22, 30, 31, 18, 2, 1]);
    for (const penalty of ['l1', 'l2'] as const) {
      const a = new LinearSVC({ penalty }).fit(X, y, rows);
      const b = new LinearSVC({ penalty }).fit(
        selectRows(X, rows),
        Uint8Array.from(rows, (r) => y[r]),
      );
      expect(Array.from(a.coef)).toEqual(Array.from(b.coef));
      expect(a.intercept).toBe(b.intercept);
    }
  });

  it('round-trips through state(), sparse after L1 and dense after L2', () => {
    for (const penalty of ['l1', 'l2'] as const) {
      const m = new LinearSVC({ penalty, C: 0.5, seed: 9 }).fit(X, y);
      const st = m.state();
      expect(st.params.coefLayout).toBe(penalty === 'l1' && m.nonZero().length * 2 <= X.cols ? 'sparse' : 'dense');
      const back = LinearSVC.fromState(st);
      expect(Array.from(back.decisionFunction(X))).toEqual(Array.from(m.decisionFunction(X)));
      expect(back.options).toEqual(m.options);
      expect(back.nIter).toBe(m.nIter);
    }
  });
});

describe('LinearSVC closed forms', () => {
  // two rows x = +1 (malicious) and x = −1 (benign), no intercept, C = 1
  const X = csrFromDense([[1], [-1]], 1);
  const y = Uint8Array.from([1, 0]);

  it('L2: minimises ½w² + 2(1 − w)² at w = 4/5', () => {
    const m = new LinearSVC({ fitIntercept: false, tol: 1e-12 }).fit(X, y);
    expect(m.coef[0]).toBeCloseTo(0.8, 12);
    expect(m.objective).toBeCloseTo(0.5 * 0.64 + 2 * 0.04, 12);
  });

  it('L1: minimises |w| + 2(1 − w)² at w = 3/4', () => {
    const m = new LinearSVC({ penalty: 'l1', fitIntercept: false, tol: 1e-12 }).fit(X, y);
    expect(m.coef[0]).toBeCloseTo(0.75, 10);
    expect(m.objective).toBeCloseTo(0.75 + 2 * 0.0625, 10);
  });

  it('L1: a strong enough penalty keeps no feature (C = 1/8: |w| + (1 − w)²/4 is minimal at 0)', () => {
    const m = new LinearSVC({ penalty: 'l1', fitIntercept: false, C: 0.125, tol: 1e-12 }).fit(X, y);
    expect(m.coef[0]).toBe(0);
    expect(m.nonZero().length).toBe(0);
  });
});

describe('LinearSVC optimality on random problems', () => {
  it('L2: the primal gradient vanishes and the duality gap closes', () => {
    fc.assert(
      fc.property(arbProblem, fc.double({ min: 0.1, max: 10, noNaN: true }), fc.integer({ min: 0, max: 1000 }), ({ X, y }, C, seed) => {
        const m = new LinearSVC({ C, seed, tol: 1e-10, maxIter: 100000 }).fit(X, y);
        const g = squaredHingeGradient(X, y, m.coef, m.intercept, 1, C);
        const scale = 1 + Math.abs(m.intercept) + m.coef.reduce((s, v) => s + Math.abs(v), 0);
        m.coef.forEach((w, j) => expect(Math.abs(w + g[j])).toBeLessThan(1e-6 * scale));
        expect(Math.abs(m.intercept + g[X.cols])).toBeLessThan(1e-6 * scale);

        // duality gap, on the solver's own dual variables
        const rows = Int32Array.from({ length: X.rows }, (_, i) => i);
        const prob: LinearProblem = { X, rows, y: Float64Array.from(y, (v) => (v ? 1 : -1)), bias: 1, Cp: C, Cn: C };
        const w = new Float64Array(X.cols + 1);
        const { alpha } = solveL2rL2SvcDual(prob, w, 1e-10, 100000, new Mt19937(seed));
        const primal = l2PrimalObjective(prob, w);
        const dual = -dualObjective(prob, w, alpha);
        expect(dual).toBeLessThanOrEqual(primal + 1e-9 * (1 + primal));
        expect(primal - dual).toBeLessThan(1e-6 * (1 + primal));
      }),
      { numRuns: 80 },
    );
  });

  it('L1: the subgradient conditions hold (|g_j| <= 1 at zeros, g_j = −sign(w_j) elsewhere)', () => {
    fc.assert(
      fc.property(arbProblem, fc.double({ min: 0.2, max: 10, noNaN: true }), fc.integer({ min: 0, max: 1000 }), ({ X, y }, C, seed) => {
        const m = new LinearSVC({ penalty: 'l1', C, seed, tol: 1e-10, maxIter: 100000 }).fit(X, y);
        const g = squaredHingeGradient(X, y, m.coef, m.intercept, 1, C);
        const w = [...m.coef, m.intercept];
        const slack = 1e-4 * (1 + C);
        w.forEach((wj, j) => {
          if (wj === 0) expect(Math.abs(g[j])).toBeLessThanOrEqual(1 + slack);
          else expect(Math.abs(g[j] + Math.sign(wj))).toBeLessThan(slack);
        });
        // the reported objective is the objective of the returned weights
        const rows = Int32Array.from({ length: X.rows }, (_, i) => i);
        const prob: LinearProblem = { X, rows, y: Float64Array.from(y, (v) => (v ? 1 : -1)), bias: 1, Cp: C, Cn: C };
        const full = Float64Array.from(w);
        expect(m.objective).toBeCloseTo(l1PrimalObjective(prob, full), 9);
      }),
      { numRuns: 80 },
    );
  });
});

describe('L1 solver against a plain implementation of solver 5', () => {
  it('gives the same weights bit for bit (layout and screening change the cost only)', () => {
    fc.assert(
      fc.property(
        arbProblem,
        fc.double({ min: 0.05, max: 20, noNaN: true }),
        fc.constantFrom(0.05, 1, 8),
        fc.integer({ min: 0, max: 1000 }),
        fc.constantFrom(1e-1, 1e-3, 1e-8),
        ({ X, y }, C, scale, seed, tol) => {
          // scaled copies reach both sides of the stored gradient bound
          const Xs = { ...X, data: X.data.map((v) => v * scale) };
          const m = new LinearSVC({ penalty: 'l1', C, seed, tol, maxIter: 500 }).fit(Xs, y);
          const rows = classGroupedOrder(y);
          const sign = Float64Array.from(rows, (r) => (y[r] ? 1 : -1));
          const prob: LinearProblem = { X: Xs, rows, y: sign, bias: 1, Cp: C, Cn: C };
          const pos = sign.filter((v) => v > 0).length;
          const ref = referenceL1(prob, l1PrimalTolerance(tol, pos, rows.length - pos), 500, sklearnSeed(seed));
          expect(m.nIter).toBe(ref.nIter);
          expect(Array.from(m.coef)).toEqual(Array.from(ref.w.subarray(0, X.cols)));
          expect(m.intercept).toBe(ref.w[X.cols]);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('l1PrimalTolerance', () => {
  it('is tol · max(min(pos, neg), 1) / l', () => {
    expect(l1PrimalTolerance(1e-3, 146, 69)).toBeCloseTo((1e-3 * 69) / 215, 18);
    expect(l1PrimalTolerance(0.5, 0, 10)).toBeCloseTo(0.05, 15);
  });
});

describe('LinearSVC errors', () => {
  const { X, y } = smallProblem();

  it('needs both classes', () => {
    expect(() => new LinearSVC().fit(X, new Uint8Array(X.rows))).toThrow(SingleClassError);
    try {
      new LinearSVC().fit(X, new Uint8Array(X.rows).fill(1));
    } catch (e) {
      expect((e as SingleClassError).code).toBe('SINGLE_CLASS');
      expect((e as Error).message).toContain('0 benign (0) and 40 malicious (1)');
    }
  });

  it('checks labels and training rows', () => {
    expect(() => new LinearSVC().fit(X, y.subarray(1))).toThrow(LabelError);
    const bad = y.slice();
    bad[4] = 2;
    expect(() => new LinearSVC().fit(X, bad)).toThrow(/label 2 at row 4/);
    expect(() => new LinearSVC().fit(X, y, Int32Array.from([0, 1, 40]))).toThrow(/training row 40 does not exist/);
  });

  it('checks the number of columns when scoring, and that it was fitted', () => {
    expect(() => new LinearSVC().decisionFunction(X)).toThrow(NotFittedError);
    expect(() => new LinearSVC().state()).toThrow(NotFittedError);
    const m = new LinearSVC().fit(X, y);
    expect(() => m.decisionFunction(csrFromDense([[1, 2]], 2))).toThrow(FeatureCountError);
  });

  it('validates options', () => {
    expect(() => new LinearSVC({ C: 0 })).toThrow(InvalidOptionError);
    expect(() => new LinearSVC({ penalty: 'l3' as 'l1' })).toThrow(/linearSvc.penalty/);
    expect(() => new LinearSVC({ maxIter: 0 })).toThrow(/linearSvc.maxIter/);
    expect(() => new LinearSVC({ seed: -2 })).toThrow(/linearSvc.seed/);
    expect(() => new LinearSVC({ classWeight: [1, -1] })).toThrow(/classWeight\[1\]/);
  });

  it('rejects a state of another kind or with missing arrays', () => {
    const st = new LinearSVC().fit(X, y).state();
    expect(() => LinearSVC.fromState({ ...st, kind: 'sgd' })).toThrow(ClassifierStateError);
    expect(() => LinearSVC.fromState({ ...st, arrays: {} })).toThrow(/arrays.coef/);
  });

  it('class weights scale the costs: a heavy malicious weight pushes margins up', () => {
    const plain = new LinearSVC().fit(X, y).decisionFunction(X);
    const heavy = new LinearSVC({ classWeight: [1, 20] }).fit(X, y).decisionFunction(X);
    const mean = (a: Float64Array): number => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(heavy)).toBeGreaterThan(mean(plain));
  });
});
