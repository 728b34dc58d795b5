#!/usr/bin/env node
// Should a model file store the n-gram lookup table? Rebuilding it on load
// (NgramIndex.fromFlat) against validating a stored one, which a hostile file would need:
// every slot empty or a feature below V, each feature exactly once, at least one empty slot,
// each feature found by probing from its hash (and, as the build does, no feature repeated).
// Each side in fresh processes (first call: the CLI's case) and warm (median of 7 more
// calls), processes alternating, medians. docs/model-format.md cites the figures.
//
//   node bench/ngram-table.mjs [MODEL.ntmd ...] [--runs 7]   (default: models/default.ntmd)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({ allowPositionals: true, options: { runs: { type: 'string' }, child: { type: 'string' } } });
const median = (xs) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];

/** The validation a stored table would need, written like fromFlat's build (hash inline). */
function validate(slots, mask, grams, lengths, base) {
  const V = lengths.length;
  const T = mask + 1;
  if (slots.length !== 2 * T) return 'table length';
  const pos = new Int32Array(V).fill(-1);
  let empty = 0;
  for (let s = 0; s < T; s++) {
    const f = slots[2 * s];
    if (f === -1) {
      empty++;
      continue;
    }
    if (!(f >= 0 && f < V) || pos[f] !== -1) return `slot ${s}`;
    pos[f] = s;
  }
  if (empty === 0 || T - empty !== V) return 'count';
  for (let f = 0, p = 0; f < V; f++) {
    const n = lengths[f];
    let h = 0;
    for (let k = p; k < p + n; k++) h = (Math.imul(h, base) + grams[k]) | 0;
    h ^= Math.imul(n, 0x85ebca6b);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    const mixed = h | 0;
    const at = pos[f];
    if (slots[2 * at + 1] !== mixed) return `hash of ${f}`;
    for (let s = mixed & mask; s !== at; s = (s + 1) & mask) {
      const g = slots[2 * s];
      if (g < 0) return `${f} unreachable`;
      if (slots[2 * s + 1] === mixed && lengths[g] === n) {
        let same = true;
        for (let k = 0, o = g * n; k < n && same; k++) same = grams[o + k] === grams[p + k];
        if (same) return `${f} repeats ${g}`;
      }
    }
    p += n;
  }
  return null;
}

if (values.child) {
  const [model] = positionals;
  const { readContainer } = await import(pathToFileURL(join(root, 'dist', 'model', 'container.js')).href);
  const { NgramIndex, NGRAM_BASE } = await import(pathToFileURL(join(root, 'dist', 'tfidf', 'ngram-index.js')).href);
  const r = readContainer(readFileSync(model), model, {}, true);
  const ids = r.sections.get('vocab.ids');
  const lengths = r.sections.get('vocab.lengths');
  const nNames = r.header.names.length;
  const time = (fn) => {
    const t = performance.now();
    const x = fn();
    return [performance.now() - t, x];
  };
  let first;
  let again;
  if (values.child === 'validate') {
    // The table as a file would store it (built here by fromFlat, which does not warm `validate`).
    const built = NgramIndex.fromFlat(nNames, ids, lengths);
    const slots = built.slots.slice();
    const [ms, problem] = time(() => validate(slots, built.mask, ids, lengths, NGRAM_BASE));
    if (problem !== null) throw new Error(`the table of ${model} does not validate: ${problem}`);
    first = ms;
    again = () => validate(slots, built.mask, ids, lengths, NGRAM_BASE);
  } else {
    first = time(() => NgramIndex.fromFlat(nNames, ids, lengths))[0];
    again = () => NgramIndex.fromFlat(nNames, ids, lengths);
  }
  const warm = median(Array.from({ length: 7 }, () => time(again)[0]));
  console.log(JSON.stringify({ first, warm, features: lengths.length }));
  process.exit(0);
}

const models = positionals.length ? positionals : [join(root, 'models', 'default.ntmd')];
const runs = Number(values.runs ?? 7);
const child = (kind, model) =>
  JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', kind, model]).toString().trim().split('\n').at(-1));
console.log(`load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}; medians of ${runs} fresh processes each`);
console.log('| model | features | build, first call | validate a stored table, first call | build, warm | validate, warm |');
console.log('|---|--:|--:|--:|--:|--:|');
for (const model of models) {
  const b = [];
  const v = [];
  for (let i = 0; i < runs; i++) {
    v.push(child('validate', model));
    b.push(child('build', model));
  }
  const f = (xs, k) => `${median(xs.map((x) => x[k])).toFixed(1)} ms`;
  console.log(`| ${model} | ${b[0].features.toLocaleString('en-US')} | ${f(b, 'first')} | ${f(v, 'first')} | ${f(b, 'warm')} | ${f(v, 'warm')} |`);
}
