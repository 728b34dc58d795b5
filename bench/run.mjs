#!/usr/bin/env node
// The one entry point of the benchmarks: `npm run bench -- <name> [args]` runs bench/<script>
// with the arguments after the name, from the repository's root; `npm run bench` alone lists
// them. Each one is cited in docs/benchmarks.md (the figures, the baseline, the command). Most
// import dist/: run `npm run build --silent` first. The scripts not listed here are helpers the
// listed ones spawn (reader-once, reader-naive, model-cold, ntmd-predict, scratch-db and the
// Python baselines behind them).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** name -> [script in bench/, one line: what it measures, against what]. */
const BENCHMARKS = {
  reader: ['reader.mjs', 'trace reader vs NtMalDetect\'s Python reader and a naive JS reader (CPU, whole process)'],
  'reader-ab': ['reader-ab.mjs', 'reader or detectSync: this build vs an older build (--old DIST), runs interleaved'],
  'reader-whole': ['reader-whole.mjs', 'reader of two builds, whole fresh processes alternated: CPU and paired ratio (OLD_DIST NEW_DIST FILE...)'],
  'reader-encodings': ['reader-encodings.mjs', 'reading UTF-8, UTF-8 with BOM, UTF-16 LE/BE: speed of each'],
  'reader-synth': ['reader-synth.mjs', 'writes a synthetic NtTrace log (OUT SIZE_MB [corpus|corpus-order|prefixed])'],
  tfidf: ['tfidf.mjs', 'ten-gram TF-IDF fit and transform vs scikit-learn\'s TfidfVectorizer'],
  linear: ['linear-estimators.mjs', 'fit of LinearSVC (L1, L2), the L1-selected pipeline, SGD vs scikit-learn'],
  speed: ['speed-vs-sklearn.mjs', 'whole-process fit and one-trace detect, 2018 model: vs scikit-learn, ml-naivebayes, ml-svm'],
  'model-load': ['model-load.mjs', 'model file size, warm load, cold detect: .ntmd vs scikit-learn\'s pickle'],
  'model-load-ab': ['model-load-ab.mjs', 'model load/write CPU, peak RSS, --scan: builds side by side (MODEL DIST_A[=MODEL_A] DIST_B[=MODEL_B])'],
  'ngram-table': ['ngram-table.mjs', 'rebuilding the n-gram table on load vs validating a stored one (MODEL...)'],
  anatomy: ['anatomy.mjs', 'where train (two presets) and scan (1 trace, corpus) spend their wall time, each phase beside its floor'],
  threads: ['threads.mjs', 'scan, train, store import, bench with --threads 1 vs 2 vs auto, by input size; a worker thread\'s start'],
  startup: ['startup.mjs', "scan of one trace, whole process: bundled and unbundled CLI beside node -e '' (--old ROOT: a baseline)"],
  'import-cost': ['import-cost.mjs', 'what importing the reader, the library, a CLI command costs a fresh process'],
  store: ['store.mjs', 'store import/export/view (PGlite, PostgreSQL) vs loadCorpus(); --memory: import peak RSS'],
  server: ['server.mjs', 'HTTP API under load (autocannon): /v1/detect, floors, contributors; vs in-process detectSync'],
  hostile: ['hostile-bodies.mjs', 'gzip bombs and 64 MiB uploads vs /v1/health latency and server RSS (--root OLD for a baseline)'],
  runner: ['runner.mjs', 'traceProgram() from a fake tracer: calls/s, peak RSS, verdict cost vs re-classifying the log'],
  unfamiliar: ['unfamiliar.mjs', 'the familiarity rules: unfamiliar, refused, warned (grouped split + Wine logs)'],
  'preset-search': ['preset-search.mjs', 'cross-validated grid behind the default preset (grouped and reference splits)'],
  'sklearn-explore': ['sklearn_explore.py', 'scikit-learn side of the preset search (python3 with scikit-learn)'],
  'auto-synthetic': ['auto-synthetic.mjs', '`bench --models auto` on 6,000 short synthetic traces, vs the presets'],
  'custom-datasets': ['custom-datasets.mjs', 'train and bench on the ADFA-like, MalbehavD-like and TSV dataset fixtures'],
  'custom-alphabet-parity': ['custom-alphabet-parity.mjs', 'custom alphabet TF-IDF vs TfidfVectorizer(token_pattern=r"\\S+")'],
  'js-baselines': ['baselines-js.mjs', 'ml-naivebayes and ml-matrix vs our sparse code on the corpus (docs/dependencies.md)'],
  'corpus-x': ['make-corpus-x.mjs', 'writes the corpus K times (K OUT): copy k renames ~1 call name in 6, for training at scale'],
  'train-memory': ['train-memory.mjs', 'train --low-memory vs --in-memory (CORPUS...): peak RSS, wall, CPU, same model bytes'],
  mljs: ['mljs-baselines.mjs', 'ml-naivebayes / ml-svm alone (nb|svm CORPUS): the JS baselines of `speed`'],
};

const [name, ...args] = process.argv.slice(2);

if (!name || name === '--help' || name === '-h' || name === 'list') {
  const width = Math.max(...Object.keys(BENCHMARKS).map((n) => n.length));
  process.stdout.write('Usage: npm run bench -- <name> [args]   (after `npm run build --silent`)\n\n');
  for (const [n, [, what]] of Object.entries(BENCHMARKS)) process.stdout.write(`  ${n.padEnd(width)}  ${what}\n`);
  process.stdout.write('\nFigures, baselines and exact commands: docs/benchmarks.md.\n');
  process.exit(0);
}

const entry = BENCHMARKS[name];
if (!entry) {
  process.stderr.write(`bench: no benchmark named "${name}" (npm run bench lists them)\n`);
  process.exit(2);
}
const script = join(root, 'bench', entry[0]);
if (!script.endsWith('.py') && !existsSync(join(root, 'dist', 'index.js'))) {
  process.stderr.write('bench: dist/ is missing; run `npm run build --silent` first\n');
  process.exit(2);
}
// The Python baselines need scikit-learn: Debian's python3-sklearn lives under /usr/bin/python3.
const env = { ...process.env };
if (!env.PYTHON && existsSync('/usr/bin/python3')) env.PYTHON = '/usr/bin/python3';
const [cmd, cmdArgs] = script.endsWith('.py')
  ? [env.PYTHON ?? 'python3', [script, ...args]]
  : [process.execPath, [script, ...args]];
const child = spawn(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('error', (e) => {
  process.stderr.write(`bench: cannot start ${cmd}: ${e.message}\n`);
  process.exit(2);
});
child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
