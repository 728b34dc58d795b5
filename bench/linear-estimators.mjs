#!/usr/bin/env node
// Fit time of the linear estimators (src/classifiers) against scikit-learn 1.2.1, side by
// side in one run, on the corpus's ten-gram TF-IDF matrix (built by each side, untimed).
// Needs `npm run build` first.
//
//   node bench/linear-estimators.mjs [--corpus DIR] [--python /usr/bin/python3] [--reps N]
//
// Each figure is the median over N fits (after one untimed warm-up fit) of the fit call
// alone: wall time, and CPU time of the process (user + system), which is less sensitive
// than wall time to other load on a shared machine. The matrix is already in memory on both
// sides; for the L1 solver our side includes the column-major transpose, scikit-learn's
// includes its conversion to LIBLINEAR's rows and its transpose.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { corpus: { type: 'string' }, python: { type: 'string' }, reps: { type: 'string' } } });
const corpus = resolve(values.corpus ?? join(process.env.NTMD_SHARED ?? join(root, '..', 'shared'), 'corpus'));
const python = values.python ?? '/usr/bin/python3';
const reps = Number(values.reps ?? 7);

const { loadCorpus } = await import(join(root, 'dist/corpus/index.js'));
const { TfidfVectorizer } = await import(join(root, 'dist/tfidf/index.js'));
const { LinearSVC } = await import(join(root, 'dist/classifiers/linear-svc.js'));
const { L1SelectedSVC } = await import(join(root, 'dist/classifiers/l1-selected-svc.js'));
const { SGDClassifier } = await import(join(root, 'dist/classifiers/sgd.js'));

const c = await loadCorpus(corpus);
const y = Uint8Array.from(c.docs, (d) => d.label);
const { X } = new TfidfVectorizer().fitTransform(
  c.docs.map((d) => d.calls),
  c.table,
);

const estimators = {
  'svc-pipeline': () => new L1SelectedSVC(),
  'linear-svc-l1': () => new LinearSVC({ penalty: 'l1', tol: 1e-3 }),
  'linear-svc-l2': () => new LinearSVC(),
  'sgd-hinge-l2': () => new SGDClassifier(),
  'sgd-hinge-l1': () => new SGDClassifier({ penalty: 'l1' }),
};

const median = (a) => [...a].sort((p, q) => p - q)[a.length >> 1];
const ours = {};
for (const [name, make] of Object.entries(estimators)) {
  make().fit(X, y); // warm-up
  const wall = [];
  const cpu = [];
  for (let i = 0; i < reps; i++) {
    const m = make();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    m.fit(X, y);
    wall.push((performance.now() - t0) / 1000);
    const u = process.cpuUsage(c0);
    cpu.push((u.user + u.system) / 1e6);
  }
  ours[name] = { wall, cpu };
}

const r = spawnSync(python, [join(root, 'bench/linear_estimators.py'), corpus, String(reps)], { encoding: 'utf8', maxBuffer: 1 << 26 });
let theirs = null;
if (r.status === 0) theirs = JSON.parse(r.stdout.trim().split('\n').pop());
else console.error(`scikit-learn side skipped (${python}: ${(r.stderr ?? '').trim().split('\n').pop()})`);

const ms = (s) => (s * 1000).toFixed(1).padStart(8);
console.log(`matrix ${X.rows} x ${X.cols}, ${X.indptr[X.rows]} non-zeros; median of ${reps} fits; milliseconds`);
console.log('estimator         ours wall  ours cpu  sklearn wall  sklearn cpu  cpu ratio');
for (const name of Object.keys(estimators)) {
  const o = ours[name];
  const t = theirs?.[name];
  const ratio = t ? (median(t.cpu) / median(o.cpu)).toFixed(2) + 'x' : '-';
  console.log(
    `${name.padEnd(16)} ${ms(median(o.wall))}  ${ms(median(o.cpu))}  ${t ? ms(median(t.wall)) + '    ' : '       -    '} ${t ? ms(median(t.cpu)) : '       -'}  ${ratio.padStart(8)}`,
  );
}
