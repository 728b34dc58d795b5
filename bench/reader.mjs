// Reader benchmark: ntmaldetect's trace reader against NtMalDetect's own way of reading
// (bench/reader_baseline.py) and a naive JavaScript split-and-regex reader
// (bench/reader-naive.mjs), in the same run, on
//   - what a process costs before it reads anything (Node's start-up against Python's),
//   - the seven raw NtTrace logs of ../shared/corpus/raw (read `--repeat` times per process),
//   - the same logs back to back in one file of about --synth-mb MB (made here, not committed),
//   - the reduced corpus (../shared/corpus/sysBEN + sysMAL, 220 files),
//   - a synthetic raw log in the corpus's shape (made here, not committed), with call names
//     drawn at random, and the same with the calls in the real reduced corpus's order,
//   - a synthetic raw log with every NtTrace prefix (-time -delta -pid -tid -pre),
// then streams a 1 GB synthetic log with keepCalls:false and reports the peak RSS.
//
// Every reader runs in its own process; each figure is the best of `--runs`, and the last
// column the median over the rounds of the ratio within a round (readers interleaved). "in process" is
// the reader's own timer (file reading included), "whole process" the whole process
// (interpreter start included). CPU time is the primary measure: on a shared machine the wall
// time depends on what else runs; wall-time ratios are given too.
//
// Usage: npm run build && node bench/reader.mjs [--runs 3] [--synth-mb 256] [--stream-mb 1024] [--repeat 100]
//          [--only startup,raw,rawcat,corpus,synth,synth-order,prefixed,stream,memory] [--json out.json]
//          [--keep-env]  (keep NODE_EXTRA_CA_CERTS in the measured processes' environment: see once())
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSynth } from './reader-synth.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const shared = resolve(process.env.NTMD_SHARED ?? join(root, '..', 'shared'));
const corpus = join(shared, 'corpus');
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const runs = Number(opt('runs', 3));
const synthMB = Number(opt('synth-mb', 256));
const streamMB = Number(opt('stream-mb', 1024));
const repeat = Number(opt('repeat', 100));
const jsonOut = opt('json', undefined);
const only = new Set((opt('only', 'startup,raw,rawcat,corpus,synth,synth-order,prefixed,stream,memory') ?? '').split(','));

if (!existsSync(join(root, 'dist', 'tokenize', 'index.js'))) {
  console.error('bench/reader.mjs: run `npm run build` first');
  process.exit(2);
}

const work = join(tmpdir(), 'ntmd-reader-bench');
mkdirSync(work, { recursive: true });

function files(dir) {
  return readdirSync(dir).sort().map((f) => join(dir, f));
}
const rawLogs = [...files(join(corpus, 'raw', 'benign')), ...files(join(corpus, 'raw', 'malicious'))];
const corpusFiles = [...files(join(corpus, 'sysBEN')), ...files(join(corpus, 'sysMAL'))].filter((f) => statSync(f).size > 0);

const readers = [
  { name: 'ntmaldetect (readTraceFileSync)', cmd: (fs, r) => [process.execPath, join(here, 'reader-once.mjs'), '--mode', 'file', '--repeat', r, ...fs] },
  { name: 'ntmaldetect (readFileSync + readTraceSync)', cmd: (fs, r) => [process.execPath, join(here, 'reader-once.mjs'), '--mode', 'buffer', '--repeat', r, ...fs] },
  { name: 'ntmaldetect (readTrace stream, keepCalls:false)', cmd: (fs, r) => [process.execPath, join(here, 'reader-once.mjs'), '--mode', 'stream', '--no-keep', '--repeat', r, ...fs] },
  { name: 'NtMalDetect Python, bytes lines', cmd: (fs, r) => [python, join(here, 'reader_baseline.py'), '--mode', 'bytes', '--repeat', r, ...fs], python: true },
  { name: 'NtMalDetect Python, text lines', cmd: (fs, r) => [python, join(here, 'reader_baseline.py'), '--mode', 'text', '--repeat', r, ...fs], python: true },
  { name: 'naive JS split + regex', cmd: (fs, r) => [process.execPath, join(here, 'reader-naive.mjs'), '--repeat', r, ...fs] },
];

// The environment of the processes measured. NODE_EXTRA_CA_CERTS names a bundle of CA
// certificates that Node 20 parses at start-up, before any script runs (this machine sets it
// to its 200 KB system bundle: ~80 ms of CPU per process, `perf stat`); the reader does no
// TLS and Python's start-up reads no certificates, so it is removed for every process here,
// unless --keep-env. The start-up table gives Node's start-up both ways.
const keepEnv = args.includes('--keep-env');
const cleanEnv = { ...process.env };
delete cleanEnv.NODE_EXTRA_CA_CERTS;

function once(cmd, env = keepEnv ? process.env : cleanEnv) {
  const t0 = process.hrtime.bigint();
  const res = spawnSync(cmd[0], cmd.slice(1).map(String), { encoding: 'utf8', maxBuffer: 1 << 24, env });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (res.status !== 0) throw new Error(`${cmd.join(' ')} failed: ${res.stderr}`);
  return { ...JSON.parse(res.stdout.trim().split('\n').pop()), wall };
}

const memoryReaders = [
  { name: 'ntmaldetect readTraceSync, bytes in memory, JIT warm', cmd: (fs, r) => [process.execPath, join(here, 'reader-once.mjs'), '--mode', 'memory', '--repeat', r, ...fs] },
  { name: 'NtMalDetect Python, bytes in memory (io.BytesIO lines)', cmd: (fs, r) => [python, join(here, 'reader_baseline.py'), '--memory', '--repeat', r, ...fs], python: true },
];

function measure(label, fileList, rep, list = readers) {
  const rows = list.map((r) => ({ reader: r.name, python: r.python === true, runs: [] }));
  // Interleave the readers run by run so that load changes on a shared machine hit all alike.
  for (let k = 0; k < runs; k++) list.forEach((r, i) => rows[i].runs.push(once(r.cmd(fileList, rep))));
  const best = (row, key) => Math.min(...row.runs.map((x) => x[key]));
  const py = rows.filter((r) => r.python);
  const pyBest = (key) => Math.min(...py.map((r) => best(r, key)));
  // Paired: in each round, the Python reader's time over this reader's (the runs of one round
  // are seconds apart, so they mostly see the same phase of a machine whose speed moves by
  // up to 2x); the median over the rounds.
  const paired = (row, key) => {
    const ratios = row.runs.map((x, k) => Math.min(...py.map((p) => p.runs[k][key])) / x[key]).sort((a, b) => a - b);
    return ratios[ratios.length >> 1];
  };
  console.log(`\n### ${label}\n`);
  console.log('| reader | calls | MB/s in process (CPU) | calls/s in process (CPU) | x Python in process (CPU) | x Python whole process (CPU) | x Python in process (wall) | x Python whole process (wall) | paired x Python in process / whole process (CPU) |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const x = r.runs[0];
    const cpu = best(r, 'cpuSeconds');
    console.log(
      `| ${r.reader} | ${x.calls.toLocaleString('en-US')} | ${(x.bytes / 1e6 / cpu).toFixed(0)} | ${(x.calls / cpu / 1e6).toFixed(2)} M | ` +
        `${(pyBest('cpuSeconds') / cpu).toFixed(2)} | ${(pyBest('processCpuSeconds') / best(r, 'processCpuSeconds')).toFixed(2)} | ` +
        `${(pyBest('seconds') / best(r, 'seconds')).toFixed(2)} | ${(pyBest('wall') / best(r, 'wall')).toFixed(2)} | ` +
        `${paired(r, 'cpuSeconds').toFixed(2)} / ${paired(r, 'processCpuSeconds').toFixed(2)} |`,
    );
  }
  return { label, rows: rows.map((r) => ({ reader: r.reader, runs: r.runs })) };
}

console.log(`Reader benchmark — ${new Date().toISOString()}, node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`Best of ${runs} runs per reader, readers interleaved.`);
const results = [];
if (only.has('startup')) {
  // What a process costs before it reads anything: the same scripts with no file.
  const cpu = (cmd, env) => Math.min(...Array.from({ length: Math.max(5, runs) }, () => once(cmd, env).processCpuSeconds));
  const nodeStart = cpu([process.execPath, join(here, 'reader-once.mjs'), '--mode', 'file'], cleanEnv);
  const nodeStartCa = cpu([process.execPath, join(here, 'reader-once.mjs'), '--mode', 'file'], process.env);
  const pyStart = cpu([python, join(here, 'reader_baseline.py'), '--mode', 'bytes']);
  console.log('\n### Start-up alone (no file read): whole-process CPU time, best of runs\n');
  console.log('| process | CPU seconds |\n|---|---|');
  console.log(`| node + import of the reader (bench/reader-once.mjs)${keepEnv ? '' : ' — the environment of the runs below'} | ${nodeStart.toFixed(3)} |`);
  console.log(`| the same with this machine's NODE_EXTRA_CA_CERTS${process.env.NODE_EXTRA_CA_CERTS ? ` (${process.env.NODE_EXTRA_CA_CERTS})` : ' (not set)'}${keepEnv ? ' — the environment of the runs below' : ''} | ${nodeStartCa.toFixed(3)} |`);
  console.log(`| python3 (bench/reader_baseline.py) | ${pyStart.toFixed(3)} |`);
  results.push({ label: 'startup', rows: [{ reader: 'node', cpuSeconds: nodeStart }, { reader: 'node-extra-ca-certs', cpuSeconds: nodeStartCa }, { reader: 'python', cpuSeconds: pyStart }] });
}
const rawBytes = rawLogs.reduce((s, f) => s + statSync(f).size, 0);
if (only.has('memory')) {
  results.push(measure(`The 7 raw logs already in memory (${(rawBytes / 1e6).toFixed(2)} MB), parsed ${repeat} times after 30 untimed passes`, rawLogs, repeat, memoryReaders));
}
if (only.has('raw')) results.push(measure(`The 7 raw logs of the corpus (${(rawBytes / 1e6).toFixed(2)} MB), read ${repeat} times per process`, rawLogs, repeat));
if (only.has('rawcat')) {
  // The real raw logs, back to back, repeated in one file of about --synth-mb MB: real lines
  // (their names, statuses, events and program output), and enough of them that a process's
  // start-up and the JIT's warm-up no longer hide the reading.
  const cat = join(work, `raw-cat-${synthMB}.log`);
  const one = Buffer.concat(rawLogs.map((f) => readFileSync(f)));
  const times = Math.max(1, Math.round((synthMB * 1e6) / one.length));
  const fd = openSync(cat, 'w');
  for (let i = 0; i < times; i++) writeSync(fd, one);
  closeSync(fd);
  results.push(measure(`The 7 raw logs back to back, ${times} times in one file (${((one.length * times) / 1e6).toFixed(0)} MB)`, [cat], 1));
  rmSync(cat);
}
const corpusBytes = corpusFiles.reduce((s, f) => s + statSync(f).size, 0);
if (only.has('corpus')) results.push(measure(`The reduced corpus (${corpusFiles.length} non-empty files, ${(corpusBytes / 1e6).toFixed(1)} MB), read 5 times per process`, corpusFiles, 5));

if (only.has('synth')) {
  const synth = join(work, `synth-corpus-${synthMB}.log`);
  const s1 = writeSynth(synth, synthMB, 'corpus');
  results.push(measure(`Synthetic raw log in the corpus's shape (${(s1.bytes / 1e6).toFixed(0)} MB, ${s1.calls.toLocaleString('en-US')} calls)`, [synth], 1));
  rmSync(synth);
}
if (only.has('synth-order')) {
  const synth = join(work, `synth-order-${synthMB}.log`);
  const s1 = writeSynth(synth, synthMB, 'corpus-order');
  results.push(measure(`Synthetic raw log in the corpus's shape, calls in the real corpus's order (${(s1.bytes / 1e6).toFixed(0)} MB, ${s1.calls.toLocaleString('en-US')} calls)`, [synth], 1));
  rmSync(synth);
}
if (only.has('prefixed')) {
  const pre = join(work, `synth-prefixed-64.log`);
  const s2 = writeSynth(pre, 64, 'prefixed');
  results.push(measure(`Synthetic raw log with -time -delta -pid -tid -pre (${(s2.bytes / 1e6).toFixed(0)} MB, ${s2.calls.toLocaleString('en-US')} calls; NtMalDetect's reader finds none)`, [pre], 1));
  rmSync(pre);
}
if (only.has('stream')) {

const big = join(work, `synth-stream-${streamMB}.log`);
const s3 = writeSynth(big, streamMB, 'corpus');
const stream = once([process.execPath, join(here, 'reader-once.mjs'), '--mode', 'stream', '--no-keep', big]);
const streamKeep = once([process.execPath, join(here, 'reader-once.mjs'), '--mode', 'stream', big]);
rmSync(big);
console.log(`\n### Streaming a ${(s3.bytes / 2 ** 30).toFixed(2)} GiB synthetic raw log (${s3.calls.toLocaleString('en-US')} calls)\n`);
console.log('| reader | calls | MB/s (CPU) | MB/s (wall) | peak RSS, MB |');
console.log('|---|---|---|---|---|');
for (const r of [stream, streamKeep]) {
  if (r.calls !== s3.calls) throw new Error(`streaming read ${r.calls} calls, expected ${s3.calls}`);
  console.log(`| ${r.reader === 'ntmaldetect-stream-nokeep' ? 'readTrace, keepCalls:false + onCalls' : 'readTrace, keepCalls:true'} | ${r.calls.toLocaleString('en-US')} | ${(r.bytes / 1e6 / r.cpuSeconds).toFixed(0)} | ${(r.bytes / 1e6 / r.seconds).toFixed(0)} | ${r.maxRssMB.toFixed(0)} |`);
}
results.push({ label: 'stream', rows: [stream, streamKeep] });
}
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(results, null, 1));
