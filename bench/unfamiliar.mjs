#!/usr/bin/env node
// The measurement behind the familiarity rules (docs/benchmarks.md, "Familiarity").
//
// For each held-out trace of the grouped near-duplicate split (10 folds, seed 0; a model of
// the `default` preset fitted on the other folds), and for real NtTrace logs of benign Wine
// tools judged by the shipped model, it records what the model knows of the trace (the
// share of its ten-gram occurrences in the vocabulary, and the number of distinct ones: the
// features it activates) and the ensemble's decision as it would be without the rule. It
// prints the accuracy-coverage curves of both measures, and the Wine logs' figures, split
// into the half the rule is chosen on and the half it is checked on (alternate files in
// name order).
//
//   npm run build && node bench/unfamiliar.mjs [--corpus DIR] [--wine DIR] [--json FILE]
import { readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCorpus } from '../dist/corpus/index.js';
import { makeSplit } from '../dist/eval/bench.js';
import { fitPipeline } from '../dist/model/pipeline.js';
import { presetConfig } from '../dist/model/presets.js';
import { loadModelSync } from '../dist/model/index.js';
import { DEFAULT_MODEL_PATH } from '../dist/api/detect.js';
import { verdictOfRow } from '../dist/api/verdict.js';
import { readTraceFileSync } from '../dist/tokenize/index.js';
import { combine } from '../dist/ensemble/index.js';
import { memberScore } from '../dist/model/linear.js';
import { countKnownCalls } from '../dist/api/familiarity.js';
import { isNtTraceCall } from '../dist/tokenize/nt-calls.js';
import { CallTable } from '../dist/tokenize/call-table.js';
import { readTraceSync } from '../dist/tokenize/read.js';
import { readFileSync, existsSync } from 'node:fs';

const shared = process.env.NTMD_SHARED ?? resolve('../shared');
const { values } = parseArgs({
  options: {
    corpus: { type: 'string', default: join(shared, 'corpus') },
    wine: { type: 'string', default: 'fixtures/wine-benign' },
    json: { type: 'string' },
  },
});

/** One judged trace: label (1 malicious, 0 benign), known fraction, score, verdict. */
const judge = (model, calls, table) => {
  const { X, ngrams, unknown } = model.tfidf.transformOne(calls, table);
  // The ensemble's decision as it would be without the unfamiliar rule.
  const members = model.members.map((m) => {
    const score = memberScore(m, X, 0);
    return { name: m.name, malicious: score > 0, score };
  });
  const v = { members, policy: model.config.policy };
  const decided = combine(v.members, v.policy, model.config.threshold).malicious;
  return {
    knownCalls: calls.length === 0 ? 1 : countKnownCalls(model, calls, table) / calls.length,
    known: ngrams === 0 ? 0 : (ngrams - unknown) / ngrams,
    knownCount: ngrams - unknown,
    distinct: X.indptr[1] - X.indptr[0],
    ngrams,
    malicious: decided,
    score: v.members[0]?.score ?? 0,
  };
};

const corpus = await loadCorpus(values.corpus);
const split = makeSplit(corpus, { split: 'grouped', folds: 10, seed: 0 });
const config = presetConfig('default');
const held = [];
for (const fold of split.folds) {
  const docs = Array.from(fold.train, (i) => corpus.docs[i].calls);
  const labels = Uint8Array.from(fold.train, (i) => corpus.docs[i].label);
  const model = fitPipeline(config, docs, labels, corpus.table);
  for (const i of fold.test) {
    const d = corpus.docs[i];
    held.push({ name: d.name, label: d.label, ...judge(model, d.calls, corpus.table) });
  }
}

const shipped = loadModelSync(DEFAULT_MODEL_PATH);
const wine = [];
let files = [];
try {
  files = readdirSync(values.wine).filter((f) => /\.log(\.gz)?$/.test(f)).sort();
} catch {
  console.error(`no Wine logs at ${values.wine}`);
}
files.forEach((f, k) => {
  const r = readTraceFileSync(join(values.wine, f));
  wine.push({ name: f, half: k % 2 === 0 ? 'choose' : 'check', calls: r.calls.length, ...judge(shipped, r.calls, r.table) });
});

const pct = (x) => (100 * x).toFixed(1);
/** One row of a curve: traces with `stat >= t` are judged, the rest unfamiliar. */
const row = (stat, t, label) => {
  const cov = held.filter((h) => h[stat] >= t);
  const ok = cov.filter((h) => h.malicious === (h.label === 1)).length;
  const unf = held.filter((h) => h[stat] < t);
  const w = (half) => {
    const ws = wine.filter((x) => x.half === half);
    return `${ws.filter((x) => x[stat] < t).length} / ${ws.filter((x) => x[stat] >= t && x.malicious).length} of ${ws.length}`;
  };
  return (
    `| ${label} | ${pct(cov.length / held.length)}% | ${(ok / cov.length).toFixed(4)} | ${cov.length - ok} | ` +
    `${unf.filter((h) => h.label === 0).length} / ${unf.filter((h) => h.label === 1).length} | ${w('choose')} | ${w('check')} |`
  );
};
const header =
  '| rule | corpus coverage | accuracy on covered | errors on covered | unfamiliar (benign / malicious) | Wine, choose half: unfamiliar / malicious | Wine, check half: unfamiliar / malicious |\n|---|---|---|---|---|---|---|';
console.log(`grouped split (10 folds, seed 0): ${held.length} held-out traces; Wine logs: ${wine.length}`);
console.log('\nBy share of known n-gram occurrences:\n' + header);
for (const t of [0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3]) console.log(row('known', t, `known share >= ${t}`));
console.log('\nBy distinct known n-grams (the features the trace activates):\n' + header);
for (const k of [1, 2, 11, 14, 50, 230, 231, 300]) console.log(row('distinct', k, `known n-grams >= ${k}`));
const half = (h) => wine.filter((x) => x.half === h);
for (const h of ['choose', 'check']) {
  const ws = half(h);
  console.log(`\nWine ${h} half: most distinct known n-grams ${Math.max(...ws.map((x) => x.distinct))}, highest known share ${pct(Math.max(...ws.map((x) => x.known)))}%`);
}
const real = held.filter((h) => h.ngrams >= 100).map((h) => h.distinct);
console.log(`corpus traces with >= 100 n-grams: fewest distinct known n-grams ${Math.min(...real)}`);
console.log('\nWine logs (shipped model; "decision" is what the ensemble would say without the rule):');
for (const w of wine) {
  console.log(`  ${w.half}\t${w.name}\t${w.calls} calls\tknown ${pct(w.known)}%\t${w.distinct} distinct known\t${w.malicious ? 'malicious' : 'benign'}\t${w.score.toFixed(4)}`);
}

// ---- Is it a trace? The share of known calls (shipped model) on traces and on non-traces.
const inSample = corpus.docs.map((d) => ({ name: d.name, label: d.label, ...judge(shipped, d.calls, corpus.table) }));
const realLogs = [];
for (const dir of ['fixtures/nttrace', values.wine]) {
  let fs = [];
  try {
    fs = readdirSync(dir).filter((f) => /\.log(\.gz)?$/.test(f)).sort();
  } catch {}
  for (const f of fs) {
    const r = readTraceFileSync(join(dir, f));
    realLogs.push({ name: join(dir, f), ...judge(shipped, r.calls, r.table) });
  }
}
// A fixed word list (the same on every machine): 10,000 words made of common English syllables.
const SYLLABLES = ['the', 'an', 'or', 'in', 'on', 'at', 'ex', 'pre', 'con', 'ment', 'ing', 'ed', 'er', 'ly', 'tion', 'al', 'ous', 'ive', 'able', 'st'];
const words = Array.from({ length: 10000 }, (_, i) => SYLLABLES[i % 20] + SYLLABLES[(i * 7 + 3) % 20] + (i % 3 ? SYLLABLES[(i * 13) % 20] : '')).join('\n');
const num = (n, f) => Array.from({ length: n }, (_, i) => f(i)).join('\n') + '\n';
const foreign = {
  'seq 1 2000': num(2000, (i) => String(i + 1)),
  'A x 100000 lines': num(100000, () => 'A'),
  'a word list (10,000 made-up English words)': words,
  'ADFA-LD-like numbers, one per line': num(3000, (i) => String([6, 195, 120, 3, 5, 42, 63, 240][(i * 7) % 8])),
  'lower-case words of docs/cli.md, one per line': readFileSync('docs/cli.md', 'utf8').split(/\s+/).filter((w) => /^[a-z]{2,}$/.test(w)).join('\n'),
  'Windows API names (kernel32), one per line': num(500, (i) => ['CreateFileW', 'ReadFile', 'WriteFile', 'CloseHandle', 'RegOpenKeyExW', 'VirtualAlloc', 'LoadLibraryA', 'GetProcAddress'][i % 8]),
  'NT names spelt Zw, one per line': num(500, (i) => ['ZwClose', 'ZwOpenFile', 'ZwReadFile', 'ZwCreateKey'][i % 4]),
  'one CSV column of hashes': num(500, (i) => (i * 2654435761 >>> 0).toString(16).padStart(8, '0') + 'deadbeef'),
};
const foreignRows = [];
for (const [name, text] of Object.entries(foreign)) {
  const table = new CallTable();
  try {
    const r = readTraceSync(text, { table, source: name });
    foreignRows.push({ name, calls: r.calls.length, share: countKnownCalls(shipped, r.calls, table) / r.calls.length });
  } catch (e) {
    foreignRows.push({ name, calls: 0, share: null, refusedBy: e.code });
  }
}
const minOf = (xs) => xs.reduce((a, b) => Math.min(a, b), Infinity);
console.log('\nKnown-call share (shipped model; NT calls NtTrace traces or the model knows):');
console.log('| input | inputs | lowest share |\n|---|---|---|');
console.log(`| corpus traces (sysBEN + sysMAL) | ${inSample.length} | ${minOf(inSample.map((x) => x.knownCalls)).toFixed(4)} |`);
console.log(`| real NtTrace logs (fixtures/nttrace, ${values.wine}) | ${realLogs.length} | ${minOf(realLogs.map((x) => x.knownCalls)).toFixed(4)} |`);
console.log('\n| non-trace input | calls read | known-call share |\n|---|---|---|');
for (const f of foreignRows) console.log(`| ${f.name} | ${f.calls} | ${f.share === null ? `refused by the reader (${f.refusedBy})` : f.share.toFixed(4)} |`);

// ---- When does a decided verdict deserve a warning? Distributions and held-out accuracy by band.
const quant = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
console.log('\nDistinct known n-grams, shipped model on its own training traces (in sample):');
const dIn = inSample.filter((x) => x.ngrams > 0).map((x) => x.distinct);
console.log(`  min ${Math.min(...dIn)}, 1% ${quant(dIn, 0.01)}, 5% ${quant(dIn, 0.05)}, median ${quant(dIn, 0.5)}`);
console.log(`  old warning (unknown share > 0.5) fires on ${inSample.filter((x) => x.ngrams > 0 && 1 - x.known > 0.5).length} of ${inSample.length}`);
for (const t of [100, 200, 300, 500, 1000]) console.log(`  distinct known < ${t}: ${inSample.filter((x) => x.ngrams > 0 && x.distinct >= 50 && x.distinct < t).length} in sample (of those decided)`);
console.log('\nHeld-out traces by band of distinct known n-grams (grouped split):');
console.log('| band | traces | accuracy | errors | unknown share > 0.5 |\n|---|---|---|---|---|');
const bands = [[50, 100], [100, 200], [200, 300], [300, 500], [500, 1000], [1000, 1e9]];
for (const [lo, hi] of bands) {
  const b = held.filter((h) => h.distinct >= lo && h.distinct < hi);
  const ok = b.filter((h) => h.malicious === (h.label === 1)).length;
  console.log(`| ${lo}–${hi === 1e9 ? '' : hi - 1} | ${b.length} | ${b.length ? (ok / b.length).toFixed(4) : '-'} | ${b.length - ok} | ${b.filter((h) => 1 - h.known > 0.5).length} |`);
}
console.log('\nHeld-out traces by unknown share (the old warning measure):');
console.log('| unknown share | traces | accuracy | errors |\n|---|---|---|---|');
for (const [lo, hi] of [[0, 0.25], [0.25, 0.5], [0.5, 0.75], [0.75, 1.01]]) {
  const b = held.filter((h) => h.distinct >= 50 && 1 - h.known >= lo && 1 - h.known < hi);
  const ok = b.filter((h) => h.malicious === (h.label === 1)).length;
  console.log(`| ${lo}–${hi > 1 ? 1 : hi} | ${b.length} | ${b.length ? (ok / b.length).toFixed(4) : '-'} | ${b.length - ok} |`);
}
console.log('\nThe warning threshold: decided traces above an unknown share (held-out: grouped split; in sample: shipped model):');
console.log('| unknown share above | held-out traces | errors (rate) | held-out below: errors (rate) | in-sample traces above |\n|---|---|---|---|---|');
const decidedHeld = held.filter((h) => h.distinct >= 50);
const decidedIn = inSample.filter((x) => x.distinct >= 50);
for (const t of [0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.9]) {
  const above = decidedHeld.filter((h) => 1 - h.known > t);
  const below = decidedHeld.filter((h) => 1 - h.known <= t);
  const err = (xs) => xs.filter((h) => h.malicious !== (h.label === 1)).length;
  const rate = (xs) => (xs.length ? (100 * err(xs) / xs.length).toFixed(1) + '%' : '-');
  console.log(`| ${t} | ${above.length} | ${err(above)} (${rate(above)}) | ${err(below)} (${rate(below)}) | ${decidedIn.filter((x) => 1 - x.known > t).length} of ${decidedIn.length} |`);
}
// ---- The cost of the refusal check on one trace, with detect()'s shared name table grown to
// 4,000 names: the per-id memo against flagging the whole table per trace (the first version).
{
  const table = new CallTable();
  for (let k = 0; k < 4000; k++) table.intern('NtGrown' + k);
  const r = readTraceSync(readFileSync(join(values.corpus, 'sysBEN', 'LOG_epo.exe.txt')), { table });
  const wholeTable = () => {
    let n = 0;
    const flags = new Uint8Array(table.size);
    for (let id = 0; id < flags.length; id++) {
      const name = table.nameOf(id);
      flags[id] = shipped.tfidf.knowsName(name) || isNtTraceCall(name, true) ? 1 : 0;
    }
    for (const id of r.calls) n += flags[id];
    return n;
  };
  const time = (f) => {
    for (let i = 0; i < 50; i++) f();
    const t0 = performance.now();
    for (let i = 0; i < 500; i++) f();
    return ((performance.now() - t0) * 1000) / 500;
  };
  const memo = time(() => countKnownCalls(shipped, r.calls, table));
  const whole = time(wholeTable);
  console.log(`\nRefusal check on one trace (${r.calls.length} calls), 4,000-name table: ${memo.toFixed(1)} us; flagging the whole table per trace: ${whole.toFixed(1)} us`);
}
if (values.json) writeFileSync(values.json, JSON.stringify({ held, wine }, null, 1));
