#!/usr/bin/env node
// Threads (issue #22): what a worker thread costs to start, and whole-process wall time of
// the commands that use them with `--threads 1` against `--threads 2` and the automatic
// choice, on subsets of the corpus (to place the automatic thresholds) and on all of it.
// Runs are fresh processes, interleaved (1, 2, auto, 1, 2, auto, ...); medians. Needs `npm run build`.
//
//   node bench/threads.mjs [--corpus DIR] [--runs N] [--sizes 10,25,50,100,215] [--only start,scan,train,import,bench] [--json]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    corpus: { type: 'string' },
    runs: { type: 'string' },
    sizes: { type: 'string' },
    only: { type: 'string' },
    json: { type: 'boolean' },
  },
});
const corpus = resolve(values.corpus ?? join(process.env.NTMD_SHARED ?? join(root, '..', 'shared'), 'corpus'));
const runs = Number(values.runs ?? 5);
const sizes = (values.sizes ?? '10,25,50,100,215').split(',').map(Number);
const only = new Set((values.only ?? 'start,scan,train,import,bench').split(','));
const cli = join(root, 'dist', 'cli', 'main.js');
const scratch = mkdtempSync(join(tmpdir(), 'ntmd-threads-bench-'));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const out = { machine: `${cpus().length} x ${cpus()[0]?.model}`, node: process.version, load: loadavg().map((x) => x.toFixed(1)).join(' '), rows: [] };

/** A corpus folder of the first k non-empty files (benign and malicious in proportion), as symlinks. */
function subset(k) {
  const files = [];
  for (const dir of ['sysBEN', 'sysMAL']) {
    for (const f of readdirSync(join(corpus, dir)).sort()) if (statSync(join(corpus, dir, f)).size > 0) files.push([dir, f]);
  }
  // Every other file first from each class, so a subset keeps both classes.
  const ben = files.filter(([d]) => d === 'sysBEN');
  const mal = files.filter(([d]) => d === 'sysMAL');
  const pick = [];
  for (let i = 0; pick.length < Math.min(k, files.length); i++) {
    if (i < ben.length && pick.length < k) pick.push(ben[i]);
    if (i < mal.length && pick.length < k) pick.push(mal[i]);
  }
  const dir = join(scratch, `c${k}`);
  let bytes = 0;
  for (const [d, f] of pick) {
    mkdirSync(join(dir, d), { recursive: true });
    symlinkSync(join(corpus, d, f), join(dir, d, f));
    bytes += statSync(join(corpus, d, f)).size;
  }
  return { dir, files: pick.length, bytes };
}

/** One in-process run (bench/threads-cpu.mjs): wall, main thread's CPU, whole process's CPU (ms). */
function cpuRun(args) {
  const r = spawnSync(process.execPath, [join(root, 'bench', 'threads-cpu.mjs'), ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const j = JSON.parse(r.stdout.trim().split('\n').at(-1));
  if (j.code !== 0 && j.code !== 1 && j.code !== 3) throw new Error(`${args.join(' ')}: exit ${j.code}: ${r.stderr}`);
  return j;
}

function wall(args) {
  const t = performance.now();
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - t;
  if (r.status !== 0 && r.status !== 1 && r.status !== 3) throw new Error(`${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return ms;
}

/**
 * Each thread setting, runs interleaved: median wall ms of fresh processes (fastest in
 * brackets), and in process (bench/threads-cpu.mjs) the median CPU ms of the main thread
 * and of the whole process.
 */
function compare(label, argsOf, settings = ['1', '2', 'auto']) {
  const times = Object.fromEntries(settings.map((s) => [s, []]));
  const cpu = Object.fromEntries(settings.map((s) => [s, { main: [], all: [] }]));
  for (let r = 0; r < runs; r++) {
    for (const s of settings) {
      times[s].push(wall(argsOf(s)));
      const c = cpuRun(argsOf(s));
      cpu[s].main.push(c.main);
      cpu[s].all.push(c.all);
    }
  }
  // Median and (in brackets) the fastest run: on a machine shared with other jobs the fastest
  // is the nearest to an idle machine.
  const row = {
    label,
    ...Object.fromEntries(settings.map((s) => [`threads ${s}`, `${Math.round(median(times[s]))} (${Math.round(Math.min(...times[s]))})`])),
    ...Object.fromEntries(settings.map((s) => [`cpu ${s} main/all`, `${median(cpu[s].main)}/${median(cpu[s].all)}`])),
  };
  out.rows.push(row);
  if (!values.json) console.log(JSON.stringify(row));
}

if (only.has('start')) {
  // What a second thread gives on this machine now: a CPU loop alone, then beside a worker
  // thread of the same process spinning (1.0x: a free core; 2.0x: the two share one).
  const probe = join(scratch, 'probe.mjs');
  writeFileSync(
    probe,
    `import { Worker } from 'node:worker_threads';\n` +
      `const work = () => { let x = 0; for (let i = 0; i < 2e8; i++) x = (x + i * 7) | 0; return x; };\n` +
      `work(); let t = performance.now(); work(); const alone = performance.now() - t;\n` +
      `const w = new Worker('let x = 0; for (;;) { for (let i = 0; i < 1e8; i++) x = (x + i) | 0; }', { eval: true });\n` +
      `await new Promise((r) => setTimeout(r, 150));\n` +
      `t = performance.now(); work(); const beside = performance.now() - t;\n` +
      `await w.terminate();\nconsole.log(JSON.stringify({ alone, beside }));\n`,
  );
  const ratios = [];
  for (let r = 0; r < Math.max(runs, 3); r++) {
    const j = JSON.parse(spawnSync(process.execPath, [probe], { encoding: 'utf8' }).stdout);
    ratios.push(j.beside / j.alone);
  }
  const row = { label: 'a CPU loop beside a spinning thread / alone (1.0: a free core)', ratio: Math.round(median(ratios) * 100) / 100 };
  out.rows.push(row);
  if (!values.json) console.log(JSON.stringify(row));

  // A worker's start: new Worker() to its first message, with the imports of each worker script.
  const scripts = {
    'feature-thread (reader, tfidf)': ['corpus/read-job.js', 'tfidf/parallel.js', 'threads.js'],
    'scan-thread (reader, model, verdicts)': ['cli/scan-job.js', 'threads.js'],
    'nothing imported': [],
  };
  for (const [name, mods] of Object.entries(scripts)) {
    const file = join(scratch, `w-${Object.keys(scripts).indexOf(name)}.mjs`);
    writeFileSync(
      file,
      `import { parentPort } from 'node:worker_threads';\n` +
        mods.map((m) => `await import(${JSON.stringify(pathToFileURL(join(root, 'dist', m)).href)});`).join('\n') +
        `\nparentPort.postMessage(1);\n`,
    );
    const probe = join(scratch, `p-${Object.keys(scripts).indexOf(name)}.mjs`);
    writeFileSync(
      probe,
      `import { Worker } from 'node:worker_threads';\nconst t = performance.now();\nconst w = new Worker(${JSON.stringify(file)});\n` +
        `await new Promise((r) => w.once('message', r));\nconst ready = performance.now() - t;\nconst t2 = performance.now();\nawait w.terminate();\n` +
        `console.log(JSON.stringify({ ready, terminate: performance.now() - t2 }));\n`,
    );
    const ready = [];
    const term = [];
    for (let r = 0; r < Math.max(runs, 5); r++) {
      const p = spawnSync(process.execPath, [probe], { encoding: 'utf8' });
      const j = JSON.parse(p.stdout);
      ready.push(j.ready);
      term.push(j.terminate);
    }
    const row = { label: `worker start to ready: ${name}`, ms: Math.round(median(ready) * 10) / 10, terminate: Math.round(median(term) * 10) / 10 };
    out.rows.push(row);
    if (!values.json) console.log(JSON.stringify(row));
  }
}

const subsets = sizes.map(subset);
const modelOut = join(scratch, 'm.ntmd');
for (const s of subsets) {
  const tag = `${s.files} traces, ${(s.bytes / 1048576).toFixed(1)} MiB`;
  if (only.has('scan')) compare(`scan --json, ${tag}`, (t) => ['scan', '--json', '--threads', t, join(s.dir, 'sysBEN'), join(s.dir, 'sysMAL')]);
  if (only.has('train')) {
    compare(`train ntmaldetect-2018, ${tag}`, (t) => ['train', '--corpus', s.dir, '--preset', 'ntmaldetect-2018', '--out', modelOut, '--threads', t]);
    compare(`train default, ${tag}`, (t) => ['train', '--corpus', s.dir, '--out', modelOut, '--threads', t]);
  }
  if (only.has('import')) compare(`store import (memory://), ${tag}`, (t) => ['store', 'import', '--db', 'memory://', '--threads', t, s.dir]);
}
if (only.has('bench')) {
  const all = subsets.at(-1);
  compare(`bench default, 10 folds, ${all.files} traces`, (t) => ['bench', '--corpus', all.dir, '--json', '--threads', t], ['1', 'auto']);
}
rmSync(scratch, { recursive: true, force: true });
out.loadAfter = loadavg().map((x) => x.toFixed(1)).join(' ');
if (values.json) console.log(JSON.stringify(out));
else console.log(`machine ${out.machine}, node ${out.node}, load before ${out.load}, after ${out.loadAfter}`);
