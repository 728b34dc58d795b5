#!/usr/bin/env node
// Our side of the one-trace timing: load a model, then for every trace of a corpus time
// "bytes from disk -> verdict" (readFileSync + detectSync: parse, n-grams, TF-IDF row, every
// member, the ensemble). One untimed warm-up pass first (both sides get one), then the timed
// pass. Prints one JSON line. Usage: node bench/ntmd-predict.mjs MODEL CORPUS
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadModelSync } from '../dist/model/model.js';
import { detectSync } from '../dist/api/detect.js';

const [modelPath, corpus] = process.argv.slice(2);
if (!corpus) {
  console.error('usage: node bench/ntmd-predict.mjs MODEL CORPUS');
  process.exit(2);
}
const files = [];
for (const [sub, label] of [['sysBEN', 0], ['sysMAL', 1]]) {
  for (const name of readdirSync(join(corpus, sub)).sort()) {
    const path = join(corpus, sub, name);
    if (statSync(path).size > 0) files.push({ path, label });
  }
}
let t = performance.now();
const model = loadModelSync(modelPath);
const loadSeconds = (performance.now() - t) / 1000;
const once = () => {
  const times = [];
  const sizes = [];
  let correct = 0;
  for (const f of files) {
    const t0 = performance.now();
    const bytes = readFileSync(f.path);
    const v = detectSync(bytes, { model });
    times.push((performance.now() - t0) / 1000);
    sizes.push(bytes.length);
    if ((v.malicious ? 1 : 0) === f.label) correct++;
  }
  return { times, sizes, correct };
};
once();
const { times, sizes, correct } = once();
const sorted = [...times].sort((a, b) => a - b);
const median = sorted.length % 2 ? sorted[sorted.length >> 1] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
const largest = sizes.indexOf(Math.max(...sizes));
console.log(
  JSON.stringify({
    side: 'ntmaldetect',
    mode: 'predict',
    traces: times.length,
    loadSeconds,
    medianSeconds: median,
    largestSeconds: times[largest],
    largestBytes: sizes[largest],
    totalSeconds: times.reduce((a, b) => a + b, 0),
    trainingAccuracy: correct / times.length,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  }),
);
