#!/usr/bin/env node
// The JavaScript baselines of the speed comparison, where the named ml packages can serve:
//   node bench/mljs-baselines.mjs nb CORPUS    ml-naivebayes MultinomialNB on the dense ten-gram
//                                              TF-IDF matrix (215 x 242,694); alpha is fixed at 1
//   node bench/mljs-baselines.mjs svm CORPUS   ml-svm (linear kernel, SMO, whitening off: with it
//                                              the margins are NaN) on the columns kept by our
//                                              L1 stage, i.e. the second stage of NtMalDetect's
//                                              pipeline (dense SMO cannot take all 242,694 columns
//                                              in reasonable time and memory)
// Reading and TF-IDF are ours (the packages have none). Timed: fit = densify + train;
// one trace = our transformOne + densify the row + predict, median over the corpus (one
// untimed warm-up pass) and the largest trace. Prints one JSON line.
import { loadCorpus } from '../dist/corpus/index.js';
import { TfidfVectorizer } from '../dist/tfidf/index.js';
import { LinearSVC } from '../dist/classifiers/linear-svc.js';
import { selectFromModel } from '../dist/classifiers/select-from-model.js';
import { Matrix } from 'ml-matrix';
import mlnb from 'ml-naivebayes';
import SVM from 'ml-svm';

const [mode, corpusDir] = process.argv.slice(2);
if (!['nb', 'svm'].includes(mode) || !corpusDir) {
  console.error('usage: node bench/mljs-baselines.mjs nb|svm CORPUS');
  process.exit(2);
}
const corpus = await loadCorpus(corpusDir);
const docs = corpus.docs.map((d) => d.calls);
const y = corpus.docs.map((d) => d.label);
const { tfidf, X } = new TfidfVectorizer({ ngramRange: [10, 10] }).fitTransform(docs, corpus.table);

function denseRows(csr, cols, colMap) {
  const rows = [];
  for (let r = 0; r < csr.rows; r++) {
    const row = new Float64Array(cols);
    for (let p = csr.indptr[r]; p < csr.indptr[r + 1]; p++) {
      const c = colMap ? colMap[csr.indices[p]] : csr.indices[p];
      if (c >= 0) row[c] = csr.data[p];
    }
    rows.push(row);
  }
  return rows;
}

let predictOne;
let fitSeconds;
let extra = {};
if (mode === 'nb') {
  const t0 = performance.now();
  const dense = new Matrix(denseRows(X, X.cols));
  const nb = new mlnb.MultinomialNB();
  nb.train(dense, y);
  fitSeconds = (performance.now() - t0) / 1000;
  predictOne = (row) => nb.predict(new Matrix(denseRows(row, X.cols)))[0];
  extra = { features: X.cols, alpha: 1 };
} else {
  const l1 = new LinearSVC({ penalty: 'l1', C: 1, tol: 1e-3, seed: 0 }).fit(X, Uint8Array.from(y));
  const keep = selectFromModel(l1.coef);
  const colMap = new Int32Array(X.cols).fill(-1);
  keep.forEach((c, k) => (colMap[c] = k));
  const t0 = performance.now();
  const dense = denseRows(X, keep.length, colMap).map((r) => Array.from(r));
  const svm = new SVM({ kernel: 'linear', C: 1, whitening: false, random: mulberry(0) });
  svm.train(dense, y.map((v) => (v ? 1 : -1)));
  fitSeconds = (performance.now() - t0) / 1000;
  predictOne = (row) => svm.predictOne(Array.from(denseRows(row, keep.length, colMap)[0]));
  extra = { features: keep.length, note: 'L2 stage only, on the L1-kept columns (L1 stage fitted by ntmaldetect, not timed)' };
}

function mulberry(a) {
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pass = () =>
  corpus.docs.map((d) => {
    const t0 = performance.now();
    predictOne(tfidf.transformOne(d.calls, corpus.table).X);
    return (performance.now() - t0) / 1000;
  });
pass();
const times = pass();
const sorted = [...times].sort((a, b) => a - b);
const largest = corpus.docs.reduce((best, d, i) => (d.bytes > corpus.docs[best].bytes ? i : best), 0);
console.log(
  JSON.stringify({
    side: mode === 'nb' ? 'ml-naivebayes' : 'ml-svm',
    mode,
    traces: times.length,
    fitSeconds,
    medianSeconds: sorted.length % 2 ? sorted[sorted.length >> 1] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2,
    largestSeconds: times[largest],
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    ...extra,
  }),
);
