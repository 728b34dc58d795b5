#!/usr/bin/env node
// Model file size, load time, and one detection from a cold process: ntmaldetect's .ntmd
// against NtMalDetect's scikit-learn pickle, side by side in one run (one after the other,
// never concurrently). Needs `npm run build` and Debian's python3-sklearn.
//
//   node bench/model-load.mjs [--corpus DIR] [--python /usr/bin/python3] [--runs N] [--json]
//
// - size: the model of the whole corpus (NtMalDetect's 2018 model: ten-gram TF-IDF,
//   MultinomialNB(alpha=0.01), L1-selected LinearSVC), as .ntmd and as the pickle of
//   (vectorizer, nb, svc); plus the shipped models/default.ntmd when present;
// - warm load: median of N loads of the file's bytes in one process (after 3 untimed loads),
//   wall time and CPU time of the process (user + system) during the load;
// - cold detect: a fresh process imports the library, loads the model, reads one trace and
//   prints its verdict; median wall time and CPU time (user + system) over N processes,
//   measured by GNU time around the process. CPU time is less sensitive than wall time to
//   other load on a shared machine.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { corpus: { type: 'string' }, python: { type: 'string' }, runs: { type: 'string' }, json: { type: 'boolean' } } });
const corpus = resolve(values.corpus ?? join(process.env.NTMD_SHARED ?? join(root, '..', 'shared'), 'corpus'));
const python = values.python ?? '/usr/bin/python3';
const runs = Number(values.runs ?? 15);
const trace = join(corpus, 'sysMAL', 'LOG_cn1.exe.txt');
const tmp = mkdtempSync(join(tmpdir(), 'ntmd-model-bench-'));

const { train, loadModelSync } = await import(join(root, 'dist', 'index.js'));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function timed(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S %M', cmd, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr ?? '');
  if (r.status !== 0 || !m) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return { wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]), rssMiB: Number(m[4]) / 1024, json: JSON.parse(lines[lines.length - 1]) };
}

/** Median wall and CPU milliseconds of loading `bytes` (process.cpuUsage: user + system). */
function warmLoad(bytes) {
  for (let i = 0; i < 3; i++) loadModelSync(bytes);
  const wall = [];
  const cpu = [];
  for (let i = 0; i < runs; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    loadModelSync(bytes);
    wall.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

function cold(cmd, args) {
  const rs = Array.from({ length: runs }, () => timed(cmd, args));
  return { wallMs: median(rs.map((r) => r.wall)) * 1000, cpuMs: median(rs.map((r) => r.cpu)) * 1000, rssMiB: median(rs.map((r) => r.rssMiB)), verdict: rs[0].json.malicious };
}

try {
  const ntmd = join(tmp, 'ntmaldetect-2018.ntmd');
  const model = await train(corpus, { preset: 'ntmaldetect-2018' });
  await model.save(ntmd);
  const pkl = join(tmp, 'ntmaldetect-2018.pkl');
  timed(python, [join(root, 'bench', 'sklearn_ntmaldetect.py'), 'fit', corpus, pkl]);
  const rows = [];
  const ours = {
    model: 'ntmaldetect-2018',
    side: 'ntmaldetect (.ntmd)',
    bytes: statSync(ntmd).size,
    warmLoadMs: warmLoad(readFileSync(ntmd)),
    cold: cold(process.execPath, [join(root, 'bench', 'model-cold.mjs'), ntmd, trace]),
  };
  const py = timed(python, [join(root, 'bench', 'model_load_baseline.py'), 'warm', pkl, String(runs)]).json;
  const theirs = {
    model: 'ntmaldetect-2018',
    side: 'scikit-learn 1.2.1 (pickle)',
    bytes: statSync(pkl).size,
    warmLoadMs: { wall: py.medianSeconds * 1000, cpu: py.medianCpuSeconds * 1000 },
    cold: cold(python, [join(root, 'bench', 'model_load_baseline.py'), 'cold', pkl, trace]),
  };
  rows.push(ours, theirs);
  const shipped = join(root, 'models', 'default.ntmd');
  if (existsSync(shipped)) {
    rows.push({
      model: 'default (shipped)',
      side: 'ntmaldetect (.ntmd)',
      bytes: statSync(shipped).size,
      warmLoadMs: warmLoad(readFileSync(shipped)),
      cold: cold(process.execPath, [join(root, 'bench', 'model-cold.mjs'), shipped, trace]),
    });
  }
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  if (values.json) console.log(JSON.stringify({ machine, runs, rows }));
  else {
    console.log(`machine: ${machine}; medians of ${runs} runs; trace ${trace.slice(corpus.length + 1)}`);
    console.log('| model | file | size | warm load, wall | warm load, CPU | cold detect, wall | cold detect, CPU | peak RSS |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(
        `| ${r.model} | ${r.side} | ${(r.bytes / 2 ** 20).toFixed(2)} MiB | ${r.warmLoadMs.wall.toFixed(1)} ms | ${r.warmLoadMs.cpu.toFixed(1)} ms | ` +
          `${r.cold.wallMs.toFixed(0)} ms | ${r.cold.cpuMs.toFixed(0)} ms | ${r.cold.rssMiB.toFixed(0)} MiB |`,
      );
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
