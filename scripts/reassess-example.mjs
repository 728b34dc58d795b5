#!/usr/bin/env node
// The worked example of docs/reassessment.md: a fresh embedded store gets half of the
// corpus (every other trace of each class), is re-assessed, then gets the rest in two
// steps with a re-assessment after each; finally traces with coin-flip labels are added.
// Prints each run's report as `ntmaldetect reassess` does. Needs `npm run build`.
//   node scripts/reassess-example.mjs [--candidates LIST] [--folds N]
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openStore } from '../dist/store/index.js';
import { reassess } from '../dist/reassess/index.js';
import { printReport } from '../dist/cli/commands/reassess.js';

const { values } = parseArgs({ options: { candidates: { type: 'string' }, folds: { type: 'string' } } });
const shared = process.env.NTMD_SHARED ?? resolve(import.meta.dirname, '..', '..', 'shared');
const corpus = join(shared, 'corpus');
const items = [];
for (const [dir, label] of [['sysBEN', 0], ['sysMAL', 1]]) {
  const names = readdirSync(join(corpus, dir)).filter((n) => !n.startsWith('.')).sort();
  names.forEach((name, i) => items.push({ name, label, path: join(corpus, dir, name), step: i % 2 === 0 ? 0 : i % 4 === 1 ? 1 : 2 }));
}
const dir = mkdtempSync(join(tmpdir(), 'ntmd-reassess-example-'));
const store = await openStore({ db: dir, env: {} });
const io = { stdout: process.stdout, stderr: process.stderr };
const options = { candidates: values.candidates, folds: values.folds ? Number(values.folds) : undefined };
try {
  for (const step of [0, 1, 2]) {
    const batch = items.filter((it) => it.step === step).map(({ step: _s, ...it }) => ({ ...it, source: `step${step}` }));
    const rep = await store.import(batch);
    console.log(`\n$ import step ${step}: ${batch.length} files (${batch.filter((b) => b.label === 1).length} malicious), ${rep.traces} new distinct traces`);
    const t0 = performance.now();
    const r = await reassess(store, { ...options, trigger: `example step ${step}` });
    printReport(io, r);
    console.log(`(run took ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  // Coin-flip labels on copies of real traces: no model can learn from them.
  let seed = 12345;
  const coin = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 < 0.5 ? 0 : 1);
  const noise = items
    .filter((_, i) => i % 3 === 0)
    .map((it) => {
      const text = readFileSync(it.path, 'utf8');
      const lines = text.split('\n');
      return { name: `NOISE_${it.name}`, label: coin(), bytes: new TextEncoder().encode(lines.slice(0, Math.max(1, lines.length - 3)).join('\n') + '\n'), source: 'noise' };
    });
  await store.import(noise);
  console.log(`\n$ import noise: ${noise.length} truncated copies of corpus traces with coin-flip labels`);
  const t0 = performance.now();
  const r = await reassess(store, { ...options, trigger: 'example noise' });
  printReport(io, r);
  console.log(`(run took ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
