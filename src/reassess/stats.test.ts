import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { logGamma, pairedTTest, regularizedBeta, studentTUpperTail } from './stats.js';

describe('Student t', () => {
  test('known quantiles (one-sided 5% and 2.5% points of the t tables)', () => {
    expect(studentTUpperTail(2.015048, 5)).toBeCloseTo(0.05, 6);
    expect(studentTUpperTail(1.833113, 9)).toBeCloseTo(0.05, 6);
    expect(studentTUpperTail(2.776445, 4)).toBeCloseTo(0.025, 6);
    expect(studentTUpperTail(0, 7)).toBeCloseTo(0.5, 12);
    expect(studentTUpperTail(Infinity, 3)).toBe(0);
    // Near zero the tail keeps its precision (df / (df + t^2) would round to 1).
    expect(studentTUpperTail(1.4142128943394208e-10, 2)).toBeCloseTo(0.5 - 1.4142128943394208e-10 / (2 * Math.sqrt(2)), 15);
  });

  test('one degree of freedom is the Cauchy distribution', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e3, max: 1e3, noNaN: true }), (t) => {
        expect(studentTUpperTail(t, 1)).toBeCloseTo(0.5 - Math.atan(t) / Math.PI, 10);
      }),
    );
  });

  test('two degrees of freedom have the closed form 1/2 - t / (2 sqrt(t^2 + 2))', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e3, max: 1e3, noNaN: true }), (t) => {
        expect(studentTUpperTail(t, 2)).toBeCloseTo(0.5 - t / (2 * Math.sqrt(t * t + 2)), 10);
      }),
    );
  });

  test('tails are symmetric and decreasing', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 50, noNaN: true }),
        fc.double({ min: 0.01, max: 5, noNaN: true }),
        fc.integer({ min: 1, max: 60 }),
        (t, dt, df) => {
          expect(studentTUpperTail(t, df) + studentTUpperTail(-t, df)).toBeCloseTo(1, 12);
          expect(studentTUpperTail(t + dt, df)).toBeLessThanOrEqual(studentTUpperTail(t, df) + 1e-15);
        },
      ),
    );
  });

  test('log gamma and the incomplete beta on exact values', () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    // I_x(1, 1) = x and I_x(a, 1) = x^a.
    expect(regularizedBeta(0.3, 1, 1)).toBeCloseTo(0.3, 12);
    expect(regularizedBeta(0.6, 3, 1)).toBeCloseTo(0.216, 12);
  });
});

describe('paired t-test over folds', () => {
  test('matches a hand computation (plain and Nadeau-Bengio corrected)', () => {
    const a = [0.8, 0.85, 0.9, 0.82, 0.88];
    const b = [0.78, 0.8, 0.86, 0.83, 0.84];
    // differences 0.02 0.05 0.04 -0.01 0.04: mean 0.028, sample sd 0.023874672
    const plain = pairedTTest(a, b);
    expect(plain.meanDifference).toBeCloseTo(0.028, 12);
    expect(plain.sdDifference).toBeCloseTo(0.0238746728, 9);
    expect(plain.t).toBeCloseTo(0.028 / (0.0238746728 / Math.sqrt(5)), 8);
    expect(plain.df).toBe(4);
    expect(plain.pValue).toBeCloseTo(studentTUpperTail(plain.t, 4), 12);
    const corrected = pairedTTest(a, b, 0.25);
    expect(corrected.standardError).toBeCloseTo(0.0238746728 * Math.sqrt(0.2 + 0.25), 9);
    expect(corrected.pValue).toBeGreaterThan(plain.pValue);
  });

  test('no difference is never significant; NaN folds are dropped', () => {
    expect(pairedTTest([0.9, 0.9, 0.9], [0.9, 0.9, 0.9]).pValue).toBe(0.5);
    const t = pairedTTest([0.9, NaN, 0.8, 0.7], [0.8, 0.5, 0.7, 0.7]);
    expect(t.k).toBe(3);
    expect(pairedTTest([1], [0]).pValue).toBeNaN();
  });

  test('swapping the models mirrors the p-value', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), {
          minLength: 3,
          maxLength: 10,
        }),
        (pairs) => {
          const a = pairs.map((p) => p[0]);
          const b = pairs.map((p) => p[1]);
          const ab = pairedTTest(a, b, 0.2);
          const ba = pairedTTest(b, a, 0.2);
          if (Number.isFinite(ab.t) && ab.standardError > 1e-9) expect(ab.pValue + ba.pValue).toBeCloseTo(1, 9);
        },
      ),
    );
  });
});
