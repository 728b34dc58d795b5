#!/usr/bin/env node
// One detection from a fresh process: import ntmaldetect, load a model file, read one trace,
// verdict. Prints one JSON line with the in-process time (the caller measures the whole
// process). Needs `npm run build`.
//
//   node bench/model-cold.mjs MODEL.ntmd TRACE
const t0 = performance.now();
const { loadModel, detect } = await import('../dist/index.js');
const t1 = performance.now();
const model = await loadModel(process.argv[2]);
const t2 = performance.now();
const v = await detect({ path: process.argv[3] }, { model });
const t3 = performance.now();
console.log(JSON.stringify({ side: 'ntmaldetect', mode: 'cold', malicious: v.malicious, importMs: t1 - t0, loadMs: t2 - t1, detectMs: t3 - t2, inProcessSeconds: (t3 - t0) / 1000 }));
