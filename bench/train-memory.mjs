#!/usr/bin/env node
// Training in bounded memory against the in-memory path (docs/benchmarks.md, "Training in
// bounded memory"): for each corpus folder, `train --in-memory` and `train --low-memory` as
// whole processes under /usr/bin/time -v (peak RSS, wall, user + system CPU), and whether the
// two model files are the same bytes.
//
//   npm run bench -- corpus-x 16 /tmp/ntmd-16x && npm run bench -- corpus-x 64 /tmp/ntmd-64x
//   npm run bench -- train-memory [--preset P] [--runs N] [--only low|in] [--threads N|auto] /tmp/ntmd-16x /tmp/ntmd-64x
//
// NTMD_DIST=DIR runs another build's CLI (default: dist/). The load average before and after
// each run is printed: the machine is shared.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = resolve(process.env.NTMD_DIST ?? join(root, 'dist'));
const cli = join(dist, 'cli', 'main.js');
const args = process.argv.slice(2);
let preset = 'default';
let runs = 1;
let only = null;
let threads = null;
const corpora = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--preset') preset = args[++i];
  else if (args[i] === '--runs') runs = Number(args[++i]);
  else if (args[i] === '--only') only = args[++i];
  else if (args[i] === '--threads') threads = args[++i];
  else corpora.push(resolve(args[i]));
}
if (corpora.length === 0 || !existsSync('/usr/bin/time')) {
  process.stderr.write('usage: npm run bench -- train-memory [--preset P] [--runs N] [--only low|in] [--threads N|auto] CORPUS... (needs /usr/bin/time)\n');
  process.exit(2);
}

const load = () => loadavg()[0].toFixed(1);
const out = mkdtempSync(join(tmpdir(), 'ntmd-train-memory-'));
const rows = [];
try {
  for (const corpus of corpora) {
    const files = {};
    for (let r = 0; r < runs; r++) {
      for (const mode of ['in', 'low']) {
        if (only !== null && only !== mode) continue;
        const file = join(out, `${mode}.ntmd`);
        const before = load();
        const p = spawnSync('/usr/bin/time', ['-v', process.execPath, cli, 'train', '--corpus', corpus, '--preset', preset, `--${mode}-memory`, '--out', file, '--json', ...(threads !== null ? ['--threads', threads] : [])], {
          encoding: 'utf8',
          maxBuffer: 1 << 26,
        });
        if (p.status !== 0) throw new Error(`train --${mode}-memory on ${corpus} failed:\n${p.stderr.split('\n').slice(-20).join('\n')}`);
        const field = (name) => Number(new RegExp(`${name}[^:]*: ([0-9.:]+)`).exec(p.stderr)?.[1] ?? NaN);
        const wallText = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([0-9:.]+)/.exec(p.stderr)[1].split(':').map(Number);
        const wall = wallText.reduce((a, b) => a * 60 + b, 0);
        const summary = JSON.parse(p.stdout.trim().split('\n').at(-1));
        files[mode] = readFileSync(file);
        rows.push({
          corpus,
          mode: mode === 'in' ? `in memory (--in-memory${threads !== null ? ` --threads ${threads}` : ''})` : 'in passes (--low-memory)',
          traces: summary.traces,
          features: summary.features,
          peakMiB: field('Maximum resident set size') / 1024,
          wall,
          cpu: field('User time') + field('System time'),
          load: `${before}–${load()}`,
        });
        process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
      }
    }
    if (files.in && files.low) process.stdout.write(`${corpus}: model files ${files.in.equals(files.low) ? 'identical' : 'DIFFERENT'} (${files.in.length} bytes)\n`);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
const fmt = (x, d = 1) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
process.stdout.write(`\n| corpus | path | traces | features | peak RSS | wall | CPU (user + sys) | load (1 min) |\n|---|---|---:|---:|---:|---:|---:|---|\n`);
for (const r of rows)
  process.stdout.write(`| ${r.corpus} | ${r.mode} | ${fmt(r.traces, 0)} | ${fmt(r.features, 0)} | ${fmt(r.peakMiB, 0)} MiB | ${fmt(r.wall)} s | ${fmt(r.cpu)} s | ${r.load} |\n`);
