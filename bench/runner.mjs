#!/usr/bin/env node
/**
 * Runner benchmark: how many calls per second `traceProgram()` sustains from a fast fake
 * tracer, the peak RSS of the process running it over a long replay, and the cost of one
 * verdict as the log grows — next to the baseline NtMalDetect used (keep the whole log and
 * re-classify all of it at every interval), measured in the same run.
 *
 * Usage (after `npm run build`):
 *   node bench/runner.mjs [--gb 1] [--model F] [--baseline-mb 8,32,64] [--interval 10s]
 *
 * The fake tracer replays ../shared/corpus/raw/benign/LOG_ARP.EXE.txt (a real NtTrace log)
 * repeated until the requested size, with no pause, in 1 MiB writes. The model is --model F,
 * else models/default.ntmd, else one trained here with the ntmaldetect-2018 preset on the
 * shared corpus (training time excluded).
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(join(root, 'dist', p));
const { traceProgram, createLiveDetector } = await dist('runner/index.js');
const { loadModel } = await dist('model/model.js');
const { detect } = await dist('api/detect.js');

const { values } = parseArgs({
  options: {
    gb: { type: 'string', default: '1' },
    model: { type: 'string' },
    'baseline-mb': { type: 'string', default: '8,32,64' },
    interval: { type: 'string', default: '10s' },
  },
});
const shared = resolve(process.env.NTMD_SHARED ?? join(root, '..', 'shared'));
const LOG = join(shared, 'corpus', 'raw', 'benign', 'LOG_ARP.EXE.txt');
const FAKE = join(root, 'fixtures', 'fake-nttrace.mjs');
const logBytes = statSync(LOG).size;

async function getModel() {
  if (values.model) return loadModel(resolve(values.model));
  const dflt = join(root, 'models', 'default.ntmd');
  try {
    return await loadModel(dflt);
  } catch {
    const { train } = await dist('api/train.js');
    const t = performance.now();
    const m = await train(join(shared, 'corpus'), { preset: 'ntmaldetect-2018' });
    console.error(`(trained a ntmaldetect-2018 model on the shared corpus in ${((performance.now() - t) / 1000).toFixed(1)} s)`);
    return m;
  }
}
const model = await getModel();
const program = process.execPath; // any existing file: the fake tracer does not run it
const mb = (b) => (b / 1048576).toFixed(1);
const rssNow = () => process.memoryUsage().rss;

/** One traceProgram() run over `repeat` copies of the log. */
async function runOnce(repeat, detector, intervalMs) {
  let peak = rssNow();
  const sampler = setInterval(() => (peak = Math.max(peak, rssNow())), 50);
  const t0 = performance.now();
  const session = traceProgram({
    program,
    nttrace: FAKE,
    nttraceArgs: ['-fake-replay', LOG, '-fake-repeat', String(repeat), '-fake-batch', '1000000'],
    intervalMs,
    ...(detector ? { detector } : { model }),
  });
  let verdicts = 0;
  for await (const ev of session) if (ev.type === 'verdict') verdicts++;
  const r = await session.result;
  const secs = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, rssNow());
  return { calls: r.calls, secs, verdicts, peak, verdict: r.verdict, bytes: repeat * logBytes };
}

/** A detector that parses nothing: the ceiling set by the fake tracer and the pipe. */
function nullDetector() {
  let n = 0;
  return {
    push: (c) => void (n += c.length),
    get calls() { return 1; },
    verdict: () => ({ malicious: false, insufficient: true, policy: 'any', members: [], calls: 0, ngrams: 0, unknownNgramFraction: null }),
    end: () => ({ calls: 1, lines: 1 }),
  };
}

console.log(`# runner benchmark  (node ${process.version}, ${process.platform}/${process.arch})`);
console.log(`log: LOG_ARP.EXE.txt, ${logBytes} bytes; model: ${model.members.map((m) => m.name).join(' + ')}, ${model.tfidf.vocabularySize} features\n`);

// 1. Throughput and peak RSS over a long replay.
const repeat = Math.max(1, Math.round((Number(values.gb) * 1024 ** 3) / logBytes));
gc?.();
const base = rssNow();
const pipe = await runOnce(Math.max(1, Math.round(repeat / 4)), nullDetector(), values.interval);
const live = await runOnce(repeat, undefined, values.interval);
console.log('| run | replayed | calls | time | calls/s | MB/s | verdicts | peak RSS (runner process) |');
console.log('|---|---|---|---|---|---|---|---|');
console.log(`| fake tracer + pipe only (no parsing) | ${mb(pipe.bytes)} MiB | - | ${pipe.secs.toFixed(1)} s | - | ${(pipe.bytes / 1048576 / pipe.secs).toFixed(0)} | - | ${mb(pipe.peak)} MiB |`);
console.log(`| traceProgram() + live detector | ${mb(live.bytes)} MiB | ${live.calls.toLocaleString('en')} | ${live.secs.toFixed(1)} s | ${Math.round(live.calls / live.secs).toLocaleString('en')} | ${(live.bytes / 1048576 / live.secs).toFixed(0)} | ${live.verdicts} | ${mb(live.peak)} MiB (${mb(base)} MiB before) |`);

// 2. Cost of one verdict as the log grows: incremental vs re-reading the whole log.
console.log('\n| log so far | incremental verdict (counter -> row -> score) | baseline: detect() on the whole log | baseline RSS growth |');
console.log('|---|---|---|---|');
const text = readFileSync(LOG);
for (const size of values['baseline-mb'].split(',').map(Number)) {
  const copies = Math.max(1, Math.round((size * 1048576) / logBytes));
  const det = await createLiveDetector({ model });
  for (let i = 0; i < copies; i++) det.push(text);
  const reps = 20;
  let t = performance.now();
  for (let i = 0; i < reps; i++) det.verdict();
  const inc = (performance.now() - t) / reps;
  gc?.();
  const before = rssNow();
  const whole = Buffer.concat(Array.from({ length: copies }, () => text)); // what the baseline keeps
  t = performance.now();
  const v = await detect(whole, { model });
  const full = performance.now() - t;
  const grown = rssNow() - before;
  if (v.malicious !== det.verdict().malicious) throw new Error('incremental and whole-log verdicts differ');
  console.log(`| ${mb(copies * logBytes)} MiB (${det.calls.toLocaleString('en')} calls) | ${inc.toFixed(2)} ms | ${full.toFixed(0)} ms | +${mb(grown)} MiB |`);
}
