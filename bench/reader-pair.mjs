#!/usr/bin/env node
// Before/after of the reader between two builds in ONE process, warm: both builds read the
// same bytes already in memory, alternating round by round (which one goes first alternates
// too); prints each build's median and minimum time per round and the median over the rounds
// of the per-round ratio old/new (> 1: the new build is faster). On a machine whose speed
// drifts (this one moves by up to 2x within a process), the paired ratio is the figure to
// trust: both builds see the same phase. Checks first that both builds give the same calls
// and line counts.
//
// Usage (build the old commit elsewhere first, e.g.
//   git worktree add /tmp/old <commit> && (cd /tmp/old && ln -s $PWD/node_modules . && npx tsc -p tsconfig.build.json)):
//   node bench/reader-pair.mjs --old /tmp/old/dist [--new dist] [--rounds 300] [FILE...]
// FILE defaults to the 7 raw logs of ../shared/corpus/raw (one round reads each once).
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
    rounds: { type: 'string', default: '300' },
  },
});
if (values.old === undefined) {
  console.error('bench/reader-pair.mjs: --old DIST is required');
  process.exit(2);
}
const shared = resolve(process.env.NTMD_SHARED ?? join(root, '..', 'shared'));
const rawDirs = ['benign', 'malicious'].map((d) => join(shared, 'corpus', 'raw', d));
const files = positionals.length > 0 ? positionals : rawDirs.flatMap((d) => readdirSync(d).sort().map((f) => join(d, f)));
// Empty files are skipped (reading one is an EmptyTraceError, the same in both builds).
const bufs = files.map((f) => readFileSync(f)).filter((b) => b.length > 0);
const bytes = bufs.reduce((s, b) => s + b.length, 0);

const oldMod = await import(join(resolve(values.old), 'tokenize', 'index.js'));
const newMod = await import(join(resolve(values.new), 'tokenize', 'index.js'));
const oldTable = new oldMod.CallTable();
const newTable = new newMod.CallTable();
const pass = (mod, table) => () => {
  let calls = 0;
  for (const b of bufs) calls += mod.readTraceSync(b, { table }).stats.calls;
  return calls;
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
const rounds = Number(values.rounds);
const tOld = [];
const tNew = [];
const ratios = [];
for (let r = 0; r < rounds; r++) {
  let a;
  let b;
  if (r % 2 === 0) {
    a = time(passOld);
    b = time(passNew);
  } else {
    b = time(passNew);
    a = time(passOld);
  }
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
