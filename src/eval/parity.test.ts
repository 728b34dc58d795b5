// Cross-validated parity with scikit-learn (issue #3): replaying the reference 10-fold split
// (../shared/reference/cv-folds.json, setting 'all'), pooled out-of-fold accuracy within 0.01
// of scikit-learn 1.2.1 for NtMalDetect's members and ensemble policies, and within 0.015 for
// SGD hinge L2 (whose learning-rate schedule cannot be matched bit for bit).
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { corpusDir, referenceDir, requireShared } from '../../test/shared.js';
import { loadCorpus, type Corpus } from '../corpus/index.js';
import { runBench, type BenchResult } from './bench.js';

requireShared();
let corpus: Corpus;
let r: BenchResult;
const acc = (model: string): number => {
  const m = r.results.find((x) => x.model === model);
  if (!m) throw new Error(`no result for ${model}: ${r.results.map((x) => x.model).join(', ')}`);
  return m.accuracy;
};

beforeAll(async () => {
  corpus = await loadCorpus(corpusDir);
  r = await runBench({ corpus, foldsFile: join(referenceDir, 'cv-folds.json'), models: 'ntmaldetect-2018,sgd-2018,sgd-sublinear' });
}, 900_000);

describe('cross-validated accuracy on the reference folds, against scikit-learn', () => {
  it('replays the 10 reference folds over all 215 traces', () => {
    expect(r.traces).toBe(215);
    expect(r.folds).toBe(10);
  });
  it('MultinomialNB(alpha=0.01): 0.940', () => expect(Math.abs(acc('ntmaldetect-2018/multinomial-nb') - 0.94)).toBeLessThanOrEqual(0.01));
  it('L1-selected LinearSVC pipeline: 0.800', () => expect(Math.abs(acc('ntmaldetect-2018/linear-svc') - 0.8)).toBeLessThanOrEqual(0.01));
  it('ANY ensemble (NtMalDetect default): 0.856', () => expect(Math.abs(acc('ntmaldetect-2018') - 0.856)).toBeLessThanOrEqual(0.01));
  it('ALL ensemble ("harsh"): 0.884', () => expect(Math.abs(acc('ntmaldetect-2018/all') - 0.884)).toBeLessThanOrEqual(0.01));
  it('SGD hinge L2 on ten-grams: 0.940, and 0.963 with sublinear tf', () => {
    expect(Math.abs(acc('sgd-2018') - 0.94)).toBeLessThanOrEqual(0.015);
    expect(Math.abs(acc('sgd-sublinear') - 0.963)).toBeLessThanOrEqual(0.015);
  });
  it('reports the ANY ensemble at scikit-learn\'s precision 0.83 and recall 0.99', () => {
    const any = r.results.find((x) => x.model === 'ntmaldetect-2018')!;
    expect(any.precision).toBeCloseTo(0.83, 1);
    expect(any.recall).toBeCloseTo(0.99, 1);
    expect(any.confusion.tp + any.confusion.fn).toBe(146);
  });
});
