#!/usr/bin/env node
// What importing a module costs a fresh Node process: CPU (every thread) and wall time of the
// dynamic import alone, after Node's start-up, median of --runs processes per module, the
// modules interleaved run by run. Also measured: an empty module (the ESM loader's fixed
// cost) and a chain of --chain trivial modules, each importing the next (its cost per module).
//
// Usage (after `npm run build`): node bench/import-cost.mjs [--runs 9] [--chain 10] [MODULE...]
//   MODULE: a path (default: dist/tokenize/index.js, dist/index.js, dist/cli/commands/scan.js)
// The measured processes run without NODE_EXTRA_CA_CERTS (see bench/reader.mjs).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '9' }, chain: { type: 'string', default: '10' }, child: { type: 'string' } },
});

if (values.child !== undefined) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await import(pathToFileURL(values.child).href);
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  console.log(JSON.stringify({ cpu: (c.user + c.system) / 1e3, wall, startup: (c0.user + c0.system) / 1e3 }));
} else {
  const work = mkdtempSync(join(tmpdir(), 'ntmd-import-'));
  try {
    writeFileSync(join(work, 'package.json'), '{"type":"module"}\n');
    writeFileSync(join(work, 'empty.js'), 'export const x = 0;\n');
    const n = Number(values.chain);
    for (let i = 0; i < n; i++) {
      writeFileSync(join(work, `m${i}.js`), `${i + 1 < n ? `import './m${i + 1}.js';\n` : ''}export const a${i} = ${i};\n`);
    }
    const mods = [
      ['an empty module', join(work, 'empty.js')],
      [`${n} trivial modules in a chain`, join(work, 'm0.js')],
      ...(positionals.length > 0 ? positionals : ['dist/tokenize/index.js', 'dist/index.js', 'dist/cli/commands/scan.js']).map((m) => [m, resolve(root, m)]),
    ];
    const env = { ...process.env };
    delete env.NODE_EXTRA_CA_CERTS;
    const rows = mods.map(() => []);
    for (let r = 0; r < Number(values.runs); r++) {
      mods.forEach(([, path], k) => {
        const p = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', path], { env, encoding: 'utf8' });
        if (p.status !== 0) throw new Error(`${path}: ${p.stderr}`);
        rows[k].push(JSON.parse(p.stdout));
      });
    }
    const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    console.log(`Median of ${values.runs} fresh processes each (node ${process.version}), ms`);
    console.log('| module | import, CPU | import, wall | Node start-up before it, CPU |');
    console.log('|---|---|---|---|');
    mods.forEach(([label], k) => {
      const r = rows[k];
      console.log(`| ${label} | ${med(r.map((x) => x.cpu)).toFixed(1)} | ${med(r.map((x) => x.wall)).toFixed(1)} | ${med(r.map((x) => x.startup)).toFixed(1)} |`);
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
