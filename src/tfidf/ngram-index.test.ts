import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NgramIndex, basePower, mixHash, polyHash, NGRAM_BASE } from './ngram-index.js';

describe('NgramIndex', () => {
  it('stays exact when every n-gram hashes to one of four values (forced collisions)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 299 }), { minLength: 1, maxLength: 4 }), { maxLength: 200 }), (grams) => {
        const index = new NgramIndex(300, 4);
        const oracle = new Map<string, number>();
        for (const g of grams) {
          const buf = Int32Array.from(g);
          const fake = polyHash(buf, 0, buf.length) & 3;
          const f = index.insert(buf, 0, buf.length, fake);
          const key = g.join(',');
          if (!oracle.has(key)) oracle.set(key, oracle.size);
          expect(f).toBe(oracle.get(key));
        }
        expect(index.size).toBe(oracle.size);
        for (const [key, f] of oracle) {
          const buf = Int32Array.from(key.split(','), Number);
          expect(index.find(buf, 0, buf.length, polyHash(buf, 0, buf.length) & 3)).toBe(f);
          expect(Array.from(index.gram(f))).toEqual(Array.from(buf));
          expect(index.lengthOf(f)).toBe(buf.length);
        }
        const absent = Int32Array.of(299, 299, 299, 299, 299);
        expect(index.find(absent, 0, 5, 1)).toBe(-1);
      }),
      { numRuns: 200 },
    );
  });

  it('rolls the polynomial hash exactly as it computes it from scratch', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 12 }),
        (ids, n) => {
          const buf = Int32Array.from(ids);
          const bn = basePower(n);
          let h = 0;
          for (let i = 0; i < buf.length; i++) {
            h = (Math.imul(h, NGRAM_BASE) + buf[i]) | 0;
            if (i >= n) h = (h - Math.imul(buf[i - n], bn)) | 0;
            if (i >= n - 1) expect(mixHash(h, n)).toBe(mixHash(polyHash(buf, i - n + 1, n), n));
          }
        },
      ),
    );
  });

  it('finds the windows of a buffer, -1 for unknown ids, and keeps 8-bit storage for <= 256 names', () => {
    const index = new NgramIndex(256, 4);
    const add = (...ids: number[]) => index.insert(Int32Array.from(ids), 0, ids.length, mixHash(polyHash(ids, 0, ids.length), ids.length));
    expect(add(1, 2)).toBe(0);
    expect(add(2, 3)).toBe(1);
    expect(add(255)).toBe(2);
    expect(index.grams).toBeInstanceOf(Uint8Array);
    const out = new Int32Array(10);
    const buf = Int32Array.of(1, 2, 3, -1, 255);
    const w = index.findWindows(buf, 0, 5, 1, 2, out);
    // n = 1: 1, 2, 3, -1, 255; n = 2: (1 2), (2 3), (3 -1), (-1 255)
    expect(Array.from(out.subarray(0, w))).toEqual([-1, -1, -1, -1, 2, 0, 1, -1, -1]);
    expect(() => add(256)).toThrow(RangeError);
    expect(new NgramIndex(300).grams).toBeInstanceOf(Uint16Array);
  });

  it('fromFlat builds the index insert builds, in every storage type, and refuses repeats and bad ids', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 0, max: 299 }), { minLength: 1, maxLength: 4 }), { maxLength: 150 }),
        fc.constantFrom(200, 300, 70000),
        (grams, nNames) => {
          const seen = new Set<string>();
          const distinct = grams.map((g) => g.map((x) => x % nNames)).filter((g) => !seen.has(g.join(',')) && seen.add(g.join(',')));
          const flat = Int32Array.from(distinct.flat());
          const lengths = Int32Array.from(distinct.map((g) => g.length));
          const ix = NgramIndex.fromFlat(nNames, flat, lengths);
          if (typeof ix === 'string') throw new Error(ix);
          const narrow = nNames <= 256 ? Uint8Array.from(flat) : Uint16Array.from(flat);
          const ix2 = NgramIndex.fromFlat(nNames, narrow, lengths);
          if (typeof ix2 === 'string') throw new Error(ix2);
          expect(ix.size).toBe(distinct.length);
          distinct.forEach((g, f) => {
            const buf = Int32Array.from(g);
            const h = mixHash(polyHash(buf, 0, buf.length), buf.length);
            expect(ix.find(buf, 0, buf.length, h)).toBe(f);
            expect(ix2.find(buf, 0, buf.length, h)).toBe(f);
            expect(Array.from(ix.gram(f))).toEqual(g);
          });
          expect(ix.find(Int32Array.of(nNames - 1, nNames - 1, nNames - 1, nNames - 1, 0), 0, 5, 0)).toBe(-1);
          // Still a full index: inserting after a bulk build (another length) keeps every feature.
          const extra = Int32Array.of(1, 2, 3, 4, 5);
          const eh = mixHash(polyHash(extra, 0, 5), 5);
          expect(ix2.insert(extra, 0, 5, eh)).toBe(distinct.length);
          expect(ix2.lengthOf(distinct.length)).toBe(5);
          distinct.forEach((g, f) => {
            expect(Array.from(ix2.gram(f))).toEqual(g);
            expect(ix2.lengthOf(f)).toBe(g.length);
          });
          for (let k = 0; k < 40; k++)
            ix2.insert(Int32Array.of(k, 0, 0, 0, 0, 0), 0, 6, mixHash(polyHash(Int32Array.of(k, 0, 0, 0, 0, 0), 0, 6), 6));
          distinct.forEach((g, f) => {
            const buf = Int32Array.from(g);
            expect(ix2.find(buf, 0, buf.length, mixHash(polyHash(buf, 0, buf.length), buf.length))).toBe(f);
          });
          expect(ix2.find(extra, 0, 5, eh)).toBe(distinct.length);
          if (distinct.length > 0) {
            const rep = Int32Array.from([...flat, ...distinct[0]]);
            expect(NgramIndex.fromFlat(nNames, rep, Int32Array.from([...lengths, distinct[0].length]))).toMatch(/repeats/);
            const bad = flat.slice();
            bad[0] = nNames;
            expect(NgramIndex.fromFlat(nNames, bad, lengths)).toMatch(/not a name id/);
          }
        },
      ),
    );
  });
});
