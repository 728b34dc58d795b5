#!/usr/bin/env node
// The reader of two builds, whole process: each run is a fresh `node` that imports the build's
// dist/tokenize and reads the inputs into one call table, and reports the CPU of the whole
// process (process.cpuUsage() at exit: start-up, import, reading, V8's compiler threads) and of
// the reading alone. The two builds alternate run by run, and which goes first alternates too.
// Prints per build the median CPU and the paired ratio new / old (median, interquartile range).
//
//   npm run bench -- reader-whole OLD_DIST NEW_DIST [--runs 20] [--repeat 1] [--stream] FILE...
//
// --repeat R reads the files R times over (many small files); --stream reads one FILE with
// readTrace() from a file stream, keepCalls: false (the runner's way). Behind the state-machine
// table of docs/benchmarks.md ("The state-machine reader").
import { spawnSync } from 'node:child_process';
import { createReadStream, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '20' }, repeat: { type: 'string', default: '1' }, stream: { type: 'boolean' }, child: { type: 'string' } },
});

if (values.child !== undefined) {
  const c0 = process.cpuUsage();
  const { readTrace, readTraceFileSync, CallTable } = await import(join(values.child, 'tokenize', 'index.js'));
  const table = new CallTable();
  let calls = 0;
  const c1 = process.cpuUsage();
  if (values.stream) {
    calls = (await readTrace(createReadStream(positionals[0]), { table, keepCalls: false })).stats.calls;
  } else {
    for (let r = 0; r < Number(values.repeat); r++) {
      for (const f of positionals) {
        try {
          calls += readTraceFileSync(f, { table }).stats.calls;
        } catch (e) {
          if (e.code !== 'EMPTY_TRACE') throw e;
        }
      }
    }
  }
  const read = process.cpuUsage(c1);
  const all = process.cpuUsage();
  void c0;
  console.log(JSON.stringify({ whole: (all.user + all.system) / 1e3, read: (read.user + read.system) / 1e3, calls }));
  process.exit(0);
}

const [oldDist, newDist, ...files] = positionals;
if (!files.length) {
  process.stderr.write(readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(1, 12).join('\n') + '\n');
  process.exit(2);
}
const builds = { old: resolve(oldDist), new: resolve(newDist) };
const res = { old: [], new: [] };
for (let i = 0; i < Number(values.runs); i++) {
  for (const k of i % 2 === 0 ? ['old', 'new'] : ['new', 'old']) {
    const args = [process.argv[1], '--child', builds[k], '--repeat', values.repeat, ...(values.stream ? ['--stream'] : []), ...files];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    res[k].push(JSON.parse(r.stdout.trim()));
  }
}
if (res.old[0].calls !== res.new[0].calls) throw new Error(`the builds read different call counts: ${res.old[0].calls} and ${res.new[0].calls}`);
const q = (a, p) => [...a].sort((x, y) => x - y)[Math.floor(p * (a.length - 1))];
const med = (a) => q(a, 0.5);
const line = (field) => {
  const ratios = res.old.map((o, i) => res.new[i][field] / o[field]);
  const ms = (k) => med(res[k].map((x) => x[field])).toFixed(1);
  return `old ${ms('old')} ms, new ${ms('new')} ms; new / old ${med(ratios).toFixed(3)} [${q(ratios, 0.25).toFixed(3)}–${q(ratios, 0.75).toFixed(3)}]`;
};
console.log(`${files.join(' ')}${values.stream ? ' (stream, keepCalls: false)' : ''}: ${res.old[0].calls} calls, ${values.runs} runs each`);
console.log(`  whole process CPU: ${line('whole')}`);
if (!values.stream) console.log(`  reading alone CPU: ${line('read')}`);
