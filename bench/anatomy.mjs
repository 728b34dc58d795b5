#!/usr/bin/env node
// Anatomy of `train` and `scan`: where the whole-process time goes, phase by phase, each
// phase beside its floor on this machine. Every run is a fresh process (the phases of one
// process are timed with performance.now() and process.cpuUsage() around the library's public
// functions); the figures are medians over N processes. Needs `npm run build`.
//
//   node bench/anatomy.mjs [--corpus DIR] [--runs N] [--json]
//
// Scenarios: fit of the `ntmaldetect-2018` preset and of `default` on the corpus (read, TF-IDF,
// member fits, encode (+ fflate gzip for a version-1 build), write), and scan with the shipped model of one trace
// (sysMAL/LOG_cn1.exe.txt) and of every corpus trace. Phases:
// - Node start: from the process's time origin to the script's first line; "exit and spawn"
//   is the rest of the wall time the parent sees (spawn, teardown) — their floor together is
//   a `node -e ''` process;
// - module loading: `import('dist/index.js')`; floor: importing an empty module;
// - model read / decode: readFileSync of the .ntmd, loadModelSync(bytes) (version-1 file: of
//   which inflate, fflate's gunzip of the payload, timed on its own); floors: none / native
//   zlib gunzip (version 1) or the file's SHA-256 (version 2: the check every load makes);
// - reading the traces: readFileSync of the files (I/O) and parsing (readTraceSync on the
//   bytes); floors: readFileSync of the same files, one byte scan counting newlines;
// - featurising: TF-IDF fit/transform; floor: one rolling hash over every call id;
// - solving: the member fits (and calibration, if any); floor: one sparse X·w pass;
// - writing: toBytes() (version 1: of which gzip, fflate gzipSync of the body, timed on its
//   own), writeFileSync; floors: native zlib gzip level 6 of the body (version 1), writeFileSync.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const t0 = performance.now();
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { corpus: { type: 'string' }, runs: { type: 'string' }, json: { type: 'boolean' }, child: { type: 'string' } },
});
const corpus = resolve(values.corpus ?? join(process.env.NTMD_SHARED ?? join(root, '..', 'shared'), 'corpus'));
const runs = Number(values.runs ?? 5);
const shipped = join(root, 'models', 'default.ntmd');
const oneTrace = join(corpus, 'sysMAL', 'LOG_cn1.exe.txt');
const PREFIX = 16; // .ntmd: magic 8, version 2, flags 2, payload length 4, then the payload (gzip in version 1)
const versionOf = (b) => new DataView(b.buffer, b.byteOffset).getUint16(8, true);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function corpusFiles() {
  const out = [];
  for (const [dir, label] of [['sysBEN', 0], ['sysMAL', 1]]) {
    for (const f of readdirSync(join(corpus, dir)).sort()) {
      // Empty files: loadCorpus skips them, scan reports them; neither reads anything.
      if (statSync(join(corpus, dir, f)).size > 0) out.push({ path: join(corpus, dir, f), label });
    }
  }
  return out;
}

/** Phase timer of one child process: wall ms (performance.now) and CPU ms (user + system). */
function phases() {
  const out = {};
  return {
    out,
    run(name, fn) {
      const c = process.cpuUsage();
      const t = performance.now();
      const r = fn();
      out[name] = { wall: performance.now() - t, cpu: (() => { const d = process.cpuUsage(c); return (d.user + d.system) / 1000; })() };
      return r;
    },
    async runAsync(name, fn) {
      const c = process.cpuUsage();
      const t = performance.now();
      const r = await fn();
      const d = process.cpuUsage(c);
      out[name] = { wall: performance.now() - t, cpu: (d.user + d.system) / 1000 };
      return r;
    },
    set(name, wall, cpu = wall) {
      out[name] = { wall, cpu };
    },
  };
}

function rollingHash(docs) {
  let h = 0;
  let sum = 0;
  for (const d of docs) {
    for (let i = 0; i < d.length; i++) {
      h = (Math.imul(h, 31) + d[i]) | 0;
      sum = (sum + (h & 1023)) | 0;
    }
  }
  return sum;
}

function byteScan(bufs) {
  let n = 0;
  for (const b of bufs) for (let i = 0; i < b.length; i++) if (b[i] === 10) n++;
  return n;
}

// ---------------------------------------------------------------- child: one fresh process
async function child(kind) {
  const p = phases();
  p.set('start', t0);
  const lib = await p.runAsync('import', () => import(pathToFileURL(join(root, 'dist', 'index.js')).href));
  let extra = performance.now();
  const fflate = await import('fflate');
  const zlib = await import('node:zlib');
  extra = performance.now() - extra;
  const bench = (name, fn) => {
    const r = p.run(name, fn);
    extra += p.out[name].wall;
    return r;
  };
  const floors = {};
  const floor = (name, fn) => {
    const c = process.cpuUsage();
    const t = performance.now();
    fn();
    const d = process.cpuUsage(c);
    floors[name] = { wall: performance.now() - t, cpu: (d.user + d.system) / 1000 };
  };
  const tmp = mkdtempSync(join(tmpdir(), 'ntmd-anatomy-'));
  try {
    if (kind.startsWith('train:')) {
      const preset = kind.slice(6);
      const files = corpusFiles();
      const bufs = p.run('readIo', () => files.map((f) => readFileSync(f.path)));
      const table = new lib.CallTable();
      const docs = p.run('parse', () => bufs.map((b, i) => lib.readTraceSync(b, { table, source: files[i].path }).calls));
      const corpusObj = {
        table,
        docs: docs.map((calls, i) => ({ calls, label: files[i].label, sha256: String(i), path: files[i].path })),
        skippedEmpty: [],
      };
      // Corpus as loadCorpus() gives it; the sha256 only feeds the model's corpus summary.
      const marks = {};
      const model = await p.runAsync('fit', () =>
        lib.train(corpusObj, {
          preset,
          onFitProgress: (stage) => {
            const now = performance.now();
            if (stage === 'tfidf') marks.tfidf = now;
            if (stage === 'member' && marks.member === undefined) marks.member = now;
            if (stage === 'done') marks.done = now;
          },
        }),
      );
      p.set('featurise', marks.member - marks.tfidf, NaN);
      p.set('solve', marks.done - marks.member, NaN);
      p.set('fitOther', p.out.fit.wall - (marks.done - marks.tfidf), NaN);
      const bytes = p.run('encode', () => model.toBytes());
      p.run('write', () => writeFileSync(join(tmp, 'm.ntmd'), bytes));
      const payload = bytes.subarray(PREFIX, PREFIX + new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true));
      const v1 = versionOf(bytes) === 1;
      const body = v1 ? bench('unzip', () => fflate.gunzipSync(payload)) : payload;
      if (v1) bench('gzip', () => fflate.gzipSync(body, { level: 6, mtime: 0 }));
      p.set('end', performance.now());
      p.set('extra', extra);
      // Floors, after the measured phases (they do not count in this process's wall time).
      floor('readIo', () => files.map((f) => readFileSync(f.path)));
      floor('parse', () => byteScan(bufs));
      floor('featurise', () => rollingHash(docs));
      const X = model.tfidf.transform(docs, table);
      const w = new Float64Array(X.cols).fill(1e-3);
      floor('solve', () => {
        let s = 0;
        for (let r = 0; r < X.rows; r++) for (let k = X.indptr[r]; k < X.indptr[r + 1]; k++) s += X.data[k] * w[X.indices[k]];
        return s;
      });
      if (v1) floor('gzip', () => zlib.gzipSync(body, { level: 6 }));
      floor('write', () => writeFileSync(join(tmp, 'f.bin'), bytes));
      p.out.info = { traces: files.length, mb: bufs.reduce((a, b) => a + b.length, 0) / 1e6, features: X.cols, nnz: X.indptr[X.rows], modelBytes: bytes.length, bodyBytes: body.length };
    } else {
      const paths = kind === 'scan:one' ? [oneTrace] : corpusFiles().map((f) => f.path);
      const mbytes = p.run('modelRead', () => readFileSync(shipped));
      const model = p.run('modelDecode', () => lib.loadModelSync(mbytes));
      const payload = mbytes.subarray(PREFIX, PREFIX + new DataView(mbytes.buffer, mbytes.byteOffset).getUint32(12, true));
      const bufs = p.run('readIo', () => paths.map((f) => readFileSync(f)));
      const table = new lib.CallTable();
      const reads = p.run('parse', () => bufs.map((b, i) => lib.readTraceSync(b, { table, source: paths[i] }).calls));
      const X = p.run('featurise', () => model.tfidf.transform(reads, table));
      p.run('solve', () => model.scoreMatrix(X));
      // The verdicts as `scan` gives them (familiarity checks and all), on the calls already read.
      bench('verdict', () => reads.map((calls) => lib.detectSync({ calls, table }, { model })));
      const v1 = versionOf(mbytes) === 1;
      if (v1) bench('inflate', () => fflate.gunzipSync(payload));
      p.set('end', performance.now());
      p.set('extra', extra);
      floor('modelDecode', () => (v1 ? zlib.gunzipSync(payload) : createHash('sha256').update(mbytes).digest()));
      floor('readIo', () => paths.map((f) => readFileSync(f)));
      floor('parse', () => byteScan(bufs));
      floor('featurise', () => rollingHash(reads));
      p.out.info = { traces: paths.length, mb: bufs.reduce((a, b) => a + b.length, 0) / 1e6, modelBytes: mbytes.length };
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  p.out.floors = floors;
  p.set('post', performance.now());
  process.stdout.write(JSON.stringify(p.out) + '\n');
}

if (values.child) {
  await child(values.child);
  process.exit(0);
}

// ---------------------------------------------------------------- parent
function spawnTimed(args) {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = performance.now() - t;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return { wall, out: r.stdout.trim() };
}

const emptyMod = join(mkdtempSync(join(tmpdir(), 'ntmd-anatomy-')), 'empty.mjs');
writeFileSync(emptyMod, '');
const nodeE = median(Array.from({ length: runs }, () => spawnTimed(['-e', '']).wall));
const importEmpty = median(
  Array.from({ length: runs }, () =>
    Number(spawnTimed(['--input-type=module', '-e', `const t=performance.now();await import(${JSON.stringify(pathToFileURL(emptyMod).href)});console.log(performance.now()-t)`]).out),
  ),
);
rmSync(dirname(emptyMod), { recursive: true, force: true });

const scenarios = ['train:ntmaldetect-2018', 'train:default', 'scan:one', 'scan:corpus'];
const results = {};
for (const s of scenarios) {
  const rs = [];
  for (let i = 0; i < runs; i++) {
    const { wall, out } = spawnTimed([fileURLToPath(import.meta.url), '--child', s, '--corpus', corpus]);
    const j = JSON.parse(out.split('\n').pop());
    j.total = wall;
    // The floors run after the measured phases ('end' to 'post'): out of the exit and the whole.
    j.exit = wall - j.post.wall;
    j.whole = wall - j.extra.wall - (j.post.wall - j.end.wall);
    // Gaps between the timed phases (argument parsing, small allocations), bench-only work excluded.
    const timed = ['import', 'readIo', 'parse', 'fit', 'encode', 'write', 'modelRead', 'modelDecode', 'featurise', 'solve'];
    j.gaps = j.end.wall - j.start.wall - j.extra.wall - timed.filter((k) => j[k] && !(k !== 'fit' && j.fit && (k === 'featurise' || k === 'solve'))).reduce((a, k) => a + j[k].wall, 0);
    rs.push(j);
  }
  const med = (f) => median(rs.map(f));
  const keys = Object.keys(rs[0]).filter((k) => !['floors', 'info', 'end', 'post', 'total', 'exit', 'whole', 'gaps'].includes(k));
  const r = { total: med((j) => j.whole), exit: med((j) => j.exit), gaps: med((j) => j.gaps), info: rs[0].info, phases: {}, floors: {} };
  for (const k of keys) r.phases[k] = { wall: med((j) => j[k].wall), cpu: med((j) => j[k].cpu) };
  for (const k of Object.keys(rs[0].floors)) r.floors[k] = med((j) => j.floors[k].wall);
  results[s] = r;
  process.stderr.write(`anatomy: ${s} done (median ${r.total.toFixed(0)} ms of ${runs})\n`);
}

if (values.json) {
  process.stdout.write(JSON.stringify({ runs, nodeE, importEmpty, results }, null, 2) + '\n');
  process.exit(0);
}

const f = (ms) => (ms === undefined || Number.isNaN(ms) ? '—' : ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
const cell = (r, k) => (r.phases[k] ? f(r.phases[k].wall) : '');
const fl = (r, k) => (r.floors[k] !== undefined ? f(r.floors[k]) : '');
const rows = [
  ['Node start (to the script\'s first line)', 'start', "a whole `node -e ''`"],
  ['module loading (`import` dist/index.js)', 'import', 'importing an empty module'],
  ['model: readFileSync of the .ntmd', 'modelRead', ''],
  ['model: decode (loadModelSync)', 'modelDecode', 'zlib gunzip (version 1) / SHA-256 of the file (version 2)'],
  ['  of which inflate (fflate, timed apart)', 'inflate', ''],
  ['traces: readFileSync', 'readIo', 'same'],
  ['traces: parse (readTraceSync)', 'parse', 'byte scan'],
  ['featurise (TF-IDF fit / transform)', 'featurise', 'rolling hash'],
  ['solve (member fits / scores)', 'solve', 'one X·w'],
  ['fit: rest (corpus summary, Model)', 'fitOther', ''],
  ['(verdicts: detectSync on the read calls; not counted)', 'verdict', ''],
  ['write: toBytes (encode, + gzip in version 1)', 'encode', ''],
  ['  of which fflate gzip level 6 (timed apart)', 'gzip', 'zlib gzip'],
  ['write: writeFileSync', 'write', 'same'],
  ['gaps between phases', 'gaps', ''],
  ['exit and spawn (rest of the wall)', 'exit', ''],
];
const cols = scenarios.map((s) => results[s]);
const head = ['fit 2018', 'fit default', 'scan 1 trace', `scan ${cols[3].info.traces}`];
const lines = [];
lines.push(`| phase, median ms of ${runs} fresh processes | ${head.map((h) => `${h} | floor`).join(' | ')} |`);
lines.push(`|---|${head.map(() => '--:|--:').join('|')}|`);
for (const [label, key, floorName] of rows) {
  const vals = cols.map((r) => {
    const v = key === 'exit' || key === 'gaps' ? f(r[key]) : cell(r, key);
    let fv = fl(r, key);
    if (key === 'start' && v) fv = f(nodeE);
    if (key === 'import' && v) fv = f(importEmpty);
    return `${v} | ${v ? fv : ''}`;
  });
  if (vals.every((v) => v === ' | ')) continue;
  lines.push(`| ${label}${floorName ? ` (floor: ${floorName})` : ''} | ${vals.join(' | ')} |`);
}
lines.push(`| **whole process (wall; bench-only steps taken out)** | ${cols.map((r) => `**${f(r.total)}** | `).join(' | ')} |`);
process.stdout.write(lines.join('\n') + '\n\n');
// (inflate is timed on its own after the decode; decode = inflate + building the typed arrays.)
const t2 = cols[0].info;
process.stdout.write(
  `Corpus: ${t2.traces} traces, ${t2.mb.toFixed(1)} MB; 2018 model: ${t2.features} features, ${t2.nnz} nonzeros, ` +
    `${t2.modelBytes} bytes (body ${t2.bodyBytes}); default fit: ${cols[1].info.features} features. ` +
    `One trace: ${(cols[2].info.mb * 1e3).toFixed(0)} kB; shipped model ${cols[2].info.modelBytes} bytes. ` +
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}.\n`,
);
