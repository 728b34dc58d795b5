/**
 * The commands as users run them: `tokens` and `serve` as separate processes (the served
 * PGlite store owned by the server process), and the subpath export: `import 'ntmaldetect'`
 * never loads the server or fastify, `ntmaldetect/server` does.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, corpusFiles, http, projectRoot, read, requireBuilt, tempDir, testDetector, testModelPath } from './test-helpers/harness.js';

const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NTMD_DATABASE_URL: '', ...env },
    timeout: 120_000,
  });

/** Starts `ntmaldetect serve ARGS`; resolves once it listens, with its URL and output so far. */
async function spawnServe(args: string[]): Promise<{ proc: ReturnType<typeof spawn>; url: string; output: () => string }> {
  const proc = spawn(process.execPath, [CLI, 'serve', ...args], {
    env: { ...process.env, NTMD_DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]);
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
  return { proc, url, output: () => out };
}

/** The process id that holds the embedded store `db` open (from the lock's refusal), or undefined when free. */
function storeHolder(db: string): number | undefined {
  const r = run(['tokens', 'list', '--db', db]);
  if (r.status === 0) return undefined;
  const m = /already open in process (\d+)/.exec(r.stderr);
  if (!m) throw new Error(r.stderr);
  return Number(m[1]);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('ntmaldetect tokens and serve --threads 2 (child processes, PGlite owned by the server)', () => {
  const db = join(tempDir(), 'store');
  let server: ReturnType<typeof spawn> | undefined;
  let url = '';
  let admin = '';
  let detectToken = '';

  let model = '';
  beforeAll(async () => {
    requireBuilt();
    model = await testModelPath();
  });
  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server!.once('exit', r));
    }
  });

  it('creates tokens (shown once), lists them without secrets, and refuses bad input', () => {
    const a = run(['tokens', 'create', '--db', db, '--name', 'ops', '--scopes', 'admin']);
    expect(a.status, a.stderr).toBe(0);
    admin = a.stdout.trim();
    expect(admin).toMatch(/^ntmd_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(a.stderr).toMatch(/shown once/);
    const d = run(['tokens', 'create', '--db', db, '--name', 'triage', '--scopes', 'detect,contribute']);
    detectToken = d.stdout.trim();
    const list = run(['tokens', 'list', '--db', db, '--json']);
    const rows = list.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => [r.name, r.scopes])).toEqual([
      ['ops', ['admin']],
      ['triage', ['detect', 'contribute']],
    ]);
    // The secret is the whole part after the id (base64url: it may itself hold '_').
    const secret = /^ntmd_[0-9a-f]{12}_(.{43})$/.exec(admin)![1];
    expect(list.stdout).not.toContain(secret);
    const bad = run(['tokens', 'create', '--db', db, '--name', 'x', '--scopes', 'detect,root']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown scope "root"/);
    expect(run(['tokens', 'revoke', 'nope', '--db', db]).status).toBe(2);
    expect(run(['tokens', 'frobnicate', '--db', db]).status).toBe(2);
  }, 600_000);

  it('serves on 127.0.0.1 with the store it owns; a second process cannot open that store', async () => {
    const started = await spawnServe(['--port', '0', '--db', db, '--model', model, '--threads', '2']);
    server = started.proc;
    url = started.url;
    // The server runs in serve's child process, with its GC flags (src/server/gc.ts).
    expect(started.output()).toContain('V8 GC: --max-semi-space-size=2 --min-semi-space-size=2 --heap-growing-percent=300');
    const body = read(corpusFiles('sysBEN')[0]);
    const r = await http(url, 'POST', '/v1/detect', { token: detectToken, body });
    expect(r.status).toBe(200);
    // Verdicts computed in the server's detection threads equal in-process ones.
    expect(r.json).toEqual(JSON.parse(JSON.stringify((await testDetector()).detect(body))));
    const empty = await http(url, 'POST', '/v1/detect', { token: detectToken, body: '\n' });
    expect(empty.status).toBe(422);
    expect(empty.json.code).toBe('EMPTY_TRACE');
    const c = await http(url, 'POST', '/v1/traces?label=benign&name=first.txt', { token: detectToken, body });
    expect(c.status).toBe(201);
    const holder = storeHolder(db);
    expect(holder).toBeDefined();
    expect(holder).not.toBe(server.pid);
    // Tokens can still be managed through the API.
    const t = await http(url, 'POST', '/v1/tokens', {
      token: admin,
      body: '{"name":"late","scopes":["worker"]}',
      type: 'application/json',
    });
    expect(t.status).toBe(201);
  }, 600_000);

  it('stops on SIGTERM, releasing the store with its contents', async () => {
    expect(server?.exitCode).toBeNull();
    server!.kill('SIGTERM');
    const code = await new Promise((r) => server!.once('exit', r));
    expect(code).toBe(0);
    const list = run(['tokens', 'list', '--db', db, '--json']);
    expect(list.status).toBe(0);
    expect(list.stdout).toContain('"late"');
  }, 600_000);

  it('serve --v8-gc-defaults runs in its own process; a serve child stops and releases the store when its parent is killed', async () => {
    const plain = await spawnServe(['--port', '0', '--db', db, '--model', model, '--threads', '0', '--v8-gc-defaults']);
    expect(plain.output()).toContain('V8 GC: V8 defaults');
    expect(storeHolder(db)).toBe(plain.proc.pid);
    plain.proc.kill('SIGTERM');
    expect(await new Promise((r) => plain.proc.once('exit', r))).toBe(0);

    const parent = await spawnServe(['--port', '0', '--db', db, '--model', model, '--threads', '0']);
    const child = storeHolder(db)!;
    expect(child).not.toBe(parent.proc.pid);
    parent.proc.kill('SIGKILL');
    await new Promise((r) => parent.proc.once('exit', r));
    const deadline = Date.now() + 60_000;
    // (The child releases the store's lock, then exits: wait for both.)
    while ((storeHolder(db) !== undefined || alive(child)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(storeHolder(db)).toBeUndefined();
    expect(alive(child)).toBe(false);
  }, 600_000);

  it('prints a one-line usage error for bad options', () => {
    const r = run(['serve', '--port', 'http']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    // serve's child process gets --debug too: the stack trace comes with the error.
    const d = run(['serve', '--port', 'http', '--debug']);
    expect(d.status).toBe(2);
    expect(d.stderr).toMatch(/--port[\s\S]*\n\s+at /);
    const w = run(['worker', '--server', 'ftp://x']);
    expect(w.status).toBe(2);
    expect(w.stderr).toMatch(/--server/);
  }, 120_000);
});

describe('subpath export', () => {
  it("import 'ntmaldetect' loads neither the server nor fastify; 'ntmaldetect/server' does", () => {
    requireBuilt();
    const dir = tempDir();
    const log = join(dir, 'loaded.txt');
    writeFileSync(
      join(dir, 'hooks.mjs'),
      `import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }\n`,
    );
    writeFileSync(
      join(dir, 'register.mjs'),
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`,
    );
    const load = (spec: string) => {
      writeFileSync(log, '');
      const r = spawnSync(
        process.execPath,
        ['--import', pathToFileURL(join(dir, 'register.mjs')).href, '--input-type=module', '-e', `await import(${JSON.stringify(spec)});`],
        { cwd: projectRoot, encoding: 'utf8' },
      );
      expect(r.status, r.stderr).toBe(0);
      return readFileSync(log, 'utf8');
    };
    const core = load('ntmaldetect');
    expect(core).toContain('/dist/index.js');
    expect(core).not.toMatch(/fastify|\/dist\/server\//);
    const srv = load('ntmaldetect/server');
    expect(srv).toMatch(/\/dist\/server\/index\.js/);
    // fastify itself is loaded on demand, when an app is created.
    expect(srv).not.toMatch(/node_modules\/fastify\//);
  }, 120_000);
});
