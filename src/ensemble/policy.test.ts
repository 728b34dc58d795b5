import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../errors.js';
import { EnsembleError } from './errors.js';
import { combine, POLICIES, type MemberVote, type Policy } from './index.js';

const v = (name: string, malicious: boolean, probability?: number): MemberVote =>
  probability === undefined ? { name, malicious, score: malicious ? 1 : -1 } : { name, malicious, score: malicious ? 1 : -1, probability };

describe('combine', () => {
  it('applies any / all / majority to the labels', () => {
    const votes = [v('nb', true), v('svc', false), v('sgd', false)];
    expect(combine(votes, 'any')).toEqual({ malicious: true });
    expect(combine(votes, 'all')).toEqual({ malicious: false });
    expect(combine(votes, 'majority')).toEqual({ malicious: false });
    expect(combine([v('a', true), v('b', true), v('c', false)], 'majority').malicious).toBe(true);
    expect(combine([v('a', true), v('b', false)], 'majority').malicious).toBe(false); // a tie is benign
    expect(combine([v('a', true), v('b', true)], 'all').malicious).toBe(true);
  });

  it('decides mean by the mean probability against the threshold (equal is benign)', () => {
    const votes = [v('nb', true, 0.9), v('svc', false, 0.2)];
    expect(combine(votes, 'mean')).toEqual({ malicious: true, probability: 0.55 });
    expect(combine(votes, 'mean', 0.6)).toEqual({ malicious: false, probability: 0.55 });
    expect(combine([v('a', true, 0.5)], 'mean').malicious).toBe(false);
  });

  it('reports the policy aggregate probability when every member is calibrated', () => {
    const votes = [v('a', true, 0.9), v('b', false, 0.2), v('c', false, 0.4)];
    expect(combine(votes, 'any').probability).toBe(0.9);
    expect(combine(votes, 'all').probability).toBe(0.2);
    expect(combine(votes, 'majority').probability).toBe(0.4);
    expect(combine([v('a', true, 0.9), v('b', false, 0.2)], 'majority').probability).toBeCloseTo(0.55, 15);
    expect(combine([v('a', true, 0.9), v('b', false)], 'any')).toEqual({ malicious: true });
  });

  it('fails with typed errors', () => {
    expect(() => combine([], 'any')).toThrow(EnsembleError);
    try {
      combine([v('nb', true, 0.9), v('svc', true)], 'mean');
    } catch (e) {
      expect((e as EnsembleError).code).toBe('MISSING_PROBABILITY');
      expect((e as Error).message).toContain('svc');
    }
    expect(() => combine([v('a', true)], 'vote' as Policy)).toThrow(InvalidOptionError);
    expect(() => combine([v('a', true, 0.1)], 'mean', 1.5)).toThrow(InvalidOptionError);
  });

  it('orders the policies: all implies majority implies any (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 1, maxLength: 7 }), (raw) => {
        const votes = raw.map(([m, p], i) => v(`m${i}`, m, p));
        const r = Object.fromEntries(POLICIES.map((p) => [p, combine(votes, p)]));
        if (r.all.malicious) expect(r.majority.malicious).toBe(true);
        if (r.majority.malicious) expect(r.any.malicious).toBe(true);
        expect(r.all.probability!).toBeLessThanOrEqual(r.mean.probability! + 1e-12);
        expect(r.mean.probability!).toBeLessThanOrEqual(r.any.probability! + 1e-12);
      }),
    );
  });
});
