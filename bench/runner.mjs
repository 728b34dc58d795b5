#!/usr/bin/env node
/**
 * Runner benchmark: how many calls per second `traceProgram()` sustains from a fast fake
 * tracer, the peak RSS of the process running it over a long replay, and the cost of one
 * verdict as the log grows — next to the baseline NtMalDetect used (keep the whole log and
 * re-classify all of it at every interval), measured in the same run.
 *
 * Usage (after `npm run build`):
 *   node bench/runner.mjs [--gb 1] [--model F] [--baseline-mb 8,32,128] [--interval 10s]
 *
 * The fake tracer replays ../shared/corpus/raw/benign/LOG_ARP.EXE.txt (a real NtTrace log)
 * repeated until the requested size, with no pause, in 1 MiB writes. The model is --model F,
 * else models/default.ntmd, else one trained here with the ntmaldetect-2018 preset on the
 * shared corpus (training time excluded).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// NTMD_DIST: a build elsewhere than dist/ (e.g. tsc -p tsconfig.build.json --outDir dist-check/bench)
const distDir = resolve(process.env.NTMD_DIST ?? join(root, 'dist'));
const dist = (p) => import(join(distDir, p));
const { traceProgram, createLiveDetector } = await dist('runner/index.js');
const { loadModel } = await dist('model/model.js');
const { detect } = await dist('api/detect.js');

const { values } = parseArgs({
  // --child, --repeat, --file: internal (the measuring child processes)
  options: {
    gb: { type: 'string', default: '1' },
    model: { type: 'string' },
    'baseline-mb': { type: 'string', default: '8,32,128' },
    interval: { type: 'string', default: '10s' },
    child: { type: 'string' },
    repeat: { type: 'string' },
    file: { type: 'string' },
  },
});
const shared = resolve(process.env.NTMD_SHARED ?? join(root, '..', 'shared'));
const LOG = join(shared, 'corpus', 'raw', 'benign', 'LOG_ARP.EXE.txt');
const FAKE = join(root, 'fixtures', 'fake-nttrace.mjs');
const logBytes = statSync(LOG).size;

async function getModel() {
  if (values.model) return { model: await loadModel(resolve(values.model)), path: resolve(values.model) };
  const dflt = join(root, 'models', 'default.ntmd');
  try {
    return { model: await loadModel(dflt), path: dflt };
  } catch {
    const { train } = await dist('api/train.js');
    const t = performance.now();
    const model = await train(join(shared, 'corpus'), { preset: 'ntmaldetect-2018' });
    console.error(`(trained a ntmaldetect-2018 model on the shared corpus in ${((performance.now() - t) / 1000).toFixed(1)} s)`);
    const path = join(mkdtempSync(join(tmpdir(), 'ntmd-bench-')), 'model.ntmd');
    await model.save(path);
    return { model, path };
  }
}
const program = process.execPath; // any existing file: the fake tracer does not run it
const mb = (b) => (b / 1048576).toFixed(1);
const rssNow = () => process.memoryUsage().rss;
/**
 * Peak RSS of this process. On Linux, VmHWM from /proc/self/status: getrusage's maxrss
 * survives execve, so a child would report its parent's size at fork time.
 */
function peakRss() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    /* not Linux */
  }
  return process.resourceUsage().maxRSS * 1024;
}

/**
 * Child mode: one traceProgram() run over `repeat` copies of the log, in a fresh process,
 * so that its peak RSS (getrusage's maxrss) is the runner's alone. Prints one JSON line.
 */
async function child(kind, repeat, modelPath, intervalMs) {
  let detector = nullDetector();
  const verdictMs = [];
  if (kind === 'live') {
    const live = await createLiveDetector({ model: await loadModel(modelPath) });
    // The real detector, with each verdict timed (what an interval costs as the log grows).
    detector = {
      borrowsChunks: live.borrowsChunks, // it copies what it keeps: may be given the reused read buffer
      push: (c) => live.push(c),
      get calls() { return live.calls; },
      verdict() {
        const t = performance.now();
        const v = live.verdict();
        verdictMs.push(performance.now() - t);
        return v;
      },
      end: () => live.end(),
    };
  }
  gc?.();
  const before = rssNow();
  const t0 = performance.now();
  const session = traceProgram({
    program,
    nttrace: FAKE,
    nttraceArgs: ['-fake-replay', LOG, '-fake-repeat', String(repeat), '-fake-batch', '1000000'],
    intervalMs,
    detector,
  });
  let verdicts = 0;
  for await (const ev of session) if (ev.type === 'verdict') verdicts++;
  const r = await session.result;
  const secs = (performance.now() - t0) / 1000;
  const maxVerdictMs = verdictMs.length ? Math.max(...verdictMs) : 0;
  console.log(JSON.stringify({ calls: r.calls, secs, verdicts, before, peak: peakRss(), bytes: repeat * logBytes, maxVerdictMs }));
}

function runChild(kind, repeat, modelPath, file) {
  const args = ['--expose-gc', fileURLToPath(import.meta.url), '--child', kind, '--repeat', String(repeat), '--model', modelPath, '--interval', values.interval];
  const out = execFileSync(process.execPath, file ? [...args, '--file', file] : args, {
    env: process.env,
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.toString().trim().split('\n').at(-1));
}

/** A detector that parses nothing: the ceiling set by the fake tracer and the pipe. */
function nullDetector() {
  let n = 0;
  return {
    borrowsChunks: true,
    push: (c) => void (n += c.length),
    get calls() { return 1; },
    verdict: () => ({ malicious: false, insufficient: true, policy: 'any', members: [], calls: 0, ngrams: 0, unknownNgramFraction: null }),
    end: () => ({ calls: 1, lines: 1 }),
  };
}

if (values.child === 'incremental') {
  const det = await createLiveDetector({ model: await loadModel(values.model) });
  const text = readFileSync(LOG);
  const t0 = performance.now();
  for (let i = 0; i < Number(values.repeat); i++) det.push(text);
  const pushSecs = (performance.now() - t0) / 1000;
  const reps = 20;
  const t = performance.now();
  let v;
  for (let i = 0; i < reps; i++) v = det.verdict();
  const ms = (performance.now() - t) / reps;
  console.log(JSON.stringify({ ms, pushSecs, calls: det.calls, malicious: v.malicious, peak: peakRss() }));
  process.exit(0);
}
if (values.child === 'baseline') {
  const m = await loadModel(values.model);
  const t = performance.now();
  const v = await detect(readFileSync(values.file), { model: m });
  const ms = performance.now() - t;
  console.log(JSON.stringify({ ms, calls: v.calls, malicious: v.malicious, peak: peakRss() }));
  process.exit(0);
}
if (values.child) {
  await child(values.child, Number(values.repeat), values.model, values.interval);
  process.exit(0);
}
const { model, path: modelPath } = await getModel();

console.log(`# runner benchmark  (node ${process.version}, ${process.platform}/${process.arch})`);
console.log(`log: LOG_ARP.EXE.txt, ${logBytes} bytes; model: ${model.members.map((m) => m.name).join(' + ')}, ${model.tfidf.vocabularySize} features\n`);

// 1. Throughput and peak RSS over a long replay, each run in a fresh process.
const repeat = Math.max(1, Math.round((Number(values.gb) * 1024 ** 3) / logBytes));
const pipe = runChild('pipe', repeat, modelPath);
const short = runChild('live', Math.max(1, Math.round(repeat / 10)), modelPath);
const live = runChild('live', repeat, modelPath);
console.log('| run | replayed | calls | time | calls/s | MiB/s | verdicts | RSS after start | peak RSS |');
console.log('|---|---|---|---|---|---|---|---|---|');
console.log(`| fake tracer + pipe, no parsing (ceiling) | ${mb(pipe.bytes)} MiB | - | ${pipe.secs.toFixed(1)} s | - | ${(pipe.bytes / 1048576 / pipe.secs).toFixed(0)} | - | ${mb(pipe.before)} MiB | ${mb(pipe.peak)} MiB |`);
for (const r of [short, live]) console.log(`| traceProgram() + live detector | ${mb(r.bytes)} MiB | ${r.calls.toLocaleString('en')} | ${r.secs.toFixed(1)} s | ${Math.round(r.calls / r.secs).toLocaleString('en')} | ${(r.bytes / 1048576 / r.secs).toFixed(0)} | ${r.verdicts} (slowest ${r.maxVerdictMs.toFixed(1)} ms) | ${mb(r.before)} MiB | ${mb(r.peak)} MiB |`);

// 2. Cost of one verdict as the log grows, each in a fresh process: the live detector's
// verdict on everything pushed so far, against the baseline of NtMalDetect's -r mode, which
// re-read the whole log from disk and re-classified all of it at every interval.
console.log('\n| log so far | live detector alone: parse + count (no pipe) | incremental: one verdict | incremental: peak RSS | baseline: re-read + detect() the whole log | baseline: peak RSS |');
console.log('|---|---|---|---|---|---|');
const logDir = mkdtempSync(join(tmpdir(), 'ntmd-bench-log-'));
for (const size of values['baseline-mb'].split(',').map(Number)) {
  const copies = Math.max(1, Math.round((size * 1048576) / logBytes));
  const file = join(logDir, `log-${size}.txt`);
  writeFileSync(file, Buffer.concat(Array.from({ length: copies }, () => readFileSync(LOG))));
  const inc = runChild('incremental', copies, modelPath);
  const full = runChild('baseline', copies, modelPath, file);
  if (inc.malicious !== full.malicious) throw new Error('incremental and whole-log verdicts differ');
  const rate = `${Math.round(inc.calls / inc.pushSecs).toLocaleString('en')} calls/s, ${(copies * logBytes / 1048576 / inc.pushSecs).toFixed(0)} MiB/s`;
  console.log(`| ${mb(copies * logBytes)} MiB (${inc.calls.toLocaleString('en')} calls) | ${rate} | ${inc.ms.toFixed(2)} ms | ${mb(inc.peak)} MiB | ${full.ms.toFixed(0)} ms | ${mb(full.peak)} MiB |`);
}
rmSync(logDir, { recursive: true, force: true });
