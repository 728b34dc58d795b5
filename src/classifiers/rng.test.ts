import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../errors.js';
import { Mt19937, RandR, boundedRandInt, shufflePrefix, sklearnSeed } from './rng.js';
import { SKLEARN } from './test-helpers/linear-fixture.js';

/** `bounded_rand_int` computed with BigInt: the specification, slowly. */
function boundedRandIntBig(rng: Mt19937, range: number): number {
  const R = BigInt(range);
  let m = BigInt(rng.nextUint32()) * R;
  let lo = m & 0xffffffffn;
  if (lo < R) {
    const t = (2n ** 32n - R) % R;
    while (lo < t) {
      m = BigInt(rng.nextUint32()) * R;
      lo = m & 0xffffffffn;
    }
  }
  return Number(m >> 32n);
}

describe('sklearnSeed', () => {
  it('is numpy RandomState(s).randint(2**31 - 1)', () => {
    // values printed by numpy 1.24 on this machine
    expect(sklearnSeed(0)).toBe(209652396);
    expect(sklearnSeed(1)).toBe(1791095845);
    expect(sklearnSeed(42)).toBe(1608637542);
    expect(sklearnSeed(4294967295)).toBe(419326371);
  });

  it('rejects seeds that are not unsigned 32-bit integers', () => {
    expect(() => sklearnSeed(-1)).toThrow(InvalidOptionError);
    expect(() => sklearnSeed(1.5)).toThrow(InvalidOptionError);
    expect(() => sklearnSeed(2 ** 32)).toThrow(InvalidOptionError);
  });
});

describe('boundedRandInt', () => {
  it("draws what scikit-learn's bounded_rand_int draws after set_seed(209652396)", () => {
    // sklearn.svm._newrand.set_seed_wrap(209652396); bounded_rand_int_wrap(r) for each r
    const rng = new Mt19937(209652396);
    const ranges = [215, 215, 214, 100, 7, 3000000000, 1, 2 ** 31 + 5, 242695];
    expect(ranges.map((r) => boundedRandInt(rng, r))).toEqual([104, 85, 146, 31, 6, 873038103, 0, 997385469, 170242]);
  });

  it('equals the 64-bit specification and stays in range, for any seed and range', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.array(fc.integer({ min: 1, max: 0xffffffff }), { minLength: 1, maxLength: 40 }),
        (seed, ranges) => {
          const a = new Mt19937(seed);
          const b = new Mt19937(seed);
          for (const r of ranges) {
            const v = boundedRandInt(a, r);
            expect(v).toBe(boundedRandIntBig(b, r));
            expect(v).toBeGreaterThanOrEqual(0);
            expect(v).toBeLessThan(r);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('is uniform enough: each of 7 outcomes within 5% of its expected count', () => {
    const rng = new Mt19937(12345);
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 70000; i++) counts[boundedRandInt(rng, 7)]++;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(500);
  });
});

describe('shufflePrefix', () => {
  it('permutes the prefix only', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 0, max: 10 }),
        (seed, len, extra) => {
          const index = Int32Array.from({ length: len + extra }, (_, i) => i);
          shufflePrefix(new Mt19937(seed), index, len);
          expect(Array.from(index.subarray(0, len)).sort((x, y) => x - y)).toEqual(Array.from({ length: len }, (_, i) => i));
          expect(Array.from(index.subarray(len))).toEqual(Array.from({ length: extra }, (_, i) => len + i));
        },
      ),
    );
  });
});

describe('RandR', () => {
  it("gives scikit-learn's our_rand_r first outputs, with 0 treated as 1", () => {
    for (const [seed, first] of Object.entries(SKLEARN.our_rand_r_first)) {
      expect(new RandR(Number(seed)).next()).toBe(first);
    }
  });

  it('stays in [0, 2^31) and nextInt in [0, end)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 1000 }), (seed, end) => {
        const r = new RandR(seed);
        for (let i = 0; i < 20; i++) {
          const v = r.next();
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThan(2 ** 31);
          expect(r.nextInt(end)).toBeLessThan(end);
        }
      }),
    );
  });
});
