import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionError, NotFittedError } from '../errors.js';
import type { Csr } from '../tfidf/csr.js';
import { TfidfVectorizer } from '../tfidf/index.js';
import { loadTestCorpus, readReference } from '../tfidf/test-helpers/corpus.js';
import { ClassifierStateError, FeatureCountError, SingleClassError } from './linear-errors.js';
import { MultinomialNB, NegativeInputError } from './multinomial-nb.js';

/** A CSR matrix from dense rows. */
function csr(rows: number[][]): Csr {
  const indptr = [0];
  const indices: number[] = [];
  const data: number[] = [];
  for (const r of rows) {
    r.forEach((v, j) => {
      if (v !== 0) {
        indices.push(j);
        data.push(v);
      }
    });
    indptr.push(indices.length);
  }
  return {
    rows: rows.length,
    cols: rows[0].length,
    indptr: Int32Array.from(indptr),
    indices: Int32Array.from(indices),
    data: Float64Array.from(data),
  };
}

describe('MultinomialNB by hand', () => {
  const X = csr([
    [2, 0, 1],
    [1, 1, 0],
    [0, 3, 1],
  ]);
  const y = Uint8Array.of(0, 0, 1);
  const nb = new MultinomialNB({ alpha: 0.5 }).fit(X, y);

  it('computes feature_log_prob, priors and counts by the formulas', () => {
    // benign counts [3, 1, 1] + 0.5 = [3.5, 1.5, 1.5], total 6.5; malicious [0, 3, 1] + 0.5, total 5.5
    expect(Array.from(nb.featureLogProb)).toEqual([3.5, 1.5, 1.5, 0.5, 3.5, 1.5].map((v, k) => Math.log(v) - Math.log(k < 3 ? 6.5 : 5.5)));
    expect(Array.from(nb.classLogPrior)).toEqual([Math.log(2) - Math.log(3), Math.log(1) - Math.log(3)]);
    expect(Array.from(nb.classCount)).toEqual([2, 1]);
    expect(Array.from(nb.featureCount!)).toEqual([3, 1, 1, 0, 3, 1]);
  });

  it('scores rows by jll, log-odds and log-sum-exp', () => {
    const q = csr([[1, 0, 2]]);
    const f = nb.featureLogProb;
    const p = nb.classLogPrior;
    const j0 = 1 * f[0] + 2 * f[2] + p[0];
    const j1 = 1 * f[3] + 2 * f[5] + p[1];
    expect(Array.from(nb.jointLogLikelihood(q))).toEqual([j0, j1]);
    expect(nb.decisionFunction(q)[0]).toBe(j1 - j0);
    expect(nb.predict(q)[0]).toBe(j1 > j0 ? 1 : 0);
    const lp = nb.predictLogProba(q);
    const lse = Math.log(Math.exp(j0) + Math.exp(j1));
    expect(lp[0]).toBeCloseTo(j0 - lse, 14);
    expect(lp[1]).toBeCloseTo(j1 - lse, 14);
  });

  it('uses uniform priors without fitPrior and clips alpha at 1e-10', () => {
    const u = new MultinomialNB({ fitPrior: false }).fit(X, y);
    expect(Array.from(u.classLogPrior)).toEqual([-Math.log(2), -Math.log(2)]);
    const z = new MultinomialNB({ alpha: 0 }).fit(X, y);
    expect(z.featureLogProb[3]).toBe(Math.log(1e-10) - Math.log(4 + 3e-10));
  });

  it('fails clearly', () => {
    expect(() => new MultinomialNB({ alpha: -1 })).toThrow(InvalidOptionError);
    expect(() => new MultinomialNB().predict(X)).toThrow(NotFittedError);
    expect(() => new MultinomialNB().fit(X, Uint8Array.of(1, 1, 1))).toThrow(SingleClassError);
    expect(() =>
      new MultinomialNB().fit(
        csr([
          [1, -1],
          [1, 0],
        ]),
        Uint8Array.of(0, 1),
      ),
    ).toThrow(NegativeInputError);
    expect(() => nb.predict(csr([[1, 0]]))).toThrow(FeatureCountError);
    expect(() => MultinomialNB.fromState({ ...nb.state(), kind: 'sgd' })).toThrow(ClassifierStateError);
    const s = nb.state();
    expect(() => MultinomialNB.fromState({ ...s, arrays: { ...s.arrays, featureLogProb: new Float64Array(4) } })).toThrow(/featureLogProb/);
  });

  it('round-trips through state()', () => {
    const back = MultinomialNB.fromState(nb.state());
    const q = csr([
      [1, 0, 2],
      [0, 0, 0],
      [5, 5, 5],
    ]);
    expect(Array.from(back.jointLogLikelihood(q))).toEqual(Array.from(nb.jointLogLikelihood(q)));
    expect(back.featureCount).toBeNull();
    expect(back.alpha).toBe(0.5);
  });
});

describe('MultinomialNB properties', () => {
  const matrix = fc
    .tuple(fc.integer({ min: 2, max: 8 }), fc.integer({ min: 1, max: 6 }))
    .chain(([n, d]) =>
      fc.tuple(
        fc.array(fc.array(fc.double({ min: 0, max: 10, noNaN: true }), { minLength: d, maxLength: d }), { minLength: n, maxLength: n }),
        fc.array(fc.integer({ min: 0, max: 1 }), { minLength: n, maxLength: n }),
      ),
    );

  it('has normalised feature distributions, probabilities summing to 1, and decision = jll1 - jll0', () => {
    fc.assert(
      fc.property(matrix, fc.double({ min: 1e-3, max: 2, noNaN: true }), ([rows, labels], alpha) => {
        labels[0] = 0;
        labels[1] = 1;
        const X = csr(rows);
        const nb = new MultinomialNB({ alpha }).fit(X, Uint8Array.from(labels));
        const V = X.cols;
        for (let c = 0; c < 2; c++) {
          let s = 0;
          for (let j = 0; j < V; j++) s += Math.exp(nb.featureLogProb[c * V + j]);
          expect(s).toBeCloseTo(1, 12);
        }
        const p = nb.predictProba(X);
        const jll = nb.jointLogLikelihood(X);
        const dec = nb.decisionFunction(X);
        const lab = nb.predict(X);
        for (let r = 0; r < X.rows; r++) {
          expect(p[2 * r] + p[2 * r + 1]).toBeCloseTo(1, 12);
          expect(dec[r]).toBe(jll[2 * r + 1] - jll[2 * r]);
          expect(lab[r]).toBe(dec[r] > 0 ? 1 : 0);
        }
      }),
      { numRuns: 200 },
    );
  });
});

interface NbReference {
  class_count: number[];
  class_log_prior: number[];
  feature_count_sum_per_class: number[];
  training_accuracy: number;
  documents: Record<string, { predicted_label: number; joint_log_likelihood: number[]; predict_log_proba: number[] }>;
}

describe('MultinomialNB(alpha=0.01) parity with scikit-learn on the corpus', () => {
  let ref: NbReference;
  let nb: MultinomialNB;
  let X: Csr;
  let names: string[];
  let labels: Uint8Array;

  beforeAll(async () => {
    const corpus = await loadTestCorpus();
    ({ names, labels } = corpus);
    ref = readReference<NbReference>('multinomial-nb.json');
    X = new TfidfVectorizer().fitTransform(corpus.docs, corpus.table).X;
    nb = new MultinomialNB({ alpha: 0.01 }).fit(X, labels);
  });

  it('has the same class counts, priors and feature mass per class', () => {
    expect(Array.from(nb.classCount)).toEqual(ref.class_count);
    nb.classLogPrior.forEach((v, c) => expect(Math.abs(v - ref.class_log_prior[c])).toBeLessThanOrEqual(1e-15));
    const V = X.cols;
    for (let c = 0; c < 2; c++) {
      let s = 0;
      for (let j = 0; j < V; j++) s += nb.featureCount![c * V + j];
      expect(Math.abs(s - ref.feature_count_sum_per_class[c])).toBeLessThanOrEqual(1e-9 * ref.feature_count_sum_per_class[c]);
    }
  });

  it('gives joint_log_likelihood within 1e-9 relative and the same labels on the reference documents', () => {
    for (const [name, doc] of Object.entries(ref.documents)) {
      const r = names.indexOf(name);
      const row: Csr = {
        rows: 1,
        cols: X.cols,
        indptr: Int32Array.of(0, X.indptr[r + 1] - X.indptr[r]),
        indices: X.indices.subarray(X.indptr[r], X.indptr[r + 1]),
        data: X.data.subarray(X.indptr[r], X.indptr[r + 1]),
      };
      const jll = nb.jointLogLikelihood(row);
      for (let c = 0; c < 2; c++) {
        const want = doc.joint_log_likelihood[c];
        expect(Math.abs(jll[c] - want)).toBeLessThanOrEqual(1e-9 * Math.abs(want));
      }
      const lp = nb.predictLogProba(row);
      for (let c = 0; c < 2; c++)
        expect(Math.abs(lp[c] - doc.predict_log_proba[c])).toBeLessThanOrEqual(1e-9 * Math.abs(doc.joint_log_likelihood[c]));
      expect(nb.predict(row)[0]).toBe(doc.predicted_label);
    }
  });

  it('has the same training accuracy', () => {
    const pred = nb.predict(X);
    let ok = 0;
    for (let i = 0; i < pred.length; i++) if (pred[i] === labels[i]) ok++;
    expect(ok / pred.length).toBe(ref.training_accuracy);
  });
});
