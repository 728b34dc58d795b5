#!/usr/bin/env node
// How a fresh process warms up: reads the same files `--times` times in this one process
// (one CallTable, readTraceFileSync) and prints the CPU and wall time of each pass, so that
// the first pass (V8's interpreter, its compilations) can be set against the later ones.
//
// Usage: npm run build && node bench/reader-cold.mjs [--dist dist] [--times 12] [FILE...]
// FILE defaults to the 7 raw logs of ../shared/corpus/raw. With
//   node --no-concurrent-recompilation --no-concurrent-osr --trace-opt-verbose bench/reader-cold.mjs ...
// V8 compiles on the main thread and prints each compilation's time ("took a, b, c ms").
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { dist: { type: 'string', default: join(root, 'dist') }, times: { type: 'string', default: '12' } },
});
const shared = resolve(process.env.NTMD_SHARED ?? join(root, '..', 'shared'));
const files = positionals.length > 0
  ? positionals
  : ['benign', 'malicious'].flatMap((d) => readdirSync(join(shared, 'corpus', 'raw', d)).sort().map((f) => join(shared, 'corpus', 'raw', d, f)));
const { CallTable, readTraceFileSync } = await import(join(resolve(values.dist), 'tokenize', 'index.js'));
const table = new CallTable();
const passes = [];
for (let i = 0; i < Number(values.times); i++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const f of files) readTraceFileSync(f, { table });
  const c = process.cpuUsage(c0);
  passes.push(`${((c.user + c.system) / 1000).toFixed(1)}/${(performance.now() - t0).toFixed(1)}`);
}
console.log(`CPU/wall ms per pass over ${files.length} files: ${passes.join('  ')}`);
