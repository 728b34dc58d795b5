#!/usr/bin/env node
// The TF-IDF vectorizer alone, against scikit-learn's TfidfVectorizer in the same run.
// Needs `npm run build` first (imports dist/).
//
//   node bench/tfidf.mjs [CORPUS] [--runs N] [--python /usr/bin/python3]
//
// ntmaldetect (in this process, after reading the corpus with loadCorpus):
//   fit           TfidfVectorizer().fitTransform on the 215 traces' call ids: exact vocabulary,
//                 idf, and the L2-normalised training matrix (best and median of N runs)
//   transformOne  one trace's call ids -> its TF-IDF row, with n-gram/unknown counts;
//                 median over all traces of the per-trace best of 5 (after a warm-up pass),
//                 and the largest trace
//   counter       NgramCounter.pushMany in 4,096-call batches over the largest trace, then toRow
// scikit-learn (a child process; skipped when it is not installed):
//   fit           TfidfVectorizer(ngram_range=(10, 10)).fit_transform on the traces' text (call
//                 names joined by spaces, read before timing); best and median of N runs
//   transform     vectorizer.transform([text]) for the median and the largest trace
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCorpus } from '../dist/corpus/index.js';
import { TfidfVectorizer } from '../dist/tfidf/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (flag, dflt) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : dflt;
};
const corpusDir = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')) ?? resolve(process.env.NTMD_SHARED ?? resolve(root, '..', 'shared'), 'corpus');
const runs = Number(opt('--runs', 7));
const python = opt('--python', '/usr/bin/python3');

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { best: s[0], median: s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2 };
};
const ms = (x) => Math.round(x * 1e4) / 1e4;

const corpus = await loadCorpus(corpusDir);
const docs = corpus.docs.map((d) => d.calls);
const order = docs.map((_, i) => i).sort((a, b) => docs[a].length - docs[b].length);
const medianDoc = order[order.length >> 1];
const largestDoc = order[order.length - 1];

const fits = [];
let model;
for (let r = 0; r < runs; r++) {
  const t = performance.now();
  model = new TfidfVectorizer().fitTransform(docs, corpus.table).tfidf;
  fits.push(performance.now() - t);
}
const perTrace = docs.map(() => Infinity);
for (let pass = 0; pass < 6; pass++) {
  docs.forEach((d, i) => {
    const t = performance.now();
    model.transformOne(d, corpus.table);
    if (pass > 0) perTrace[i] = Math.min(perTrace[i], performance.now() - t);
  });
}
const counterTimes = [];
for (let r = 0; r < 5; r++) {
  const d = docs[largestDoc];
  const t = performance.now();
  const c = model.counter(corpus.table);
  for (let p = 0; p < d.length; p += 4096) c.pushMany(d.subarray(p, Math.min(d.length, p + 4096)));
  c.toRow();
  counterTimes.push(performance.now() - t);
}
const ours = {
  features: model.vocabularySize,
  fitMs: { best: ms(stats(fits).best), median: ms(stats(fits).median) },
  transformOneMs: {
    medianTrace: ms(stats(perTrace).median),
    largestTrace: ms(perTrace[largestDoc]),
    largestCalls: docs[largestDoc].length,
  },
  counterLargestMs: ms(stats(counterTimes).best),
};

let sklearn = { skipped: `no scikit-learn at ${python}` };
if (existsSync(python)) {
  const script = `
import sys, json, time, statistics
from sklearn.feature_extraction.text import TfidfVectorizer
paths = json.loads(sys.stdin.read())
texts = [' '.join(open(p, encoding='latin-1').read().split()) for p in paths['docs']]
runs = int(paths['runs'])
fits = []
for _ in range(runs):
    t = time.perf_counter(); v = TfidfVectorizer(ngram_range=(10, 10)); v.fit_transform(texts); fits.append((time.perf_counter() - t) * 1000)
def one(i):
    best = float('inf')
    for _ in range(5):
        t = time.perf_counter(); v.transform([texts[i]]); best = min(best, (time.perf_counter() - t) * 1000)
    return best
print(json.dumps({'features': len(v.vocabulary_), 'fitMs': {'best': min(fits), 'median': statistics.median(fits)},
  'transformMs': {'medianTrace': one(paths['median']), 'largestTrace': one(paths['largest'])}}))
`;
  const r = spawnSync(python, ['-c', script], {
    input: JSON.stringify({ docs: corpus.docs.map((d) => d.path), runs, median: medianDoc, largest: largestDoc }),
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  sklearn = r.status === 0 ? JSON.parse(r.stdout.trim().split('\n').pop()) : { error: r.stderr.split('\n').slice(-4).join('\n') };
}
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(JSON.stringify({ node: process.version, loadAverageAtEnd: load, runs, ntmaldetect: ours, scikitLearn: sklearn }, null, 2));
