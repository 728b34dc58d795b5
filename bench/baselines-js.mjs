#!/usr/bin/env node
// Why the named JavaScript ml packages cannot serve ten-gram TF-IDF (docs/dependencies.md):
// measures ml-naivebayes and ml-matrix against our sparse code on the real corpus. Each
// measurement runs in its own child process under `/usr/bin/time -v`, so its peak RSS is
// its own. Needs `npm run build` first (imports dist/).
//
//   node bench/baselines-js.mjs [CORPUS] [--folds FILE] [--skip-cv] [--json OUT]
//
// CORPUS defaults to ../shared/corpus, --folds to ../shared/reference/cv-folds.json.
// Children (also runnable alone: node bench/baselines-js.mjs --child NAME CORPUS [FOLDS]):
//   ours-fit      read + our TF-IDF + our MultinomialNB(alpha=0.01), training accuracy
//   mlnb-fit      read + our TF-IDF (ml-naivebayes has none) + densify + ml-naivebayes train,
//                 training accuracy, one-trace predict (median trace, largest trace)
//   ml-matrix     the 215 x V TF-IDF as an ml-matrix Matrix: build time, and X·w (all rows
//                 scored by one weight vector) dense vs our CSR
//   cv            pooled out-of-fold accuracy over the reference 10 folds (settings.all,
//                 vectorizer refitted per fold): ml-naivebayes (alpha fixed at 1) vs ours
//                 with alpha 1 and with alpha 0.01
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const shared = resolve(process.env.NTMD_SHARED ?? resolve(root, '..', 'shared'));
const args = process.argv.slice(2);

if (args[0] === '--child') {
  const [, name, corpusDir, foldsFile] = args;
  const result = await runChild(name, corpusDir, foldsFile);
  console.log(JSON.stringify(result));
  process.exit(0);
}

const opt = (flag) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};
const corpusDir = args.find((a, i) => !a.startsWith('--') && !['--folds', '--json'].includes(args[i - 1])) ?? resolve(shared, 'corpus');
const foldsFile = opt('--folds') ?? resolve(shared, 'reference', 'cv-folds.json');
const children = ['ours-fit', 'mlnb-fit', 'ml-matrix', ...(args.includes('--skip-cv') ? [] : ['cv'])];
const report = { machine: machineLine(), node: process.version, corpus: corpusDir, results: {} };
for (const name of children) {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-v', process.execPath, fileURLToPath(import.meta.url), '--child', name, corpusDir, foldsFile], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const wall = (performance.now() - t0) / 1000;
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const line = r.stdout.trim().split('\n').pop();
  if (r.status !== 0 || !line) {
    report.results[name] = { error: `exit ${r.status}`, stderr: r.stderr.split('\n').slice(-8).join('\n') };
  } else {
    report.results[name] = { ...JSON.parse(line), processSeconds: round(wall), peakRssMiB: rss ? round(Number(rss[1]) / 1024) : null };
  }
  console.error(`${name}: ${JSON.stringify(report.results[name])}`);
}
const out = opt('--json');
if (out) writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
console.log(JSON.stringify(report, null, 2));

// ---------------------------------------------------------------------------------------

function round(x, d = 3) {
  const m = 10 ** d;
  return Math.round(x * m) / m;
}

function machineLine() {
  const cpus = spawnSync('nproc', { encoding: 'utf8' }).stdout.trim();
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  return `${cpus} cores; load average at start ${load} (shared machine)`;
}

async function runChild(name, corpusDir, foldsFile) {
  const { loadCorpus } = await import('../dist/corpus/index.js');
  const { TfidfVectorizer } = await import('../dist/tfidf/index.js');
  const { MultinomialNB } = await import('../dist/classifiers/multinomial-nb.js');
  const t0 = performance.now();
  const corpus = await loadCorpus(corpusDir);
  const readSeconds = (performance.now() - t0) / 1000;
  const docs = corpus.docs.map((d) => d.calls);
  const y = Uint8Array.from(corpus.docs, (d) => d.label);
  const accuracy = (pred, truth) => round(pred.reduce((a, p, i) => a + (Number(p) === truth[i] ? 1 : 0), 0) / truth.length, 4);

  if (name === 'ours-fit') {
    const t1 = performance.now();
    const { X } = new TfidfVectorizer().fitTransform(docs, corpus.table);
    const t2 = performance.now();
    const nb = new MultinomialNB({ alpha: 0.01 }).fit(X, y);
    const t3 = performance.now();
    return {
      side: 'ntmaldetect',
      covers: 'read corpus + TF-IDF fit (vocabulary, idf, matrix) + MultinomialNB(alpha=0.01) fit',
      readSeconds: round(readSeconds),
      tfidfSeconds: round((t2 - t1) / 1000),
      nbFitSeconds: round((t3 - t2) / 1000, 4),
      features: X.cols,
      matrixMiB: round((X.indptr.byteLength + X.indices.byteLength + X.data.byteLength) / 2 ** 20),
      trainingAccuracy: accuracy(Array.from(nb.predict(X)), y),
    };
  }

  const { Matrix } = await import('ml-matrix');
  const dense = (X, rows = Array.from({ length: X.rows }, (_, i) => i)) => {
    const m = new Matrix(rows.length, X.cols);
    rows.forEach((r, k) => {
      for (let p = X.indptr[r]; p < X.indptr[r + 1]; p++) m.set(k, X.indices[p], X.data[p]);
    });
    return m;
  };

  if (name === 'ml-matrix') {
    const { X } = new TfidfVectorizer().fitTransform(docs, corpus.table);
    const t1 = performance.now();
    const M = dense(X);
    const buildSeconds = (performance.now() - t1) / 1000;
    const w = Float64Array.from({ length: X.cols }, (_, j) => Math.sin(j));
    const wCol = Matrix.columnVector(Array.from(w));
    const t2 = performance.now();
    const viaMatrix = M.mmul(wCol).to1DArray();
    const denseDot = (performance.now() - t2) / 1000;
    const t3 = performance.now();
    const viaCsr = new Float64Array(X.rows);
    for (let r = 0; r < X.rows; r++) {
      let s = 0;
      for (let p = X.indptr[r]; p < X.indptr[r + 1]; p++) s += X.data[p] * w[X.indices[p]];
      viaCsr[r] = s;
    }
    const sparseDot = (performance.now() - t3) / 1000;
    let maxDiff = 0;
    for (let r = 0; r < X.rows; r++) maxDiff = Math.max(maxDiff, Math.abs(viaMatrix[r] - viaCsr[r]));
    return {
      side: 'ml-matrix',
      covers: 'dense Matrix of the full TF-IDF (rows x features); X·w with one weight vector',
      shape: [X.rows, X.cols],
      denseMiB: round((X.rows * X.cols * 8) / 2 ** 20),
      csrMiB: round((X.indptr.byteLength + X.indices.byteLength + X.data.byteLength) / 2 ** 20),
      buildSeconds: round(buildSeconds),
      denseMatVecSeconds: round(denseDot, 4),
      csrMatVecSeconds: round(sparseDot, 6),
      maxAbsDifference: maxDiff,
    };
  }

  const { default: mlnb } = await import('ml-naivebayes');

  if (name === 'mlnb-fit') {
    const { tfidf, X } = new TfidfVectorizer().fitTransform(docs, corpus.table);
    const t1 = performance.now();
    const M = dense(X);
    const t2 = performance.now();
    const nb = new mlnb.MultinomialNB();
    nb.train(M, Array.from(y));
    const t3 = performance.now();
    const pred = nb.predict(M);
    const t4 = performance.now();
    const order = docs.map((_, i) => i).sort((a, b) => docs[a].length - docs[b].length);
    const one = (i) => {
      const s = performance.now();
      nb.predict(dense(tfidf.transformOne(docs[i], corpus.table).X));
      return (performance.now() - s) / 1000;
    };
    const median = order[order.length >> 1];
    one(median);
    return {
      side: 'ml-naivebayes',
      covers: 'densify our TF-IDF + MultinomialNB.train (alpha fixed at 1); predict = transformOne + densify row + predict',
      features: X.cols,
      densifySeconds: round((t2 - t1) / 1000),
      trainSeconds: round((t3 - t2) / 1000),
      predictAllSeconds: round((t4 - t3) / 1000),
      medianTraceCalls: docs[median].length,
      medianTraceSeconds: round(one(median), 5),
      largestTraceCalls: docs[order[order.length - 1]].length,
      largestTraceSeconds: round(one(order[order.length - 1]), 5),
      trainingAccuracy: accuracy(pred, y),
    };
  }

  if (name === 'cv') {
    const { replayFolds } = await import('../dist/eval/folds.js');
    const names = corpus.docs.map((d) => d.name);
    const split = replayFolds(JSON.parse(readFileSync(foldsFile, 'utf8')), names, 'all', foldsFile);
    const sides = { 'ml-naivebayes (alpha 1)': [], 'ntmaldetect NB alpha 1': [], 'ntmaldetect NB alpha 0.01': [] };
    const truth = [];
    let mlnbSeconds = 0;
    for (const fold of split.folds) {
      const trainDocs = Array.from(fold.train, (i) => docs[i]);
      const yTrain = Uint8Array.from(fold.train, (i) => y[i]);
      const { tfidf, X } = new TfidfVectorizer().fitTransform(trainDocs, corpus.table);
      const Xt = tfidf.transform(Array.from(fold.test, (i) => docs[i]), corpus.table);
      for (const i of fold.test) truth.push(y[i]);
      sides['ntmaldetect NB alpha 1'].push(...new MultinomialNB({ alpha: 1 }).fit(X, yTrain).predict(Xt));
      sides['ntmaldetect NB alpha 0.01'].push(...new MultinomialNB({ alpha: 0.01 }).fit(X, yTrain).predict(Xt));
      const s = performance.now();
      const nb = new mlnb.MultinomialNB();
      nb.train(dense(X), Array.from(yTrain));
      sides['ml-naivebayes (alpha 1)'].push(...nb.predict(dense(Xt)));
      mlnbSeconds += (performance.now() - s) / 1000;
    }
    return {
      side: 'cross-validation',
      covers: `${split.description}; vectorizer refitted on each training part`,
      pooledAccuracy: Object.fromEntries(Object.entries(sides).map(([k, p]) => [k, accuracy(p, truth)])),
      mlnbSecondsAllFolds: round(mlnbSeconds),
    };
  }
  throw new Error(`unknown child ${name}`);
}
