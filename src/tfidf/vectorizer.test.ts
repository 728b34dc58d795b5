import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../errors.js';
import { CallTable } from '../tokenize/call-table.js';
import type { Csr } from './csr.js';
import { EmptyVocabularyError, TfidfStateError, UnsupportedCallNameError } from './errors.js';
import { FittedTfidf, TfidfVectorizer, type TfidfOptions } from './index.js';

/** Interns each document's names into one table. */
function encode(docs: string[][], table = new CallTable()): { docs: Int32Array[]; table: CallTable } {
  return { docs: docs.map((d) => Int32Array.from(d, (n) => table.intern(n))), table };
}

/** Row r as [featureName, value] pairs. */
function rowOf(X: Csr, r: number, model: FittedTfidf): [string, number][] {
  const out: [string, number][] = [];
  for (let p = X.indptr[r]; p < X.indptr[r + 1]; p++) out.push([model.featureName(X.indices[p]), X.data[p]]);
  return out;
}

/**
 * A deliberately naive TF-IDF on joined strings, written from scikit-learn's definitions:
 * the oracle the id-based implementation is checked against.
 */
function naive(docs: string[][], o: Required<Omit<TfidfOptions, 'maxFeatures' | 'tokenRule'>> & { maxFeatures: number | null }) {
  const [lo, hi] = o.ngramRange;
  const counts = docs.map((d) => {
    const t = o.lowercase ? d.map((s) => s.toLowerCase()) : d;
    const m = new Map<string, number>();
    for (let n = lo; n <= hi; n++) {
      for (let i = 0; i + n <= t.length; i++) {
        const key = t.slice(i, i + n).join(' ');
        m.set(key, (m.get(key) ?? 0) + 1);
      }
    }
    return m;
  });
  const df = new Map<string, number>();
  const total = new Map<string, number>();
  for (const m of counts) {
    for (const [k, c] of m) {
      df.set(k, (df.get(k) ?? 0) + 1);
      total.set(k, (total.get(k) ?? 0) + c);
    }
  }
  const N = docs.length;
  const high = Number.isInteger(o.maxDf) && o.maxDf !== 1 ? o.maxDf : o.maxDf * N;
  const low = Number.isInteger(o.minDf) ? o.minDf : o.minDf * N;
  let vocab = [...df.keys()].sort().filter((k) => df.get(k)! >= low && df.get(k)! <= high);
  if (o.maxFeatures !== null && vocab.length > o.maxFeatures) {
    const keep = new Set(
      vocab
        .map((k, i) => [k, i] as const)
        .sort((a, b) => total.get(b[0])! - total.get(a[0])! || a[1] - b[1])
        .slice(0, o.maxFeatures)
        .map((e) => e[0]),
    );
    vocab = vocab.filter((k) => keep.has(k));
  }
  const idf = new Map(vocab.map((k) => [k, o.smoothIdf ? Math.log((N + 1) / (df.get(k)! + 1)) + 1 : Math.log(N / df.get(k)!) + 1]));
  const rows = counts.map((m) => {
    const r = vocab
      .filter((k) => m.has(k))
      .map((k): [string, number] => {
        let v = m.get(k)!;
        if (o.sublinearTf) v = Math.log(v) + 1;
        if (o.useIdf) v *= idf.get(k)!;
        return [k, v];
      });
    const s =
      o.norm === 'l2' ? Math.sqrt(r.reduce((a, e) => a + e[1] * e[1], 0)) : o.norm === 'l1' ? r.reduce((a, e) => a + Math.abs(e[1]), 0) : 0;
    return s === 0 ? r : r.map(([k, v]): [string, number] => [k, v / s]);
  });
  return { vocab, idf, rows };
}

function expectRowsClose(a: [string, number][], b: [string, number][]): void {
  expect(a.map((e) => e[0])).toEqual(b.map((e) => e[0]));
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i][1] - b[i][1])).toBeLessThanOrEqual(1e-12 * Math.abs(b[i][1]));
}

describe('TfidfVectorizer on a hand-computed example', () => {
  const { docs, table } = encode([['NtA', 'NtB', 'NtA', 'NtB'], ['NtB', 'NtA', 'NtC'], ['NtA']]);
  const { tfidf, X } = new TfidfVectorizer({ ngramRange: [2, 2] }).fitTransform(docs, table);

  it('builds the sorted, lower-cased vocabulary', () => {
    expect(tfidf.names).toEqual(['nta', 'ntb', 'ntc']);
    expect(tfidf.vocabularySize).toBe(3);
    expect([0, 1, 2].map((j) => tfidf.featureName(j))).toEqual(['nta ntb', 'nta ntc', 'ntb nta']);
    expect(Array.from(tfidf.ngram(2))).toEqual([1, 0]);
  });

  it('computes smooth idf and L2-normalised rows', () => {
    const idf1 = Math.log(4 / 2) + 1; // 'nta ntb' and 'nta ntc' are in 1 of 3 documents
    const idf2 = Math.log(4 / 3) + 1; // 'ntb nta' is in 2
    expect(tfidf.idf[0]).toBe(idf1);
    expect(tfidf.idf[2]).toBe(idf2);
    // row 0: 'nta ntb' x2, 'ntb nta' x1
    const a = 2 * idf1;
    const b = idf2;
    const s = Math.sqrt(a * a + b * b);
    expect(Array.from(X.indices.subarray(0, 2))).toEqual([0, 2]);
    expect(X.data[0]).toBeCloseTo(a / s, 15);
    expect(X.data[1]).toBeCloseTo(b / s, 15);
    // row 2 is shorter than n: empty
    expect(X.indptr[3] - X.indptr[2]).toBe(0);
  });

  it('finds columns by call names in any case', () => {
    expect(tfidf.columnOf(['NTB', 'nta'])).toBe(2);
    expect(tfidf.columnOf(['ntc', 'nta'])).toBe(-1);
    expect(tfidf.columnOf(['ntx', 'nta'])).toBe(-1);
  });

  it('reports n-gram and unknown counts in transformOne', () => {
    const t2 = new CallTable();
    const calls = Int32Array.from(['NtC', 'NtA', 'NtB', 'NtZ', 'NtA'], (n) => t2.intern(n));
    const r = tfidf.transformOne(calls, t2);
    expect(r.ngrams).toBe(4);
    expect(r.unknown).toBe(3); // 'ntc nta' unseen, two windows hold the unknown NtZ
    expect(Array.from(r.X.indices)).toEqual([0]);
    expect(Array.from(r.X.data)).toEqual([1]);
    const short = tfidf.transformOne(Int32Array.of(t2.idOf('NtA')), t2);
    expect(short.ngrams).toBe(0);
    expect(short.X.indptr[1]).toBe(0);
  });
});

describe('TfidfVectorizer errors and options', () => {
  it('rejects bad options with the option path', () => {
    const bad: TfidfOptions[] = [
      { ngramRange: [0, 2] },
      { ngramRange: [3, 2] },
      { minDf: -1 },
      { minDf: 1.5 },
      { maxDf: 0 },
      { maxDf: 1.5 },
      { maxFeatures: 0 },
      { norm: 'l3' as never },
      { sublinearTf: 'yes' as never },
    ];
    for (const o of bad) expect(() => new TfidfVectorizer(o)).toThrow(InvalidOptionError);
    try {
      new TfidfVectorizer({ minDf: -1 });
    } catch (e) {
      expect((e as InvalidOptionError).option).toBe('tfidf.minDf');
    }
  });

  it('throws EmptyVocabularyError when no document is long enough or pruning leaves nothing', () => {
    const { docs, table } = encode([['NtA', 'NtB']]);
    expect(() => new TfidfVectorizer({ ngramRange: [3, 3] }).fit(docs, table)).toThrow(EmptyVocabularyError);
    const two = encode([
      ['NtA', 'NtB'],
      ['NtB', 'NtA'],
    ]);
    expect(() => new TfidfVectorizer({ ngramRange: [2, 2], minDf: 2 }).fit(two.docs, two.table)).toThrow(/no terms remain/);
  });

  it('refuses names scikit-learn would not take as one token', () => {
    for (const bad of ['Nt Open', 'X', 'Nt-Open']) {
      const { docs, table } = encode([[bad, 'NtA', 'NtB']]);
      expect(() => new TfidfVectorizer({ ngramRange: [1, 1] }).fit(docs, table)).toThrow(UnsupportedCallNameError);
    }
  });

  it("takes every name without whitespace or control characters with tokenRule 'nonspace'", () => {
    const { docs, table } = encode([['6', 'X', 'kernel32.dll!CreateFileW', 'a@b', '6']]);
    const f = new TfidfVectorizer({ ngramRange: [1, 1], tokenRule: 'nonspace' }).fit(docs, table);
    expect(f.names).toEqual(['6', 'a@b', 'kernel32.dll!createfilew', 'x']);
    for (const bad of ['Nt Open', 'a\u00a0b', 'a\x1fb', 'a\x85b', 'a\tb', '']) {
      const e = encode([[bad, 'NtA']]);
      expect(() => new TfidfVectorizer({ ngramRange: [1, 1], tokenRule: 'nonspace' }).fit(e.docs, e.table)).toThrow(
        /whitespace or a control character/,
      );
    }
    expect(() => new TfidfVectorizer({ tokenRule: 'any' as never })).toThrow(/tokenRule/);
  });

  it("sorts the columns of 'nonspace' names as scikit-learn sorts the joined feature names", () => {
    const nameArb = fc.stringMatching(/^[!-~]{1,3}$/);
    fc.assert(
      fc.property(fc.array(fc.array(nameArb, { minLength: 2, maxLength: 12 }), { minLength: 1, maxLength: 4 }), (names) => {
        const { docs, table } = encode(names);
        const f = new TfidfVectorizer({ ngramRange: [1, 3], tokenRule: 'nonspace', lowercase: false }).fit(docs, table);
        const cols = Array.from({ length: f.vocabularySize }, (_, j) => f.featureName(j));
        expect(cols).toEqual([...cols].sort());
      }),
      { numRuns: 60, interruptAfterTimeLimit: 10_000 },
    );
  });

  it('rejects ids outside the table', () => {
    const { table } = encode([['NtA']]);
    expect(() => new TfidfVectorizer({ ngramRange: [1, 1] }).fit([Int32Array.of(0, 5)], table)).toThrow(RangeError);
  });

  it('keeps case distinct with lowercase: false', () => {
    const { docs, table } = encode([['NtA', 'nta', 'NtA']]);
    const m = new TfidfVectorizer({ ngramRange: [1, 1], lowercase: false }).fit(docs, table);
    expect(m.names).toEqual(['NtA', 'nta']);
    const l = new TfidfVectorizer({ ngramRange: [1, 1] }).fit(docs, table);
    expect(l.names).toEqual(['nta']);
  });
});

describe('TfidfVectorizer against a naive string implementation (property)', () => {
  const alphabet = ['NtA', 'NtB', 'NtC', 'NtAb', 'ntab', 'NtB_2', 'Nt9'];
  const docArb = fc.array(fc.array(fc.constantFrom(...alphabet), { maxLength: 30 }), { minLength: 1, maxLength: 8 });
  const optArb = fc.record({
    ngramRange: fc.integer({ min: 1, max: 4 }).chain((lo) => fc.tuple(fc.constant(lo), fc.integer({ min: lo, max: lo + 2 }))),
    minDf: fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 2 }), fc.double({ min: 0.05, max: 0.5, noNaN: true })),
    maxDf: fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 6 }), fc.double({ min: 0.5, max: 0.99, noNaN: true })),
    maxFeatures: fc.option(fc.integer({ min: 1, max: 20 }), { nil: null }),
    sublinearTf: fc.boolean(),
    smoothIdf: fc.boolean(),
    useIdf: fc.boolean(),
    norm: fc.constantFrom('l2' as const, 'l1' as const, null),
    lowercase: fc.boolean(),
  });

  it('gives the same vocabulary, idf and rows, by fitTransform, transform, transformOne and the counter', () => {
    fc.assert(
      fc.property(docArb, optArb, fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }), (names, o, chunks) => {
        const opts = { ...o, ngramRange: [o.ngramRange[0], o.ngramRange[1]] as [number, number] };
        const ref = naive(names, opts);
        const { docs, table } = encode(names);
        let fitted;
        try {
          fitted = new TfidfVectorizer(opts).fitTransform(docs, table);
        } catch (e) {
          if (e instanceof EmptyVocabularyError) return ref.vocab.length === 0;
          if (e instanceof InvalidOptionError) return true; // maxDf below minDf, as scikit-learn
          throw e;
        }
        const { tfidf, X } = fitted;
        expect(Array.from({ length: tfidf.vocabularySize }, (_, j) => tfidf.featureName(j))).toEqual(ref.vocab);
        ref.vocab.forEach((k, j) => expect(tfidf.idf[j]).toBeCloseTo(ref.idf.get(k)!, 12));
        const again = tfidf.transform(docs, table);
        for (let r = 0; r < names.length; r++) {
          expectRowsClose(rowOf(X, r, tfidf), ref.rows[r]);
          expectRowsClose(rowOf(again, r, tfidf), ref.rows[r]);
          const one = tfidf.transformOne(docs[r], table);
          expectRowsClose(rowOf(one.X, 0, tfidf), ref.rows[r]);
          const counter = tfidf.counter(table);
          let p = 0;
          for (let c = 0; p < docs[r].length; c++) {
            const len = Math.min(chunks[c % chunks.length], docs[r].length - p);
            if (len === 1) counter.push(docs[r][p]);
            else counter.pushMany(docs[r].subarray(p), len);
            p += len;
          }
          expectRowsClose(rowOf(counter.toRow(), 0, tfidf), ref.rows[r]);
          expect([counter.calls, counter.ngrams, counter.unknown]).toEqual([docs[r].length, one.ngrams, one.unknown]);
        }
        return true;
      }),
      { numRuns: 150 },
    );
  });
});

describe('FittedTfidf state', () => {
  const { docs, table } = encode([
    ['NtA', 'NtB', 'NtC', 'NtA', 'NtB'],
    ['NtC', 'NtC', 'NtA', 'NtB'],
  ]);
  const model = new TfidfVectorizer({ ngramRange: [1, 3], sublinearTf: true }).fit(docs, table);

  it('round-trips through state(), transforming identically under another table', () => {
    const back = FittedTfidf.fromState(model.state());
    expect(back.vocabularySize).toBe(model.vocabularySize);
    expect(back.options).toEqual(model.options);
    const other = new CallTable(['NtZ', 'NtC', 'NtB', 'NtA']);
    const calls = Int32Array.from(['NtA', 'NtB', 'NtZ', 'NtC', 'NtA'], (n) => other.idOf(n));
    const a = model.transformOne(calls, other);
    const b = back.transformOne(calls, other);
    expect(Array.from(b.X.indices)).toEqual(Array.from(a.X.indices));
    expect(Array.from(b.X.data)).toEqual(Array.from(a.X.data));
    expect([b.ngrams, b.unknown]).toEqual([12, 6]);
    expect([a.ngrams, a.unknown]).toEqual([12, 6]);
  });

  it('sees names added to a table after the first transform', () => {
    const t = new CallTable(['NtA']);
    const first = model.transformOne(Int32Array.of(0), t);
    expect(first.unknown).toBe(0);
    t.intern('NtB');
    const r = model.transformOne(Int32Array.of(0, 1), t);
    expect(r.unknown).toBe(0);
    expect(r.ngrams).toBe(3);
  });

  it('counts again from scratch after reset()', () => {
    const c = model.counter(table);
    c.pushMany(docs[0]);
    c.reset();
    expect([c.calls, c.ngrams, c.unknown, c.toRow().indptr[1]]).toEqual([0, 0, 0, 0]);
    c.pushMany(docs[1]);
    const want = model.transformOne(docs[1], table).X;
    const got = c.toRow();
    expect(Array.from(got.indices)).toEqual(Array.from(want.indices));
    expect(Array.from(got.data)).toEqual(Array.from(want.data));
  });

  it('rejects inconsistent states naming the field', () => {
    const s = model.state();
    expect(() => FittedTfidf.fromState({ ...s, idf: s.idf.subarray(1) })).toThrow(TfidfStateError);
    expect(() => FittedTfidf.fromState({ ...s, grams: s.grams.subarray(1) })).toThrow(/grams/);
    const dup = {
      options: { ...s.options, ngramRange: [2, 2] as [number, number] },
      names: ['nta', 'ntb'],
      grams: Int32Array.of(0, 1, 0, 1),
      lengths: Int32Array.of(2, 2),
      idf: Float64Array.of(1, 1),
    };
    expect(() => FittedTfidf.fromState(dup)).toThrow(/repeats/);
    expect(() => FittedTfidf.fromState({ ...dup, grams: Int32Array.of(0, 1, 1, 2) })).toThrow(/not a name id/);
    expect(() => FittedTfidf.fromState({ ...dup, lengths: Int32Array.of(1, 3) })).toThrow(/outside ngramRange/);
    expect(() => FittedTfidf.fromState({ ...s, names: ['nta', 'nta', 'ntc'] })).toThrow(/names/);
  });
});
