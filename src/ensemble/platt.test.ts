import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CalibrationError } from './errors.js';
import { PlattCalibrator } from './index.js';

/** The closed-form datasets of test-helpers/platt-reference.py. */
function dataset(kind: 'overlap' | 'separable' | 'skewed', n: number): { s: number[]; y: number[] } {
  const y = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0 : 1));
  const s = y.map((yi, i) =>
    kind === 'overlap'
      ? Math.sin(i * 1.3) * 3 + (yi ? 0.8 : -0.8)
      : kind === 'separable'
        ? (1 + (i % 5) * 0.3) * (yi ? 1 : -1)
        : (i % 7) * 4.0 - 6 + (yi ? 9 : -9) + Math.cos(i) * 5,
  );
  return { s, y };
}

/** Platt's objective, to compare optima. */
function loss(s: number[], y: number[], a: number, b: number): number {
  const pos = y.filter((v) => v === 1).length;
  const neg = y.length - pos;
  let f = 0;
  s.forEach((si, i) => {
    const t = y[i] === 1 ? (pos + 1) / (pos + 2) : 1 / (neg + 2);
    const p = 1 / (1 + Math.exp(a * si + b));
    f -= t * Math.log(p) + (1 - t) * Math.log(1 - p);
  });
  return f;
}

describe('PlattCalibrator', () => {
  // scikit-learn 1.2.1 _sigmoid_calibration on the same data (BFGS, gradient tolerance 1e-5).
  const sklearn = {
    overlap: { n: 40, a: -0.3047288359736617, b: -0.6007478785934031 },
    separable: { n: 30, a: -1.7155147849916752, b: -0.3463725442043716 },
    skewed: { n: 60, a: -0.18665983534815292, b: 0.4563761049290613 },
  } as const;

  for (const [kind, want] of Object.entries(sklearn) as [keyof typeof sklearn, (typeof sklearn)[keyof typeof sklearn]][]) {
    it(`reaches scikit-learn's optimum on the ${kind} scores`, () => {
      const { s, y } = dataset(kind, want.n);
      const c = new PlattCalibrator().fit(s, y);
      expect(Math.abs(c.a - want.a)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want.a)));
      expect(Math.abs(c.b - want.b)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want.b)));
      // Ours is at least as good an optimum as BFGS's.
      expect(loss(s, y, c.a, c.b)).toBeLessThanOrEqual(loss(s, y, want.a, want.b) + 1e-12);
    });
  }

  it('maps scores to probabilities, monotonically and without overflow', () => {
    const c = PlattCalibrator.fromState({ a: -2, b: 0.5 });
    expect(c.probability(0)).toBeCloseTo(1 / (1 + Math.exp(0.5)), 15);
    expect(c.probability(1e6)).toBe(1);
    expect(c.probability(-1e6)).toBe(0);
    expect(c.probability(1)).toBeGreaterThan(c.probability(0.5));
  });

  it('has a zero gradient at its optimum on random data (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: -20, max: 20, noNaN: true }), fc.integer({ min: 0, max: 1 })), { minLength: 4, maxLength: 60 }),
        (rows) => {
          const s = rows.map((r) => r[0]);
          const y = rows.map((r) => r[1]);
          const c = new PlattCalibrator().fit(s, y);
          const f0 = loss(s, y, c.a, c.b);
          for (const [da, db] of [
            [1e-4, 0],
            [-1e-4, 0],
            [0, 1e-4],
            [0, -1e-4],
          ]) {
            expect(loss(s, y, c.a + da, c.b + db)).toBeGreaterThanOrEqual(f0 - 1e-9 * Math.max(1, f0));
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('round-trips its state and rejects bad input', () => {
    const c = new PlattCalibrator().fit([1, 2, -1, -2], [1, 1, 0, 0]);
    expect(PlattCalibrator.fromState(c.state()).probability(0.3)).toBe(c.probability(0.3));
    expect(() => new PlattCalibrator().fit([1, 2], [1])).toThrow(CalibrationError);
    expect(() => new PlattCalibrator().fit([1, NaN], [1, 0])).toThrow(/not finite/);
    expect(() => new PlattCalibrator().fit([1, 2], [1, 2])).toThrow(/label 2/);
    expect(() => PlattCalibrator.fromState({ a: NaN, b: 0 })).toThrow(CalibrationError);
  });
});
