// The README's headline figures (issue #21), recomputed with the shipped evaluation code:
// the `default` preset cross-validated on the grouped split (near-duplicate traces never
// straddle folds, seed 0: the honest figure, 0.958 accuracy, ROC AUC 0.991) and on the
// reference split (../shared/reference/cv-folds.json: 0.972, ROC AUC 0.996), each as
// `ntmaldetect bench` computes it, and the README must state exactly these, to three decimals.
// (The reference split's out-of-fold decision values are also checked trace by trace against
// scikit-learn in src/model/default-preset.parity.test.ts.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { corpusDir, projectRoot, referenceDir, requireShared } from '../../test/shared.js';
import { loadCorpus } from '../corpus/index.js';
import { runBench, type BenchResult } from './bench.js';

requireShared();

let grouped: BenchResult;
let reference: BenchResult;
const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8').replace(/\s+/g, ' ');
const f3 = (x: number): string => x.toFixed(3);
const only = (r: BenchResult) => {
  expect(r.results.map((x) => x.model)).toEqual(['default']);
  return r.results[0];
};

beforeAll(async () => {
  const corpus = await loadCorpus(corpusDir);
  grouped = await runBench({ corpus, split: 'grouped', models: 'default' });
  reference = await runBench({ corpus, foldsFile: join(referenceDir, 'cv-folds.json'), models: 'default' });
}, 300_000);

describe("the README's headline figures for the default model", () => {
  it('grouped 10-fold split: accuracy 0.958, ROC AUC 0.991, as the README leads with', () => {
    const g = only(grouped);
    expect(grouped.traces).toBe(215);
    expect(grouped.folds).toBe(10);
    expect([f3(g.accuracy), f3(g.rocAuc)]).toEqual(['0.958', '0.991']);
    expect(g.confusion).toEqual({ tn: 64, fp: 5, fn: 4, tp: 142 });
    const said = /\(the grouped 10-fold split, the honest figure\) it reaches (\d\.\d{3}) accuracy and ROC AUC (\d\.\d{3});/.exec(readme);
    expect(said?.slice(1)).toEqual([f3(g.accuracy), f3(g.rocAuc)]);
  });

  it('reference 10-fold split: accuracy 0.972, ROC AUC 0.996, beside it in the README', () => {
    const r = only(reference);
    expect(reference.traces).toBe(215);
    expect(reference.folds).toBe(10);
    expect([f3(r.accuracy), f3(r.rocAuc)]).toEqual(['0.972', '0.996']);
    expect(r.confusion).toEqual({ tn: 67, fp: 2, fn: 4, tp: 142 });
    const said = /on the reference 10-fold split, where near-duplicates straddle folds, (\d\.\d{3}) and ROC AUC (\d\.\d{3})/.exec(readme);
    expect(said?.slice(1)).toEqual([f3(r.accuracy), f3(r.rocAuc)]);
    // The grouped figure comes first: the README leads with the honest one.
    expect(readme.indexOf('the grouped 10-fold split')).toBeLessThan(readme.indexOf('on the reference 10-fold split'));
  });
});
