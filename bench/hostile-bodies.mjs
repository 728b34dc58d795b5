#!/usr/bin/env node
/**
 * Hostile bodies against the HTTP API, on loopback only (127.0.0.1), bounded in time
 * (issue 19): 8 gzip bombs and 8 uploads of 64 MiB sent at once, while a separate process
 * probes GET /v1/health 20 times a second. Reports the probe's latency (p50, p99, max,
 * failures; goal p99 < 50 ms), the status codes the hostile requests got, and the server's
 * RSS before, at its peak during, and after (5 s after the last hostile request ended).
 *
 * The server is `ntmaldetect serve` of the checkout given by --root (default this one; a
 * `git worktree` of another commit, built, for a baseline), on a fresh embedded store, with
 * its default settings (rate limit off). Half the bombs are sent with
 * `Content-Encoding: gzip`, half as gzip files (the trace reader unwraps those); each
 * inflates to 1 GiB of zeros. The uploads are distinct reduced traces of 64 MiB
 * (the default trace limit) contributed to POST /v1/traces.
 *
 * Usage (after `npm run build` in the checkout):
 *   node bench/hostile-bodies.mjs [--root DIR] [--json out.json] [--pg postgres://user@127.0.0.1:port/db]
 *
 * With --pg the store is a fresh database on that PostgreSQL server (dropped at the end)
 * instead of an embedded PGlite folder, whose queries run on the server's HTTP thread.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { scratchDatabase } from './scratch-db.mjs';

const here = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { root: { type: 'string' }, json: { type: 'string' }, pg: { type: 'string' } } });
const root = resolve(values.root ?? here);
const CLI = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build that checkout first`);
const shared = resolve(process.env.NTMD_SHARED ?? join(here, '..', 'shared'));
const MiB = 1024 * 1024;
const WALL_LIMIT_MS = 240_000;
const started = Date.now();
const tmp = mkdtempSync(join(tmpdir(), 'ntmd-hostile-'));
const children = [];
const cleanup = () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
};
process.on('exit', cleanup);
const watchdog = setTimeout(() => {
  console.error(`hostile-bodies: over ${WALL_LIMIT_MS / 1000} s, stopping`);
  process.exit(1);
}, WALL_LIMIT_MS);
watchdog.unref();

// ---- the server -------------------------------------------------------------------------
let db = join(tmp, 'store');
let dropDb = async () => undefined;
if (values.pg) {
  ({ db, drop: dropDb } = await scratchDatabase((await import(join(root, 'node_modules', 'pg', 'lib', 'index.js'))).default, values.pg, 'ntmd_hostile'));
}
const env = { ...process.env, NTMD_DATABASE_URL: '' };
const made = spawnSync(process.execPath, [CLI, 'tokens', 'create', '--db', db, '--name', 'bench', '--scopes', 'admin'], { encoding: 'utf8', env });
if (made.status !== 0) throw new Error(made.stderr);
const token = made.stdout.trim();
const server = spawn(process.execPath, [CLI, 'serve', '--host', '127.0.0.1', '--port', '0', '--db', db, '--rate', '0'], { stdio: ['ignore', 'pipe', 'inherit'], env });
children.push(server);
const url = await new Promise((res, rej) => {
  let out = '';
  server.stdout.on('data', (c) => {
    out += c;
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
    if (m) res(m[1]);
  });
  server.once('exit', (code) => rej(new Error(`server exited with ${code}: ${out}`)));
});
const port = Number(new URL(url).port);

/** RSS in MiB of the serve process and its descendants (serve runs the server in a child). */
function serverRssMiB() {
  const rssOf = (pid) => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : 0;
    } catch {
      return 0;
    }
  };
  const kidsOf = (pid) => {
    try {
      return readdirSync(`/proc/${pid}/task`).flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    } catch {
      return [];
    }
  };
  let total = 0;
  const todo = [server.pid];
  while (todo.length) {
    const p = todo.pop();
    total += rssOf(p);
    todo.push(...kidsOf(p));
  }
  return total;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
await sleep(2000);
const rssBefore = serverRssMiB();

// ---- the bodies -------------------------------------------------------------------------
/** Gzip of `size` zero bytes, streamed (never held inflated). */
function zeroBomb(size) {
  return new Promise((res, rej) => {
    const gz = createGzip({ level: 9 });
    const parts = [];
    gz.on('data', (c) => parts.push(c));
    gz.on('end', () => res(Buffer.concat(parts)));
    gz.on('error', rej);
    const chunk = Buffer.alloc(MiB);
    let left = size / MiB;
    const pump = () => {
      while (left > 0) {
        left--;
        if (!gz.write(chunk)) return gz.once('drain', pump);
      }
      gz.end();
    };
    pump();
  });
}
const bomb = await zeroBomb(1024 * MiB);
// A 64 MiB reduced trace: corpus traces repeated; each upload gets a distinct first line.
const corpus = readdirSync(join(shared, 'corpus', 'sysBEN')).slice(0, 16).map((f) => readFileSync(join(shared, 'corpus', 'sysBEN', f))).filter((b) => b.length > 0);
const TRACE = 64 * MiB;
const bulk = Buffer.allocUnsafe(TRACE - 64);
for (let at = 0, i = 0; at < bulk.length; i++) at += corpus[i % corpus.length].copy(bulk, at);
// The copy above may cut the last line: end on a newline.
bulk[bulk.length - 1] = 0x0a;

/** One POST; resolves to the status (or an error name) and the time it took. */
function post(path, headers, parts) {
  return new Promise((res) => {
    const t0 = performance.now();
    const length = parts.reduce((s, p) => s + p.length, 0);
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-length': String(length), ...headers } }, (r) => {
      r.resume();
      r.on('end', () => res({ status: String(r.statusCode), ms: performance.now() - t0 }));
    });
    req.setTimeout(120_000, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => res({ status: e.code ?? e.message, ms: performance.now() - t0 }));
    for (const p of parts) req.write(p);
    req.end();
  });
}

// ---- the probe: a separate process ------------------------------------------------------
const probeScript = `
const { request } = require('node:http');
const port = ${port};
const lat = []; let failed = 0; let stop = false;
process.on('message', (m) => { if (m === 'stop') stop = true; });
const once = () => new Promise((res) => {
  const t0 = performance.now();
  const req = request({ host: '127.0.0.1', port, path: '/v1/health' }, (r) => { r.resume(); r.on('end', () => { if (r.statusCode === 200) lat.push(performance.now() - t0); else failed++; res(); }); });
  req.setTimeout(10000, () => req.destroy(new Error('timeout')));
  req.on('error', () => { failed++; res(); });
  req.end();
});
(async () => {
  const end = Date.now() + 200000;
  let next = performance.now();
  while (!stop && Date.now() < end) {
    once(); // 20 per second, whether or not the previous one answered
    next += 50;
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
  }
  await new Promise((r) => setTimeout(r, 500));
  process.send({ lat, failed }, () => process.exit(0));
})();
`;
const probe = spawn(process.execPath, ['-e', probeScript], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
children.push(probe);
const probed = new Promise((res) => probe.once('message', res));
await sleep(1000);

// ---- the attack --------------------------------------------------------------------------
let peak = serverRssMiB();
const sampler = setInterval(() => (peak = Math.max(peak, serverRssMiB())), 100);
const t0 = performance.now();
const attacks = [];
for (let i = 0; i < 8; i++) {
  const encoded = i % 2 === 0;
  attacks.push(post('/v1/detect', { 'content-type': 'text/plain', ...(encoded ? { 'content-encoding': 'gzip' } : {}) }, [bomb]).then((r) => ({ kind: 'bomb', ...r })));
  attacks.push(post('/v1/traces', { 'content-type': 'text/plain' }, [Buffer.from(`NtBench${String(i).padStart(48, '0')}\n`.padEnd(64, '\n')), bulk]).then((r) => ({ kind: 'upload', ...r })));
}
const results = await Promise.all(attacks);
const attackMs = performance.now() - t0;
await sleep(2000);
probe.send('stop');
const { lat, failed } = await probed;
await sleep(3000);
clearInterval(sampler);
const rssAfter = serverRssMiB();

// ---- report -------------------------------------------------------------------------------
lat.sort((a, b) => a - b);
const q = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : NaN);
const count = (kind) => {
  const c = {};
  for (const r of results.filter((x) => x.kind === kind)) c[r.status] = (c[r.status] ?? 0) + 1;
  return Object.entries(c)
    .sort()
    .map(([s, n]) => `${n}x${s}`)
    .join(' ');
};
const head = spawnSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
const report = {
  root,
  commit: head,
  store: values.pg ? 'postgres' : 'pglite',
  probes: lat.length + failed,
  probeFailed: failed,
  healthP50Ms: +q(0.5).toFixed(1),
  healthP99Ms: +q(0.99).toFixed(1),
  healthMaxMs: +(lat[lat.length - 1] ?? NaN).toFixed(1),
  bombs: count('bomb'),
  uploads: count('upload'),
  attackSeconds: +(attackMs / 1000).toFixed(1),
  rssBeforeMiB: Math.round(rssBefore),
  rssPeakMiB: Math.round(peak),
  rssAfterMiB: Math.round(rssAfter),
};
console.log(JSON.stringify(report, null, 2));
if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 2) + '\n');
server.kill('SIGTERM');
await new Promise((r) => {
  const t = setTimeout(() => {
    server.kill('SIGKILL');
    r();
  }, 10_000);
  server.once('exit', () => {
    clearTimeout(t);
    r();
  });
});
await dropDb();
console.error(`hostile-bodies: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.exit(0);
