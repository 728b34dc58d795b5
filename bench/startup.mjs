#!/usr/bin/env node
// Start-up of the command line: `scan` of one trace with the shipped model, whole process,
// beside `node -e ''` (Node's own start) and `--help`, for the bundled CLI (dist/bin/main.js,
// what `ntmaldetect` runs), the unbundled one (dist/cli/main.js, tsc's output) and optionally
// an older checkout. The cases alternate run by run (their order reverses every other run);
// wall time by hrtime around each process; median and interquartile range.
//
//   npm run bench -- startup [--runs 31] [--trace FILE] [--old ROOT]
//
// --trace: default the corpus trace of median size. --old ROOT: a built checkout (its
// dist/cli/main.js and its own models/) measured the same way, e.g. a `git worktree` of the
// commit before. Figures: docs/benchmarks.md, "Start-up".
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '31' }, trace: { type: 'string' }, old: { type: 'string' } } });

function medianTrace() {
  const corpus = join(process.env.NTMD_SHARED ?? join(root, '..', 'shared'), 'corpus');
  const files = [];
  for (const sub of ['sysBEN', 'sysMAL']) {
    for (const n of readdirSync(join(corpus, sub))) {
      const p = join(corpus, sub, n);
      const size = statSync(p).size;
      if (size > 0) files.push({ p, size });
    }
  }
  files.sort((a, b) => a.size - b.size || (a.p < b.p ? -1 : 1));
  return files[files.length >> 1].p;
}

const trace = resolve(values.trace ?? medianTrace());
const node = process.execPath;
const cases = [
  ["node -e ''", [node, '-e', '']],
  ['scan, bundled (dist/bin)', [node, join(root, 'dist', 'bin', 'main.js'), 'scan', trace]],
  ['scan, unbundled (dist/cli)', [node, join(root, 'dist', 'cli', 'main.js'), 'scan', trace]],
  ['--help, bundled', [node, join(root, 'dist', 'bin', 'main.js'), '--help']],
];
if (values.old) {
  const old = resolve(values.old, 'dist', 'cli', 'main.js');
  if (!existsSync(old)) throw new Error(`--old: ${old} does not exist (build that checkout first)`);
  cases.push([`scan, ${values.old}`, [node, old, 'scan', trace]]);
}
const times = cases.map(() => []);
const runs = Number(values.runs);
const load = loadavg()[0];
for (let r = 0; r < runs; r++) {
  const order = cases.map((_, i) => i);
  if (r % 2) order.reverse();
  for (const i of order) {
    const t = process.hrtime.bigint();
    const p = spawnSync(cases[i][1][0], cases[i][1].slice(1), { stdio: 'ignore' });
    times[i].push(Number(process.hrtime.bigint() - t) / 1e6);
    if (p.status !== 0 && p.status !== 1 && p.status !== 3) throw new Error(`${cases[i][0]} exited ${p.status}`);
  }
}
const q = (a, p) => [...a].sort((x, y) => x - y)[Math.floor(p * (a.length - 1))];
const base = q(times[0], 0.5);
console.log(`trace ${trace} (${statSync(trace).size} bytes); ${runs} runs each; load ${load.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after`);
console.log('');
console.log("| process | wall, median | interquartile range | over `node -e ''` |");
console.log('|---|---:|---:|---:|');
cases.forEach(([name], i) => {
  const m = q(times[i], 0.5);
  console.log(`| ${name} | ${m.toFixed(1)} ms | ${q(times[i], 0.25).toFixed(1)}–${q(times[i], 0.75).toFixed(1)} ms | ${(m / base).toFixed(2)}x |`);
});
