/**
 * The worker loop end to end with the fake tracer: submit a program, a worker claims it,
 * traces it, posts the trace, the program shows the verdict. A worker killed mid-job
 * (kill -9 of a real `ntmaldetect worker` process) leads to a retry, never a lost or
 * double trace; a late post from an expired claim is refused.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, runWorker } from './index.js';
import type { RunningServer, WorkerEvent } from './index.js';
import { prepareFile } from '../store/parse.js';
import {
  BACKENDS,
  CLI,
  FAKE_NTTRACE,
  RAW_LOG,
  corpusDir,
  corpusFiles,
  http,
  openTestDb,
  read,
  requireBuilt,
  testDetector,
} from './test-helpers/harness.js';
import { join } from 'node:path';

const RAW_OTHER = join(corpusDir, 'raw', 'benign', 'LOG_cacls.exe.txt');
import type { TestDb } from './test-helpers/harness.js';
import type { ModelDetector } from './detector.js';
import { isAlive } from '../runner/process.js';
import { processesWith } from '../../test/processes.js';
import { scratchDir } from '../../test/tmp.js';
import { describeEachBackend } from '../../test/services.js';

const LEASE_MS = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function program(tag: string): { bytes: Buffer; sha: string } {
  const bytes = Buffer.from(`MZ fake program ${tag} ${process.pid}`);
  return { bytes, sha: createHash('sha256').update(bytes).digest('hex') };
}

describeEachBackend(BACKENDS, 'worker on %s', (kind) => {
  let db: TestDb;
  let server: RunningServer;
  let detector: ModelDetector;
  let workerToken: string;
  let token: string;
  const traceIdOf = (bytes: Uint8Array): string => {
    const f = prepareFile(bytes, 'trace.txt');
    return f.format === 'empty' ? '' : f.traceSha256;
  };
  const rawTraceId = traceIdOf(read(RAW_LOG));

  beforeAll(async () => {
    db = await openTestDb(kind);
    detector = await testDetector();
    server = await startServer({ db: db.db, port: 0, detector, jobs: { leaseMs: LEASE_MS, timeLimitMs: 60_000, maxAttempts: 2 } });
    workerToken = (await server.backend.createToken('win-1', ['worker'])).token;
    token = (await server.backend.createToken('analyst', ['admin'])).token;
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  const submit = async (p: { bytes: Buffer }, name: string) => {
    const r = await http(server.url, 'POST', `/v1/programs?name=${name}`, { token, body: p.bytes, type: 'application/octet-stream' });
    expect(r.status).toBe(202);
    return r.json;
  };
  const status = async (sha: string) => (await http(server.url, 'GET', `/v1/programs/${sha}`, { token })).json;
  const tracesOf = async (sha: string): Promise<number> => {
    const [a] = await server.backend.sql.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM ntmd_api_pending WHERE program_sha256 = $1',
      [sha],
    );
    const [b] = await server.backend.sql.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM ntmd_submissions s JOIN ntmd_provenance p ON p.id = s.provenance_id WHERE p.program_sha256 = $1',
      [sha],
    );
    return a.n + b.n;
  };
  const fakeArgs = (...extra: string[]) => ['-fake-replay', RAW_LOG, '-fake-batch', '4000', ...extra];
  /** Another real raw log, so that the killed job's trace is new to the store. */
  const otherArgs = (...extra: string[]) => ['-fake-replay', RAW_OTHER, '-fake-batch', '4000', ...extra];

  it('claims, traces with the fake NtTrace, posts; the program shows the verdict of its trace', async () => {
    const p = program('one');
    await submit(p, 'one.exe');
    const events: WorkerEvent[] = [];
    const summary = await runWorker({
      server: server.url,
      token: workerToken,
      nttrace: FAKE_NTTRACE,
      nttraceArgs: fakeArgs(),
      once: true,
      model: detector.loaded,
      onEvent: (e) => events.push(e),
    });
    expect(summary).toEqual({ posted: 1, failed: 0, lost: 0 });
    expect(events.map((e) => e.type)).toEqual(['claimed', 'traced', 'posted', 'idle']);
    const s = await status(p.sha);
    expect(s).toMatchObject({ sha256: p.sha, status: 'done', attempts: 1, error: null, trace: { id: rawTraceId } });
    expect(s.trace.verdict).toEqual(JSON.parse(JSON.stringify(detector.detect(read(RAW_LOG)))));
    const t = await http(server.url, 'GET', `/v1/traces/${rawTraceId}`, { token });
    expect(t.json).toMatchObject({
      label: null,
      submissions: [expect.objectContaining({ programSha256: p.sha, programName: 'one.exe', submitter: 'token:win-1' })],
    });
    expect(await tracesOf(p.sha)).toBe(1);
  });

  it('retries the job of a worker killed mid-trace, and stores exactly one trace', async () => {
    requireBuilt();
    const p = program('killed');
    await submit(p, 'killed.exe');
    // A real worker process whose tracer hangs after replaying: it is mid-job when killed.
    // Its temporary folders go to a scratch folder: a worker killed with SIGKILL cannot
    // remove its job folder itself.
    const killedTmp = scratchDir('ntmd-worker-killed-');
    const child = spawn(
      process.execPath,
      [
        CLI,
        'worker',
        '--server',
        server.url,
        '--nttrace',
        FAKE_NTTRACE,
        ...otherArgs('-fake-mode', 'hang').map((a) => `--nttrace-arg=${a}`),
        '--once',
        '--name',
        'win-1',
      ],
      { env: { ...process.env, NTMD_TOKEN: workerToken, TMPDIR: killedTmp }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    const deadline = Date.now() + 60_000;
    while (!/claimed/.test(out) && Date.now() < deadline && child.exitCode === null) await sleep(100);
    expect(out).toMatch(/claimed/);
    await sleep(300);
    expect((await status(p.sha)).status).toBe('running');
    // The tracer leads a process group of its own: killing the worker's group misses it, and
    // only the runner's watchdog ends it (it used to be left running, mid-trace, for ever).
    const tracers = processesWith(FAKE_NTTRACE, killedTmp);
    expect(tracers).toHaveLength(1);
    process.kill(-child.pid!, 'SIGKILL'); // the worker, by process group
    await new Promise((r) => child.once('exit', r));
    expect(isAlive(child.pid!)).toBe(false);
    for (let i = 0; i < 50 && tracers.some(isAlive); i++) await sleep(100);
    expect(tracers.filter(isAlive)).toEqual([]);

    // Before the claim expires, nobody else gets the job.
    const early = await runWorker({
      server: server.url,
      token: workerToken,
      nttrace: FAKE_NTTRACE,
      nttraceArgs: otherArgs(),
      once: true,
      model: detector.loaded,
    });
    expect(early).toEqual({ posted: 0, failed: 0, lost: 0 });
    await sleep(LEASE_MS + 200);
    const events: WorkerEvent[] = [];
    const summary = await runWorker({
      server: server.url,
      token: workerToken,
      nttrace: FAKE_NTTRACE,
      nttraceArgs: otherArgs(),
      once: true,
      model: detector.loaded,
      onEvent: (e) => events.push(e),
    });
    expect(summary).toEqual({ posted: 1, failed: 0, lost: 0 });
    expect(await status(p.sha)).toMatchObject({ status: 'done', attempts: 2, trace: { id: traceIdOf(read(RAW_OTHER)) } });
    expect(await tracesOf(p.sha)).toBe(1);
  });

  it('refuses the late post of an expired claim once the job was claimed again: nothing stored twice', async () => {
    const p = program('late');
    await submit(p, 'late.exe');
    const claim = async () =>
      (await http(server.url, 'POST', '/v1/jobs/claim', { token: workerToken, body: '{}', type: 'application/json' })).json;
    const a = await claim();
    expect(a.sha256).toBe(p.sha);
    await sleep(LEASE_MS + 200);
    const b = await claim();
    expect(b).toMatchObject({ sha256: p.sha });
    expect(b.lease).not.toBe(a.lease);
    const [lateTrace, trace] = corpusFiles('sysBEN').slice(20, 22).map(read);
    const late = await http(server.url, 'POST', `/v1/jobs/${p.sha}/trace?lease=${a.lease}`, { token: workerToken, body: lateTrace });
    expect(late.status).toBe(409);
    expect(await tracesOf(p.sha)).toBe(0);
    const ok = await http(server.url, 'POST', `/v1/jobs/${p.sha}/trace?lease=${b.lease}`, { token: workerToken, body: trace });
    expect(ok.status).toBe(200);
    expect(await tracesOf(p.sha)).toBe(1);
    expect(await status(p.sha)).toMatchObject({ attempts: 2, trace: { id: traceIdOf(trace) } });
    expect((await http(server.url, 'GET', `/v1/traces/${traceIdOf(lateTrace)}`, { token })).status).toBe(404);
  });

  it('gives a job back when tracing fails, and marks it failed after the maximum attempts', async () => {
    const p = program('crash');
    await submit(p, 'crash.exe');
    const run = () =>
      runWorker({
        server: server.url,
        token: workerToken,
        nttrace: FAKE_NTTRACE,
        nttraceArgs: fakeArgs('-fake-mode', 'fail', '-fake-after', '3'),
        maxJobs: 1,
        once: true,
        model: detector.loaded,
      });
    expect(await run()).toEqual({ posted: 0, failed: 1, lost: 0 });
    expect(await status(p.sha)).toMatchObject({ status: 'queued', attempts: 1 });
    expect((await status(p.sha)).error).toMatch(/\S/);
    expect(await run()).toEqual({ posted: 0, failed: 1, lost: 0 });
    expect(await status(p.sha)).toMatchObject({ status: 'failed', attempts: 2 });
    expect(await tracesOf(p.sha)).toBe(0);
  });

  it('shares a queue between concurrent workers: every program traced once', async () => {
    const ps = ['c1', 'c2', 'c3', 'c4'].map(program);
    for (const [i, p] of ps.entries()) await submit(p, `c${i}.exe`);
    // One token per worker: a worker token is bound to one worker name.
    const tokens = [workerToken, (await server.backend.createToken('win-2', ['worker'])).token];
    const results = await Promise.all(
      [0, 1].map((i) =>
        runWorker({
          server: server.url,
          token: tokens[i],
          nttrace: FAKE_NTTRACE,
          nttraceArgs: fakeArgs(),
          once: true,
          model: detector.loaded,
        }),
      ),
    );
    expect(results[0].posted + results[1].posted).toBe(4);
    expect(results[0].failed + results[1].failed).toBe(0);
    // Same replayed log for all four: one trace, linked from each program. On a loaded
    // machine a claim can expire mid-trace: the job is claimed again and the late post is
    // refused ('lost'), so every extra attempt is exactly one lost claim.
    let extra = 0;
    for (const p of ps) {
      const s = await status(p.sha);
      expect(s).toMatchObject({ status: 'done', trace: { id: rawTraceId } });
      extra += s.attempts - 1;
    }
    expect(extra).toBe(results[0].lost + results[1].lost);
  });
});
