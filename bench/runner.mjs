#!/usr/bin/env node
/**
 * Runner benchmark: how many calls per second `traceProgram()` sustains from a fast fake
 * tracer, the peak RSS of the process running it over a long replay, and the cost of one
 * verdict as the log grows — next to the baseline NtMalDetect used (keep the whole log and
 * re-classify all of it at every interval), measured in the same run.
 *
 * Usage (after `npm run build`):
 *   node bench/runner.mjs [--gb 1] [--model F] [--baseline-mb 8,32,128] [--interval 10s]
 *                         [--compare DIR [--compare-label L]] [--runs N]
 *
 * --compare DIR: also run the throughput and memory rows with another build of the library
 * (e.g. an older commit built with `tsc -p tsconfig.build.json --outDir DIR`), interleaved
 * with this one, N times each (--runs, default 1). --baseline-mb 0 skips the second table.
 *
 * The fake tracer replays ../shared/corpus/raw/benign/LOG_ARP.EXE.txt (a real NtTrace log)
 * repeated until the requested size, with no pause, in 1 MiB writes. The model is --model F,
 * else models/default.ntmd, else one trained here with the ntmaldetect-2018 preset on the
 * shared corpus (training time excluded).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
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
    compare: { type: 'string' },
    'compare-label': { type: 'string', default: 'before' },
    runs: { type: 'string', default: '1' },
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
const peakText = (b) => `${mb(b)} MiB (${(b / 1e6).toFixed(1)} MB)`;
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

function runChild(kind, repeat, modelPath, file, build = distDir) {
  const args = ['--expose-gc', fileURLToPath(import.meta.url), '--child', kind, '--repeat', String(repeat), '--model', modelPath, '--interval', values.interval];
  const out = execFileSync(process.execPath, file ? [...args, '--file', file] : args, {
    env: { ...process.env, NTMD_DIST: build },
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

// 1. Throughput and peak RSS over a long replay, each run in a fresh process (with
// --compare: the other build's run next to this one's, interleaved).
const repeat = Math.max(1, Math.round((Number(values.gb) * 1024 ** 3) / logBytes));
const builds = values.compare
  ? [{ label: values['compare-label'], dir: resolve(values.compare) }, { label: 'this build', dir: distDir }]
  : [{ label: '', dir: distDir }];
const col = values.compare ? ' build |' : '';
console.log(`build: ${distDir}${values.compare ? `; ${values['compare-label']}: ${resolve(values.compare)}` : ''}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`|${col} run | replayed | calls | time | calls/s | MiB/s | verdicts | RSS after start | peak RSS |`);
console.log(`|${col.replace(/[^|]+/g, '---')}---|---|---|---|---|---|---|---|---|`);
const row = (b, r, what) => {
  const c = values.compare ? ` ${b.label} |` : '';
  if (what === 'ceiling') {
    console.log(`|${c} fake tracer, output read and dropped (ceiling) | ${mb(r.bytes)} MiB | - | ${r.secs.toFixed(1)} s | - | ${(r.bytes / 1048576 / r.secs).toFixed(0)} | - | ${mb(r.before)} MiB | ${peakText(r.peak)} |`);
  } else {
    console.log(`|${c} traceProgram() + live detector | ${mb(r.bytes)} MiB | ${r.calls.toLocaleString('en')} | ${r.secs.toFixed(1)} s | ${Math.round(r.calls / r.secs).toLocaleString('en')} | ${(r.bytes / 1048576 / r.secs).toFixed(0)} | ${r.verdicts} (slowest ${r.maxVerdictMs.toFixed(1)} ms) | ${mb(r.before)} MiB | ${peakText(r.peak)} |`);
  }
};
for (let run = 0; run < Number(values.runs); run++) {
  for (const b of builds) row(b, runChild('pipe', repeat, modelPath, undefined, b.dir), 'ceiling');
  for (const b of builds) row(b, runChild('live', Math.max(1, Math.round(repeat / 10)), modelPath, undefined, b.dir), 'live');
  for (const b of builds) row(b, runChild('live', repeat, modelPath, undefined, b.dir), 'live');
}
console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

// 2. Cost of one verdict as the log grows, each in a fresh process: the live detector's
// verdict on everything pushed so far, against the baseline of NtMalDetect's -r mode, which
// re-read the whole log from disk and re-classified all of it at every interval.
const sizes = values['baseline-mb'].split(',').map(Number).filter((n) => n > 0);
if (sizes.length === 0) process.exit(0);
console.log('\n| log so far | live detector alone: parse + count (no pipe) | incremental: one verdict | incremental: peak RSS | baseline: re-read + detect() the whole log | baseline: peak RSS |');
console.log('|---|---|---|---|---|---|');
const logDir = mkdtempSync(join(tmpdir(), 'ntmd-bench-log-'));
for (const size of sizes) {
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
