#!/usr/bin/env node
/**
 * HTTP API load benchmark, on loopback only (127.0.0.1), bounded in time.
 *
 * 1. POST /v1/detect with the median corpus trace sent reduced (LOG_TekDefense.exe.txt:
 *    29,747 bytes, 1,713 calls) and with the median raw NtTrace log (LOG_cacls.exe.txt),
 *    with autocannon: requests/s, p50/p99 latency, errors; beside it, the in-process cost of
 *    detectSync() on the same bytes (the floor of what HTTP adds to).
 * 2. POST /v1/traces by concurrent contributors, each request a distinct labelled trace
 *    (--amount requests in all): accepted (201) versus the store's count afterwards —
 *    nothing may be lost.
 *
 * The server is a separate process (`ntmaldetect serve`, rate limit off) with a fresh
 * PGlite store, or a fresh database on the PostgreSQL server of --pg URL.
 *
 * Usage (after `npm run build`; without --threads the server picks its default):
 *   node bench/server.mjs [--duration 10] [--connections 16] [--threads N] [--contributors 8] [--amount 400] [--no-contribute]
 *                         [--pg postgres://user:pass@127.0.0.1/db] [--model F] [--json out.json]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { scratchDatabase } from './scratch-db.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(root, 'dist', 'cli', 'main.js');
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    contributors: { type: 'string', default: '8' },
    amount: { type: 'string', default: '400' },
    threads: { type: 'string' },
    'no-contribute': { type: 'boolean' },
    pg: { type: 'string' },
    model: { type: 'string' },
    json: { type: 'string' },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const contributors = Number(values.contributors);
const shared = resolve(process.env.NTMD_SHARED ?? join(root, '..', 'shared'));
const REDUCED = join(shared, 'corpus', 'sysMAL', 'LOG_TekDefense.exe.txt');
const RAW = join(shared, 'corpus', 'raw', 'benign', 'LOG_cacls.exe.txt');
const tmp = mkdtempSync(join(tmpdir(), 'ntmd-bench-server-'));

const { loadModel } = await import(join(root, 'dist', 'model', 'model.js'));
const { detectSync } = await import(join(root, 'dist', 'api', 'detect.js'));

// The model: --model, else the shipped one, else one trained here (time excluded).
async function modelPath() {
  if (values.model) return resolve(values.model);
  const dflt = join(root, 'models', 'default.ntmd');
  if (existsSync(dflt)) return dflt;
  const { train } = await import(join(root, 'dist', 'api', 'train.js'));
  const m = await train(join(shared, 'corpus'), { preset: 'ntmaldetect-2018' });
  const p = join(tmp, 'bench.ntmd');
  await m.save(p);
  console.error('(no models/default.ntmd: trained a ntmaldetect-2018 model on the shared corpus)');
  return p;
}
const MODEL = await modelPath();
const model = await loadModel(MODEL);

// A fresh database.
let db = join(tmp, 'store');
let dropDb = async () => undefined;
if (values.pg) {
  ({ db, drop: dropDb } = await scratchDatabase((await import('pg')).default, values.pg, 'ntmd_bench'));
}
const cli = (args) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NTMD_DATABASE_URL: '' } });
const made = cli(['tokens', 'create', '--db', db, '--name', 'bench', '--scopes', 'admin']);
if (made.status !== 0) throw new Error(made.stderr);
const token = made.stdout.trim();

const server = spawn(process.execPath, [CLI, 'serve', '--host', '127.0.0.1', '--port', '0', '--db', db, '--model', MODEL, '--rate', '0', ...(values.threads === undefined ? [] : ['--threads', values.threads])], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, NTMD_DATABASE_URL: '' },
});
let serverThreads;
const url = await new Promise((res, rej) => {
  let out = '';
  server.stdout.on('data', (c) => {
    out += c;
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+).*?(?:detection threads: (\d+))?\)/.exec(out);
    if (m) {
      serverThreads = m[2] === undefined ? Number(values.threads ?? 0) : Number(m[2]);
      res(m[1]);
    }
  });
  server.once('exit', (code) => rej(new Error(`server exited with ${code}: ${out}`)));
});

const auth = { authorization: `Bearer ${token}` };
/**
 * CPU time of the server so far (ms, user + system), where /proc tells it: the `serve`
 * process and its children (serve runs the server in a child process with its GC flags).
 */
function serverCpuMs() {
  const cpuOf = (pid) => {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // clock ticks of 1/100 s (USER_HZ)
  };
  try {
    let ms = cpuOf(server.pid);
    const kids = readFileSync(`/proc/${server.pid}/task/${server.pid}/children`, 'utf8').trim();
    for (const k of kids === '' ? [] : kids.split(/\s+/)) ms += cpuOf(k);
    return ms;
  } catch {
    return undefined;
  }
}
const load1 = () => +loadavg()[0].toFixed(2);
const pct = (r, loadBefore) => ({
  requestsPerSec: Math.round(r.requests.average),
  p50ms: r.latency.p50,
  p99ms: r.latency.p99,
  maxMs: r.latency.max,
  requests: r.requests.total,
  non2xx: r.non2xx,
  errors: r.errors,
  timeouts: r.timeouts,
  ...(loadBefore === undefined ? {} : { loadAverage1m: `${loadBefore} -> ${load1()}` }),
});

function inProcess(bytes, ms = 3000) {
  for (let i = 0; i < 50; i++) detectSync(bytes, { model });
  const times = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const t = performance.now();
    detectSync(bytes, { model });
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((s, x) => s + x, 0) / times.length;
  return { perSecOneCore: Math.round(1000 / mean), meanMs: +mean.toFixed(3), p50ms: +times[Math.floor(times.length / 2)].toFixed(3), p99ms: +times[Math.floor(times.length * 0.99)].toFixed(3) };
}

async function detectLoad(bytes) {
  // Warm-up (JIT, connection pool), then the measured run.
  await autocannon({ url: url + '/v1/detect', method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: bytes, connections, duration: 2 });
  const before = load1();
  const cpu0 = process.cpuUsage();
  const srv0 = serverCpuMs();
  const r = await autocannon({ url: url + '/v1/detect', method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: bytes, connections, duration });
  const cpu = process.cpuUsage(cpu0);
  const srv = serverCpuMs();
  // CPU per request of the load generator (this process) and of the server (all its threads,
  // from /proc on Linux): how the 2 cores were shared.
  const share = { clientCpuUsPerRequest: Math.round((cpu.user + cpu.system) / r.requests.total) };
  if (srv0 !== undefined && srv !== undefined) share.serverCpuUsPerRequest = Math.round(((srv - srv0) * 1000) / r.requests.total);
  return { ...pct(r, before), ...share };
}

// The framework's floor on this machine: an authenticated GET that does no work.
async function floor() {
  await autocannon({ url: url + '/v1/health', connections, duration: 2 });
  const open = pct(await autocannon({ url: url + '/v1/health', connections, duration }));
  const authed = pct(await autocannon({ url: url + '/v1/models', headers: auth, connections, duration }));
  return { health: open, modelsWithToken: authed };
}

const reduced = readFileSync(REDUCED);
const raw = readFileSync(RAW);
const results = { machine: '2 cores / 24 GiB (shared with other jobs)', duration, connections, threads: serverThreads, store: values.pg ? 'postgres' : 'pglite', model: MODEL.startsWith(tmp) ? 'ntmaldetect-2018 trained on the corpus' : MODEL.replace(root + '/', '') };
results.floor = await floor();
results.reduced = { file: 'sysMAL/LOG_TekDefense.exe.txt', bytes: reduced.length, calls: detectSync(reduced, { model }).calls, inProcess: inProcess(reduced), http: await detectLoad(reduced) };
results.raw = { file: 'raw/benign/LOG_cacls.exe.txt', bytes: raw.length, calls: detectSync(raw, { model }).calls, inProcess: inProcess(raw), http: await detectLoad(raw) };

if (!values['no-contribute']) await contribute();
async function contribute() {
// Contributors: each request a distinct trace (a corpus trace plus a unique tail of calls).
async function stats() {
  const r = await fetch(url + '/v1/stats', { headers: auth });
  return r.json();
}
const before = await stats();
const lines = reduced.toString('utf8');
let seq = 0;
const distinct = () => {
  const n = seq++;
  let tail = '';
  for (let b = 0; b < 24; b++) tail += (n >> b) & 1 ? 'NtReadFile\n' : 'NtWriteFile\n';
  return lines + tail + `NtClose\nNtClose\n`;
};
let accepted = 0;
let other = 0;
// A fixed number of requests (not a duration): autocannon then waits for every response,
// so 'accepted' counts every trace the server said it stored.
const t0 = performance.now();
const contrib = await autocannon({
  url: url + '/v1/traces?label=benign',
  method: 'POST',
  connections: contributors,
  amount: Number(values.amount),
  timeout: 60,
  headers: { ...auth, 'content-type': 'text/plain' },
  requests: [{ setupRequest: (req) => ({ ...req, body: distinct() }) }],
  setupClient: (client) => {
    client.on('response', (status) => {
      if (status === 201) accepted++;
      else other++;
    });
  },
});
const after = await stats();
results.contribute = {
  contributors,
  seconds: +((performance.now() - t0) / 1000).toFixed(1),
  ...pct(contrib),
  accepted,
  refused: other,
  storedBefore: before.traces,
  storedAfter: after.traces,
  lost: accepted - (after.traces - before.traces),
};
}

server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));
await dropDb();
const text = JSON.stringify(results, null, 2);
console.log(text);
if (values.json) writeFileSync(values.json, text + '\n');
