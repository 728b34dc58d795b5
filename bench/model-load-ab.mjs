#!/usr/bin/env node
// Model loading, two builds side by side in one run (A/B): warm load CPU, cold load CPU
// and the peak RSS of a process that loads the model. CPU time (process.cpuUsage, user +
// system of the whole process) rather than wall time, since the machine may be shared.
//
//   npx tsc -p tsconfig.build.json --outDir dist-check/A   (at the old commit; B likewise)
//   node bench/model-load-ab.mjs MODEL.ntmd dist-check/A dist-check/B [--runs 9] [--scan TRACE]
//
// A build may be given as DIST=MODEL to load another file with it: the same model in the
// format version each build writes (`dist-check/A/dist=old.ntmd dist=new.ntmd`).
//
// - file: the model file's size;
// - warm: median of 15 `loadModelSync(bytes)` in one process after 3 untimed ones;
// - write: median of 7 `model.toBytes()` of the loaded model (after one untimed), the same
//   process (CPU);
// - cold: a fresh process imports the library (not timed), then `loadModel(path)`: the
//   process's CPU during the load; median over --runs processes, A and B interleaved;
// - peak: VmHWM of a process that imports the library and loads the model once (3 runs),
//   and its RSS after a full GC (what the model keeps resident, plus the process);
// - with --scan TRACE: `node DIST/cli/main.js scan --model MODEL TRACE`, a whole process,
//   wall and CPU (user + system, from /usr/bin/time), median over --runs, builds interleaved.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string' }, child: { type: 'string' }, scan: { type: 'string' } },
});
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
    const m = lib.loadModelSync(bytes);
    m.toBytes();
    const ws = [];
    for (let i = 0; i < 7; i++) {
      const c = process.cpuUsage();
      m.toBytes();
      ws.push(cpuMs(process.cpuUsage(c)));
    }
    out = { warmCpuMs: median(xs), writeCpuMs: median(ws) };
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

const [defaultModel, ...dists] = positionals;
const runs = Number(values.runs ?? 9);
const run = (kind, dist, model) =>
  JSON.parse(
    execFileSync(process.execPath, ['--expose-gc', new URL(import.meta.url).pathname, '--child', kind, model, dist]).toString().trim().split('\n').at(-1),
  );
const scan = (dist, model) => {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', process.execPath, resolve(dist, 'cli', 'main.js'), 'scan', '--model', model, values.scan], {
    encoding: 'utf8',
  });
  if (r.status !== 0 && r.status !== 1) throw new Error(`scan with ${dist} failed (${r.status}): ${r.stderr}`);
  const [wall, user, sys] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return { wall: wall * 1000, cpu: (user + sys) * 1000 };
};
const rows = dists.map((d) => {
  const [dist, model = defaultModel] = d.split('=');
  return { dist, model, label: d, bytes: statSync(model).size, warm: [], write: [], cold: [], peak: [], rss: [], scanWall: [], scanCpu: [] };
});
for (let i = 0; i < 2; i++) {
  for (const r of rows) {
    const w = run('warm', r.dist, r.model);
    r.warm.push(w.warmCpuMs);
    r.write.push(w.writeCpuMs);
  }
}
for (let i = 0; i < runs; i++) {
  for (const r of rows) {
    const c = run('cold', r.dist, r.model);
    r.cold.push(c.coldCpuMs);
    r.peak.push(c.peakMiB);
    r.rss.push(c.rssAfterGcMiB);
    if (values.scan) {
      const s = scan(r.dist, r.model);
      r.scanWall.push(s.wall);
      r.scanCpu.push(s.cpu);
    }
  }
}
console.log(
  `load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}; medians (cold/peak${values.scan ? '/scan' : ''} over ${runs} processes, interleaved)`,
);
const scanHead = values.scan ? ' scan of one trace, whole process: wall / CPU |' : '';
console.log(`| build = model | file | warm load, CPU | write (toBytes), CPU | cold load, CPU (min) | peak RSS of a loading process | RSS after load + GC |${scanHead}`);
console.log(`|---|---:|---:|---:|---:|---:|---:|${values.scan ? '---:|' : ''}`);
for (const r of rows) {
  const scanCell = values.scan ? ` ${median(r.scanWall).toFixed(0)} ms / ${median(r.scanCpu).toFixed(0)} ms |` : '';
  console.log(
    `| ${r.label} | ${r.bytes.toLocaleString('en-US')} B | ${median(r.warm).toFixed(1)} ms | ${median(r.write).toFixed(1)} ms | ${median(r.cold).toFixed(0)} ms (${Math.min(...r.cold).toFixed(0)}) | ${median(r.peak).toFixed(1)} MiB | ${median(r.rss).toFixed(1)} MiB |${scanCell}`,
  );
}
