import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError, NotFittedError } from '../errors.js';
import { selectColumns } from '../tfidf/csr.js';
import { L1SelectedSVC, linearSvcFromState } from './l1-selected-svc.js';
import { ClassifierStateError, FeatureCountError } from './linear-errors.js';
import { LinearSVC } from './linear-svc.js';
import { resolveThreshold, selectFromModel } from './select-from-model.js';
import { smallProblem } from './test-helpers/linear-fixture.js';
import { csrFromDense } from './test-helpers/problems.js';

describe('selectFromModel', () => {
  it('keeps |w| >= 1e-5 by default, the boundary included, sign ignored', () => {
    const w = Float64Array.from([0, 1e-5, -1e-5, 9.999e-6, -3, 0.2, -1e-6]);
    expect(Array.from(selectFromModel(w))).toEqual([1, 2, 4, 5]);
  });

  it('supports mean, median and scaled thresholds as scikit-learn', () => {
    const w = Float64Array.from([1, -2, 3, -4, 0]);
    expect(resolveThreshold(w, 'mean')).toBeCloseTo(2, 15);
    expect(resolveThreshold(w, 'median')).toBe(2);
    expect(resolveThreshold(w, '1.5*mean')).toBeCloseTo(3, 15);
    expect(resolveThreshold(Float64Array.from([1, -2, 3, -4]), 'median')).toBe(2.5);
    expect(Array.from(selectFromModel(w, 'mean'))).toEqual([1, 2, 3]);
    expect(() => selectFromModel(w, 'max' as 'mean')).toThrow(InvalidOptionError);
    expect(() => selectFromModel(w, -1)).toThrow(InvalidOptionError);
  });

  it('returns exactly the ascending indices whose magnitude reaches the threshold', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { maxLength: 60 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (ws, t) => {
          const kept = Array.from(selectFromModel(Float64Array.from(ws), t));
          expect(kept).toEqual(ws.flatMap((v, j) => (Math.abs(v) >= t ? [j] : [])));
        },
      ),
    );
  });
});

describe('L1SelectedSVC', () => {
  const { X, y } = smallProblem();

  it('equals SelectFromModel(L1 LinearSVC) followed by an L2 LinearSVC on the kept columns', () => {
    const m = new L1SelectedSVC().fit(X, y);
    const l1 = new LinearSVC({ penalty: 'l1', tol: 1e-3 }).fit(X, y);
    const kept = selectFromModel(l1.coef);
    expect(Array.from(m.kept)).toEqual(Array.from(kept));
    expect(m.kept.length).toBeGreaterThan(0);
    expect(m.kept.length).toBeLessThan(X.cols);
    const l2 = new LinearSVC().fit(selectColumns(X, kept), y);
    expect(Array.from(m.coef)).toEqual(Array.from(l2.coef));
    expect(m.intercept).toBe(l2.intercept);
    expect(Array.from(m.decisionFunction(X))).toEqual(Array.from(l2.decisionFunction(selectColumns(X, kept))));
    expect(m.l1Objective).toBe(l1.objective);
    expect(m.nIter).toEqual([l1.nIter, l2.nIter]);
  });

  it('passes stage options through (a strong L1 penalty keeps fewer features)', () => {
    const loose = new L1SelectedSVC({ l1: { C: 10 } }).fit(X, y);
    const tight = new L1SelectedSVC({ l1: { C: 0.05 } }).fit(X, y);
    expect(tight.kept.length).toBeLessThan(loose.kept.length);
    expect(new L1SelectedSVC({ l1: { tol: undefined } }).l1Options.tol).toBe(1e-3);
    expect(new L1SelectedSVC().l2Options.tol).toBe(1e-4);
    expect(() => new L1SelectedSVC({ l2: { C: -1 } })).toThrow(/l2.C/);
    expect(() => new L1SelectedSVC({ threshold: 'top' as 'mean' })).toThrow(InvalidOptionError);
  });

  it('with nothing kept, falls back to an intercept-only final stage', () => {
    const m = new L1SelectedSVC({ l1: { C: 1e-4 } }).fit(X, y);
    expect(m.kept.length).toBe(0);
    const dec = m.decisionFunction(X);
    expect(new Set(dec).size).toBe(1);
    // 19 of the 40 rows are malicious: the lone intercept leans benign
    expect(dec[0]).toBeLessThan(0);
  });

  it('scores rows of the full feature space, ignoring dropped columns', () => {
    const m = new L1SelectedSVC().fit(X, y);
    const row = new Array(X.cols).fill(0);
    const dropped = Array.from({ length: X.cols }, (_, j) => j).filter((j) => !m.kept.includes(j));
    for (const j of dropped) row[j] = 5;
    expect(m.decisionFunction(csrFromDense([row], X.cols))[0]).toBe(m.intercept);
    row[m.kept[0]] = 2;
    expect(m.decisionFunction(csrFromDense([row], X.cols))[0]).toBeCloseTo(m.intercept + 2 * m.coef[0], 14);
  });

  it('round-trips through state() and rejects broken states', () => {
    const m = new L1SelectedSVC({ threshold: 'mean', l1: { seed: 4 }, l2: { C: 2 } }).fit(X, y);
    const st = m.state();
    expect(st.kind).toBe('linear-svc');
    expect(st.params.variant).toBe('l1-selected');
    const back = linearSvcFromState(st) as L1SelectedSVC;
    expect(back).toBeInstanceOf(L1SelectedSVC);
    expect(back.threshold).toBe('mean');
    expect(back.l1Options).toEqual(m.l1Options);
    expect(back.l2Options).toEqual(m.l2Options);
    expect(Array.from(back.decisionFunction(X))).toEqual(Array.from(m.decisionFunction(X)));
    expect(linearSvcFromState(new LinearSVC().fit(X, y).state())).toBeInstanceOf(LinearSVC);

    const unsorted = { ...st, arrays: { ...st.arrays, kept: Int32Array.from(m.kept).reverse() } };
    if (m.kept.length > 1) expect(() => L1SelectedSVC.fromState(unsorted)).toThrow(ClassifierStateError);
    expect(() => L1SelectedSVC.fromState({ ...st, params: { ...st.params, variant: 'linear' } })).toThrow(/variant/);
    expect(() => L1SelectedSVC.fromState({ ...st, arrays: { ...st.arrays, coef: new Float64Array(1) } })).toThrow(/arrays.coef/);
  });

  it('reports misuse with typed errors', () => {
    expect(() => new L1SelectedSVC().decisionFunction(X)).toThrow(NotFittedError);
    const m = new L1SelectedSVC().fit(X, y);
    expect(() => m.decisionFunction(csrFromDense([[1]], 1))).toThrow(FeatureCountError);
  });
});
