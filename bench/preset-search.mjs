#!/usr/bin/env node
// The preset search behind the shipped default (docs/benchmarks.md): cross-validates a grid
// of configurations on the grouped split (near-duplicates never straddle folds; seed 0) and,
// for comparison, on the reference folds. Needs `npm run build` first.
//
//   node bench/preset-search.mjs [--corpus DIR] [--only NAME,NAME] [--split grouped|reference|both]
//
// Prints one line per configuration and split: accuracy, ROC AUC, average precision,
// false positives at recall >= 0.986, confusion, and CPU seconds.
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadCorpus } from '../dist/corpus/index.js';
import { makeSplit } from '../dist/eval/bench.js';
import { crossValidate } from '../dist/eval/cv.js';
import { configCandidate } from '../dist/eval/candidates.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { corpus: { type: 'string' }, only: { type: 'string' }, split: { type: 'string' } } });
const shared = process.env.NTMD_SHARED ?? join(root, '..', 'shared');
const corpus = await loadCorpus(values.corpus ?? join(shared, 'corpus'));

const sub = (ngramRange) => ({ ngramRange, sublinearTf: true });
const svc = (C) => ({ kind: 'linear-svc', C, select: null });
const nb = { kind: 'multinomial-nb', alpha: 0.01 };
const sgd = { kind: 'sgd', loss: 'hinge', penalty: 'l2', alpha: 1e-4 };
const one = (tfidf, member) => ({ tfidf, members: [member], policy: 'any', seed: 0 });
export const GRID = {
  'nb-10-sub': one(sub([10, 10]), nb),
  'svc1-10-sub': one(sub([10, 10]), svc(1)),
  'svc10-10-sub': one(sub([10, 10]), svc(10)),
  'svc100-10-sub': one(sub([10, 10]), svc(100)),
  'sgd-10-sub': one(sub([10, 10]), sgd),
  'sgd-10-raw': one({ ngramRange: [10, 10] }, sgd),
  'svc10-10-sub-mindf2': one({ ...sub([10, 10]), minDf: 2 }, svc(10)),
  'svc3-10-sub': one(sub([10, 10]), svc(3)),
  'sgd-10-sub-mindf2': one({ ...sub([10, 10]), minDf: 2 }, sgd),
  'svc1-5-sub': one(sub([5, 5]), svc(1)),
  'svc10-5-sub': one(sub([5, 5]), svc(10)),
  'svc10-3..5-sub': one(sub([3, 5]), svc(10)),
  'svc10-7-sub': one(sub([7, 7]), svc(10)),
  'sgd-5-sub': one(sub([5, 5]), sgd),
  'mean-nb+svc10+sgd-10-sub': { tfidf: sub([10, 10]), members: [nb, svc(10), sgd], policy: 'mean', calibrate: true, seed: 0 },
  'mean-svc10+sgd-10-sub': { tfidf: sub([10, 10]), members: [svc(10), sgd], policy: 'mean', calibrate: true, seed: 0 },
  'any-svc10+sgd-10-sub': { tfidf: sub([10, 10]), members: [svc(10), sgd], policy: 'any', seed: 0 },
};

const names = values.only ? values.only.split(',') : Object.keys(GRID);
const splits = values.split === 'grouped' ? ['grouped'] : values.split === 'reference' ? ['reference'] : ['grouped', 'reference'];
const docs = corpus.docs.map((d) => d.calls);
const labels = Uint8Array.from(corpus.docs, (d) => d.label);
for (const s of splits) {
  const split =
    s === 'grouped'
      ? makeSplit(corpus, { split: 'grouped', folds: 10, seed: 0 })
      : makeSplit(corpus, { foldsFile: join(shared, 'reference', 'cv-folds.json') });
  console.log(`# ${split.description}`);
  for (const name of names) {
    const cpu0 = process.cpuUsage();
    const r = crossValidate([configCandidate(name, GRID[name])], docs, labels, corpus.table, split);
    const cpu = process.cpuUsage(cpu0);
    for (const m of r.results) {
      const c = m.confusion;
      console.log(
        `${s.padEnd(9)} ${m.model.padEnd(44)} acc ${m.accuracy.toFixed(3)}  auc ${m.rocAuc.toFixed(4)}  ap ${m.prAuc.toFixed(4)}  ` +
          `fp@r.986 ${String(m.fpAtRecall).padStart(2)}  tpr@1% ${m.tprAtFpr01.toFixed(3)}  tn ${c.tn} fp ${c.fp} fn ${c.fn} tp ${c.tp}  cpu ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`,
      );
    }
  }
}
