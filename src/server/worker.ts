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
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ModelSource } from '../api/detect.js';
import { traceProgram } from '../runner/index.js';
import type { LiveDetector } from '../runner/index.js';
import { WorkerProtocolError } from './errors.js';
import { checkClaim, DEFAULT_MAX_PROGRAM_BYTES, type CheckedClaim } from './worker-claim.js';
import { childEnv } from './worker-env.js';
import { WorkerPreflightError } from './worker-errors.js';
import { checkServerUrl, request } from './worker-http.js';
import { checkBeforeJob, checkTracerStarts, resolveTracer } from './worker-preflight.js';
import { resolveRunAs, runAsLauncher, type RunAsAccount } from './worker-run-as.js';
import { sha256Hex } from '../hash.js';

/** What the server returns for a claim, every field checked ({@link checkClaim}). */
export type ClaimedJob = CheckedClaim;

/** Options of {@link WorkerClient}. */
export interface WorkerClientOptions {
  /** PEM certificate(s) of a private CA: the only ones trusted for https (replaces the system's). */
  ca?: string | Buffer;
  /** Allow plain http:// to a server that is not on this machine. */
  insecureHttp?: boolean;
  /** Largest program accepted in a claim (default 128 MiB). */
  maxProgramBytes?: number;
}

/** Largest JSON answer the worker reads. */
const MAX_JSON_BYTES = 1024 * 1024;

/** A program's state as the server reports it. */
export interface ProgramJson {
  sha256: string;
  name: string;
  status: string;
  attempts: number;
  error?: string | null;
  /** The trace and its verdict record (docs/cli.md, "Verdict JSON"), once traced. */
  trace?: { id: string; verdict: { verdict?: string; malicious: boolean } } | null;
}

/** A small client of the worker endpoints. */
export class WorkerClient {
  private readonly base: URL;
  private readonly maxProgramBytes: number;

  /**
   * @throws {@link WorkerConfigError} for plain http:// to another machine without `insecureHttp`
   */
  constructor(
    server: string,
    private readonly token: string,
    private readonly options: WorkerClientOptions = {},
  ) {
    this.base = checkServerUrl(server, options.insecureHttp);
    this.maxProgramBytes = options.maxProgramBytes ?? DEFAULT_MAX_PROGRAM_BYTES;
  }

  private call(
    method: string,
    path: string,
    init: { body?: Uint8Array | string; headers?: Record<string, string>; maxBytes?: number } = {},
  ) {
    const url = new URL(this.base.pathname.replace(/\/+$/, '') + path, this.base);
    return request(url, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...init.headers },
      body: init.body,
      ca: this.options.ca,
      maxBytes: init.maxBytes ?? MAX_JSON_BYTES,
    });
  }

  private static json(res: { body: Buffer }, what: string): unknown {
    try {
      return JSON.parse(res.body.toString('utf8'));
    } catch {
      throw new WorkerProtocolError(`${what}: the server's answer is not JSON`);
    }
  }

  private static fail(res: { status: number; body: Buffer }, what: string): never {
    let detail = '';
    try {
      const p = JSON.parse(res.body.toString('utf8')) as { detail?: unknown; code?: unknown };
      detail = `: ${problemText(p.code)} ${problemText(p.detail)}`.trimEnd().slice(0, 500);
    } catch {
      // Not a problem object.
    }
    throw new WorkerProtocolError(`${what} failed with HTTP ${res.status}${detail}`, res.status);
  }

  /**
   * Claims the next program, or undefined when the queue is empty.
   *
   * @throws {@link ClaimRejectedError} when a field of the claim fails its check
   */
  async claim(worker: string | undefined): Promise<ClaimedJob | undefined> {
    const res = await this.call('POST', '/v1/jobs/claim', {
      body: JSON.stringify({ worker }),
      headers: { 'content-type': 'application/json' },
    });
    if (res.status === 204) return undefined;
    if (res.status !== 200) return WorkerClient.fail(res, 'claim');
    return checkClaim(WorkerClient.json(res, 'claim'), this.maxProgramBytes);
  }

  /** Downloads a claimed program (at most its claimed size) and checks its size and SHA-256. */
  async download(job: ClaimedJob): Promise<Uint8Array> {
    const res = await this.call('GET', `/v1/programs/${job.sha256}/content?lease=${job.lease}`, { maxBytes: job.size });
    if (res.status !== 200) return WorkerClient.fail(res, `download of ${job.sha256}`);
    const bytes = res.body;
    if (bytes.length !== job.size)
      throw new WorkerProtocolError(`the program downloaded for ${job.sha256} has ${bytes.length} bytes, the claim said ${job.size}`);
    const got = sha256Hex(bytes);
    if (got !== job.sha256) throw new WorkerProtocolError(`the program downloaded for ${job.sha256} has SHA-256 ${got}`);
    return bytes;
  }

  /** Posts a trace (gzip on the wire). Returns undefined when the claim was lost (409). */
  async postTrace(job: ClaimedJob, trace: Uint8Array): Promise<ProgramJson | undefined> {
    const res = await this.call('POST', `/v1/jobs/${job.sha256}/trace?lease=${job.lease}`, {
      body: gzipSync(trace),
      headers: { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' },
    });
    if (res.status === 409) return undefined;
    if (res.status !== 200) return WorkerClient.fail(res, `posting the trace of ${job.sha256}`);
    return WorkerClient.json(res, `posting the trace of ${job.sha256}`) as ProgramJson;
  }

  /** Gives a claimed program back after a failure. Returns undefined when the claim was lost. */
  async failJob(job: ClaimedJob, error: string): Promise<ProgramJson | undefined> {
    const res = await this.call('POST', `/v1/jobs/${job.sha256}/fail?lease=${job.lease}`, {
      body: JSON.stringify({ error: error.slice(0, 2000) }),
      headers: { 'content-type': 'application/json' },
    });
    if (res.status === 409) return undefined;
    if (res.status !== 200) return WorkerClient.fail(res, `reporting the failure of ${job.sha256}`);
    return WorkerClient.json(res, `reporting the failure of ${job.sha256}`) as ProgramJson;
  }

  /**
   * Gives a claim back without counting an attempt (a fault on the worker's side, found
   * before the program ran): `POST /v1/claims/{sha256}/release?lease=...` with the reason.
   * `released`: back in the queue; `lost`: the claim had expired (409);
   * `unsupported`: the server has no such endpoint (404/405, an older server): the program
   * returns to the queue when the claim's lease expires.
   */
  async releaseClaim(job: ClaimedJob, reason: string): Promise<'released' | 'lost' | 'unsupported'> {
    const res = await this.call('POST', `/v1/claims/${job.sha256}/release?lease=${job.lease}`, {
      body: JSON.stringify({ reason: reason.slice(0, 2000) }),
      headers: { 'content-type': 'application/json' },
    });
    if (res.status === 200 || res.status === 204) return 'released';
    if (res.status === 409) return 'lost';
    if (res.status === 404 || res.status === 405) return 'unsupported';
    return WorkerClient.fail(res, `releasing the claim on ${job.sha256}`);
  }
}

/** What the worker did, for logs and tests. */
export type WorkerEvent =
  | { type: 'claimed'; sha256: string; name: string; timeLimitMs: number }
  | { type: 'traced'; sha256: string; calls: number; elapsedMs: number; ended: 'exited' | 'stopped' }
  | { type: 'posted'; sha256: string; program: ProgramJson }
  | { type: 'failed'; sha256: string; error: string }
  | { type: 'lost'; sha256: string }
  | { type: 'released'; sha256: string; outcome: 'released' | 'lost' | 'unsupported' | 'error'; error: string }
  | { type: 'idle' };

/** Options of {@link runWorker}. */
export interface WorkerOptions {
  /** Base URL of the server, e.g. `http://10.0.0.5:8735`. */
  server: string;
  /** A token with the `worker` scope. Sent to the server only; never given to a child process. */
  token: string;
  /** Name sent with claims; default none: the server records the name the token is bound to (a bound token refuses any other). */
  name?: string;
  /**
   * NtTrace executable (else `NTTRACE`, else the PATH of `env`). A relative path is taken
   * relative to `cwd`, once, as the worker starts.
   */
  nttrace?: string;
  /** Folder a relative `nttrace` is resolved against (default: the process's working folder). */
  cwd?: string;
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
  /**
   * Folder under which each job gets a fresh folder (`mkdtemp`) for its program, removed after
   * the job (default: a fresh temporary folder, removed at the end). Only folders the worker
   * made are ever removed.
   */
  workDir?: string;
  signal?: AbortSignal;
  /**
   * The worker's environment (default `process.env`): where `NTTRACE` and the PATH are looked
   * up, and the source of the tracer's environment, which gets only the platform's
   * allow-list ({@link childEnv}) and `passEnv`.
   */
  env?: Record<string, string | undefined>;
  /** More variables to give the tracer and the traced program (never `NTMD_*`). */
  passEnv?: readonly string[];
  /** PEM certificate(s) of a private CA for an https server. */
  ca?: string | Buffer;
  /** Allow plain http:// to a server that is not on this machine. */
  insecureHttp?: boolean;
  /** Largest program accepted in a claim (default 128 MiB). */
  maxProgramBytes?: number;
  /** How long the start-up check of the tracer may take (default 120 s). */
  tracerCheckMs?: number;
  /**
   * POSIX: run the tracer and the traced program as this unprivileged account (the worker
   * must be root). The job folder and the trace file are given to the account; see
   * docs/security.md.
   */
  runAs?: string;
  onEvent?: (event: WorkerEvent) => void;
}

/** Counts of a worker run. */
export interface WorkerSummary {
  posted: number;
  failed: number;
  lost: number;
}

/** Extension for the downloaded file: the submitted one when it is plain, else `.exe`. */
/** A field of a problem object as text: a string as is, anything else as JSON, nothing as "". */
function problemText(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function safeExtension(name: string): string {
  const ext = extname(name);
  return /^\.[A-Za-z0-9]{1,8}$/.test(ext) && !/^\.(bat|cmd)$/i.test(ext) ? ext : '.exe';
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

/**
 * Runs the claim / trace / post loop until the signal, `once` with an empty queue, or `maxJobs`.
 *
 * Before the first claim, the tracer is resolved (against `cwd`) and started once; each claim
 * is checked field by field before use. A fault on the worker's side found before a program
 * runs gives the claim back ({@link WorkerClient.releaseClaim}) and stops the worker.
 *
 * @throws {@link WorkerConfigError} for an unsafe server URL or `passEnv` name
 * @throws {@link WorkerPreflightError} when the tracer or the job folder fails its check
 * @throws {@link ClaimRejectedError} when the server sends a claim that fails its check
 */
export async function runWorker(options: WorkerOptions): Promise<WorkerSummary> {
  const client = new WorkerClient(options.server, options.token, {
    ca: options.ca,
    insecureHttp: options.insecureHttp,
    maxProgramBytes: options.maxProgramBytes,
  });
  const name = options.name;
  const emit = options.onEvent ?? (() => undefined);
  const summary: WorkerSummary = { posted: 0, failed: 0, lost: 0 };
  const env = options.env ?? process.env;
  const tracerEnv = childEnv(env, { passEnv: options.passEnv });
  const tracer = resolveTracer(options.nttrace, env, resolve(options.cwd ?? process.cwd()));
  const runAs = options.runAs !== undefined ? resolveRunAs(options.runAs) : undefined;
  // With runAs, a launcher of the worker's own stands in for NtTrace (worker-run-as.ts).
  const privateDir = runAs !== undefined ? await mkdtemp(join(tmpdir(), 'ntmd-worker-private-')) : undefined;
  let root: string | undefined;
  try {
    const launch = runAs !== undefined ? runAsLauncher(privateDir!, runAs, tracer, tracerEnv) : { command: tracer, env: tracerEnv };
    await checkTracerStarts(launch.command, launch.env, options.tracerCheckMs);
    const setup: JobSetup = { tracer: launch.command.tracer, env: launch.env, check: (dir) => checkBeforeJob(tracer, dir), runAs };
    try {
      if (options.workDir !== undefined) await mkdir(options.workDir, { recursive: true });
      root = options.workDir ?? (await mkdtemp(join(tmpdir(), 'ntmd-worker-')));
      // The account must reach its job folder inside (not list the others).
      if (runAs !== undefined && options.workDir === undefined) await chmod(root, 0o711);
    } catch (e) {
      throw new WorkerPreflightError('folder', `the worker cannot make its folder: ${(e as Error).message}`, { cause: e });
    }
    return await loop(client, root, setup, options, name, emit, summary);
  } finally {
    if (root !== undefined && options.workDir === undefined) await rm(root, { recursive: true, force: true });
    if (privateDir !== undefined) await rm(privateDir, { recursive: true, force: true });
  }
}

async function loop(
  client: WorkerClient,
  root: string,
  setup: JobSetup,
  options: WorkerOptions,
  name: string | undefined,
  emit: (e: WorkerEvent) => void,
  summary: WorkerSummary,
): Promise<WorkerSummary> {
  {
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
      const outcome = await traceJob(client, job, limit, root, setup, options, emit);
      summary[outcome]++;
    }
  }
  return summary;
}

/** What every job uses: the tracer found at start, the children's environment, the pre-flight check. */
interface JobSetup {
  tracer: string;
  env: Record<string, string>;
  check: (jobDir: string) => void;
  runAs?: RunAsAccount;
}

/**
 * Gives the claim back after a pre-flight failure (no attempt counted) and rethrows it: the
 * worker stops, since every later program would fail the same way.
 */
async function releaseAndStop(
  client: WorkerClient,
  job: ClaimedJob,
  e: WorkerPreflightError,
  emit: (e: WorkerEvent) => void,
): Promise<never> {
  let outcome: 'released' | 'lost' | 'unsupported' | 'error';
  try {
    outcome = await client.releaseClaim(job, e.message);
  } catch {
    outcome = 'error';
  }
  emit({ type: 'released', sha256: job.sha256, outcome, error: e.message });
  const after = {
    released: 'the claim was given back: the program is queued again',
    lost: 'the claim had expired already',
    unsupported: 'the server cannot release claims: the program is queued again when the claim expires',
    error: 'releasing the claim failed: the program is queued again when the claim expires',
  }[outcome];
  throw new WorkerPreflightError(e.check, `${e.message}; ${after}; the worker stops`, { cause: e });
}

async function traceJob(
  client: WorkerClient,
  job: ClaimedJob,
  limitMs: number,
  root: string,
  setup: JobSetup,
  options: WorkerOptions,
  emit: (e: WorkerEvent) => void,
): Promise<'posted' | 'failed' | 'lost'> {
  // Nothing of the claim names a path: the job's folder is a fresh mkdtemp folder, and the
  // trace is kept in another private folder, never in the folder the program runs in.
  let dir: string | undefined;
  let traceDir: string | undefined;
  try {
    dir = await mkdtemp(join(root, 'job-'));
    traceDir = await mkdtemp(join(tmpdir(), 'ntmd-worker-trace-'));
    setup.check(dir);
    if (setup.runAs !== undefined) {
      // The account works in its job folder, and reaches (not lists) the runner's trace folder.
      await chown(dir, setup.runAs.uid, setup.runAs.gid);
      await chmod(traceDir, 0o711);
    }
  } catch (e) {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    if (traceDir !== undefined) await rm(traceDir, { recursive: true, force: true });
    const failure =
      e instanceof WorkerPreflightError
        ? e
        : new WorkerPreflightError('folder', `the worker cannot make the job's folders under ${root}: ${(e as Error).message}`, {
            cause: e,
          });
    return releaseAndStop(client, job, failure, emit);
  }
  try {
    let trace: Uint8Array;
    try {
      const bytes = await client.download(job);
      const program = join(dir, `program${safeExtension(job.name)}`);
      await writeFile(program, bytes, { mode: 0o700, flag: 'wx' });
      if (setup.runAs !== undefined) await chown(program, setup.runAs.uid, setup.runAs.gid);
      const log = join(traceDir, 'trace.log');
      const stop = new AbortController();
      const timer = setTimeout(() => stop.abort(), limitMs);
      const onOuter = () => stop.abort();
      options.signal?.addEventListener('abort', onOuter, { once: true });
      try {
        const session = traceProgram({
          program,
          nttrace: setup.tracer,
          nttraceArgs: options.nttraceArgs,
          model: options.model,
          detector: options.detector?.(),
          saveLog: log,
          traceDir,
          signal: stop.signal,
          env: setup.env,
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
    await rm(traceDir, { recursive: true, force: true });
  }
}
