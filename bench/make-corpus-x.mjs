#!/usr/bin/env node
// Writes a K-fold copy of the corpus for the training-at-scale measurements (docs/benchmarks.md,
// "Training in bounded memory"):
//
//   npm run bench -- corpus-x K OUT [--corpus DIR]      (default DIR: ../shared/corpus)
//
// OUT/sysBEN and OUT/sysMAL get K copies of every file of DIR/sysBEN and DIR/sysMAL. Copy 0 is
// the file itself (same name, same bytes). Copy k >= 1 is named `<name without .txt>.x<k>.txt`
// and renames about one call name in six: a name is renamed in copy k when an FNV-1a hash of
// (name, k) is 0 modulo 6, and becomes `<name>K<k>` (e.g. `NtOpenKeyK12`). The new names are
// identifiers, so they pass the NT alphabet's token rule (two or more word characters) and a
// reduced trace of them is still read as one; training never applies the refusal rule (only
// detection does). Each copy therefore adds new ten-grams, as new programs would, while keeping
// the corpus's shape (lengths, repetitions, near-duplicates within a copy). Empty files stay
// empty (the loader skips them with a warning). Deterministic: the same K and DIR give the
// same bytes. Existing files in OUT are overwritten; nothing else is removed.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
let corpus = join(root, '..', 'shared', 'corpus');
const pos = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--corpus') corpus = resolve(args[++i] ?? '');
  else pos.push(args[i]);
}
const K = Number(pos[0]);
const out = pos[1];
if (!Number.isInteger(K) || K < 1 || !out) {
  process.stderr.write('usage: npm run bench -- corpus-x K OUT [--corpus DIR]   (K >= 1 copies of every file)\n');
  process.exit(2);
}

/** FNV-1a, 32 bits, of a string's UTF-16 code units. */
function fnv1a(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The name a call name takes in copy k. */
function renamed(name, k) {
  if (k === 0 || name === '' || fnv1a(`${name}\u0000${k}`) % 6 !== 0) return name;
  return `${name}K${k}`;
}

let files = 0;
let bytes = 0;
const started = performance.now();
for (const folder of ['sysBEN', 'sysMAL']) {
  const src = join(corpus, folder);
  const dst = join(out, folder);
  mkdirSync(dst, { recursive: true });
  const names = readdirSync(src)
    .filter((n) => !n.startsWith('.'))
    .sort();
  for (const name of names) {
    const text = readFileSync(join(src, name), 'latin1');
    const lines = text.split('\n');
    const stem = name.endsWith('.txt') ? name.slice(0, -4) : name;
    for (let k = 0; k < K; k++) {
      const memo = new Map();
      const body =
        k === 0
          ? text
          : lines
              .map((line) => {
                const cr = line.endsWith('\r');
                const bare = cr ? line.slice(0, -1) : line;
                let r = memo.get(bare);
                if (r === undefined) memo.set(bare, (r = renamed(bare, k)));
                return cr ? `${r}\r` : r;
              })
              .join('\n');
      const file = k === 0 ? name : `${stem}.x${k}.txt`;
      writeFileSync(join(dst, file), body, 'latin1');
      files++;
      bytes += body.length;
    }
  }
}
const s = ((performance.now() - started) / 1000).toFixed(1);
process.stdout.write(`wrote ${files} files, ${(bytes / 1e6).toFixed(1)} MB, into ${out} (${K} copies) in ${s} s\n`);
