#!/usr/bin/env node
// Before/after of the reader (or of detectSync) between two builds, each run in its own
// process, the builds alternating run by run; prints the minimum and median CPU time.
//
// Usage (build the old commit elsewhere first, e.g.
//   git worktree add /tmp/old <commit> && (cd /tmp/old && ln -s $PWD/node_modules . && npx tsc -p tsconfig.build.json)):
//   node bench/reader-ab.mjs --old /tmp/old/dist [--new dist] [--runs 7] --mode file|memory|det --repeat N FILE...
//     file  readTraceFileSync of the files, `repeat` times, one shared table (cold process:
//           V8's warm-up included); CPU time of the reading
//     memory readTraceSync of the files' bytes already in memory, 30 untimed passes first
//           (JIT warm), then `repeat` timed passes; CPU time of the reading
//     det   detectSync on the files' bytes with models/default.ntmd, 2000 untimed calls
//           first, then `repeat` timed calls; CPU time per call (ms)
//     paired both builds in THIS process, warm, reading the files' bytes already in memory,
//           alternating round by round (which goes first alternates too) for `--rounds`
//           rounds (default 300) after 40 untimed; prints each build's median and minimum
//           time per round and the median over the rounds of the ratio old/new (> 1: new is
//           faster). The figure to trust on a machine whose speed drifts (both builds see
//           the same phase). FILE defaults to the 7 raw logs of ../shared/corpus/raw here;
//           both builds must read them identically (checked first); empty files are skipped.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    old: { type: 'string' },
    new: { type: 'string', default: join(root, 'dist') },
    runs: { type: 'string', default: '7' },
    mode: { type: 'string', default: 'file' },
    repeat: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '300' },
    child: { type: 'string' },
  },
});

if (values.child !== undefined) {
  const dist = values.child;
  const rep = Number(values.repeat);
  const { CallTable, readTraceFileSync } = await import(join(dist, 'tokenize', 'index.js'));
  if (values.mode === 'det') {
    const { detectSync, loadModel } = await import(join(dist, 'index.js'));
    const model = await loadModel(join(root, 'models', 'default.ntmd'));
    const bufs = positionals.map((f) => readFileSync(f));
    for (let i = 0; i < 2000; i++) for (const b of bufs) detectSync(b, { model });
    const c0 = process.cpuUsage();
    for (let i = 0; i < rep; i++) for (const b of bufs) detectSync(b, { model });
    const c = process.cpuUsage(c0);
    console.log(JSON.stringify({ value: (c.user + c.system) / 1000 / (rep * bufs.length), unit: 'ms per call' }));
  } else if (values.mode === 'memory') {
    const { readTraceSync } = await import(join(dist, 'tokenize', 'index.js'));
    const table = new CallTable();
    const bufs = positionals.map((f) => readFileSync(f));
    for (let i = 0; i < 30; i++) for (const b of bufs) readTraceSync(b, { table });
    let calls = 0;
    const c0 = process.cpuUsage();
    for (let r = 0; r < rep; r++) for (const b of bufs) calls += readTraceSync(b, { table }).stats.calls;
    const c = process.cpuUsage(c0);
    console.log(JSON.stringify({ value: (c.user + c.system) / 1e6, unit: 's CPU', calls }));
  } else {
    const table = new CallTable();
    let calls = 0;
    const c0 = process.cpuUsage();
    for (let r = 0; r < rep; r++) for (const f of positionals) calls += readTraceFileSync(f, { table }).stats.calls;
    const c = process.cpuUsage(c0);
    console.log(JSON.stringify({ value: (c.user + c.system) / 1e6, unit: 's CPU', calls }));
  }
  process.exit(0);
}

if (values.mode === 'paired' && values.old !== undefined) {
  await paired(resolve(values.old), resolve(values.new), Number(values.rounds), positionals);
  process.exit(0);
}
if (values.old === undefined || positionals.length === 0) {
  console.error('usage: node bench/reader-ab.mjs --old DIST [--new DIST] [--runs 7] --mode file|memory|det --repeat N FILE...');
  console.error('       node bench/reader-ab.mjs --old DIST [--new DIST] --mode paired [--rounds 300] [FILE...]');
  process.exit(2);
}
const builds = { old: resolve(values.old), new: resolve(values.new) };
const res = { old: [], new: [] };
for (let i = 0; i < Number(values.runs); i++) {
  for (const k of ['old', 'new']) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', builds[k], '--mode', values.mode, '--repeat', values.repeat, ...positionals], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${k} failed: ${r.stderr}`);
    res[k].push(JSON.parse(r.stdout.trim().split('\n').pop()));
  }
}
for (const k of ['old', 'new']) {
  const v = res[k].map((x) => x.value).sort((a, b) => a - b);
  if (process.env.AB_ALL) console.log(v.map((x) => x.toFixed(4)).join(" "));
  console.log(`${k.padEnd(3)} ${builds[k]}: min ${v[0].toFixed(4)} median ${v[v.length >> 1].toFixed(4)} ${res[k][0].unit}${res[k][0].calls !== undefined ? `, ${res[k][0].calls} calls` : ''}`);
}

/** --mode paired: both builds in this process, alternating round by round. */
async function paired(oldDist, newDist, rounds, files0) {
  const shared = resolve(process.env.NTMD_SHARED ?? join(root, '..', 'shared'));
  const rawDirs = ['benign', 'malicious'].map((d) => join(shared, 'corpus', 'raw', d));
  const files = files0.length > 0 ? files0 : rawDirs.flatMap((d) => readdirSync(d).sort().map((f) => join(d, f)));
  // Empty files are skipped (reading one is an EmptyTraceError, the same in both builds).
  const bufs = files.map((f) => readFileSync(f)).filter((b) => b.length > 0);
  const bytes = bufs.reduce((s, b) => s + b.length, 0);
  const oldMod = await import(join(oldDist, 'tokenize', 'index.js'));
  const newMod = await import(join(newDist, 'tokenize', 'index.js'));
  const oldTable = new oldMod.CallTable();
  const newTable = new newMod.CallTable();
  const pass = (mod, table) => () => {
    for (const b of bufs) mod.readTraceSync(b, { table });
  };
  const passOld = pass(oldMod, oldTable);
  const passNew = pass(newMod, newTable);
  // Same result from both builds, call by call and line count by line count.
  for (const b of bufs) {
    const x = oldMod.readTraceSync(b, { table: oldTable });
    const y = newMod.readTraceSync(b, { table: newTable });
    const same = JSON.stringify(x.stats) === JSON.stringify(y.stats) && x.calls.length === y.calls.length &&
      x.calls.every((id, i) => oldTable.nameOf(id) === newTable.nameOf(y.calls[i]));
    if (!same) throw new Error('the two builds read the input differently');
  }
  for (let i = 0; i < 40; i++) {
    passOld();
    passNew();
  }
  const time = (f) => {
    const t = process.hrtime.bigint();
    f();
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  const tOld = [];
  const tNew = [];
  const ratios = [];
  for (let r = 0; r < rounds; r++) {
    const first = r % 2 === 0 ? passOld : passNew;
    const second = first === passOld ? passNew : passOld;
    const t1 = time(first);
    const t2 = time(second);
    const [a, b] = first === passOld ? [t1, t2] : [t2, t1];
    tOld.push(a);
    tNew.push(b);
    ratios.push(a / b);
  }
  const median = (x) => [...x].sort((p, q) => p - q)[x.length >> 1];
  console.log(
    `${bufs.length} files, ${(bytes / 1e6).toFixed(2)} MB, ${rounds} rounds: ` +
      `old ${median(tOld).toFixed(3)} ms (min ${Math.min(...tOld).toFixed(3)}), new ${median(tNew).toFixed(3)} ms (min ${Math.min(...tNew).toFixed(3)}); ` +
      `median per-round ratio old/new ${median(ratios).toFixed(3)}`,
  );
}
