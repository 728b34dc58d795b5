#!/usr/bin/env node
// The performance table of docs/benchmarks.md ("Speed against scikit-learn"): every row of it,
// scikit-learn (Debian's python3-sklearn, what NtMalDetect ran) and ntmaldetect side by side in
// one run, each measured as a whole process by GNU time, the two sides alternated run by run
// (never concurrently), medians of --runs runs, with the ratio and the target of each row.
// Needs `npm run build` first.
//
//   npm run bench -- speed [--corpus DIR] [--python /usr/bin/python3] [--runs 5]
//                          [--rows fit,scan,one,trace,16x,64x] [--scale-runs 1]
//                          [--scale-dir DIR] [--mljs] [--json] [--from FILE]
//
// Rows:
//   fit    fit of the 2018 preset on the corpus, from the files to a saved model file
//          (scikit-learn: bench/sklearn_ntmaldetect.py fit; ours: `train --preset ntmaldetect-2018`)
//   scan   scan of every corpus trace with that model (scikit-learn: `scan`, one batched
//          transform and predict; ours: `scan --model M CORPUS`, the CLI's table to /dev/null)
//   one    `scan` of one trace (the corpus's median-size one) with the shipped model, beside
//          `node -e ''` (Node's own start), timed by hrtime (GNU time counts in 10 ms steps): the
//          ratio is ours over Node's
//   trace  one median trace in a warm process, the shipped model loaded (bench/ntmd-predict.mjs;
//          scikit-learn: its `fit-default` twin fitted on the corpus, then the `predict` mode:
//          bytes on disk to verdict)
//   16x, 64x  fit of the `default` preset on the K-fold corpus written by bench/make-corpus-x.mjs
//          (scikit-learn: `fit-default`, TfidfVectorizer(sublinear_tf, min_df=2) + LinearSVC(C=10))
//          with its peak RSS. The corpora are written to --scale-dir (default: a temporary
//          folder, removed at the end; an existing DIR/<K>x with every file is reused) and take
//          minutes and 2.8 GB of disk; their runs are --scale-runs (default 1).
// --mljs adds the JavaScript baselines ml-naivebayes and ml-svm to the fit row's notes.
// --json prints the measurements as JSON instead of the table; --from FILE prints the table of
// such a JSON file without measuring anything.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    corpus: { type: 'string' },
    python: { type: 'string' },
    runs: { type: 'string', default: '5' },
    rows: { type: 'string', default: 'fit,scan,one,trace,16x,64x' },
    'scale-runs': { type: 'string', default: '1' },
    'scale-dir': { type: 'string' },
    mljs: { type: 'boolean' },
    json: { type: 'boolean' },
    from: { type: 'string' },
  },
});
const corpus = resolve(values.corpus ?? join(process.env.NTMD_SHARED ?? join(root, '..', 'shared'), 'corpus'));
const python = values.python ?? '/usr/bin/python3';
const runs = Number(values.runs);
const scaleRuns = Number(values['scale-runs']);
const rows = new Set(values.rows.split(','));
const cli = join(root, 'dist', 'bin', 'main.js'); // the bundled CLI, what `ntmaldetect` runs
const sk = join(root, 'bench', 'sklearn_ntmaldetect.py');
const tmp = mkdtempSync(join(tmpdir(), 'ntmd-speed-'));
const scaleDir = values['scale-dir'] ? resolve(values['scale-dir']) : join(tmp, 'scale');

/**
 * One whole process under GNU time: wall seconds, CPU seconds (user + system), peak RSS (MiB)
 * and the last JSON line of stdout. `ok` lists the exit codes that are not failures (scan exits
 * 1 when a trace is malicious).
 */
function timed(cmd, args, ok = [0]) {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M %U %S', cmd, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  const m = /TIME ([\d.]+) (\d+) ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr ?? '');
  const status = m ? Number(/exit status (\d+)/.exec(r.stderr)?.[1] ?? 0) : r.status;
  if (!m || !ok.includes(status)) throw new Error(`${cmd} ${args.join(' ')} failed (${status}):\n${r.stderr}`);
  let json = null;
  try {
    json = JSON.parse((r.stdout ?? '').trim().split('\n').pop());
  } catch {
    json = null;
  }
  return { wall: Number(m[1]), cpu: Number(m[3]) + Number(m[4]), rssMiB: Number(m[2]) / 1024, json };
}

/** One whole process timed by hrtime around it (GNU time's wall clock has 10 ms steps): wall only. */
function timedFine(cmd, args, ok = [0]) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'ignore' });
  const wall = Number(process.hrtime.bigint() - t) / 1e9;
  if (!ok.includes(r.status)) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status})`);
  return { wall, cpu: NaN, rssMiB: NaN, json: null };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Runs each side `n` times, alternating, and returns per side the medians and every wall time. */
function alternate(n, sides) {
  const all = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
  for (let i = 0; i < n; i++) for (const [k, f] of Object.entries(sides)) all[k].push(f());
  return Object.fromEntries(
    Object.entries(all).map(([k, rs]) => [
      k,
      {
        wall: median(rs.map((r) => r.wall)),
        cpu: median(rs.map((r) => r.cpu)),
        rssMiB: Math.max(...rs.map((r) => r.rssMiB)),
        walls: rs.map((r) => r.wall),
        json: rs[rs.length - 1].json,
      },
    ]),
  );
}

function traceFiles(dir) {
  const out = [];
  for (const sub of ['sysBEN', 'sysMAL']) {
    for (const name of readdirSync(join(dir, sub)).sort()) {
      const path = join(dir, sub, name);
      const size = statSync(path).size;
      if (size > 0) out.push({ path, size });
    }
  }
  return out;
}

/** The K-fold corpus in scaleDir/<K>x, written unless it is already complete. */
function scaledCorpus(k) {
  const dir = join(scaleDir, `${k}x`);
  const want = readdirSync(join(corpus, 'sysBEN')).length * k + readdirSync(join(corpus, 'sysMAL')).length * k;
  const have = existsSync(dir) ? readdirSync(join(dir, 'sysBEN')).length + readdirSync(join(dir, 'sysMAL')).length : 0;
  if (have !== want) {
    process.stderr.write(`speed: writing the ${k}x corpus to ${dir} (not timed)\n`);
    const r = spawnSync(process.execPath, [join(root, 'bench', 'make-corpus-x.mjs'), String(k), dir, '--corpus', corpus], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`make-corpus-x ${k} failed`);
  }
  return dir;
}

const saved = values.from ? JSON.parse(readFileSync(values.from, 'utf8')) : null;
const hasSklearn = saved ? Object.values(saved.rows).some((r) => r['scikit-learn']) : spawnSync(python, ['-c', 'import sklearn'], { encoding: 'utf8' }).status === 0;
const out = saved ?? {
  machine: { cpus: cpus().length, model: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadBefore: loadavg()[0] },
  corpus,
  runs,
  scaleRuns,
  rows: {},
};
const skSide = (mode, a, b) => (hasSklearn ? { 'scikit-learn': () => timed(python, [sk, mode, a, b]) } : {});

try {
  if (saved) rows.clear();
  const model2018 = join(tmp, 'model-2018.ntmd');
  const pkl = join(tmp, 'model-2018.pkl');
  if (rows.has('fit') || rows.has('scan')) {
    const r = alternate(rows.has('fit') ? runs : 1, {
      ...skSide('fit', corpus, pkl),
      ntmaldetect: () => timed(process.execPath, [cli, 'train', '--quiet', '--corpus', corpus, '--preset', 'ntmaldetect-2018', '--out', model2018]),
    });
    if (rows.has('fit')) out.rows.fit = r;
  }
  if (rows.has('scan')) {
    out.rows.scan = alternate(runs, {
      ...skSide('scan', pkl, corpus),
      ntmaldetect: () => timed(process.execPath, [cli, 'scan', '--quiet', '--model', model2018, corpus], [0, 1, 3]),
    });
  }
  if (rows.has('one')) {
    const files = traceFiles(corpus).sort((a, b) => a.size - b.size);
    const one = files[files.length >> 1];
    out.rows.one = alternate(Math.max(runs, 11), {
      'node -e': () => timedFine(process.execPath, ['-e', '']),
      ntmaldetect: () => timedFine(process.execPath, [cli, 'scan', one.path], [0, 1, 3]),
    });
    out.rows.one.trace = { path: one.path, bytes: one.size };
  }
  if (rows.has('trace')) {
    // The shipped model's configuration: scikit-learn's twin is fitted on the corpus first (untimed).
    const pklDefault = join(tmp, 'default.pkl');
    if (hasSklearn) timed(python, [sk, 'fit-default', corpus, pklDefault]);
    out.rows.trace = alternate(1, {
      ...skSide('predict', pklDefault, corpus),
      ntmaldetect: () => timed(process.execPath, [join(root, 'bench', 'ntmd-predict.mjs'), join(root, 'models', 'default.ntmd'), corpus]),
    });
  }
  if (values.mljs && rows.has('fit')) {
    for (const mode of ['nb', 'svm']) out.rows.fit[`ml-${mode}`] = timed(process.execPath, [join(root, 'bench', 'mljs-baselines.mjs'), mode, corpus]);
  }
  for (const k of [16, 64]) {
    if (!rows.has(`${k}x`)) continue;
    const dir = scaledCorpus(k);
    out.rows[`${k}x`] = alternate(scaleRuns, {
      ...skSide('fit-default', dir, join(tmp, `default-${k}.pkl`)),
      ntmaldetect: () => timed(process.execPath, [cli, 'train', '--quiet', '--corpus', dir, '--out', join(tmp, `default-${k}.ntmd`)]),
    });
    out.rows[`${k}x`].traces = traceFiles(dir).length;
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
out.machine.loadAfter ??= loadavg()[0];

if (values.json) {
  console.log(JSON.stringify(out, null, 2));
} else {
  const s = (x) => (x === undefined ? 'n/a' : x < 0.01 ? `${(x * 1000).toFixed(3)} ms` : x < 1 ? `${(x * 1000).toFixed(1)} ms` : `${x.toFixed(2)} s`);
  const mib = (x) => `${Math.round(x).toLocaleString('en')} MB`;
  const R = out.rows;
  const sk = (row) => row?.['scikit-learn'];
  const lines = [];
  const row = (work, a, b, ratio, target, met) => lines.push(`| ${work} | ${a} | ${b} | ${ratio} | ${target} | ${met} |`);
  const yes = (ok) => (ok === undefined ? 'n/a' : ok ? 'yes' : '**no**');
  if (R.fit) {
    const x = sk(R.fit) ? sk(R.fit).wall / R.fit.ntmaldetect.wall : undefined;
    row('fit of the 2018 preset on the corpus', s(sk(R.fit)?.wall), s(R.fit.ntmaldetect.wall), x ? `${x.toFixed(1)}x faster` : 'n/a', '>= 10x', yes(x && x >= 10));
  }
  if (R.scan) {
    const x = sk(R.scan) ? sk(R.scan).wall / R.scan.ntmaldetect.wall : undefined;
    row(`scan of the corpus traces with that model`, s(sk(R.scan)?.wall), s(R.scan.ntmaldetect.wall), x ? `${x.toFixed(1)}x faster` : 'n/a', '>= 10x', yes(x && x >= 10));
  }
  if (R.one) {
    const x = R.one.ntmaldetect.wall / R.one['node -e'].wall;
    row(
      "scan of one trace with the shipped model, over `node -e ''`",
      '—',
      `${s(R.one.ntmaldetect.wall)} over ${s(R.one['node -e'].wall)}`,
      `${x.toFixed(2)}x`,
      '<= 1.7x',
      yes(x <= 1.7),
    );
  }
  if (R.trace) {
    row('one median trace, in process, model loaded', s(sk(R.trace)?.json?.medianSeconds), s(R.trace.ntmaldetect.json?.medianSeconds), sk(R.trace) ? `${(sk(R.trace).json.medianSeconds / R.trace.ntmaldetect.json.medianSeconds).toFixed(0)}x faster` : 'n/a', 'keep', '');
  }
  for (const k of [16, 64]) {
    const r = R[`${k}x`];
    if (!r) continue;
    const a = sk(r);
    const b = r.ntmaldetect;
    const x = a ? a.wall / b.wall : undefined;
    const m = a ? b.rssMiB / a.rssMiB : undefined;
    let target;
    let met;
    if (k === 16) {
      target = '>= 8x faster, <= 0.2x RSS';
      met = yes(x !== undefined && x >= 8 && m <= 0.2);
    } else {
      const t16 = R['16x']?.ntmaldetect.wall;
      const lin = t16 ? b.wall / t16 : undefined;
      target = `peak RSS <= 1 GB, t(64x)/t(16x) <= 4.4${lin ? ` (here ${lin.toFixed(2)})` : ''}`;
      met = yes(b.rssMiB <= 1000 && (lin === undefined || lin <= 4.4));
    }
    row(
      `fit of the \`default\` preset on the ${k}x corpus (${r.traces.toLocaleString('en')} traces)`,
      a ? `${s(a.wall)}, ${mib(a.rssMiB)}` : 'n/a',
      `${s(b.wall)}, ${mib(b.rssMiB)}`,
      a ? `${x.toFixed(1)}x faster, ${m.toFixed(2)}x RSS` : 'n/a',
      target,
      met,
    );
  }
  console.log(`corpus ${corpus}; ${out.machine.cpus} cores (${out.machine.model}), ${out.machine.memGiB} GiB, node ${out.machine.node}; load ${out.machine.loadBefore.toFixed(2)} before, ${out.machine.loadAfter.toFixed(2)} after`);
  console.log(`whole processes under GNU time, wall, median of ${out.runs} alternated runs (scan of one trace: ${Math.max(out.runs, 11)}; 16x/64x: ${out.scaleRuns ?? scaleRuns})${hasSklearn ? '' : '; scikit-learn not found'}`);
  console.log('');
  console.log('| work | scikit-learn | ntmaldetect | ratio | target | met |');
  console.log('|---|---:|---:|---:|---|---|');
  for (const l of lines) console.log(l);
  if (R.fit?.['ml-nb']) console.log(`\nml-naivebayes fit ${s(R.fit['ml-nb'].wall)}, ml-svm ${s(R.fit['ml-svm'].wall)} (whole process)`);
}
