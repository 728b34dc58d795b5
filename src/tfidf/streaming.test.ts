import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CallTable } from '../tokenize/call-table.js';
import type { Csr } from './csr.js';
import type { FittedTfidf, TfidfOptions } from './vectorizer.js';
import { TfidfVectorizer } from './vectorizer.js';
import type { DocumentPasses } from './streaming.js';
import { fitTfidfStreaming } from './streaming.js';
import { loadTestCorpus } from './test-helpers/corpus.js';
import { readdirSync } from 'node:fs';
import { scratchDir } from '../../test/tmp.js';

/** Documents passed from memory, each pass the same; counts the passes. */
function passes(docs: readonly Int32Array[]): DocumentPasses & { count: number } {
  return {
    count: 0,
    pass(visit) {
      this.count++;
      for (const d of docs) visit(d);
    },
  };
}

/** The bytes of a typed array (compared in one call: element-wise deep equality is slow on large arrays). */
function bytes(a: Int32Array | Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Asserts two fits are the same: options, names, features, idf, matrix (bit for bit). */
function expectSameFit(a: { tfidf: FittedTfidf; X: Csr }, b: { tfidf: FittedTfidf; X: Csr }): void {
  const sa = a.tfidf.state();
  const sb = b.tfidf.state();
  expect(sb.options).toEqual(sa.options);
  expect(sb.names).toEqual(sa.names);
  expect(sb.lengths.length).toBe(sa.lengths.length);
  for (const [x, y] of [
    [sa.grams, sb.grams],
    [sa.lengths, sb.lengths],
    [sa.idf, sb.idf],
    [a.X.indptr, b.X.indptr],
    [a.X.indices, b.X.indices],
    [a.X.data, b.X.data],
  ] as const) {
    expect(bytes(y).equals(bytes(x))).toBe(true);
  }
  expect([b.X.rows, b.X.cols]).toEqual([a.X.rows, a.X.cols]);
}

/** A table of `k` names, some differing only in case (they share a canonical name). */
function tableOf(k: number): CallTable {
  const t = new CallTable();
  for (let i = 0; i < k; i++) t.intern(i % 7 === 6 ? `NtCall${i - 1}`.toUpperCase() : `NtCall${i}`);
  return t;
}

describe('fitTfidfStreaming', () => {
  it('equals fitTransform on the corpus: the default preset (minDf 2, two passes) and minDf 1 (one pass)', async () => {
    const c = await loadTestCorpus();
    for (const options of [
      { ngramRange: [10, 10], sublinearTf: true, minDf: 2 },
      { ngramRange: [10, 10] },
      { ngramRange: [3, 5], minDf: 3, maxDf: 0.9 },
    ] as TfidfOptions[]) {
      const want = new TfidfVectorizer(options).fitTransform(c.docs, c.table);
      const src = passes(c.docs);
      const got = fitTfidfStreaming(options, src, c.table);
      expectSameFit(want, got);
      const twoPasses = Number.isInteger(options.minDf) && (options.minDf ?? 1) >= 2;
      expect(src.count).toBe(twoPasses ? 2 : 1);
      expect(got.stats.passes).toBe(src.count);
      expect(got.stats.features).toBe(want.X.cols);
    }
  });

  it('keeps far fewer candidates than distinct n-grams on the corpus with minDf 2', async () => {
    const c = await loadTestCorpus();
    const all = new TfidfVectorizer({ ngramRange: [10, 10] }).fit(c.docs, c.table).vocabularySize;
    const got = fitTfidfStreaming({ ngramRange: [10, 10], sublinearTf: true, minDf: 2 }, passes(c.docs), c.table);
    // 242,694 distinct ten-grams, 34,928 kept; the filter adds only false positives.
    expect(all).toBe(242_694);
    expect(got.stats.features).toBe(34_928);
    expect(got.stats.candidates).toBeGreaterThanOrEqual(34_928);
    expect(got.stats.candidates).toBeLessThan(36_000);
  });

  it('reads the n-grams of the first pass from a file that is never seen in its folder, or finds them again', async () => {
    const c = await loadTestCorpus();
    const options: TfidfOptions = { ngramRange: [10, 10], sublinearTf: true, minDf: 2 };
    const want = new TfidfVectorizer(options).fitTransform(c.docs, c.table);
    const scratch = scratchDir();
    let seen = -1;
    const src: DocumentPasses = {
      pass(visit) {
        seen = Math.max(seen, readdirSync(scratch).length);
        for (const d of c.docs) visit(d);
      },
    };
    expectSameFit(want, fitTfidfStreaming(options, src, c.table, { scratch }));
    expect(seen).toBe(0);
    expect(readdirSync(scratch)).toEqual([]);
    expectSameFit(want, fitTfidfStreaming(options, passes(c.docs), c.table, { scratch: false }));
  });

  it('gives the same fit with a saturated filter (every n-gram a candidate) and a small one', async () => {
    const c = await loadTestCorpus();
    const options: TfidfOptions = { ngramRange: [10, 10], sublinearTf: true, minDf: 2 };
    const want = new TfidfVectorizer(options).fitTransform(c.docs, c.table);
    const tiny = fitTfidfStreaming(options, passes(c.docs), c.table, { filterBits: 256 });
    expectSameFit(want, tiny);
    expect(tiny.stats.candidates).toBeGreaterThan(200_000);
    const small = fitTfidfStreaming(options, passes(c.docs), c.table, { filterBits: 1 << 20 });
    expectSameFit(want, small);
  });

  it('equals fitTransform on random documents, ranges, minDf, maxDf, maxFeatures and filter sizes', () => {
    fc.assert(
      fc.property(
        // Alphabets of 12 names, and of 2 (long loops of period 1 and 2).
        fc.oneof(
          fc.array(fc.array(fc.integer({ min: 0, max: 11 }), { maxLength: 60 }), { minLength: 1, maxLength: 25 }),
          fc.array(fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: 60 }), { minLength: 1, maxLength: 25 }),
        ),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(1, 0.8, 3),
        fc.constantFrom(null, 5),
        fc.constantFrom(256, 512, 1 << 16),
        fc.boolean(),
        fc.boolean(),
        (raw, lo, span, minDf, maxDf, maxFeatures, filterBits, lowercase, again) => {
          // again: the second pass finds each document's n-grams again instead of reading the first pass's file.
          const streamingOptions = { filterBits, ...(again ? { scratch: false as const } : {}) };
          const table = tableOf(12);
          const docs = raw.map((d) => Int32Array.from(d));
          const options: TfidfOptions = { ngramRange: [lo, lo + span], minDf, maxDf, maxFeatures, lowercase };
          let want: ReturnType<TfidfVectorizer['fitTransform']> | undefined;
          let error: unknown;
          try {
            want = new TfidfVectorizer(options).fitTransform(docs, table);
          } catch (e) {
            error = e;
          }
          if (want === undefined) {
            expect(() => fitTfidfStreaming(options, passes(docs), table, streamingOptions)).toThrow((error as Error).message);
            return;
          }
          expectSameFit(want, fitTfidfStreaming(options, passes(docs), table, streamingOptions));
        },
      ),
      { numRuns: 200 },
    );
  }, 60_000);

  it('reads a table that grows during the first pass (names met file by file), past 256 names', () => {
    const names = Array.from({ length: 300 }, (_, i) => `NtName${i}`);
    const texts = Array.from({ length: 30 }, (_, d) =>
      Array.from({ length: 40 }, (_, i) => names[(d * 7 + i * ((d % 5) + 1)) % (d < 15 ? 50 : 300)]),
    );
    // In memory: the whole table first. Streaming: the table grows as each document is read.
    const full = new CallTable();
    const docs = texts.map((t) => Int32Array.from(t, (n) => full.intern(n)));
    const options: TfidfOptions = { ngramRange: [2, 3], minDf: 2 };
    const want = new TfidfVectorizer(options).fitTransform(docs, full);
    const growing = new CallTable();
    const src: DocumentPasses = {
      pass(visit) {
        for (const t of texts) visit(Int32Array.from(t, (n) => growing.intern(n)));
      },
    };
    expectSameFit(want, fitTfidfStreaming(options, src, growing));
  });

  it('fails when a pass reads other documents than the first', () => {
    const table = tableOf(5);
    let k = 0;
    const src: DocumentPasses = {
      pass(visit) {
        visit(Int32Array.of(0, 1, 2, 3));
        visit(k++ === 0 ? Int32Array.of(0, 1, 2, 3, 4) : Int32Array.of(0, 1));
      },
    };
    expect(() => fitTfidfStreaming({ ngramRange: [2, 2], minDf: 2 }, src, table)).toThrow(
      /changed between the passes.*document 1 has 2 calls/,
    );
    // The same number of calls, with a call name the first pass did not read.
    let j = 0;
    const renamed: DocumentPasses = {
      pass(visit) {
        visit(Int32Array.of(0, 1, 2, 3));
        visit(j++ === 0 ? Int32Array.of(0, 1, 2) : Int32Array.of(0, 1, 4));
      },
    };
    expect(() => fitTfidfStreaming({ ngramRange: [2, 2], minDf: 2 }, renamed, table)).toThrow(
      /document 1 holds a call name the first pass did not read/,
    );
  });
});
