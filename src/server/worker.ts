/**
 * `ntmaldetect worker`: on a Windows machine with NtTrace, claims queued programs from a
 * server, runs each under the runner with a time limit, and posts the trace back.
 *
 * The protocol is lease-based: a claim returns a random lease that the worker must show
 * to download the program and to post its trace. A claim expires (the server's
 * `jobs.leaseMs`); a dead worker's job is then claimed again with a new lease, and the old
 * lease can no longer post, so a program is traced into the store once.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ModelSource } from '../api/detect.js';
import { traceProgram } from '../runner/index.js';
import type { LiveDetector } from '../runner/index.js';
import { WorkerProtocolError } from './errors.js';
import type { JobClaim } from './backend.js';

/** What the server returns for a claim. */
export interface ClaimedJob extends JobClaim {
  timeLimitMs: number;
}

/** A program's state as the server reports it. */
export interface ProgramJson {
  sha256: string;
  name: string;
  status: string;
  attempts: number;
  error?: string | null;
  trace?: { id: string; verdict: { malicious: boolean } } | null;
}

/** A small client of the worker endpoints. */
export class WorkerClient {
  private readonly base: string;

  constructor(
    server: string,
    private readonly token: string,
  ) {
    this.base = server.replace(/\/+$/, '');
  }

  private async call(method: string, path: string, init: { body?: Uint8Array | string; headers?: Record<string, string> } = {}): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...init.headers },
        body: init.body,
      });
    } catch (e) {
      throw new WorkerProtocolError(`cannot reach ${this.base}: ${(e as Error).message}`);
    }
    return res;
  }

  private static async fail(res: Response, what: string): Promise<never> {
    let detail = '';
    try {
      const p = (await res.json()) as { detail?: string; code?: string };
      detail = `: ${p.code ?? ''} ${p.detail ?? ''}`.trimEnd();
    } catch {
      // Not a problem object.
    }
    throw new WorkerProtocolError(`${what} failed with HTTP ${res.status}${detail}`, res.status);
  }

  /** Claims the next program, or undefined when the queue is empty. */
  async claim(worker: string): Promise<ClaimedJob | undefined> {
    const res = await this.call('POST', '/v1/jobs/claim', { body: JSON.stringify({ worker }), headers: { 'content-type': 'application/json' } });
    if (res.status === 204) return undefined;
    if (res.status !== 200) return WorkerClient.fail(res, 'claim');
    return (await res.json()) as ClaimedJob;
  }

  /** Downloads a claimed program and checks its SHA-256. */
  async download(job: JobClaim): Promise<Uint8Array> {
    const res = await this.call('GET', `/v1/programs/${job.sha256}/content?lease=${job.lease}`);
    if (res.status !== 200) return WorkerClient.fail(res, `download of ${job.sha256}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const got = createHash('sha256').update(bytes).digest('hex');
    if (got !== job.sha256) throw new WorkerProtocolError(`the program downloaded for ${job.sha256} has SHA-256 ${got}`);
    return bytes;
  }

  /** Posts a trace (gzip on the wire). Returns undefined when the claim was lost (409). */
  async postTrace(job: JobClaim, trace: Uint8Array): Promise<ProgramJson | undefined> {
    const res = await this.call('POST', `/v1/jobs/${job.sha256}/trace?lease=${job.lease}`, {
      body: gzipSync(trace),
      headers: { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' },
    });
    if (res.status === 409) return undefined;
    if (res.status !== 200) return WorkerClient.fail(res, `posting the trace of ${job.sha256}`);
    return (await res.json()) as ProgramJson;
  }

  /** Gives a claimed program back after a failure. Returns undefined when the claim was lost. */
  async failJob(job: JobClaim, error: string): Promise<ProgramJson | undefined> {
    const res = await this.call('POST', `/v1/jobs/${job.sha256}/fail?lease=${job.lease}`, {
      body: JSON.stringify({ error: error.slice(0, 2000) }),
      headers: { 'content-type': 'application/json' },
    });
    if (res.status === 409) return undefined;
    if (res.status !== 200) return WorkerClient.fail(res, `reporting the failure of ${job.sha256}`);
    return (await res.json()) as ProgramJson;
  }
}

/** What the worker did, for logs and tests. */
export type WorkerEvent =
  | { type: 'claimed'; sha256: string; name: string; timeLimitMs: number }
  | { type: 'traced'; sha256: string; calls: number; elapsedMs: number; ended: 'exited' | 'stopped' }
  | { type: 'posted'; sha256: string; program: ProgramJson }
  | { type: 'failed'; sha256: string; error: string }
  | { type: 'lost'; sha256: string }
  | { type: 'idle' };

/** Options of {@link runWorker}. */
export interface WorkerOptions {
  /** Base URL of the server, e.g. `http://10.0.0.5:8735`. */
  server: string;
  /** A token with the `worker` scope. */
  token: string;
  /** Name reported with claims (default `worker@<pid>`). */
  name?: string;
  /** NtTrace executable (else `NTTRACE`, else the PATH). */
  nttrace?: string;
  /** Extra NtTrace options. */
  nttraceArgs?: readonly string[];
  /** Model of the runner's live verdicts (default: the shipped model). */
  model?: ModelSource;
  /** Replaces the runner's model-based live detector. */
  detector?: () => LiveDetector;
  /** Upper bound of the time a program is traced (the server's limit applies if lower). */
  timeLimitMs?: number;
  /** Wait between claims when the queue is empty. Default 5000 ms. */
  pollMs?: number;
  /** Stop when the queue is empty instead of waiting. */
  once?: boolean;
  /** Stop after this many jobs. */
  maxJobs?: number;
  /** Folder for downloaded programs and logs (a fresh temporary folder by default; removed after each job). */
  workDir?: string;
  signal?: AbortSignal;
  env?: Record<string, string | undefined>;
  onEvent?: (event: WorkerEvent) => void;
}

/** Counts of a worker run. */
export interface WorkerSummary {
  posted: number;
  failed: number;
  lost: number;
}

/** Extension for the downloaded file: the submitted one when it is plain, else `.exe`. */
function safeExtension(name: string): string {
  const ext = extname(name);
  return /^\.[A-Za-z0-9]{1,8}$/.test(ext) && !/^\.(bat|cmd)$/i.test(ext) ? ext : '.exe';
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });

/** Runs the claim / trace / post loop until the signal, `once` with an empty queue, or `maxJobs`. */
export async function runWorker(options: WorkerOptions): Promise<WorkerSummary> {
  const client = new WorkerClient(options.server, options.token);
  const name = options.name ?? `worker@${process.pid}`;
  const emit = options.onEvent ?? (() => undefined);
  const summary: WorkerSummary = { posted: 0, failed: 0, lost: 0 };
  const root = options.workDir ?? (await mkdtemp(join(tmpdir(), 'ntmd-worker-')));
  await mkdir(root, { recursive: true });
  try {
    let jobs = 0;
    while (!options.signal?.aborted && (options.maxJobs === undefined || jobs < options.maxJobs)) {
      const job = await client.claim(name);
      if (!job) {
        emit({ type: 'idle' });
        if (options.once) break;
        await sleep(options.pollMs ?? 5000, options.signal);
        continue;
      }
      jobs++;
      const limit = Math.min(job.timeLimitMs, options.timeLimitMs ?? Infinity);
      emit({ type: 'claimed', sha256: job.sha256, name: job.name, timeLimitMs: limit });
      const outcome = await traceJob(client, job, limit, root, options, emit);
      summary[outcome]++;
    }
  } finally {
    if (options.workDir === undefined) await rm(root, { recursive: true, force: true });
  }
  return summary;
}

async function traceJob(
  client: WorkerClient,
  job: ClaimedJob,
  limitMs: number,
  root: string,
  options: WorkerOptions,
  emit: (e: WorkerEvent) => void,
): Promise<'posted' | 'failed' | 'lost'> {
  const dir = join(root, job.sha256);
  await mkdir(dir, { recursive: true });
  try {
    let trace: Uint8Array;
    try {
      const bytes = await client.download(job);
      const program = join(dir, `program${safeExtension(job.name)}`);
      await writeFile(program, bytes, { mode: 0o700 });
      const log = join(dir, 'trace.log');
      const stop = new AbortController();
      const timer = setTimeout(() => stop.abort(), limitMs);
      const onOuter = () => stop.abort();
      options.signal?.addEventListener('abort', onOuter, { once: true });
      try {
        const session = traceProgram({
          program,
          nttrace: options.nttrace,
          nttraceArgs: options.nttraceArgs,
          model: options.model,
          detector: options.detector?.(),
          saveLog: log,
          signal: stop.signal,
          env: options.env,
          cwd: dir,
        });
        const result = await session.result;
        emit({ type: 'traced', sha256: job.sha256, calls: result.calls, elapsedMs: result.elapsedMs, ended: result.ended });
      } finally {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onOuter);
      }
      if (options.signal?.aborted) throw new WorkerProtocolError('the worker was stopped before the trace was complete');
      trace = await readFile(log);
    } catch (e) {
      const error = (e as Error).message;
      emit({ type: 'failed', sha256: job.sha256, error });
      const back = await client.failJob(job, error).catch(() => undefined);
      if (!back) emit({ type: 'lost', sha256: job.sha256 });
      return 'failed';
    }
    let program: ProgramJson | undefined;
    try {
      program = await client.postTrace(job, trace);
    } catch (e) {
      // The server refused the trace itself (e.g. 422: no call in it): give the job back.
      const status = e instanceof WorkerProtocolError ? e.status : undefined;
      if (status === undefined || status >= 500 || status === 401 || status === 403 || status === 429) throw e;
      emit({ type: 'failed', sha256: job.sha256, error: (e as Error).message });
      if (!(await client.failJob(job, (e as Error).message).catch(() => undefined))) emit({ type: 'lost', sha256: job.sha256 });
      return 'failed';
    }
    if (!program) {
      emit({ type: 'lost', sha256: job.sha256 });
      return 'lost';
    }
    emit({ type: 'posted', sha256: job.sha256, program });
    return 'posted';
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
