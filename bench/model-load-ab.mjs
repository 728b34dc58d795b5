#!/usr/bin/env node
// Model loading, two builds side by side in one run (A/B): warm load CPU, cold load CPU
// and the peak RSS of a process that loads the model. CPU time (process.cpuUsage, user +
// system of the whole process) rather than wall time, since the machine may be shared.
//
//   npx tsc -p tsconfig.build.json --outDir dist-check/A   (at the old commit; B likewise)
//   node bench/model-load-ab.mjs MODEL.ntmd dist-check/A dist-check/B [--runs 9]
//
// - warm: median of 15 `loadModelSync(bytes)` in one process after 3 untimed ones;
// - cold: a fresh process imports the library (not timed), then `loadModel(path)`: the
//   process's CPU during the load; median over --runs processes, A and B interleaved;
// - peak: VmHWM of a process that imports the library and loads the model once (3 runs),
//   and its RSS after a full GC (what the model keeps resident, plus the process).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { runs: { type: 'string' }, child: { type: 'string' } } });
const median = (xs) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];
const cpuMs = (d) => (d.user + d.system) / 1000;
const hwm = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;

if (values.child) {
  const [model, dist] = positionals;
  const lib = await import(pathToFileURL(resolve(dist, 'index.js')).href);
  let out;
  if (values.child === 'warm') {
    const bytes = readFileSync(model);
    for (let i = 0; i < 3; i++) lib.loadModelSync(bytes);
    const xs = [];
    for (let i = 0; i < 15; i++) {
      const c = process.cpuUsage();
      lib.loadModelSync(bytes);
      xs.push(cpuMs(process.cpuUsage(c)));
    }
    out = { warmCpuMs: median(xs) };
  } else {
    globalThis.gc?.();
    const c = process.cpuUsage();
    const m = await lib.loadModel(model);
    const cold = cpuMs(process.cpuUsage(c));
    const peak = hwm();
    globalThis.gc?.();
    out = { coldCpuMs: cold, peakMiB: peak, rssAfterGcMiB: process.memoryUsage().rss / 2 ** 20, features: m.tfidf.vocabularySize };
  }
  console.log(JSON.stringify(out));
  process.exit(0);
}

const [model, ...dists] = positionals;
const runs = Number(values.runs ?? 9);
const run = (kind, dist) => JSON.parse(execFileSync(process.execPath, ['--expose-gc', new URL(import.meta.url).pathname, '--child', kind, model, dist]).toString().trim().split('\n').at(-1));
const rows = dists.map((d) => ({ dist: d, warm: [], cold: [], peak: [], rss: [] }));
for (let i = 0; i < 2; i++) for (const r of rows) r.warm.push(run('warm', r.dist).warmCpuMs);
for (let i = 0; i < runs; i++) {
  for (const r of rows) {
    const c = run('cold', r.dist);
    r.cold.push(c.coldCpuMs);
    r.peak.push(c.peakMiB);
    r.rss.push(c.rssAfterGcMiB);
  }
}
console.log(`model ${model}; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}; medians (cold/peak over ${runs} processes)`);
console.log('| build | warm load, CPU | cold load, CPU (min) | peak RSS of a loading process | RSS after load + GC |');
console.log('|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.dist} | ${median(r.warm).toFixed(1)} ms | ${median(r.cold).toFixed(0)} ms (${Math.min(...r.cold).toFixed(0)}) | ${median(r.peak).toFixed(1)} MiB | ${median(r.rss).toFixed(1)} MiB |`);
}
