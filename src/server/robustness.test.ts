/**
 * The server under hostile bodies and a failing database (issue 19): one memory budget for
 * every body in flight (503 + Retry-After once spent, nothing retained after), large bodies
 * read off the HTTP thread, a database outage answered 503 + Retry-After (not 500) with
 * /v1/ready false, and recovery without a restart once PostgreSQL is back.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, chmodSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { ClientRequest } from 'node:http';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from './index.js';
import type { RunningServer } from './index.js';
import { corpusFiles, http, projectRoot, read, requireBuilt, tempDir, testDetector, testModelPath } from './test-helpers/harness.js';
import { itUnless } from '../../test/services.js';

const MiB = 1024 * 1024;

/** A reduced trace of about `bytes` bytes (corpus traces repeated). */
function bigTrace(bytes: number): Buffer {
  const parts: Buffer[] = [];
  let n = 0;
  const files = corpusFiles('sysBEN').slice(0, 8).map(read);
  for (let i = 0; n < bytes; i++) {
    const f = files[i % files.length];
    parts.push(f);
    n += f.length;
  }
  return Buffer.concat(parts);
}

/** Starts a POST whose body is sent only in part: the request stays in flight until destroyed. */
function partialUpload(base: string, path: string, token: string, declared: number, sent: Buffer): ClientRequest {
  const url = new URL(path, base);
  const req = httpRequest({
    host: url.hostname,
    port: url.port,
    path: url.pathname,
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain', 'content-length': String(declared) },
  });
  req.on('error', () => undefined);
  req.write(sent);
  return req;
}

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('one memory budget for every request body in flight', () => {
  let server: RunningServer;
  let token: string;
  beforeAll(async () => {
    server = await startServer({
      db: 'memory://',
      port: 0,
      detector: await testDetector(),
      limits: { bodyMemoryBytes: 4 * MiB },
      rateLimit: { perSecond: 0 },
    });
    token = (await server.backend.createToken('t', ['detect', 'contribute'])).token;
  });
  afterAll(async () => {
    await server?.close();
  });

  it('a gzip bomb is refused with 503 and Retry-After once its inflated bytes pass the budget, not inflated to the 256 MiB cap', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * MiB, 0x41));
    const budget = server.app.ntmdBodyBudget;
    const r = await http(server.url, 'POST', '/v1/detect', { token, body: bomb, type: 'application/octet-stream' });
    expect(r.status).toBe(503);
    expect(r.json.code).toBe('SERVER_BUSY');
    expect(r.headers.get('retry-after')).toBe('2');
    expect(r.json.retryAfter).toBe(2);
    expect(budget.peak).toBeLessThanOrEqual(4 * MiB);
    await until('the budget to be given back', () => budget.inUse === 0);
    // Sent as Content-Encoding: gzip, the same.
    const enc = await http(server.url, 'POST', '/v1/detect', {
      token,
      body: bomb,
      type: 'text/plain',
      headers: { 'content-encoding': 'gzip' },
    });
    expect(enc.status).toBe(503);
    expect(enc.json.code).toBe('SERVER_BUSY');
    await until('the budget to be given back', () => budget.inUse === 0);
    // And an ordinary body still passes.
    expect((await http(server.url, 'POST', '/v1/detect', { token, body: read(corpusFiles('sysMAL')[0]) })).status).toBe(200);
  });

  it('the budget is shared: while one upload holds 3 MiB, a 2 MiB body gets 503; once it is gone, the same body passes', async () => {
    const budget = server.app.ntmdBodyBudget;
    const held = partialUpload(server.url, '/v1/detect', token, 8 * MiB, Buffer.alloc(3 * MiB, 0x42));
    await until('the partial upload to hold 3 MiB', () => budget.inUse >= 3 * MiB);
    const body = bigTrace(2 * MiB);
    const busy = await http(server.url, 'POST', '/v1/detect', { token, body });
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('2');
    held.destroy();
    await until('the abandoned upload to give its bytes back', () => budget.inUse === 0);
    const ok = await http(server.url, 'POST', '/v1/detect', { token, body });
    expect(ok.status).toBe(200);
    expect(ok.json.calls).toBeGreaterThan(10_000);
    await until('the budget to be given back', () => budget.inUse === 0);
  });
});

describe('large bodies are read off the HTTP thread (built server)', () => {
  let server: RunningServer;
  let token: string;
  beforeAll(async () => {
    requireBuilt();
    const mod = (await import(pathToFileURL(resolve(projectRoot, 'dist', 'server', 'index.js')).href)) as typeof import('./index.js');
    server = await mod.startServer({ db: 'memory://', port: 0, model: await testModelPath(), threads: 0, rateLimit: { perSecond: 0 } });
    token = (await server.backend.createToken('t', ['detect', 'contribute'])).token;
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  it('a 24 MiB contributed trace is parsed in another thread, and /v1/health keeps answering meanwhile', async () => {
    const seen: { bytes: number; threadId: number }[] = [];
    server.backend.parsePool.onParse = (info) => seen.push(info);
    const body = bigTrace(24 * MiB);
    let worst = 0;
    let probing = true;
    const probe = (async () => {
      while (probing) {
        const t0 = performance.now();
        await http(server.url, 'GET', '/v1/health');
        worst = Math.max(worst, performance.now() - t0);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const r = await http(server.url, 'POST', '/v1/traces', { token, body });
    probing = false;
    await probe;
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    expect(seen).toHaveLength(1);
    expect(seen[0].bytes).toBe(body.length);
    expect(seen[0].threadId).not.toBe(0); // 0 is the main (HTTP) thread
    // Reading 24 MiB in place stalls the event loop for seconds; a generous bound for a busy machine.
    expect(worst).toBeLessThan(1500);
  });
});

describe('a database outage: 503 with Retry-After, /v1/ready false', () => {
  it('embedded store closed under the server: every store-backed request answers 503 DATABASE_UNAVAILABLE, health stays up', async () => {
    const server = await startServer({ db: tempDir('ntmd-outage-'), port: 0, detector: await testDetector(), tokenCacheMs: 0 });
    try {
      const token = (await server.backend.createToken('t', ['detect', 'contribute'])).token;
      expect((await http(server.url, 'GET', '/v1/stats', { token })).status).toBe(200);
      await server.backend.store.close();
      const stats = await http(server.url, 'GET', '/v1/stats', { token });
      expect(stats.status).toBe(503);
      expect(stats.json.code).toBe('DATABASE_UNAVAILABLE');
      expect(Number(stats.headers.get('retry-after'))).toBeGreaterThan(0);
      const ready = await http(server.url, 'GET', '/v1/ready');
      expect(ready.status).toBe(503);
      expect(ready.json).toMatchObject({ code: 'NOT_READY', ready: false, retryAfter: 5 });
      expect(ready.headers.get('retry-after')).toBe('5');
      expect((await http(server.url, 'GET', '/v1/health')).status).toBe(200);
    } finally {
      await server.close().catch(() => undefined);
    }
  });

  // A private PostgreSQL cluster this test stops and starts (as the postgres user when run as root).
  const bin = [
    '/usr/local/bin',
    ...(existsSync('/usr/lib/postgresql')
      ? spawnSync('sh', ['-c', 'ls -d /usr/lib/postgresql/*/bin']).stdout.toString().trim().split('\n')
      : []),
  ].find((d) => d && existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl')));
  const asRoot = process.getuid?.() === 0;
  const skip = !bin
    ? 'no initdb/pg_ctl found'
    : asRoot && spawnSync('id', ['postgres']).status !== 0
      ? 'running as root without a postgres user for initdb'
      : '';
  itUnless(skip, 'PostgreSQL stopped and started again: 503 while down, answers again without a restart', async () => {
    const dir = tempDir('ntmd-pg-');
    chmodSync(dir, 0o777);
    const data = join(dir, 'data');
    const pg = (tool: string, args: string[]): void => {
      const cmd = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin!, tool), ...args]] : [join(bin!, tool), args];
      execFileSync(cmd[0] as string, cmd[1] as string[], { stdio: 'ignore', timeout: 60_000 });
    };
    const port = await new Promise<number>((res) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => res(p));
      });
    });
    pg('initdb', ['-D', data, '-A', 'trust', '-U', 'ntmd', '--no-sync']);
    const start = () => pg('pg_ctl', ['-D', data, '-o', `-p ${port} -k ${dir} -h 127.0.0.1 -F`, '-w', '-l', join(dir, 'log'), 'start']);
    const stop = () => pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    start();
    let server: RunningServer | undefined;
    try {
      server = await startServer({
        db: `postgres://ntmd@127.0.0.1:${port}/postgres`,
        port: 0,
        detector: await testDetector(),
        tokenCacheMs: 0,
      });
      const token = (await server.backend.createToken('t', ['detect', 'contribute'])).token;
      expect((await http(server.url, 'GET', '/v1/stats', { token })).status).toBe(200);
      stop();
      const down = await http(server.url, 'GET', '/v1/stats', { token });
      expect(down.status).toBe(503);
      expect(down.json.code).toBe('DATABASE_UNAVAILABLE');
      expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await http(server.url, 'GET', '/v1/ready')).status).toBe(503);
      start();
      await until('the server to reach PostgreSQL again', () => true);
      let ready = await http(server.url, 'GET', '/v1/ready');
      for (let i = 0; i < 50 && ready.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        ready = await http(server.url, 'GET', '/v1/ready');
      }
      expect(ready.status).toBe(200);
      expect((await http(server.url, 'GET', '/v1/stats', { token })).status).toBe(200);
    } finally {
      await server?.close().catch(() => undefined);
      try {
        stop();
      } catch {
        // already stopped
      }
    }
  });
});

describe('names, query parameters and the model digest', () => {
  let server: RunningServer;
  let token: string;
  let modelPath: string;
  beforeAll(async () => {
    modelPath = await testModelPath();
    server = await startServer({ db: 'memory://', port: 0, model: modelPath, rateLimit: { perSecond: 0 } });
    token = (await server.backend.createToken('t', ['detect', 'contribute'])).token;
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses trace and program names ".", ".." and names with a path separator with a clear 400', async () => {
    const body = read(corpusFiles('sysMAL')[0]);
    for (const name of ['.', '..', 'a/b', 'a\\b']) {
      const r = await http(server.url, 'POST', `/v1/traces?name=${encodeURIComponent(name)}&label=malicious`, { token, body });
      expect(r.status, name).toBe(400);
      expect(r.json.detail, name).toBe(
        'querystring/name must be a plain file name: 1-255 printable characters, not "." or "..", without / or \\',
      );
      const p = await http(server.url, 'POST', `/v1/programs?name=${encodeURIComponent(name)}`, {
        token,
        body: Buffer.from('MZ fake'),
        type: 'application/octet-stream',
      });
      expect(p.status, name).toBe(400);
    }
    // Names that merely contain dots are fine.
    expect((await http(server.url, 'POST', '/v1/traces?name=...trace.txt&label=malicious', { token, body })).status).toBe(201);
    // The store refuses them too, whatever the caller (the CLI's import, the API's labelled path):
    // the item fails alone, nothing of it is stored.
    const rep = await server.backend.store.import([{ name: '..', label: 'benign', bytes: body }]);
    expect(rep.failed.map((f) => [f.name, f.code])).toEqual([['..', 'IMPORT_SOURCE']]);
    expect(rep.submissions).toBe(0);
  });

  it('refuses unknown query parameters on every endpoint, those without parameters included', async () => {
    const health = await http(server.url, 'GET', '/v1/health?verbose=1');
    expect(health.status).toBe(400);
    expect(health.json.detail).toBe('unknown query parameter "verbose": this endpoint does not take it');
    expect((await http(server.url, 'GET', '/v1/stats?x=1', { token })).status).toBe(400);
    expect((await http(server.url, 'POST', '/v1/traces?lable=benign', { token, body: read(corpusFiles('sysBEN')[0]) })).status).toBe(400);
  });

  it('/v1/models reports the SHA-256 of the model file, as models list and the store do', async () => {
    const { createHash } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    const r = await http(server.url, 'GET', '/v1/models', { token });
    expect(r.json.current.sha256).toBe(createHash('sha256').update(readFileSync(modelPath)).digest('hex'));
  });
});

describe('racing submissions of one trace', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ db: 'memory://', port: 0, detector: await testDetector(), rateLimit: { perSecond: 0 } });
    await server.backend.createToken('t', ['contribute']);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('three concurrent submissions (one labelled, two not) store the trace once: one stored, two duplicates, one row in pending or traces', async () => {
    const detector = await testDetector();
    const files = corpusFiles('sysMAL').slice(0, 12).map(read);
    const outcomes: string[] = [];
    for (const body of files) {
      const verdict = detector.detect(body);
      const input = (label?: 'malicious') => ({
        body,
        label,
        verdict,
        modelSha256: detector.model.sha256,
        provenance: { submitter: 'token:t' },
      });
      // Straight to the back-end, all three at once (HTTP would let the first finish before the others arrive).
      const rs = await Promise.all([
        server.backend.addTrace(input('malicious')),
        server.backend.addTrace(input()),
        server.backend.addTrace(input()),
      ]);
      const [row] = await server.backend.store.driver.query<{ n: number }>(
        'SELECT (SELECT count(*)::int FROM ntmd_api_pending WHERE trace_sha256 = $1) + (SELECT count(*)::int FROM ntmd_traces WHERE sha256 = $1) AS n',
        [rs[0].id],
      );
      outcomes.push(
        `${rs
          .map((r) => (r.duplicate ? 'dup' : 'new'))
          .sort()
          .join(',')} rows=${row.n}`,
      );
    }
    expect(outcomes).toEqual(Array(files.length).fill('dup,dup,new rows=1'));
    const [left] = await server.backend.store.driver.query<{ n: number }>('SELECT count(*)::int AS n FROM ntmd_api_intake');
    expect(left.n).toBe(0);
  });
});

describe('TLS on the server side', () => {
  const haveOpenssl = spawnSync('openssl', ['version']).status === 0;
  it.skipIf(!haveOpenssl)(
    `serve --tls-cert/--tls-key: startServer({ tls }) answers HTTPS, and the CLI refuses half a pair with exit 2${haveOpenssl ? '' : ' (skipped: openssl not found)'}`,
    async () => {
      const dir = tempDir('ntmd-tls-');
      const cert = join(dir, 'cert.pem');
      const key = join(dir, 'key.pem');
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-keyout',
          key,
          '-out',
          cert,
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
        ],
        { stdio: 'ignore' },
      );
      const { readFileSync } = await import('node:fs');
      const { request } = await import('node:https');
      const server = await startServer({
        db: 'memory://',
        port: 0,
        detector: await testDetector(),
        tls: { cert: readFileSync(cert), key: readFileSync(key) },
      });
      try {
        expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
        const body = await new Promise<string>((res, rej) => {
          const req = request(`${server.url}/v1/health`, { ca: readFileSync(cert) }, (r) => {
            let text = '';
            r.on('data', (d: Buffer) => (text += d.toString()));
            r.on('end', () => res(text));
          });
          req.on('error', rej);
          req.end();
        });
        expect(JSON.parse(body)).toEqual({ status: 'ok' });
      } finally {
        await server.close();
      }
      requireBuilt();
      const cli = spawnSync(
        process.execPath,
        [join(projectRoot, 'dist', 'bin', 'main.js'), 'serve', '--v8-gc-defaults', '--db', 'memory://', '--port', '0', '--tls-cert', cert],
        { encoding: 'utf8', timeout: 60_000 },
      );
      expect(cli.status).toBe(2);
      expect(cli.stderr).toContain('--tls-cert and --tls-key go together');
      const bad = spawnSync(
        process.execPath,
        [
          join(projectRoot, 'dist', 'bin', 'main.js'),
          'serve',
          '--v8-gc-defaults',
          '--db',
          'memory://',
          '--port',
          '0',
          '--tls-cert',
          join(dir, 'missing.pem'),
          '--tls-key',
          key,
        ],
        { encoding: 'utf8', timeout: 60_000 },
      );
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain(`--tls-cert ${join(dir, 'missing.pem')}`);
    },
  );
});
