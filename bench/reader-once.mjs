// One ntmaldetect reader run in its own process, for whole-process timings and peak memory
// (bench/reader.mjs spawns it). Needs `npm run build` first.
//
// Usage: node bench/reader-once.mjs [--mode file|buffer|stream] [--no-keep] [--repeat N] FILE...
//   file    readTraceFileSync(path): 1 MiB chunks through one reused buffer
//   buffer  readFileSync + readTraceSync (the whole file in memory)
//   stream  readTrace(path): 1 MiB chunks; with --no-keep, keepCalls:false + onCalls (memory flat)
//   memory  readTraceSync on the files' bytes already in memory, after 30 untimed passes (JIT warm)
// Prints one JSON line: { reader, calls, bytes, seconds (in-process wall time), cpuSeconds
// (in-process CPU time), processCpuSeconds (CPU time of the whole process), maxRssMB (VmHWM) }.
import { readFileSync, statSync } from 'node:fs';
import { CallTable, readTrace, readTraceFileSync, readTraceSync } from '../dist/tokenize/index.js';

const args = process.argv.slice(2);
let mode = 'file';
let keep = true;
let repeat = 1;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--mode') mode = args[++i];
  else if (args[i] === '--no-keep') keep = false;
  else if (args[i] === '--repeat') repeat = Number(args[++i]);
  else files.push(args[i]);
}

/** Reads the files `repeat` times with one shared table; returns the counts. */
async function run(files, mode, keep, repeat) {
  const table = new CallTable();
  let calls = 0;
  let bytes = 0;
  let streamed = 0;
  const onCalls = keep ? undefined : (_ids, n) => { streamed += n; };
  const datas = mode === 'memory' ? files.map((f) => readFileSync(f)) : [];
  // Warm-up: 30 untimed passes, so that V8's optimising compiler has finished (on a loaded
  // machine its background compiles take a few hundred milliseconds).
  for (let w = 0; w < 30 && datas.length > 0; w++) for (const d of datas) readTraceSync(d, { table, keepCalls: keep, onCalls });
  streamed = 0;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  for (let r = 0; r < repeat; r++) {
    for (const f of files) {
      if (mode === 'memory') {
        for (const d of datas) {
          bytes += d.length;
          calls += readTraceSync(d, { table, keepCalls: keep, onCalls }).stats.calls;
        }
        break;
      } else if (mode === 'file') {
        bytes += statSync(f).size;
        calls += readTraceFileSync(f, { table, keepCalls: keep, onCalls }).stats.calls;
      } else if (mode === 'buffer') {
        const buf = readFileSync(f);
        bytes += buf.length;
        calls += readTraceSync(buf, { table, keepCalls: keep, onCalls }).stats.calls;
      } else {
        bytes += statSync(f).size;
        calls += (await readTrace(f, { table, keepCalls: keep, onCalls })).stats.calls;
      }
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(c0);
  const all = process.cpuUsage();
  if (!keep && streamed !== calls) throw new Error(`onCalls saw ${streamed} calls, stats say ${calls}`);
  return {
    reader: `ntmaldetect-${mode}${keep ? '' : '-nokeep'}`, calls, bytes, seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6, processCpuSeconds: (all.user + all.system) / 1e6,
  };
}

/** Peak RSS of this process in MiB: VmHWM (getrusage's maxrss can include the parent's size at fork). */
function peakRssMB() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

const res = await run(files, mode, keep, repeat);
console.log(JSON.stringify({ ...res, maxRssMB: peakRssMB() }));
