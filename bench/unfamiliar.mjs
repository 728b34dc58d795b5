#!/usr/bin/env node
// The measurement behind the "unfamiliar" rule (docs/benchmarks.md, "Unfamiliar traces").
//
// For each held-out trace of the grouped near-duplicate split (10 folds, seed 0; a model of
// the `default` preset fitted on the other folds), and for real NtTrace logs of benign Wine
// tools judged by the shipped model, it records what the model knows of the trace (the
// share of its ten-gram occurrences in the vocabulary, and the number of distinct ones: the
// features it activates) and the ensemble's decision as it would be without the rule. It
// prints the accuracy-coverage curves of both measures, and the Wine logs' figures, split
// into the half the rule is chosen on and the half it is checked on (alternate files in
// name order).
//
//   npm run build && node bench/unfamiliar.mjs [--corpus DIR] [--wine DIR] [--json FILE]
import { readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCorpus } from '../dist/corpus/index.js';
import { makeSplit } from '../dist/eval/bench.js';
import { fitPipeline } from '../dist/model/pipeline.js';
import { presetConfig } from '../dist/model/presets.js';
import { loadModelSync } from '../dist/model/index.js';
import { DEFAULT_MODEL_PATH } from '../dist/api/detect.js';
import { verdictOfRow } from '../dist/api/verdict.js';
import { readTraceFileSync } from '../dist/tokenize/index.js';
import { combine } from '../dist/ensemble/index.js';

const shared = process.env.NTMD_SHARED ?? resolve('../shared');
const { values } = parseArgs({
  options: {
    corpus: { type: 'string', default: join(shared, 'corpus') },
    wine: { type: 'string', default: 'fixtures/wine-benign' },
    json: { type: 'string' },
  },
});

/** One judged trace: label (1 malicious, 0 benign), known fraction, score, verdict. */
const judge = (model, calls, table) => {
  const { X, ngrams, unknown } = model.tfidf.transformOne(calls, table);
  // The ensemble's decision as it would be without the unfamiliar rule.
  const v = verdictOfRow(model, X, { calls: calls.length, ngrams, unknown });
  const decided = combine(v.members, v.policy, model.config.threshold).malicious;
  return {
    known: ngrams === 0 ? 0 : (ngrams - unknown) / ngrams,
    knownCount: ngrams - unknown,
    distinct: X.indptr[1] - X.indptr[0],
    ngrams,
    malicious: decided,
    score: v.members[0]?.score ?? 0,
  };
};

const corpus = await loadCorpus(values.corpus);
const split = makeSplit(corpus, { split: 'grouped', folds: 10, seed: 0 });
const config = presetConfig('default');
const held = [];
for (const fold of split.folds) {
  const docs = Array.from(fold.train, (i) => corpus.docs[i].calls);
  const labels = Uint8Array.from(fold.train, (i) => corpus.docs[i].label);
  const model = fitPipeline(config, docs, labels, corpus.table);
  for (const i of fold.test) {
    const d = corpus.docs[i];
    held.push({ name: d.name, label: d.label, ...judge(model, d.calls, corpus.table) });
  }
}

const shipped = loadModelSync(DEFAULT_MODEL_PATH);
const wine = [];
let files = [];
try {
  files = readdirSync(values.wine).filter((f) => /\.log(\.gz)?$/.test(f)).sort();
} catch {
  console.error(`no Wine logs at ${values.wine}`);
}
files.forEach((f, k) => {
  const r = readTraceFileSync(join(values.wine, f));
  wine.push({ name: f, half: k % 2 === 0 ? 'choose' : 'check', calls: r.calls.length, ...judge(shipped, r.calls, r.table) });
});

const pct = (x) => (100 * x).toFixed(1);
/** One row of a curve: traces with `stat >= t` are judged, the rest unfamiliar. */
const row = (stat, t, label) => {
  const cov = held.filter((h) => h[stat] >= t);
  const ok = cov.filter((h) => h.malicious === (h.label === 1)).length;
  const unf = held.filter((h) => h[stat] < t);
  const w = (half) => {
    const ws = wine.filter((x) => x.half === half);
    return `${ws.filter((x) => x[stat] < t).length} / ${ws.filter((x) => x[stat] >= t && x.malicious).length} of ${ws.length}`;
  };
  return (
    `| ${label} | ${pct(cov.length / held.length)}% | ${(ok / cov.length).toFixed(4)} | ${cov.length - ok} | ` +
    `${unf.filter((h) => h.label === 0).length} / ${unf.filter((h) => h.label === 1).length} | ${w('choose')} | ${w('check')} |`
  );
};
const header =
  '| rule | corpus coverage | accuracy on covered | errors on covered | unfamiliar (benign / malicious) | Wine, choose half: unfamiliar / malicious | Wine, check half: unfamiliar / malicious |\n|---|---|---|---|---|---|---|';
console.log(`grouped split (10 folds, seed 0): ${held.length} held-out traces; Wine logs: ${wine.length}`);
console.log('\nBy share of known n-gram occurrences:\n' + header);
for (const t of [0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3]) console.log(row('known', t, `known share >= ${t}`));
console.log('\nBy distinct known n-grams (the features the trace activates):\n' + header);
for (const k of [1, 2, 11, 14, 50, 230, 231, 300]) console.log(row('distinct', k, `known n-grams >= ${k}`));
const half = (h) => wine.filter((x) => x.half === h);
for (const h of ['choose', 'check']) {
  const ws = half(h);
  console.log(`\nWine ${h} half: most distinct known n-grams ${Math.max(...ws.map((x) => x.distinct))}, highest known share ${pct(Math.max(...ws.map((x) => x.known)))}%`);
}
const real = held.filter((h) => h.ngrams >= 100).map((h) => h.distinct);
console.log(`corpus traces with >= 100 n-grams: fewest distinct known n-grams ${Math.min(...real)}`);
console.log('\nWine logs (shipped model; "decision" is what the ensemble would say without the rule):');
for (const w of wine) {
  console.log(`  ${w.half}\t${w.name}\t${w.calls} calls\tknown ${pct(w.known)}%\t${w.distinct} distinct known\t${w.malicious ? 'malicious' : 'benign'}\t${w.score.toFixed(4)}`);
}
if (values.json) writeFileSync(values.json, JSON.stringify({ held, wine }, null, 1));
