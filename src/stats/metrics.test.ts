import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MetricError } from './errors.js';
import { averagePrecision, binaryMetrics, confusion, foldSummary, fpAtRecall, prCurve, rocAuc, rocCurve, tprAtFpr } from './metrics.js';

// Hand-computed case with ties across classes.
// scores: 0.9(1) 0.8(1) 0.8(0) 0.5(1) 0.3(0) 0.3(0) 0.3(1) 0.1(0)   P = 4, N = 4
const y = [1, 1, 0, 1, 0, 0, 1, 0];
const s = [0.9, 0.8, 0.8, 0.5, 0.3, 0.3, 0.3, 0.1];

describe('ROC', () => {
  it('has one point per distinct threshold (ties are one step)', () => {
    // thresholds 0.9: tp1 fp0; 0.8: tp2 fp1; 0.5: tp3 fp1; 0.3: tp4 fp3; 0.1: tp4 fp4
    expect(rocCurve(y, s)).toEqual([
      { x: 0, y: 0 },
      { x: 0, y: 0.25 },
      { x: 0.25, y: 0.5 },
      { x: 0.25, y: 0.75 },
      { x: 0.75, y: 1 },
      { x: 1, y: 1 },
    ]);
  });
  it('computes the AUC with ties counted half', () => {
    // Pairs (pos, neg) = 16. Wins: 0.9 beats 4 negs; 0.8 beats 3 (ties 0.8 neg: 1/2);
    // 0.5 beats 3; 0.3 ties two negs (2 x 1/2) and beats 0.1.  = 4 + 3.5 + 3 + 2 = 12.5
    expect(rocAuc(y, s)).toBeCloseTo(12.5 / 16, 15);
  });
  it('equals the Mann-Whitney statistic on random data', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 5 })), { minLength: 2, maxLength: 40 }),
        (pairs) => {
          const yy = pairs.map((p) => p[0]);
          const ss = pairs.map((p) => p[1]);
          const pos = yy.filter((v) => v === 1).length;
          fc.pre(pos > 0 && pos < yy.length);
          let u = 0;
          for (let i = 0; i < yy.length; i++)
            for (let j = 0; j < yy.length; j++) if (yy[i] === 1 && yy[j] === 0) u += ss[i] > ss[j] ? 1 : ss[i] === ss[j] ? 0.5 : 0;
          return Math.abs(rocAuc(yy, ss) - u / (pos * (yy.length - pos))) < 1e-12;
        },
      ),
    );
  });
  it('refuses a single class and NaN scores', () => {
    expect(() => rocAuc([1, 1], [0.2, 0.3])).toThrow(MetricError);
    expect(() => rocAuc([1, 0], [NaN, 0.3])).toThrow(/NaN/);
  });
});

describe('precision-recall', () => {
  it('computes average precision step-wise (scikit-learn average_precision_score)', () => {
    expect(prCurve(y, s)).toEqual([
      { x: 0.25, y: 1 },
      { x: 0.5, y: 2 / 3 },
      { x: 0.75, y: 0.75 },
      { x: 1, y: 4 / 7 },
      { x: 1, y: 0.5 },
    ]);
    // 0.25*1 + 0.25*(2/3) + 0.25*0.75 + 0.25*(4/7) + 0*0.5
    expect(averagePrecision(y, s)).toBeCloseTo(0.25 * (1 + 2 / 3 + 0.75 + 4 / 7), 15);
  });
  it('is 1 for a perfect ranking and the prevalence-free step value for a reversed one', () => {
    expect(averagePrecision([0, 0, 1, 1], [1, 2, 3, 4])).toBe(1);
    // reversed: positives last: thresholds 4(neg) 3(neg) 2(pos) 1(pos): P = 1/3 at R=.5, 2/4 at R=1
    expect(averagePrecision([0, 0, 1, 1], [4, 3, 2, 1])).toBeCloseTo(0.5 * (1 / 3) + 0.5 * 0.5, 15);
  });
});

describe('operating points', () => {
  it('gives the TPR at a maximum FPR without interpolation', () => {
    expect(tprAtFpr(y, s, 0.01)).toBe(0.25);
    expect(tprAtFpr(y, s, 0.25)).toBe(0.75);
    expect(tprAtFpr(y, s, 0.5)).toBe(0.75);
    expect(tprAtFpr(y, s, 1)).toBe(1);
  });
  it('counts false positives at a minimum recall', () => {
    expect(fpAtRecall(y, s, 0.75)).toBe(1);
    expect(fpAtRecall(y, s, 0.76)).toBe(3);
    expect(fpAtRecall(y, s, 0.5)).toBe(1);
  });
});

describe('binaryMetrics', () => {
  it('combines the verdict metrics and the ranking metrics', () => {
    const predicted = s.map((v) => (v >= 0.5 ? 1 : 0));
    const m = binaryMetrics(y, s, predicted, 0.75);
    expect(m.confusion).toEqual({ tn: 3, fp: 1, fn: 1, tp: 3 });
    expect(m.accuracy).toBe(0.75);
    expect(m.precision).toBe(0.75);
    expect(m.recall).toBe(0.75);
    expect(m.f1).toBe(0.75);
    expect(m.rocAuc).toBeCloseTo(12.5 / 16, 15);
    expect(m.fpAtRecall).toBe(1);
  });
  it('gives precision 0 when nothing is called malicious, NaN areas with one class', () => {
    const m = binaryMetrics([1, 1], [0, 0], [0, 0]);
    expect(m.precision).toBe(0);
    expect(m.f1).toBe(0);
    expect(m.rocAuc).toBeNaN();
    expect(confusion([0, 1], [1, 1])).toEqual({ tn: 0, fp: 1, fn: 0, tp: 1 });
  });
  it('summarises folds by mean and population standard deviation, skipping NaN', () => {
    const a = binaryMetrics([0, 1], [0, 1], [0, 1]);
    const b = binaryMetrics([0, 1], [0, 1], [1, 1]);
    const c = binaryMetrics([1, 1], [0, 1], [1, 1]);
    const { mean, std } = foldSummary([a, b, c]);
    expect(mean.accuracy).toBeCloseTo((1 + 0.5 + 1) / 3, 15);
    expect(std.accuracy).toBeCloseTo(Math.sqrt(((1 / 6) ** 2 * 2 + (1 / 3) ** 2) / 3), 15);
    expect(mean.rocAuc).toBe(1);
    expect(std.rocAuc).toBe(0);
  });
});
