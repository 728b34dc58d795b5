#!/usr/bin/env node
// Trace store throughput: import of the whole corpus (220 files, 34.5 MB) into a fresh
// store, re-import (nothing new), export, corpus view, on embedded PGlite and on
// PostgreSQL; next to the baseline of reading the same folders with loadCorpus() (the
// reader alone, no store). With --train, also train() from the store vs from the folders.
//
//   npm run build && node bench/store.mjs [--runs 3] [--train] [--pg postgres://...]
//
// PostgreSQL is measured when --pg or NTMD_DATABASE_URL is given: each run creates and drops
// its own database on that server (the role needs CREATEDB). Set NTMD_DIST to benchmark
// another build folder than dist/.
//
// --memory: peak resident memory of `ntmaldetect store import` (GNU time's maximum resident
// set size; Linux, /usr/bin/time) of the corpus and of the corpus copied --copies times
// (default 4; each copy's traces made distinct by appending NtClose lines; written under the
// temporary folder and removed), into a new PGlite store, into one made by `store init`
// first, and into PostgreSQL; the floor is `store stats` (opening the store alone).
// --baseline-dist DIR measures another build beside NTMD_DIST/dist in the same run.
//
//   node bench/store.mjs --memory [--runs 3] [--copies 4] [--baseline-dist /tmp/old/dist] [--pg URL]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const dist = resolve(root, process.env.NTMD_DIST ?? 'dist');
const corpusDir = resolve(process.env.NTMD_SHARED ?? join(root, '..', 'shared'), 'corpus');
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    train: { type: 'boolean' },
    pg: { type: 'string' },
    memory: { type: 'boolean' },
    copies: { type: 'string', default: '4' },
    'baseline-dist': { type: 'string' },
  },
});
const runs = Number(values.runs);
const pgUrl = values.pg ?? process.env.NTMD_DATABASE_URL;

const core = await import(pathToFileURL(join(dist, 'index.js')).href);
const { openStore } = await import(pathToFileURL(join(dist, 'store', 'index.js')).href);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = async (fn) => {
  const t0 = performance.now();
  const out = await fn();
  return { ms: performance.now() - t0, out };
};

async function freshPostgres() {
  const pg = (await import('pg')).default;
  const name = `ntmd_bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(pgUrl);
  u.pathname = '/' + name;
  return {
    db: u.toString(),
    async cleanup() {
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

function freshPglite() {
  const dir = mkdtempSync(join(tmpdir(), 'ntmd-bench-store-'));
  return { db: join(dir, 'store'), async cleanup() { rmSync(dir, { recursive: true, force: true }); } };
}

if (values.memory) {
  await memoryBench();
  process.exit(0);
}

/** Peak RSS (MiB) and the --json report of one CLI run under GNU time. */
function measured(cli, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const lines = r.stderr.trim().split('\n');
  const kb = Number(lines[lines.length - 1]);
  if (r.status !== 0 || !Number.isFinite(kb)) throw new Error(`${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return { mb: kb / 1024, report: r.stdout.trim().startsWith('{') ? JSON.parse(r.stdout) : null };
}

/** The corpus copied `copies` times, each copy's non-empty traces made distinct. */
function copiedCorpus(copies) {
  const dir = mkdtempSync(join(tmpdir(), 'ntmd-bench-import-'));
  for (const sub of ['sysBEN', 'sysMAL']) {
    mkdirSync(join(dir, sub));
    for (const name of readdirSync(join(corpusDir, sub))) {
      const bytes = readFileSync(join(corpusDir, sub, name));
      for (let k = 1; k <= copies; k++) {
        writeFileSync(join(dir, sub, `c${k}_${name}`), bytes.length === 0 ? bytes : Buffer.concat([bytes, Buffer.from('NtClose\n'.repeat(k))]));
      }
    }
  }
  return dir;
}

async function memoryBench() {
  const copies = Number(values.copies);
  const builds = [...(values['baseline-dist'] ? [['baseline', resolve(values['baseline-dist'])]] : []), ['new', dist]];
  const big = copiedCorpus(copies);
  const inputs = [
    ['corpus', corpusDir],
    [`corpus x${copies}`, big],
  ];
  const rows = new Map(); // case -> build -> [{ mb, s }]
  const add = (name, build, m) => {
    if (!rows.has(name)) rows.set(name, new Map());
    const byBuild = rows.get(name);
    if (!byBuild.has(build)) byBuild.set(build, []);
    byBuild.get(build).push(m);
  };
  try {
    for (let r = 0; r < runs; r++) {
      for (const [build, d] of builds) {
        const cli = join(d, 'cli', 'main.js');
        const run = (args) => measured(cli, args);
        for (const [label, input] of inputs) {
          let f = freshPglite();
          let m = run(['store', 'import', input, '--db', f.db, '--json']);
          add(`${label}: PGlite, new store (its creation included)`, build, { mb: m.mb, s: m.report.elapsedMs / 1000, files: m.report.files });
          await f.cleanup();
          for (const batch of label === 'corpus' ? [undefined] : [undefined, 1, 256]) {
            f = freshPglite();
            run(['store', 'init', '--db', f.db]);
            if (batch === undefined && label === 'corpus') add('floor: PGlite, open an existing store (store stats)', build, { mb: run(['store', 'stats', '--db', f.db]).mb });
            m = run(['store', 'import', input, '--db', f.db, '--json', ...(batch ? ['--batch', String(batch)] : [])]);
            add(`${label}: PGlite, store made by store init${batch ? `, --batch ${batch}` : ''}`, build, { mb: m.mb, s: m.report.elapsedMs / 1000, files: m.report.files });
            await f.cleanup();
          }
          if (pgUrl) {
            const p = await freshPostgres();
            if (label === 'corpus') add('floor: PostgreSQL, open (store stats)', build, { mb: run(['store', 'stats', '--db', p.db]).mb });
            m = run(['store', 'import', input, '--db', p.db, '--json']);
            add(`${label}: PostgreSQL`, build, { mb: m.mb, s: m.report.elapsedMs / 1000, files: m.report.files });
            await p.cleanup();
          }
        }
      }
      console.error(`memory run ${r + 1}/${runs} done`);
    }
  } finally {
    rmSync(big, { recursive: true, force: true });
  }
  const names = builds.map(([b]) => b);
  console.log(`\nPeak RSS of \`ntmaldetect store import\` (GNU time, maximum resident set size), median of ${runs} runs; import time from its report.\n`);
  console.log(`| case | files | ${names.map((b) => `${b}: peak RSS`).join(' | ')} | ${names.map((b) => `${b}: import time`).join(' | ')} |`);
  console.log(`|---|---|${names.map(() => '---|').join('')}${names.map(() => '---|').join('')}`);
  for (const [name, byBuild] of rows) {
    const cell = (b, key, fmt) => {
      const xs = (byBuild.get(b) ?? []).map((m) => m[key]).filter((x) => x !== undefined);
      return xs.length ? fmt(median(xs)) : '-';
    };
    const files = [...byBuild.values()][0][0].files ?? '-';
    console.log(`| ${name} | ${files} | ${names.map((b) => cell(b, 'mb', (x) => `${x.toFixed(0)} MiB`)).join(' | ')} | ${names.map((b) => cell(b, 's', (x) => `${x.toFixed(2)} s`)).join(' | ')} |`);
  }
}

const results = [];
const baseline = [];
for (let r = 0; r < runs; r++) baseline.push((await time(() => core.loadCorpus(corpusDir, { onWarning() {} }))).ms);
const folder = await core.loadCorpus(corpusDir, { onWarning() {} });
const corpusBytes = folder.docs.reduce((s, d) => s + d.bytes, 0);
console.error(`baseline loadCorpus(folder): ${median(baseline).toFixed(0)} ms for ${folder.docs.length} docs, ${(corpusBytes / 1e6).toFixed(1)} MB`);

const backends = [['pglite', freshPglite]];
if (pgUrl) backends.push(['postgres', freshPostgres]);
for (const [name, fresh] of backends) {
  const m = { open: [], import: [], reimport: [], export: [], load: [] };
  let report;
  for (let r = 0; r < runs; r++) {
    const f = await fresh();
    const opened = await time(() => openStore({ db: f.db, env: {} }));
    const store = opened.out;
    m.open.push(opened.ms);
    const imp = await time(() => store.import(corpusDir));
    report = imp.out;
    m.import.push(imp.ms);
    m.reimport.push((await time(() => store.import(corpusDir))).ms);
    const out = mkdtempSync(join(tmpdir(), 'ntmd-bench-export-'));
    m.export.push((await time(() => store.export(out))).ms);
    rmSync(out, { recursive: true, force: true });
    m.load.push((await time(() => store.loadCorpus())).ms);
    await store.close();
    await f.cleanup();
    console.error(`${name} run ${r + 1}: open ${opened.ms.toFixed(0)} ms, import ${imp.ms.toFixed(0)} ms (${report.traces} traces)`);
  }
  const imp = median(m.import);
  results.push({
    backend: name,
    openMs: median(m.open),
    importMs: imp,
    tracesPerS: report.traces / (imp / 1000),
    filesPerS: report.files / (imp / 1000),
    mbPerS: corpusBytes / 1e6 / (imp / 1000),
    reimportMs: median(m.reimport),
    exportMs: median(m.export),
    loadCorpusMs: median(m.load),
  });
}

const fmt = (x, d = 0) => x.toFixed(d);
console.log(`\nCorpus: ${folder.docs.length} non-empty files of 220, ${(corpusBytes / 1e6).toFixed(1)} MB; median of ${runs} runs; fresh store each run.\n`);
console.log('| back-end | open (create schema) | import 220 files | traces/s | MB/s | re-import (nothing new) | export 220 files | loadCorpus() |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of results) {
  console.log(`| ${r.backend} | ${fmt(r.openMs)} ms | ${fmt(r.importMs)} ms | ${fmt(r.tracesPerS)} | ${fmt(r.mbPerS, 1)} | ${fmt(r.reimportMs)} ms | ${fmt(r.exportMs)} ms | ${fmt(r.loadCorpusMs)} ms |`);
}
console.log(`| baseline: loadCorpus(folder), no store | - | ${fmt(median(baseline))} ms | ${fmt(208 / (median(baseline) / 1000))} | ${fmt(corpusBytes / 1e6 / (median(baseline) / 1000), 1)} | - | - | - |`);

if (values.train) {
  if (typeof core.train !== 'function') {
    console.log('\ntrain() is not in this build: skipped');
  } else {
    const f = freshPglite();
    const store = await openStore({ db: f.db, env: {} });
    await store.import(corpusDir);
    const tf = [];
    const ts = [];
    let a;
    let b;
    for (let r = 0; r < runs; r++) {
      // Alternate so that machine load drifts hit both sides alike.
      const x = await time(() => core.train(corpusDir));
      const y = await time(() => core.train({ store, filter: {} }));
      tf.push(x.ms);
      ts.push(y.ms);
      a = x.out;
      b = y.out;
    }
    const same = Buffer.from(a.toBytes()).equals(Buffer.from(b.toBytes()));
    await store.close();
    await f.cleanup();
    console.log('\n| train() (default preset) from | time (median) | ratio |');
    console.log('|---|---|---|');
    console.log(`| folders (baseline) | ${fmt(median(tf))} ms | 1.00 |`);
    console.log(`| the store (PGlite), \`{ store, filter: {} }\` | ${fmt(median(ts))} ms | ${(median(ts) / median(tf)).toFixed(2)} |`);
    console.log(`\nModel files identical byte for byte: ${same}`);
  }
}
