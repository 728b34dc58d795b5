/**
 * Parity with scikit-learn 1.2.1's TfidfVectorizer(ngram_range=(10, 10)) on the shared
 * corpus, against ../shared/reference/tfidf-10gram.json (never copied into the repo).
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Csr } from './csr.js';
import { TfidfVectorizer, type FittedTfidf } from './index.js';
import { loadTestCorpus, readReference, type TestCorpus } from './test-helpers/corpus.js';

interface FeatureStat {
  feature: string;
  df: number;
  total_count: number;
  idf: number;
}
interface TfidfReference {
  n_documents: number;
  vocabulary_size: number;
  vocabulary_sha256: string;
  nnz: number;
  df_histogram: Record<string, number>;
  most_frequent_20: FeatureStat[];
  least_frequent_20: FeatureStat[];
  documents: Record<string, { label: number; n_calls: number; nnz: number; tfidf: Record<string, number> }>;
}

describe('TF-IDF parity with scikit-learn on the corpus', () => {
  let corpus: TestCorpus;
  let ref: TfidfReference;
  let tfidf: FittedTfidf;
  let X: Csr;
  let counts: Csr;

  beforeAll(async () => {
    corpus = await loadTestCorpus();
    ref = readReference<TfidfReference>('tfidf-10gram.json');
    ({ tfidf, X } = new TfidfVectorizer().fitTransform(corpus.docs, corpus.table));
    // Raw counts: the same vocabulary without idf or normalisation.
    counts = new TfidfVectorizer({ useIdf: false, norm: null }).fitTransform(corpus.docs, corpus.table).X;
  });

  it('has the same documents, vocabulary size and number of non-zeros', () => {
    expect(corpus.docs.length).toBe(ref.n_documents);
    expect(tfidf.vocabularySize).toBe(ref.vocabulary_size);
    expect(X.indptr[X.rows]).toBe(ref.nnz);
  });

  it('has the same vocabulary, in the same column order (vocabulary_sha256)', () => {
    const h = createHash('sha256');
    for (let j = 0; j < tfidf.vocabularySize; j++) h.update(j === 0 ? tfidf.featureName(j) : '\n' + tfidf.featureName(j));
    expect(h.digest('hex')).toBe(ref.vocabulary_sha256);
  });

  it('has the same document-frequency histogram', () => {
    const df = new Int32Array(tfidf.vocabularySize);
    for (let p = 0; p < X.indptr[X.rows]; p++) df[X.indices[p]]++;
    const hist: Record<string, number> = {};
    for (const d of df) hist[d] = (hist[d] ?? 0) + 1;
    expect(hist).toEqual(ref.df_histogram);
  });

  it('has the same most and least frequent features, with their idf', () => {
    const V = tfidf.vocabularySize;
    const df = new Int32Array(V);
    const total = new Float64Array(V);
    for (let p = 0; p < counts.indptr[counts.rows]; p++) {
      df[counts.indices[p]]++;
      total[counts.indices[p]] += counts.data[p];
    }
    // Columns are sorted by feature string, so "string asc" is column order.
    const cols = Array.from({ length: V }, (_, j) => j);
    const stat = (j: number): FeatureStat => ({ feature: tfidf.featureName(j), df: df[j], total_count: total[j], idf: tfidf.idf[j] });
    const most = [...cols]
      .sort((a, b) => df[b] - df[a] || total[b] - total[a] || a - b)
      .slice(0, 20)
      .map(stat);
    const least = [...cols]
      .sort((a, b) => df[a] - df[b] || total[a] - total[b] || a - b)
      .slice(0, 20)
      .map(stat);
    for (const [ours, theirs] of [
      [most, ref.most_frequent_20],
      [least, ref.least_frequent_20],
    ] as const) {
      expect(ours.map((s) => [s.feature, s.df, s.total_count])).toEqual(theirs.map((s) => [s.feature, s.df, s.total_count]));
      ours.forEach((s, i) => expect(Math.abs(s.idf - theirs[i].idf)).toBeLessThanOrEqual(1e-12 * theirs[i].idf));
    }
  });

  it('gives every TF-IDF value of the five reference rows within 1e-12 relative, by fit and by transformOne', () => {
    const names = Object.keys(ref.documents);
    expect(names).toHaveLength(5);
    for (const name of names) {
      const doc = ref.documents[name];
      const r = corpus.names.indexOf(name);
      expect(r).toBeGreaterThanOrEqual(0);
      expect(corpus.docs[r].length).toBe(doc.n_calls);
      expect(corpus.labels[r]).toBe(doc.label);
      const one = tfidf.transformOne(corpus.docs[r], corpus.table);
      expect(one.unknown).toBe(0);
      expect(one.ngrams).toBe(Math.max(0, doc.n_calls - 9));
      for (const [M, row] of [
        [X, r],
        [one.X, 0],
      ] as const) {
        const a = M.indptr[row];
        const b = M.indptr[row + 1];
        expect(b - a).toBe(doc.nnz);
        let matched = 0;
        for (let p = a; p < b; p++) {
          const want = doc.tfidf[tfidf.featureName(M.indices[p])];
          expect(want).toBeDefined();
          expect(Math.abs(M.data[p] - want)).toBeLessThanOrEqual(1e-12 * Math.abs(want));
          matched++;
        }
        expect(matched).toBe(Object.keys(doc.tfidf).length);
      }
    }
  });

  it('transforms the whole corpus exactly as fitTransform did', () => {
    const again = tfidf.transform(corpus.docs, corpus.table);
    const bytes = (a: Int32Array | Float64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    expect(again.indptr[again.rows]).toBe(ref.nnz);
    expect(bytes(again.indptr).equals(bytes(X.indptr))).toBe(true);
    expect(bytes(again.indices).equals(bytes(X.indices))).toBe(true);
    expect(bytes(again.data).equals(bytes(X.data))).toBe(true);
  });
});
