/**
 * Parity of the SVC pipeline and SGD with scikit-learn 1.2.1 on the shared corpus, against
 * ../shared/reference/svc-pipeline.json (never copied into the repo).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { corpusDir, referenceDir, requireShared } from '../../test/shared.js';
import { loadCorpus } from '../corpus/index.js';
import { selectColumns } from '../tfidf/csr.js';
import type { Csr } from '../tfidf/csr.js';
import { TfidfVectorizer } from '../tfidf/index.js';
import type { FittedTfidf } from '../tfidf/index.js';
import { L1SelectedSVC, linearSvcFromState } from './l1-selected-svc.js';
import { LinearSVC } from './linear-svc.js';
import { SGDClassifier } from './sgd.js';

interface SvcReference {
  n_features_in: number;
  n_features_kept: number;
  l1_objective: number;
  l1_intercept: number;
  l2_intercept: number;
  training_accuracy: number;
  kept_features: { feature: string; l1_coef: number; l2_coef: number }[];
  documents: Record<string, { label: number; predicted_label: number; decision_function: number }>;
}

/**
 * scikit-learn 1.2.1 `SGDClassifier(random_state=0)` (and `penalty='l1'`) on the corpus,
 * printed by `test-helpers/make-corpus-sgd-values.py` on this machine.
 */
const SGD_SKLEARN = {
  hinge_l2: {
    n_iter: 16,
    intercept: 0.31718328370742377,
    nnz: 184187,
    decision_first8: [
      -1.860186474584681, -2.273755659562265, -1.8185734962195643, -1.6482754602633696, -1.4464139749352602, -1.6661502507319261,
      -1.823583565454245, -3.074188749401477,
    ],
  },
  hinge_l1: {
    n_iter: 25,
    intercept: 0.24541826279681092,
    nnz: 664,
    decision_first8: [
      -1.7583053456812632, -1.3611633615476644, -2.0435367424924857, -1.4986854712656559, -2.5563676967052182, -1.3890450279993143,
      -2.05279287222424, -1.4432178022970106,
    ],
  },
};

describe('SVC pipeline parity with scikit-learn on the corpus', () => {
  let ref: SvcReference;
  let names: string[];
  let y: Uint8Array;
  let X: Csr;
  let tfidf: FittedTfidf;
  let model: L1SelectedSVC;

  beforeAll(async () => {
    requireShared();
    ref = JSON.parse(readFileSync(join(referenceDir, 'svc-pipeline.json'), 'utf8')) as SvcReference;
    const corpus = await loadCorpus(corpusDir);
    names = corpus.docs.map((d) => d.name);
    y = Uint8Array.from(corpus.docs, (d) => d.label);
    ({ tfidf, X } = new TfidfVectorizer().fitTransform(
      corpus.docs.map((d) => d.calls),
      corpus.table,
    ));
    model = new L1SelectedSVC().fit(X, y);
  });

  const rowOf = (name: string): number => {
    const i = names.indexOf(name);
    expect(i).toBeGreaterThanOrEqual(0);
    return i;
  };

  it('L1 stage: objective within 0.02 of the reference (and the same intercept)', () => {
    expect(X.cols).toBe(ref.n_features_in);
    expect(Math.abs(model.l1Objective - ref.l1_objective)).toBeLessThan(0.02);
    expect(model.l1Intercept).toBeCloseTo(ref.l1_intercept, 9);
  });

  it('L1 stage keeps exactly the reference features: the coordinate order is replicated', () => {
    expect(model.kept.length).toBe(ref.n_features_kept);
    expect(Array.from(model.kept, (j) => tfidf.featureName(j))).toEqual(ref.kept_features.map((f) => f.feature));
    ref.kept_features.forEach((f, k) => expect(model.l1Coef[k]).toBeCloseTo(f.l1_coef, 7));
  });

  it('L2 stage refitted on the listed kept features: decision values within 1e-4 on the five documents', () => {
    const byName = new Map<string, number>();
    for (let j = 0; j < tfidf.vocabularySize; j++) byName.set(tfidf.featureName(j), j);
    const kept = Int32Array.from(ref.kept_features, (f) => {
      const j = byName.get(f.feature);
      expect(j).toBeDefined();
      return j as number;
    });
    const Xk = selectColumns(X, kept);
    const l2 = new LinearSVC().fit(Xk, y);
    const dec = l2.decisionFunction(Xk);
    expect(l2.intercept).toBeCloseTo(ref.l2_intercept, 6);
    for (const [name, d] of Object.entries(ref.documents)) {
      expect(Math.abs(dec[rowOf(name)] - d.decision_function)).toBeLessThan(1e-4);
    }
  });

  it('the whole pipeline gives the reference decisions, labels and training accuracy', () => {
    const dec = model.decisionFunction(X);
    const labels = model.predict(X);
    for (const [name, d] of Object.entries(ref.documents)) {
      const i = rowOf(name);
      expect(Math.abs(dec[i] - d.decision_function)).toBeLessThan(1e-4);
      expect(labels[i]).toBe(d.predicted_label);
    }
    const correct = labels.reduce((s, v, i) => s + (v === y[i] ? 1 : 0), 0);
    expect(correct / y.length).toBeCloseTo(ref.training_accuracy, 12);
    expect(model.intercept).toBeCloseTo(ref.l2_intercept, 9);
  });

  it('the saved state holds only the kept columns and scores identically after reloading', () => {
    const st = model.state();
    expect(st.arrays.kept.length).toBe(ref.n_features_kept);
    expect(st.arrays.coef.length).toBe(ref.n_features_kept);
    const back = linearSvcFromState(st);
    expect(back).toBeInstanceOf(L1SelectedSVC);
    expect(Array.from(back.decisionFunction(X))).toEqual(Array.from(model.decisionFunction(X)));
  });

  it('SGDClassifier (hinge, L2 and L1) reproduces scikit-learn: epochs, intercept, sparsity, margins', () => {
    for (const [penalty, want] of [
      ['l2', SGD_SKLEARN.hinge_l2],
      ['l1', SGD_SKLEARN.hinge_l1],
    ] as const) {
      const sgd = new SGDClassifier({ penalty }).fit(X, y);
      expect(sgd.nIter).toBe(want.n_iter);
      expect(sgd.intercept).toBeCloseTo(want.intercept, 12);
      expect(sgd.coef.reduce((s, v) => s + (v !== 0 ? 1 : 0), 0)).toBe(want.nnz);
      const dec = sgd.decisionFunction(X);
      want.decision_first8.forEach((d, i) => expect(dec[i]).toBeCloseTo(d, 10));
      const acc = sgd.predict(X).reduce((s, v, i) => s + (v === y[i] ? 1 : 0), 0) / y.length;
      expect(acc).toBeGreaterThan(0.9);
    }
  });
});
