#!/usr/bin/env node
// Where a cold process's CPU goes while it reads: the main thread against every other thread
// of the process (V8's optimising compiler runs on worker threads), for two configurations
// (a build, optionally with Node flags), each run in a fresh process, alternating run by run.
// Per-thread CPU is read from /proc/self/task/*/schedstat (Linux only), nanosecond resolution.
//
// Usage (after `npm run build`):
//   node bench/reader-threads.mjs [--runs 10] [--repeat 1] [--a DIST[|FLAGS]] [--b DIST[|FLAGS]] FILE...
//     DIST   a build's dist directory (default: this checkout's dist)
//     FLAGS  Node flags for that configuration, space-separated, e.g. 'dist|--single-threaded'
// Prints, per configuration, the medians of: start-up CPU of the main thread before the
// reader is imported, the import, the main thread's CPU while reading, the other threads'
// CPU while reading, and their sum; then the median over runs of the paired ratio a/b of
// that sum (> 1: b costs less).
// The measured processes run without NODE_EXTRA_CA_CERTS (see bench/reader.mjs).
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '10' },
    repeat: { type: 'string', default: '1' },
    a: { type: 'string', default: join(root, 'dist') },
    b: { type: 'string' },
    child: { type: 'string' },
  },
});

/** CPU milliseconds of each thread of this process, by thread id. */
function threadCpu() {
  const m = new Map();
  for (const t of readdirSync('/proc/self/task')) {
    m.set(t, Number(readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8').split(' ')[0]) / 1e6);
  }
  return m;
}

if (values.child !== undefined) {
  const self = String(process.pid);
  const t0 = threadCpu();
  const { CallTable, readTraceFileSync } = await import(pathToFileURL(join(values.child, 'tokenize', 'index.js')).href);
  const t1 = threadCpu();
  const table = new CallTable();
  let calls = 0;
  for (let r = 0; r < Number(values.repeat); r++) for (const f of positionals) calls += readTraceFileSync(f, { table }).stats.calls;
  const t2 = threadCpu();
  let other = 0;
  for (const [t, v] of t2) if (t !== self) other += v - (t1.get(t) ?? 0);
  console.log(JSON.stringify({ calls, startup: t0.get(self), import: t1.get(self) - t0.get(self), main: t2.get(self) - t1.get(self), other }));
} else {
  if (positionals.length === 0) throw new Error('give the files to read');
  const configs = [values.a, values.b ?? values.a].map((s) => {
    const [dist, flags] = s.split('|');
    return { label: s, dist: resolve(dist), flags: flags ? flags.split(' ').filter(Boolean) : [] };
  });
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const rows = [[], []];
  for (let i = 0; i < Number(values.runs); i++) {
    for (const k of i % 2 === 0 ? [0, 1] : [1, 0]) {
      const c = configs[k];
      const args = [...c.flags, fileURLToPath(import.meta.url), '--child', c.dist, '--repeat', values.repeat, ...positionals];
      const r = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${c.label}: ${r.stderr}`);
      rows[k].push(JSON.parse(r.stdout));
    }
  }
  if (rows[0][0].calls !== rows[1][0].calls) throw new Error(`the configurations read ${rows[0][0].calls} and ${rows[1][0].calls} calls`);
  const med = (xs) => {
    const s = [...xs].sort((x, y) => x - y);
    return s.length % 2 === 1 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  console.log(`${rows[0][0].calls.toLocaleString('en-US')} calls; medians of ${values.runs} runs each, CPU ms`);
  console.log('| configuration | start-up | import | reading: main thread | reading: other threads | reading: all threads |');
  console.log('|---|---|---|---|---|---|');
  for (const k of [0, 1]) {
    const r = rows[k];
    const f = (g) => med(r.map(g)).toFixed(0);
    console.log(`| ${configs[k].label} | ${f((x) => x.startup)} | ${f((x) => x.import)} | ${f((x) => x.main)} | ${f((x) => x.other)} | ${f((x) => x.main + x.other)} |`);
  }
  const ratio = med(rows[0].map((x, i) => (x.main + x.other) / (rows[1][i].main + rows[1][i].other)));
  console.log(`median paired ratio a/b of the reading's CPU (all threads): ${ratio.toFixed(3)}`);
}
