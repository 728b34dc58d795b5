#!/usr/bin/env node
// Bundles the command line into dist/bin/ after `tsc` has built dist/ (`npm run build` runs
// both). A fresh `ntmaldetect scan` otherwise loads about 40 ES modules one by one, and Node's
// loader costs about 0.5 ms a module before any of them runs; bundled, the same command loads a
// handful of files (docs/benchmarks.md, "Start-up"). esbuild splits the bundle at the command
// table's lazy `import()`s, so a command still loads only its own code.
//
// dist/bin/ sits two folders below the package root, like every folder of dist/, so the paths
// the code finds from `import.meta.url` (models/, package.json, native/) are the same from the
// bundle. Worker threads are started from scripts beside their module
// (`new URL('./scan-thread.js', import.meta.url)`): every such script found in dist/ becomes an
// entry point of its own, written beside the chunks under the same name. npm packages stay
// outside the bundle (they are dependencies, resolved from node_modules as before). The library
// (`import 'ntmaldetect'` and its subpaths) is not bundled: it is dist/ as tsc writes it.
import { build } from 'esbuild';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const out = join(dist, 'bin');

/** Every `new URL('./x.js', import.meta.url)` target of dist/: the scripts worker threads run. */
function threadScripts() {
  const found = new Map();
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (p !== out) walk(p);
      } else if (e.name.endsWith('.js')) {
        for (const m of readFileSync(p, 'utf8').matchAll(/new URL\(['"]\.\/([\w.-]+\.js)['"], import\.meta\.url\)/g)) {
          const target = join(dir, m[1]);
          const name = basename(m[1], '.js');
          if (found.has(name) && found.get(name) !== target) {
            throw new Error(`bundle-cli: two worker scripts named ${name}: ${relative(root, found.get(name))} and ${relative(root, target)}`);
          }
          found.set(name, target);
        }
      }
    }
  };
  walk(dist);
  return found;
}

rmSync(out, { recursive: true, force: true });
const entryPoints = { main: join(dist, 'cli', 'main.js'), ...Object.fromEntries(threadScripts()) };
await build({
  entryPoints,
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
