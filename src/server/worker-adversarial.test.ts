/**
 * The worker as an attacker sees it (issue 19, the worker's side): a fake server that sends
 * hostile claims, a stand-in program that prints fake calls and rewrites every file in its
 * folder, a stand-in NtTrace that writes down the environment it got, a server behind TLS,
 * and faults of the worker's own (a relative or missing NtTrace, a folder that vanishes).
 * The real NtTrace under Wine traces a program that writes its environment down.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorker, type WorkerEvent, type WorkerOptions } from './worker.js';
import { checkClaim } from './worker-claim.js';
import { checkPassEnvName, childEnv } from './worker-env.js';
import { checkServerUrl, isLoopbackHost } from './worker-http.js';
import { resolveRunAs } from './worker-run-as.js';
import { CLI, FAKE_NTTRACE, RAW_LOG, projectRoot, requireBuilt } from './test-helpers/harness.js';
import { countingDetector } from '../runner/test-helpers/fake.js';
import { findWine, headBuild, WinePrefix, type WineTools } from '../runner/test-helpers/wine.js';
import { scratchDir } from '../../test/tmp.js';

const TOKEN = 'ntmd_w0rkerSecretTokenValue0123456789abcdef';
const LEASE = 'ab'.repeat(16);
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

interface Job {
  bytes: Buffer;
  claim: Record<string, unknown>;
}

/** A stand-in of the server's worker endpoints that records everything it is sent. */
interface FakeServer {
  url: string;
  port: number;
  claims: Record<string, unknown>[];
  programs: Map<string, Buffer>;
  posted: Buffer[];
  failed: { path: string; error: string }[];
  released: string[];
  /** The `reason` of each release. */
  releaseReasons: string[];
  requests: string[];
  auth: string[];
  releaseStatus: number;
  /** Bytes sent for a program download instead of the program (a hostile server). */
  oversize?: number;
  close(): Promise<void>;
}

function job(bytes: Buffer, name = 'sample.exe', extra: Record<string, unknown> = {}): Job {
  return {
    bytes,
    claim: {
      sha256: sha(bytes),
      name,
      size: bytes.length,
      lease: LEASE,
      expiresAt: new Date(Date.now() + 600_000).toISOString(),
      timeLimitMs: 30_000,
      ...extra,
    },
  };
}

async function fakeServer(opts: { tls?: { key: Buffer; cert: Buffer }; host?: string } = {}): Promise<FakeServer> {
  const state = {
    claims: [] as Record<string, unknown>[],
    programs: new Map<string, Buffer>(),
    posted: [] as Buffer[],
    failed: [] as { path: string; error: string }[],
    released: [] as string[],
    releaseReasons: [] as string[],
    requests: [] as string[],
    auth: [] as string[],
    releaseStatus: 200,
    oversize: undefined as number | undefined,
  };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      const url = new URL(req.url ?? '/', 'http://x');
      state.requests.push(`${req.method} ${url.pathname}${url.search}`);
      state.auth.push(String(req.headers.authorization ?? ''));
      const json = (status: number, value?: unknown) => {
        res.writeHead(status, value === undefined ? {} : { 'content-type': 'application/json' });
        res.end(value === undefined ? undefined : JSON.stringify(value));
      };
      let m: RegExpExecArray | null;
      if (req.method === 'POST' && url.pathname === '/v1/jobs/claim') {
        const next = state.claims.shift();
        return next === undefined ? json(204) : json(200, next);
      }
      if (req.method === 'GET' && (m = /^\/v1\/programs\/([^/]+)\/content$/.exec(url.pathname))) {
        if (state.oversize !== undefined) {
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          const chunk = Buffer.alloc(65536, 0x41);
          let left = state.oversize;
          const pump = (): void => {
            while (left > 0) {
              left -= chunk.length;
              if (!res.write(chunk)) return void res.once('drain', pump);
            }
            res.end();
          };
          res.on('error', () => {});
          return pump();
        }
        const p = state.programs.get(m[1]);
        if (!p) return json(404, { code: 'NOT_FOUND', detail: 'no such program' });
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        return void res.end(p);
      }
      if (req.method === 'POST' && (m = /^\/v1\/jobs\/([^/]+)\/trace$/.exec(url.pathname))) {
        state.posted.push(req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body);
        return json(200, { sha256: m[1], name: 'x', status: 'done', attempts: 1, error: null, trace: null });
      }
      if (req.method === 'POST' && (m = /^\/v1\/jobs\/([^/]+)\/fail$/.exec(url.pathname))) {
        state.failed.push({ path: url.pathname, error: JSON.parse(body.toString() || '{}').error });
        return json(200, { sha256: m[1], name: 'x', status: 'queued', attempts: 1, error: 'x' });
      }
      if (req.method === 'POST' && (m = /^\/v1\/claims\/([^/]+)\/release$/.exec(url.pathname))) {
        state.released.push(`${m[1]}?${url.searchParams.get('lease')}`);
        state.releaseReasons.push(JSON.parse(body.toString() || '{}').reason);
        return json(state.releaseStatus, state.releaseStatus === 200 ? { released: true } : { code: 'NOT_FOUND', detail: 'no route' });
      }
      json(404, { code: 'NOT_FOUND', detail: 'no route' });
    });
  };
  const server: Server = opts.tls ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : createHttpServer(handler);
  await new Promise<void>((r) => server.listen(0, opts.host ?? '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  const fake = Object.assign(state, {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  });
  return fake;
}

function queue(server: FakeServer, ...jobs: Job[]): void {
  for (const j of jobs) {
    server.claims.push(j.claim);
    server.programs.set(String(j.claim.sha256), j.bytes);
  }
}

const base = (server: FakeServer, extra: Partial<WorkerOptions> = {}): WorkerOptions => ({
  server: server.url,
  token: TOKEN,
  nttrace: FAKE_NTTRACE,
  nttraceArgs: ['-fake-replay', RAW_LOG, '-fake-batch', '100000'],
  detector: () => countingDetector(),
  once: true,
  env: { ...process.env, NTMD_TOKEN: TOKEN },
  ...extra,
});

/** The trace the fake tracer writes for RAW_LOG and a started program `pid` (fast path: whole file, then the exit line). */
function expectedTrace(pid: number, code = 0): Buffer {
  const raw = readFileSync(RAW_LOG);
  const whole = raw[raw.length - 1] === 0x0a ? raw : Buffer.concat([raw, Buffer.from('\n')]);
  return Buffer.concat([whole, Buffer.from(`Process ${pid} exit code: ${code}\n`, 'latin1')]);
}

/** Runs the built CLI without blocking this process (the fake servers answer from it). */
function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}

const servers: FakeServer[] = [];
afterAll(async () => {
  for (const s of servers.splice(0)) await s.close();
});
async function started(opts?: Parameters<typeof fakeServer>[0]): Promise<FakeServer> {
  const s = await fakeServer(opts);
  servers.push(s);
  return s;
}

describe('fault 3: the worker trusts nothing in a claim', () => {
  const okBytes = Buffer.from('MZ hostile-claims');
  const ok = job(okBytes).claim;
  // A claim is anything the server may send: mostly a record, some entries not even an object.
  const hostile: [string, unknown, string][] = [
    ['a path for a sha256', { ...ok, sha256: '../../victim' }, 'sha256'],
    ['an absolute path for a sha256', { ...ok, sha256: '/tmp' }, 'sha256'],
    ['upper-case hex', { ...ok, sha256: String(ok.sha256).toUpperCase() }, 'sha256'],
    ['63 hex characters', { ...ok, sha256: String(ok.sha256).slice(1) }, 'sha256'],
    ['65 hex characters', { ...ok, sha256: `${String(ok.sha256)}0` }, 'sha256'],
    ['a name with a separator', { ...ok, name: '..\\..\\evil.exe' }, 'name'],
    ['a name with a slash', { ...ok, name: 'a/b.exe' }, 'name'],
    ['the name ..', { ...ok, name: '..' }, 'name'],
    ['a name with a NUL', { ...ok, name: 'a\u0000.exe' }, 'name'],
    ['an empty name', { ...ok, name: '' }, 'name'],
    ['an absurd size', { ...ok, size: 1e15 }, 'size'],
    ['a negative size', { ...ok, size: -1 }, 'size'],
    ['a fractional size', { ...ok, size: 1.5 }, 'size'],
    ['a size as text', { ...ok, size: '17' }, 'size'],
    ['a lease that injects a query', { ...ok, lease: `${LEASE}&lease=x` }, 'lease'],
    ['a time limit of a year', { ...ok, timeLimitMs: 365 * 86400_000 }, 'timeLimitMs'],
    ['a zero time limit', { ...ok, timeLimitMs: 0 }, 'timeLimitMs'],
    ['a missing time limit', { ...ok, timeLimitMs: undefined }, 'timeLimitMs'],
    ['a date that is not one', { ...ok, expiresAt: 'tomorrow' }, 'expiresAt'],
    ['an array', [ok], 'body'],
  ];

  it.each(hostile)('refuses %s before using any of it', async (_what, claim, field) => {
    const s = await started();
    s.claims.push(claim as Record<string, unknown>);
    const err = await runWorker(base(s)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'WORKER_BAD_CLAIM', field });
    // Nothing after the claim: no download, no failure report built from the claim.
    expect(s.requests).toEqual(['POST /v1/jobs/claim']);
  });

  it('a claim of "../../victim" neither writes nor removes anything outside the worker\'s folder', async () => {
    const s = await started();
    const top = scratchDir('ntmd-adv-victim-');
    const victim = join(top, 'victim');
    mkdirSync(join(victim, 'deep'), { recursive: true });
    writeFileSync(join(victim, 'deep', 'keep.txt'), 'precious');
    const workDir = join(top, 'work', 'inner');
    mkdirSync(workDir, { recursive: true });
    writeFileSync(join(workDir, 'mine.txt'), 'the operator put this here');
    s.claims.push({ ...ok, sha256: relative(workDir, victim) }); // "../../victim"
    await runWorker(base(s, { workDir })).catch(() => undefined);
    expect(readFileSync(join(victim, 'deep', 'keep.txt'), 'utf8')).toBe('precious');
    // The given work folder and what was in it are left alone; nothing of the worker stays.
    expect(readdirSync(workDir)).toEqual(['mine.txt']);
  });

  it('names no path after the claim: the job folder is a fresh mkdtemp folder, removed after the job', async () => {
    const s = await started();
    const workDir = scratchDir('ntmd-adv-work-');
    writeFileSync(join(workDir, 'mine.txt'), 'kept');
    queue(s, job(Buffer.from('MZ plain job')));
    let during: string[] = [];
    const summary = await runWorker(
      base(s, {
        workDir,
        nttraceArgs: ['-fake-replay', RAW_LOG, '-fake-batch', '100000', '-fake-spawn'],
        onEvent: (e) => {
          if (e.type === 'traced') during = readdirSync(workDir);
        },
      }),
    );
    expect(summary).toEqual({ posted: 1, failed: 0, lost: 0 });
    expect(during.sort()).toEqual([expect.stringMatching(/^job-[A-Za-z0-9]{6}$/), 'mine.txt']);
    expect(readdirSync(workDir)).toEqual(['mine.txt']);
  });

  it('reads no more of a download than the claimed size', async () => {
    const s = await started();
    queue(s, job(Buffer.from('MZ small program')));
    s.oversize = 64 * 1024 * 1024;
    const events: WorkerEvent[] = [];
    const summary = await runWorker(base(s, { onEvent: (e) => events.push(e) }));
    expect(summary).toEqual({ posted: 0, failed: 1, lost: 0 });
    const failed = events.find((e) => e.type === 'failed');
    expect(failed && failed.type === 'failed' && failed.error).toMatch(/exceeds the limit of 16 bytes/);
    expect(s.posted).toEqual([]);
  });

  it('checkClaim keeps a valid claim as it is, and drops fields it does not know', () => {
    expect(checkClaim(ok)).toEqual(ok);
    expect(checkClaim({ ...ok, worker: 'win-1', path: '../../x' })).toEqual(ok);
    expect(() => checkClaim({ ...ok, size: 1000 }, 999)).toThrow(/size 1000 is not a whole number of bytes from 1 to 999/);
  });
});

describe('fault 3: TLS and plain HTTP', () => {
  const dir = scratchDir('ntmd-adv-tls-');
  let tls: { key: Buffer; cert: Buffer } | undefined;
  let why = '';
  beforeAll(() => {
    const made = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'pipe' },
    );
    if (made.error || made.status !== 0) why = `openssl cannot make a certificate: ${made.error?.message ?? made.stderr.toString().trim()}`;
    else tls = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  });

  it('talks to an https server whose certificate the private CA (--ca) signed', async (ctx) => {
    if (!tls) return ctx.skip(why);
    const s = await started({ tls });
    queue(s, job(Buffer.from('MZ over tls')));
    const summary = await runWorker(base(s, { ca: tls.cert }));
    expect(summary).toEqual({ posted: 1, failed: 0, lost: 0 });
    expect(s.posted).toHaveLength(1);
  });

  it('refuses that server without the CA: nothing claimed', async (ctx) => {
    if (!tls) return ctx.skip(why);
    const s = await started({ tls });
    queue(s, job(Buffer.from('MZ over tls, untrusted')));
    await expect(runWorker(base(s))).rejects.toMatchObject({ code: 'WORKER_PROTOCOL', message: expect.stringMatching(/certificate/i) });
    expect(s.requests).toEqual([]);
  });

  it('refuses plain http:// to another machine unless insecureHttp; allows it to loopback', async () => {
    const ip = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    if (ip !== undefined) {
      // A real server reachable on a non-loopback address of this machine.
      const s = await started({ host: '0.0.0.0' });
      const remote = `http://${ip}:${s.port}`;
      await expect(runWorker({ ...base(s), server: remote })).rejects.toMatchObject({
        code: 'WORKER_CONFIG',
        message: expect.stringMatching(/--insecure-http/),
      });
      expect(s.requests).toEqual([]);
      expect(await runWorker({ ...base(s), server: remote, insecureHttp: true })).toEqual({ posted: 0, failed: 0, lost: 0 });
      expect(s.requests).toEqual(['POST /v1/jobs/claim']);
    }
    expect(() => checkServerUrl('http://10.0.0.5:8735')).toThrow(/plain http:\/\/ to another machine/);
    expect(checkServerUrl('http://10.0.0.5:8735', true).host).toBe('10.0.0.5:8735');
    expect(checkServerUrl('https://10.0.0.5:8735').protocol).toBe('https:');
    for (const h of ['localhost', '127.0.0.1', '127.8.9.1', '[::1]']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['10.0.0.5', 'example.org', '[::2]', '128.0.0.1', 'localhost.example.org']) expect(isLoopbackHost(h)).toBe(false);
    expect(() => checkServerUrl('ftp://x')).toThrow(/only http/);
  });
});

describe('fault 1: the traced program gets a minimal environment, never the token', () => {
  it('the tracer (and what it starts) sees the allow-list and --pass-env, not NTMD_TOKEN nor other variables', async () => {
    const s = await started();
    const dir = scratchDir('ntmd-adv-env-');
    const envFile = join(dir, 'env.json');
    const argvFile = join(dir, 'argv.json');
    queue(s, job(Buffer.from('MZ env reader')));
    const summary = await runWorker(
      base(s, {
        nttraceArgs: ['-fake-replay', RAW_LOG, '-fake-batch', '100000', '-fake-env', envFile, '-fake-argv', argvFile],
        env: {
          ...process.env,
          NTMD_TOKEN: TOKEN,
          NTMD_DATABASE_URL: 'postgres://secret',
          AWS_SECRET_ACCESS_KEY: 'aws-secret',
          KEEP_ME: 'passed on',
          PATH: '/usr/bin:/bin',
        },
        passEnv: ['KEEP_ME'],
      }),
    );
    expect(summary.posted).toBe(1);
    const seen = JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>;
    const text = JSON.stringify(seen) + readFileSync(argvFile, 'utf8');
    expect(text).not.toContain(TOKEN);
    expect(seen.NTMD_TOKEN).toBeUndefined();
    expect(seen.NTMD_DATABASE_URL).toBeUndefined();
    expect(seen.AWS_SECRET_ACCESS_KEY).toBeUndefined();
    expect(seen.KEEP_ME).toBe('passed on');
    expect(seen.PATH).toBe('/usr/bin:/bin');
    // Every variable the tracer got is on the allow-list or passed on purpose.
    const allowed = new Set(Object.keys(childEnv({ ...process.env, KEEP_ME: 'x' }, { passEnv: ['KEEP_ME'] })));
    for (const k of Object.keys(seen)) expect(allowed.has(k) || /^(NODE_|npm_|_$)/.test(k)).toBe(true);
    // The token went to the server, and only there.
    expect(s.auth.every((a) => a === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('--pass-env refuses NTMD_* names and non-names', () => {
    expect(() => checkPassEnvName('NTMD_TOKEN')).toThrow(/NTMD_\* variables/);
    expect(() => checkPassEnvName('ntmd_token')).toThrow(/NTMD_\* variables/);
    expect(() => checkPassEnvName('A=B')).toThrow(/not an environment variable name/);
    expect(checkPassEnvName('ProgramFiles(x86)')).toBe('ProgramFiles(x86)');
    expect(
      childEnv({ NTMD_TOKEN: 'x', ntmd_token: 'y', Path: 'C:\\x', SystemRoot: 'C:\\Windows', HOME: '/root' }, { platform: 'win32' }),
    ).toEqual({
      Path: 'C:\\x',
      SystemRoot: 'C:\\Windows',
    });
  });

  it("the CLI: a token from --token-file or NTMD_TOKEN reaches neither the tracer's environment nor its command line", async () => {
    requireBuilt();
    const s = await started();
    const dir = scratchDir('ntmd-adv-cli-');
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    for (const how of ['file', 'env'] as const) {
      queue(s, job(Buffer.from(`MZ cli ${how}`)));
      const envFile = join(dir, `env-${how}.json`);
      const argvFile = join(dir, `argv-${how}.json`);
      const args = [
        CLI,
        'worker',
        '--server',
        s.url,
        '--nttrace',
        FAKE_NTTRACE,
        '--once',
        ...(how === 'file' ? ['--token-file', tokenFile] : []),
      ];
      for (const a of ['-fake-replay', RAW_LOG, '-fake-batch', '100000', '-fake-env', envFile, '-fake-argv', argvFile])
        args.push(`--nttrace-arg=${a}`);
      const out = await cli(args, { ...process.env, NTMD_TOKEN: how === 'env' ? TOKEN : 'ntmd_other_value_not_used' });
      expect(out, out.stderr).toMatchObject({ code: 0 });
      const seen = readFileSync(envFile, 'utf8') + readFileSync(argvFile, 'utf8');
      expect(seen).not.toContain(TOKEN);
      expect(seen).not.toContain('NTMD_TOKEN');
    }
    expect(new Set(s.auth)).toEqual(new Set([`Bearer ${TOKEN}`]));
  }, 60_000);
});

const nobody =
  process.platform === 'linux' && process.getuid?.() === 0 ? spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' }) : undefined;
const runAsSkip =
  process.platform !== 'linux'
    ? `--run-as is tested on Linux (this is ${process.platform})`
    : process.getuid?.() !== 0
      ? 'the test run is not root, so it cannot switch accounts'
      : nobody?.status !== 0
        ? 'no account "nobody"'
        : '';

describe('fault 1: --run-as, the traced program under another account', () => {
  it('refuses what cannot work: Windows, a worker that is not root, root itself, unknown accounts', () => {
    expect(() => resolveRunAs('nobody', 'win32', 0)).toThrow(/not available on Windows/);
    expect(() => resolveRunAs('nobody', 'linux', 1000)).toThrow(/must run as root/);
    expect(() => resolveRunAs('root', 'linux', 0)).toThrow(/is root \(uid 0\)/);
    expect(() => resolveRunAs('ntmd-no-such-account-x', 'linux', 0)).toThrow(/no such account/);
    expect(() => resolveRunAs('-x;rm', 'linux', 0)).toThrow(/not an account name/);
  });

  it.skipIf(runAsSkip !== '')(
    `the program runs as "nobody": it cannot read the worker's token file${runAsSkip ? ` (skipped: ${runAsSkip})` : ''}`,
    async () => {
      const s = await started();
      const secret = scratchDir('ntmd-adv-secret-');
      const tokenFile = join(secret, 'token');
      writeFileSync(tokenFile, TOKEN, { mode: 0o600 });
      const out = scratchDir('ntmd-adv-runas-');
      chmodSync(out, 0o777);
      const program = Buffer.from(
        [
          '#!/bin/sh',
          'id -u > "$T_OUT/uid"',
          'if cat "$T_TOKEN_FILE" > "$T_OUT/stolen" 2>/dev/null; then echo read; else echo denied; fi > "$T_OUT/token"',
          '',
        ].join('\n'),
      );
      queue(s, job(program, 'thief.sh'));
      const summary = await runWorker(
        base(s, {
          runAs: 'nobody',
          nttraceArgs: [
            '-fake-replay',
            RAW_LOG,
            '-fake-batch',
            '100000',
            '-fake-spawn',
            '-fake-pidfile',
            join(out, 'pid'),
            '-fake-env',
            join(out, 'env.json'),
          ],
          env: { ...process.env, NTMD_TOKEN: TOKEN, T_OUT: out, T_TOKEN_FILE: tokenFile },
          passEnv: ['T_OUT', 'T_TOKEN_FILE'],
        }),
      );
      expect(summary).toEqual({ posted: 1, failed: 0, lost: 0 });
      expect(readFileSync(join(out, 'uid'), 'utf8').trim()).toBe(nobody!.stdout.trim());
      expect(readFileSync(join(out, 'token'), 'utf8').trim()).toBe('denied');
      const env = JSON.parse(readFileSync(join(out, 'env.json'), 'utf8')) as Record<string, string>;
      expect(JSON.stringify(env)).not.toContain(TOKEN);
      expect(env.NTMD_RUN_AS).toBeUndefined();
      expect(env.USER).toBe('nobody');
      // NtTrace (here the stand-in, as nobody) wrote the trace the worker posted.
      expect(s.posted[0].equals(expectedTrace(Number(readFileSync(join(out, 'pid'), 'utf8'))))).toBe(true);
    },
    30_000,
  );
});

describe('fault 13: the traced program cannot write its own verdict', () => {
  it('fake call lines on the console and rewritten files in its folder change nothing in the posted trace', async () => {
    const s = await started();
    const dir = scratchDir('ntmd-adv-verdict-');
    const pidFile = join(dir, 'pid');
    // The stand-in malware: prints call-like lines, then rewrites every file in its working
    // folder and replaces any trace.log there (with call-like lines), repeatedly.
    const evil = Buffer.from(
      [
        '#!/bin/sh',
        'i=0; while [ $i -lt 40 ]; do echo "NtEvilConsole(Handle=0x$i) => 0"; i=$((i+1)); done',
        'for round in 1 2 3 4 5; do',
        '  for f in * .[!.]*; do',
        '    [ -f "$f" ] || continue',
        '    case "$f" in program*) continue;; esac',
        '    printf "NtEvilFile(Handle=0x1) => 0\\n" > "$f"',
        '  done',
        '  rm -f trace.log; printf "NtEvilLog(Handle=0x2) => 0\\n" > trace.log',
        '  sleep 0.2',
        'done',
        '',
      ].join('\n'),
    );
    queue(s, job(evil, 'evil.sh'));
    const summary = await runWorker(
      base(s, { nttraceArgs: ['-fake-replay', RAW_LOG, '-fake-batch', '100000', '-fake-spawn', '-fake-pidfile', pidFile] }),
    );
    expect(summary).toEqual({ posted: 1, failed: 0, lost: 0 });
    expect(s.posted).toHaveLength(1);
    const posted = s.posted[0];
    expect(posted.toString('latin1')).not.toMatch(/NtEvil/);
    // Exactly what the tracer wrote: the replayed log and its exit line.
    expect(posted.equals(expectedTrace(Number(readFileSync(pidFile, 'utf8'))))).toBe(true);
  }, 30_000);
});

describe("fault 8: a fault on the worker's side is found before the program runs", () => {
  it("resolves a relative --nttrace against the worker's folder, not the job's", async () => {
    const s = await started();
    queue(s, job(Buffer.from('MZ relative nttrace 1')), job(Buffer.from('MZ relative nttrace 2')));
    const summary = await runWorker(base(s, { nttrace: relative(projectRoot, FAKE_NTTRACE), cwd: projectRoot }));
    expect(summary).toEqual({ posted: 2, failed: 0, lost: 0 });
    expect(s.failed).toEqual([]);
  });

  it('a missing NtTrace stops the worker before it claims anything: no queued program fails', async () => {
    const s = await started();
    const dir = scratchDir('ntmd-adv-missing-');
    queue(s, job(Buffer.from('MZ q1')), job(Buffer.from('MZ q2')), job(Buffer.from('MZ q3')));
    const err = await runWorker(base(s, { nttrace: join(dir, 'NtTrace.exe') })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'WORKER_PREFLIGHT', check: 'tracer' });
    expect(s.requests).toEqual([]);
    expect(s.claims).toHaveLength(3);
  });

  it('a tracer that does not run (exit 127) stops the worker before it claims anything', async () => {
    const s = await started();
    const dir = scratchDir('ntmd-adv-broken-');
    const broken = join(dir, 'nttrace-broken');
    writeFileSync(broken, '#!/bin/sh\nexec /nonexistent/wine64 "$@"\n', { mode: 0o755 });
    queue(s, job(Buffer.from('MZ b1')));
    await expect(runWorker(base(s, { nttrace: broken }))).rejects.toMatchObject({
      code: 'WORKER_PREFLIGHT',
      message: expect.stringMatching(/exit code 127/),
    });
    expect(s.requests).toEqual([]);
  });

  it.each([
    [200, /given back: the program is queued again/],
    [404, /cannot release claims: the program is queued again when the claim expires/],
  ])('a tracer gone after start: the claim is released (server answers %i), no attempt counted, the worker stops', async (status, said) => {
    const s = await started();
    s.releaseStatus = status;
    const dir = scratchDir('ntmd-adv-gone-');
    const copy = join(dir, 'fake-nttrace.mjs');
    copyFileSync(FAKE_NTTRACE, copy);
    const j1 = job(Buffer.from('MZ g1'));
    queue(s, j1, job(Buffer.from('MZ g2')));
    const events: WorkerEvent[] = [];
    const err = await runWorker(
      base(s, {
        nttrace: copy,
        onEvent: (e) => {
          events.push(e);
          if (e.type === 'claimed') rmSync(copy);
        },
      }),
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'WORKER_PREFLIGHT', check: 'tracer', message: expect.stringMatching(said) });
    expect(s.released).toEqual([`${String(j1.claim.sha256)}?${LEASE}`]);
    expect(s.releaseReasons).toEqual([expect.stringMatching(/the tracer .*fake-nttrace\.mjs is gone/)]);
    expect(s.failed).toEqual([]);
    expect(s.requests.filter((r) => r.includes('/content'))).toEqual([]);
    expect(s.claims).toHaveLength(1); // the second program was never claimed
    expect(events.map((e) => e.type)).toEqual(['claimed', 'released']);
  });

  it('a work folder that vanishes: the claim is released, the worker stops', async () => {
    const s = await started();
    const top = scratchDir('ntmd-adv-vanish-');
    const workDir = join(top, 'work');
    const j = job(Buffer.from('MZ v1'), 'v1.exe');
    queue(s, j);
    const err = await runWorker(
      base(s, {
        workDir,
        onEvent: (e) => {
          if (e.type === 'claimed') {
            rmSync(workDir, { recursive: true });
            writeFileSync(workDir, 'not a folder');
          }
        },
      }),
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'WORKER_PREFLIGHT', check: 'folder' });
    expect(s.released).toEqual([`${String(j.claim.sha256)}?${LEASE}`]);
    expect(s.failed).toEqual([]);
  });

  it('a failure after the program started still counts as an attempt (the fail endpoint)', async () => {
    const s = await started();
    queue(s, job(Buffer.from('MZ crash')));
    const summary = await runWorker(base(s, { nttraceArgs: ['-fake-replay', RAW_LOG, '-fake-mode', 'fail', '-fake-after', '3'] }));
    expect(summary).toEqual({ posted: 0, failed: 1, lost: 0 });
    expect(s.failed).toHaveLength(1);
    expect(s.released).toEqual([]);
  });

  it('the CLI exits 2 with a clear message on a pre-flight failure', async () => {
    requireBuilt();
    const s = await started();
    queue(s, job(Buffer.from('MZ cli preflight')));
    const r = await cli([CLI, 'worker', '--server', s.url, '--nttrace', '/nonexistent/NtTrace.exe', '--once'], {
      ...process.env,
      NTMD_TOKEN: TOKEN,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the worker cannot use its tracer: .*\/nonexistent\/NtTrace\.exe/);
    expect(s.requests).toEqual([]);
  });
});

const wine = findWine();
const head = headBuild();
const mingw = spawnSync('x86_64-w64-mingw32-gcc', ['--version'], { stdio: 'ignore' });
const wineSkip = !wine.ok
  ? wine.reason
  : !head.ok
    ? head.reason
    : mingw.status !== 0
      ? 'x86_64-w64-mingw32-gcc not installed (apt-get install gcc-mingw-w64-x86-64)'
      : '';

describe.skipIf(wineSkip !== '')(`fault 1 with the real NtTrace under Wine${wineSkip ? ` (skipped: ${wineSkip})` : ''}`, () => {
  let prefix: WinePrefix;
  const dir = scratchDir('ntmd-adv-wine-');
  beforeAll(async () => {
    prefix = await WinePrefix.create((wine as { tools: WineTools }).tools);
    mkdirSync(prefix.driveC('ntmd'), { recursive: true });
    const built = spawnSync(
      'x86_64-w64-mingw32-gcc',
      ['-O2', '-o', join(dir, 'printenv.exe'), join(projectRoot, 'fixtures', 'programs', 'ntmd-printenv.c')],
      { stdio: 'pipe' },
    );
    if (built.status !== 0) throw new Error(`building ntmd-printenv.exe failed: ${built.stderr.toString()}`);
  }, 300_000);
  afterAll(() => {
    if (prefix) expect(prefix.disposeAndList()).toEqual([]);
  }, 60_000);

  it('a Windows program traced by the worker does not see NTMD_TOKEN', async () => {
    const s = await started();
    const exe = readFileSync(join(dir, 'printenv.exe'));
    queue(s, job(exe, 'printenv.exe'));
    const tools = (wine as { tools: WineTools }).tools;
    const summary = await runWorker(
      base(s, {
        nttrace: tools.wrapper,
        nttraceArgs: [],
        env: { ...prefix.env((head as { exe: string }).exe), NTMD_TOKEN: TOKEN, NTMD_EXTRA: 'x', SOME_SECRET: 'hidden' },
        tracerCheckMs: 120_000,
      }),
    );
    expect(summary).toEqual({ posted: 1, failed: 0, lost: 0 });
    const envFile = prefix.driveC('ntmd', 'env.txt');
    expect(existsSync(envFile)).toBe(true);
    const seen = readFileSync(envFile, 'latin1');
    expect(seen).toMatch(/^SystemRoot=/im); // the program ran and wrote its environment
    expect(seen).not.toContain(TOKEN);
    expect(seen).not.toMatch(/^NTMD_/im);
    expect(seen).not.toMatch(/^SOME_SECRET=/im);
    // The posted trace is NtTrace's own, with real calls in it (not the program's output).
    expect(s.posted[0].toString('latin1')).toMatch(/^Nt[A-Za-z]+\(.*\) => /m);
    expect(s.posted[0].toString('latin1')).not.toMatch(/SystemRoot=/);
  }, 180_000);
});
