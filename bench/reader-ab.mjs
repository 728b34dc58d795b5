#!/usr/bin/env node
// Before/after of the reader (or of detectSync) between two builds, each run in its own
// process, the builds alternating run by run; prints the minimum and median CPU time.
//
// Usage (build the old commit elsewhere first, e.g.
//   git worktree add /tmp/old <commit> && (cd /tmp/old && ln -s $PWD/node_modules . && npx tsc -p tsconfig.build.json)):
//   node bench/reader-ab.mjs --old /tmp/old/dist [--new dist] [--runs 7] --mode file|memory|det --repeat N FILE...
//     file  readTraceFileSync of the files, `repeat` times, one shared table (cold process:
//           V8's warm-up included); CPU time of the reading
//     memory readTraceSync of the files' bytes already in memory, 30 untimed passes first
//           (JIT warm), then `repeat` timed passes; CPU time of the reading
//     det   detectSync on the files' bytes with models/default.ntmd, 2000 untimed calls
//           first, then `repeat` timed calls; CPU time per call (ms)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    old: { type: 'string' },
    new: { type: 'string', default: join(root, 'dist') },
    runs: { type: 'string', default: '7' },
    mode: { type: 'string', default: 'file' },
    repeat: { type: 'string', default: '1' },
    child: { type: 'string' },
  },
});

if (values.child !== undefined) {
  const dist = values.child;
  const rep = Number(values.repeat);
  const { CallTable, readTraceFileSync } = await import(join(dist, 'tokenize', 'index.js'));
  if (values.mode === 'det') {
    const { detectSync, loadModel } = await import(join(dist, 'index.js'));
    const model = await loadModel(join(root, 'models', 'default.ntmd'));
    const bufs = positionals.map((f) => readFileSync(f));
    for (let i = 0; i < 2000; i++) for (const b of bufs) detectSync(b, { model });
    const c0 = process.cpuUsage();
    for (let i = 0; i < rep; i++) for (const b of bufs) detectSync(b, { model });
    const c = process.cpuUsage(c0);
    console.log(JSON.stringify({ value: (c.user + c.system) / 1000 / (rep * bufs.length), unit: 'ms per call' }));
  } else if (values.mode === 'memory') {
    const { readTraceSync } = await import(join(dist, 'tokenize', 'index.js'));
    const table = new CallTable();
    const bufs = positionals.map((f) => readFileSync(f));
    for (let i = 0; i < 30; i++) for (const b of bufs) readTraceSync(b, { table });
    let calls = 0;
    const c0 = process.cpuUsage();
    for (let r = 0; r < rep; r++) for (const b of bufs) calls += readTraceSync(b, { table }).stats.calls;
    const c = process.cpuUsage(c0);
    console.log(JSON.stringify({ value: (c.user + c.system) / 1e6, unit: 's CPU', calls }));
  } else {
    const table = new CallTable();
    let calls = 0;
    const c0 = process.cpuUsage();
    for (let r = 0; r < rep; r++) for (const f of positionals) calls += readTraceFileSync(f, { table }).stats.calls;
    const c = process.cpuUsage(c0);
    console.log(JSON.stringify({ value: (c.user + c.system) / 1e6, unit: 's CPU', calls }));
  }
  process.exit(0);
}

if (values.old === undefined || positionals.length === 0) {
  console.error('usage: node bench/reader-ab.mjs --old DIST [--new DIST] [--runs 7] --mode file|memory|det --repeat N FILE...');
  process.exit(2);
}
const builds = { old: resolve(values.old), new: resolve(values.new) };
const res = { old: [], new: [] };
for (let i = 0; i < Number(values.runs); i++) {
  for (const k of ['old', 'new']) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', builds[k], '--mode', values.mode, '--repeat', values.repeat, ...positionals], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${k} failed: ${r.stderr}`);
    res[k].push(JSON.parse(r.stdout.trim().split('\n').pop()));
  }
}
for (const k of ['old', 'new']) {
  const v = res[k].map((x) => x.value).sort((a, b) => a - b);
  if (process.env.AB_ALL) console.log(v.map((x) => x.toFixed(4)).join(" "));
  console.log(`${k.padEnd(3)} ${builds[k]}: min ${v[0].toFixed(4)} median ${v[v.length >> 1].toFixed(4)} ${res[k][0].unit}${res[k][0].calls !== undefined ? `, ${res[k][0].calls} calls` : ''}`);
}
