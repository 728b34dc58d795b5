#!/usr/bin/env node
// Side-by-side speed and memory of NtMalDetect's model: scikit-learn (what NtMalDetect ran),
// ntmaldetect, and the JavaScript baselines ml-naivebayes / ml-svm, in one run, one after
// the other (never concurrently). Needs `npm run build` first.
//
//   node bench/speed-vs-sklearn.mjs [--corpus DIR] [--python /usr/bin/python3] [--json]
//
// Full fit = the whole process, from the corpus files on disk to a saved model file
// (interpreter start, imports, reading, TF-IDF, NB, the L1-selected SVC pipeline, saving),
// wall time and peak RSS measured by GNU time around the process. One trace = from the trace
// file's bytes to the verdict (read, parse, TF-IDF row, both members, the ANY ensemble),
// timed inside the process after one untimed warm-up pass: the median over the corpus, and
// the largest trace.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { corpus: { type: 'string' }, python: { type: 'string' }, json: { type: 'boolean' } } });
const corpus = resolve(values.corpus ?? join(process.env.NTMD_SHARED ?? join(root, '..', 'shared'), 'corpus'));
const python = values.python ?? '/usr/bin/python3';
const tmp = mkdtempSync(join(tmpdir(), 'ntmd-speed-'));

/**
 * Runs a command under GNU time; returns wall seconds, CPU seconds (user + system: what the
 * process itself cost, less sensitive than wall time to other load on a shared machine), peak
 * RSS (MiB) and the last JSON line of stdout.
 */
function timed(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M %U %S', cmd, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  const m = /TIME ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(r.stderr ?? '');
  if (r.status !== 0 || !m) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  const lines = (r.stdout ?? '').trim().split('\n');
  let json = null;
  try {
    json = JSON.parse(lines[lines.length - 1]);
  } catch {
    json = null;
  }
  return { wallSeconds: Number(m[1]), cpuSeconds: Number(m[3]) + Number(m[4]), peakRssMiB: Number(m[2]) / 1024, json };
}

const hasSklearn = spawnSync(python, ['-c', 'import sklearn'], { encoding: 'utf8' }).status === 0;
const out = { machine: { cpus: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version }, corpus, sides: {} };
try {
  if (hasSklearn) {
    const pkl = join(tmp, 'model.pkl');
    const fit = timed(python, [join(root, 'bench', 'sklearn_ntmaldetect.py'), 'fit', corpus, pkl]);
    const pred = timed(python, [join(root, 'bench', 'sklearn_ntmaldetect.py'), 'predict', pkl, corpus]);
    out.sides['scikit-learn'] = { fit, predict: pred };
  }
  const model = join(tmp, 'model.ntmd');
  const fit = timed(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'train', '--corpus', corpus, '--preset', 'ntmaldetect-2018', '--out', model]);
  const pred = timed(process.execPath, [join(root, 'bench', 'ntmd-predict.mjs'), model, corpus]);
  out.sides.ntmaldetect = { fit, predict: pred };
  for (const mode of ['nb', 'svm']) {
    const r = timed(process.execPath, [join(root, 'bench', 'mljs-baselines.mjs'), mode, corpus]);
    out.sides[mode === 'nb' ? 'ml-naivebayes' : 'ml-svm'] = { fit: r, predict: r };
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

if (values.json) {
  console.log(JSON.stringify(out, null, 2));
} else {
  const ms = (s) => (s === undefined ? 'n/a' : s < 0.01 ? `${(s * 1000).toFixed(3)} ms` : s < 1 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(2)} s`);
  console.log(`corpus ${corpus}; ${out.machine.cpus} cores, ${out.machine.memGiB} GiB, node ${out.machine.node}${hasSklearn ? '' : '; scikit-learn not found'}`);
  console.log('');
  console.log('| side | full fit, whole process (wall) | same, CPU | fit inside the process | peak RSS of the fit | one trace, median | largest trace | peak RSS, predicting |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const [name, s] of Object.entries(out.sides)) {
    const inner =
      name === 'scikit-learn'
        ? s.fit.json.readSeconds + s.fit.json.vectorizeSeconds + s.fit.json.nbSeconds + s.fit.json.svcSeconds + s.fit.json.saveSeconds
        : s.fit.json?.fitSeconds;
    const whole = name.startsWith('ml-') ? 'n/a' : ms(s.fit.wallSeconds);
    const wholeCpu = name.startsWith('ml-') ? 'n/a' : ms(s.fit.cpuSeconds);
    console.log(
      `| ${name} | ${whole} | ${wholeCpu} | ${ms(inner)} | ${s.fit.peakRssMiB.toFixed(0)} MiB | ${ms(s.predict.json?.medianSeconds)} | ${ms(s.predict.json?.largestSeconds)} | ${s.predict.peakRssMiB.toFixed(0)} MiB |`,
    );
  }
  if (out.sides['scikit-learn'] && out.sides.ntmaldetect) {
    const a = out.sides['scikit-learn'];
    const b = out.sides.ntmaldetect;
    console.log('');
    console.log(
      `ntmaldetect vs scikit-learn: full fit ${(a.fit.wallSeconds / b.fit.wallSeconds).toFixed(1)}x faster (wall; CPU ${(a.fit.cpuSeconds / b.fit.cpuSeconds).toFixed(1)}x), ` +
        `median trace ${(a.predict.json.medianSeconds / b.predict.json.medianSeconds).toFixed(1)}x, ` +
        `largest trace ${(a.predict.json.largestSeconds / b.predict.json.largestSeconds).toFixed(1)}x, ` +
        `peak RSS of the fit ${(b.fit.peakRssMiB / a.fit.peakRssMiB).toFixed(2)} of scikit-learn's`,
    );
  }
}
if (!existsSync(corpus)) process.exitCode = 1;
