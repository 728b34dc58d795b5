#!/usr/bin/env node
// Helper of bench/threads.mjs (not listed in bench/run.mjs): runs one `ntmaldetect` command in
// this process (dist/cli/main.js's runCli, output discarded) and prints its wall time, the CPU
// time of the main thread and of the whole process (every thread: the workers, V8's helpers),
// from /proc (clock ticks of 10 ms). On a machine busy with other jobs the wall time says
// little; the main thread's CPU time is what the command waits for on idle cores (the
// workers run beside it), as long as no worker takes longer.
//
//   node bench/threads-cpu.mjs <ntmaldetect arguments...>
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ticks = (path) => {
  const f = readFileSync(path, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) * 10; // utime + stime, ms
};
const { runCli } = await import(pathToFileURL(join(root, 'dist', 'cli', 'main.js')).href);
const sink = () => new PassThrough().resume();
const main0 = ticks(`/proc/self/task/${process.pid}/stat`);
const proc0 = ticks('/proc/self/stat');
const t0 = performance.now();
const code = await runCli(process.argv.slice(2), { stdout: sink(), stderr: sink(), stdin: new PassThrough().end(), env: {}, cwd: process.cwd() });
const wall = performance.now() - t0;
const main = ticks(`/proc/self/task/${process.pid}/stat`) - main0;
const all = ticks('/proc/self/stat') - proc0;
console.log(JSON.stringify({ code, wall, main, all }));
