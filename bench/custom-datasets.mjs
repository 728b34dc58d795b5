#!/usr/bin/env node
/**
 * Custom training on the dataset fixtures (fixtures/datasets/, scripts/make-dataset-fixtures.mjs):
 * the wall time of `ntmaldetect train` (median of 5 runs, a fresh process each) and the
 * cross-validated accuracy of `ntmaldetect bench` (5 stratified folds, seed 0) for the ADFA-like
 * words tree, the MalbehavD-like CSV and the TSV. Needs `npm run build`.
 *
 *   node bench/custom-datasets.mjs
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'dist', 'cli', 'main.js');
const D = join(root, 'fixtures', 'datasets');
const tmp = mkdtempSync(join(tmpdir(), 'ntmd-bench-custom-'));

const datasets = [
  {
    name: 'ADFA-like words (24 benign, 30 attack files)',
    data: ['--format', 'words', '--benign', join(D, 'adfa-like', 'Training_Data_Master'), '--malicious', join(D, 'adfa-like', 'Attack_Data_Master')],
    train: [],
    bench: [],
  },
  {
    name: 'MalbehavD-like CSV (200 rows)',
    data: ['--format', 'csv', '--data', join(D, 'malbehavd-like.csv')],
    train: ['--ngram-range', '2,4', '--min-known', '1'],
    bench: ['--ngram-range', '2,4'],
  },
  {
    name: 'TSV, one calls field (60 rows)',
    data: ['--format', 'tsv', '--data', join(D, 'api-calls.tsv')],
    train: ['--ngram-range', '2,4', '--min-known', '1'],
    bench: ['--ngram-range', '2,4'],
  },
];

function run(args) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`ntmaldetect ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return { ms, out: r.stdout };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
} catch {}
console.log(`machine: ${cpus()[0]?.model ?? '?'} (${cpus().length} cores), Node ${process.version}; commit ${commit}`);
console.log();
console.log('| dataset | train: process wall time / its own reading + fitting time (medians of 5) | features | bench model | accuracy | ROC AUC | bench wall time |');
console.log('|---|---:|---:|---|---:|---:|---:|');
try {
  for (const d of datasets) {
    const times = [];
    const own = [];
    let summary;
    for (let i = 0; i < 5; i++) {
      const r = run(['train', ...d.data, ...d.train, '--out', join(tmp, 'm.ntmd'), '--json']);
      times.push(r.ms);
      summary = JSON.parse(r.out);
      own.push(summary.seconds * 1000);
    }
    const b = run(['bench', ...d.data, ...d.bench, '--folds', '5', '--models', 'default,sgd-2018,ntmaldetect-2018,auto', '--json']);
    const s = JSON.parse(b.out);
    s.results
      .filter((r) => !r.model.includes('/'))
      .forEach((r, i) => {
        console.log(
          `| ${i === 0 ? d.name : ''} | ${i === 0 ? `${median(times).toFixed(0)} ms / ${median(own).toFixed(0)} ms` : ''} | ${i === 0 ? summary.features : ''} | ${r.model} | ${r.accuracy.toFixed(3)} | ${r.rocAuc.toFixed(3)} | ${i === 0 ? `${(b.ms / 1000).toFixed(1)} s` : ''} |`,
        );
      });
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
