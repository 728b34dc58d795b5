import { beforeAll, describe, expect, it } from 'vitest';
import { MultinomialNB } from '../classifiers/multinomial-nb.js';
import { InvalidOptionError } from '../errors.js';
import { selectRows, type Csr } from '../tfidf/csr.js';
import { TfidfVectorizer } from '../tfidf/index.js';
import { loadTestCorpus } from '../tfidf/test-helpers/corpus.js';
import { PlattCalibrator, crossValScores, innerFolds, outOfFoldScores } from './index.js';

describe('inner cross-validation', () => {
  const y = Uint8Array.from({ length: 23 }, (_, i) => (i % 3 === 0 ? 0 : 1));

  it('deals stratified folds: every row tested once, classes spread evenly', () => {
    const folds = innerFolds(y, { folds: 4, seed: 7 });
    for (let f = 0; f < 4; f++) {
      let neg = 0;
      let all = 0;
      folds.forEach((g, i) => {
        if (g === f) {
          all++;
          neg += y[i] === 0 ? 1 : 0;
        }
      });
      expect(neg).toBeGreaterThanOrEqual(1);
      expect(neg).toBeLessThanOrEqual(2);
      expect(all).toBeGreaterThanOrEqual(5);
    }
  });

  it('scores each row by a model that did not see it', () => {
    const seen: number[][] = [];
    const out = crossValScores(
      y,
      (train, test) => {
        seen.push(Array.from(train));
        for (const t of test) expect(Array.from(train)).not.toContain(t);
        return Float64Array.from(test, (t) => t * 100 + train.length);
      },
      { folds: 3 },
    );
    expect(seen).toHaveLength(3);
    out.forEach((v, i) => expect(Math.floor(v / 100)).toBe(i));
  });

  it('rejects more folds than the smaller class has rows', () => {
    expect(() => innerFolds(Uint8Array.of(0, 1, 1, 1), { folds: 2 })).toThrow(InvalidOptionError);
    expect(() => innerFolds(y, { folds: 1 })).toThrow(/calibration.folds/);
  });
});

describe('calibration parity with scikit-learn on the corpus', () => {
  let X: Csr;
  let labels: Uint8Array;
  beforeAll(async () => {
    const corpus = await loadTestCorpus();
    labels = corpus.labels;
    X = new TfidfVectorizer().fitTransform(corpus.docs, corpus.table).X;
  });

  it('out-of-fold scores are those of models fitted on the other folds', () => {
    const make = () => new MultinomialNB({ alpha: 0.01 });
    const oof = outOfFoldScores(make, X, labels, { folds: 5, seed: 3 });
    const folds = innerFolds(labels, { folds: 5, seed: 3 });
    const test = Int32Array.from(Array.from(folds.keys()).filter((i) => folds[i] === 2));
    const train = Int32Array.from(Array.from(folds.keys()).filter((i) => folds[i] !== 2));
    const nb = make().fit(
      selectRows(X, train),
      Uint8Array.from(train, (i) => labels[i]),
    );
    const want = nb.decisionFunction(selectRows(X, test));
    test.forEach((i, p) => expect(oof[i]).toBe(want[p]));
  });

  it("matches CalibratedClassifierCV(NB, method='sigmoid', cv=5, ensemble=False) on NB's log-odds", () => {
    // Numbers from test-helpers/calibration-reference.py (scikit-learn 1.2.1), where NB is
    // MultinomialNB(alpha=0.01) with decision_function = jll1 - jll0 (plain scikit-learn
    // would calibrate NB's saturated predict_proba instead).
    const oof = outOfFoldScores(() => new MultinomialNB({ alpha: 0.01 }), X, labels);
    const c = new PlattCalibrator().fit(oof, labels);
    expect(Math.abs(c.a - -0.28524722867414515)).toBeLessThan(1e-4);
    expect(Math.abs(c.b - 0.5494925791978571)).toBeLessThan(1e-4);
  });
});
