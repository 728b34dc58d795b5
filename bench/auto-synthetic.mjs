#!/usr/bin/env node
// `bench --models auto` on a generated corpus unlike NtMalDetect's: 6,000 short traces
// (3..120 calls) of Linux syscall names with class-dependent call patterns
// (src/eval/synthetic.ts), 10 folds. Needs `npm run build` first.
//
//   node bench/auto-synthetic.mjs [--traces N] [--vocabulary nt|linux|linux-numbers|winapi] [--folds K]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeSyntheticCorpus } from '../dist/eval/synthetic.js';
import { runBench } from '../dist/eval/bench.js';
import { metricsTable, speedTable } from '../dist/eval/report.js';

const { values } = parseArgs({ options: { traces: { type: 'string' }, vocabulary: { type: 'string' }, folds: { type: 'string' }, models: { type: 'string' } } });
const traces = Number(values.traces ?? 6000);
const vocabulary = values.vocabulary ?? 'linux';
const dir = mkdtempSync(join(tmpdir(), 'ntmd-auto-'));
try {
  writeSyntheticCorpus(dir, { traces, vocabulary, seed: 0 });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const r = await runBench({ corpus: dir, folds: Number(values.folds ?? 10), models: values.models ?? 'auto,ntmaldetect-2018,svc-5gram' });
  const cpu = process.cpuUsage(cpu0);
  console.log(`${traces} synthetic traces (${vocabulary}), ${r.split}`);
  console.log('');
  console.log(metricsTable(r.results));
  console.log('');
  console.log(speedTable(r));
  console.log('');
  r.autoChoices.forEach((c, i) => console.log(`auto, fold ${i}: ${c.tfidf.ngramRange.join('..')}-grams, ${c.tfidf.sublinearTf ? 'sublinear' : 'raw'} tf, ${c.members.map((m) => m.name).join(' + ')}`));
  console.log(`\nwhole run: ${((performance.now() - t0) / 1000).toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
