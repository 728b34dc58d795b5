/**
 * Identity and authentication as an attacker tries them (issue 19, faults 2, 8 and 11): a
 * stolen worker token, an expired or revoked one, a token made before worker identity, and
 * storms of bad tokens. PGlite always; PostgreSQL too when NTMD_DATABASE_URL is set.
 */
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { SERVER_MIGRATIONS, applyMigrationSet, createApp, openServerBackend, startServer } from './index.js';
import type { RunningServer, ServerBackend, StoreBackend } from './index.js';
import { generateToken } from './tokens.js';
import { openStore } from '../store/store.js';
import { reassess, suspectTraces } from '../reassess/index.js';
import { prepareFile } from '../store/parse.js';
import { BACKENDS, corpusFiles, http, openTestDb, read, testDetector } from './test-helpers/harness.js';
import type { TestDb } from './test-helpers/harness.js';
import { describeEachBackend } from '../../test/services.js';

const JSON_TYPE = 'application/json';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function traceId(bytes: Uint8Array): string {
  const f = prepareFile(bytes, 'x.txt');
  if (f.format === 'empty') throw new Error('empty');
  return f.traceSha256;
}

describeEachBackend(BACKENDS, 'worker identity on %s', (kind) => {
  let db: TestDb;
  let server: RunningServer;
  let base: string;
  const tok: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const benign = corpusFiles('sysBEN');
  const malicious = corpusFiles('sysMAL');

  beforeAll(async () => {
    db = await openTestDb(kind);
    server = await startServer({
      db: db.db,
      port: 0,
      detector: await testDetector(),
      rateLimit: { perSecond: 1000, burst: 1000 },
      authFailureLimit: { perSecond: 1000, burst: 1000 },
      jobs: { leaseMs: 60_000, timeLimitMs: 5000, maxAttempts: 2, maxClaims: 2 },
    });
    base = server.url;
    for (const [name, scopes] of [
      ['admin', ['admin']],
      ['label', ['label']],
      ['win-a', ['worker']],
      ['win-b', ['worker']],
    ] as const) {
      const t = await server.backend.createToken(name, [...scopes]);
      tok[name] = t.token;
      ids[name] = t.id;
    }
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });
  // Each test starts on an empty queue (programs left by the one before are set aside).
  beforeEach(async () => {
    await server.backend.sql.db.query(
      `UPDATE ntmd_jobs SET status = 'failed', lease = NULL, token_id = NULL, error = 'set aside by the test' WHERE status IN ('queued', 'running')`,
    );
  });

  const submit = async (): Promise<string> => {
    const r = await http(base, 'POST', `/v1/programs?name=p.exe`, {
      token: tok.admin,
      body: randomBytes(64),
      type: 'application/octet-stream',
    });
    expect(r.status).toBe(202);
    return r.json.sha256 as string;
  };
  const claim = (token: string, body = '{}') => http(base, 'POST', '/v1/jobs/claim', { token, body, type: JSON_TYPE });
  const program = async (sha: string) => (await http(base, 'GET', `/v1/programs/${sha}`, { token: tok.admin })).json;
  const release = (token: string, sha: string, lease: string) => http(base, 'POST', `/v1/claims/${sha}/release?lease=${lease}`, { token });
  const pendingOf = async (sha: string): Promise<number> =>
    (
      await server.backend.sql.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ntmd_api_pending WHERE program_sha256 = $1', [sha])
    )[0].n;

  it('binds a worker token to one name at creation, with a default lifetime', async () => {
    const a = (await server.backend.listTokens()).find((t) => t.id === ids['win-a'])!;
    expect(a.workerName).toBe('win-a');
    expect(a.legacy).toBe(false);
    const days = (a.expiresAt!.getTime() - a.createdAt.getTime()) / 86_400_000;
    expect(days).toBeGreaterThan(29.99);
    expect(days).toBeLessThan(30.01);
    // Through the API: `worker` names the binding; refused on a token without the scope.
    const c = await http(base, 'POST', '/v1/tokens', {
      token: tok.admin,
      body: JSON.stringify({ name: 'box-7', scopes: ['worker'], worker: 'vm-7', ttlSeconds: 3600 }),
      type: JSON_TYPE,
    });
    expect(c.status).toBe(201);
    expect(c.json).toMatchObject({ worker: 'vm-7', legacy: false });
    expect(Date.parse(c.json.expiresAt) - Date.parse(c.json.createdAt)).toBeGreaterThan(3590_000);
    const bad = await http(base, 'POST', '/v1/tokens', {
      token: tok.admin,
      body: JSON.stringify({ name: 'x', scopes: ['detect'], worker: 'vm-8' }),
      type: JSON_TYPE,
    });
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toMatch(/worker/);
  });

  it('refuses a claim under another worker name; the claim is recorded under the bound name', async () => {
    const sha = await submit();
    const stolen = await claim(tok['win-b'], JSON.stringify({ worker: 'win-a' }));
    expect(stolen.status).toBe(403);
    expect(stolen.json).toMatchObject({ code: 'WORKER_MISMATCH' });
    expect(await program(sha)).toMatchObject({ status: 'queued', attempts: 0 });
    const own = await claim(tok['win-b']);
    expect(own.status).toBe(200);
    expect(own.json).toMatchObject({ sha256: sha, worker: 'win-b' });
    const [row] = await server.backend.sql.db.query<{ worker: string; token_id: string }>(
      'SELECT worker, token_id FROM ntmd_jobs WHERE program_sha256 = $1',
      [sha],
    );
    expect(row).toEqual({ worker: 'win-b', token_id: ids['win-b'] });
    // Released (a worker-side fault before the run): queued again, the attempt not counted.
    const r = await release(tok['win-b'], sha, own.json.lease);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ status: 'queued', attempts: 0 });
    expect(await program(sha)).toMatchObject({ status: 'queued', attempts: 0 });
    // A released lease is dead.
    expect((await release(tok['win-b'], sha, own.json.lease)).status).toBe(409);
    const again = await claim(tok['win-b']);
    expect(again.json.sha256).toBe(sha);
    expect(
      (
        await http(base, 'POST', `/v1/claims/${sha}/release?lease=${again.json.lease}`, {
          token: tok['win-b'],
          body: '{"reason":"nttrace missing"}',
          type: JSON_TYPE,
        })
      ).status,
    ).toBe(200);
    expect(await program(sha)).toMatchObject({ status: 'queued', attempts: 0, error: 'released by the worker: nttrace missing' });
  });

  it('lets no other token download, post, fail or release a claim, even with its lease', async () => {
    const sha = await submit();
    const c = await claim(tok['win-a']);
    expect(c.json.sha256).toBe(sha);
    const lease = c.json.lease as string;
    const trace = read(benign[0]);
    const other = tok['win-b'];
    expect((await http(base, 'GET', `/v1/programs/${sha}/content?lease=${lease}`, { token: other })).status).toBe(403);
    const post = await http(base, 'POST', `/v1/jobs/${sha}/trace?lease=${lease}`, { token: other, body: trace });
    expect(post.status).toBe(409);
    expect(post.json.code).toBe('CLAIM_LOST');
    expect(
      (await http(base, 'POST', `/v1/jobs/${sha}/fail?lease=${lease}`, { token: other, body: '{"error":"x"}', type: JSON_TYPE })).status,
    ).toBe(409);
    expect((await release(other, sha, lease)).status).toBe(409);
    expect(await program(sha)).toMatchObject({ status: 'running', attempts: 1 });
    expect(await pendingOf(sha)).toBe(0);
    // The token that made the claim can.
    const dl = await http(base, 'GET', `/v1/programs/${sha}/content?lease=${lease}`, { token: tok['win-a'] });
    expect(dl.status).toBe(200);
    const ok = await http(base, 'POST', `/v1/jobs/${sha}/trace?lease=${lease}`, { token: tok['win-a'], body: trace });
    expect(ok.status).toBe(200);
    expect(ok.json.status).toBe('done');
    const t = await http(base, 'GET', `/v1/traces/${ok.json.trace.id}`, { token: tok.admin });
    expect(t.json.producers).toEqual([
      expect.objectContaining({ tokenId: ids['win-a'], kind: 'worker', programSha256: sha, suspect: false }),
    ]);
  });

  it('lets a token hold at most maxClaims live claims', async () => {
    const shas = [await submit(), await submit(), await submit()];
    const first = await claim(tok['win-b']);
    const second = await claim(tok['win-b']);
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await claim(tok['win-b']);
    expect(third.status).toBe(409);
    expect(third.json).toMatchObject({ code: 'CLAIM_LIMIT', limit: 2 });
    const claimed = [first.json.sha256, second.json.sha256];
    const left = shas.filter((s) => !claimed.includes(s));
    expect(left).toHaveLength(1);
    expect(await program(left[0])).toMatchObject({ status: 'queued', attempts: 0 });
    // Another token is not held back by it.
    const a = await claim(tok['win-a']);
    expect(a.json.sha256).toBe(left[0]);
    // Giving one back frees a place.
    expect((await release(tok['win-b'], first.json.sha256, first.json.lease)).status).toBe(200);
    const fourth = await claim(tok['win-b']);
    expect(fourth.status).toBe(200);
    for (const [t, c] of [
      [tok['win-b'], second],
      [tok['win-b'], fourth],
      [tok['win-a'], a],
    ] as const)
      expect((await release(t, c.json.sha256, c.json.lease)).status).toBe(200);
  });

  it('holds the claim bound under concurrent claims of one token', async () => {
    for (let i = 0; i < 6; i++) await submit();
    const racing = await Promise.all(Array.from({ length: 6 }, () => claim(tok['win-a'])));
    const statuses = racing.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 409, 409, 409, 409]);
    const [held] = await server.backend.sql.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ntmd_jobs WHERE token_id = $1 AND status = 'running'`,
      [ids['win-a']],
    );
    expect(held.n).toBe(2);
  });

  it('refuses an expired token, also one still in the token cache; renewing brings it back', async () => {
    const t = await server.backend.createToken('short', ['worker'], { ttlMs: 1500 });
    expect((await http(base, 'GET', '/v1/stats', { token: t.token })).status).toBe(200); // now cached
    await sleep(1600);
    const r = await http(base, 'GET', '/v1/stats', { token: t.token });
    expect(r.status).toBe(401);
    expect(r.json.detail).toMatch(/expired/);
    const gone = await server.backend.createToken('gone', ['detect'], { ttlMs: 1 });
    await sleep(5);
    expect((await http(base, 'GET', '/v1/stats', { token: gone.token })).status).toBe(401);
    // An administrator renews it (the refusal is not remembered past the renewal).
    const renewed = await http(base, 'PATCH', `/v1/tokens/${t.id}`, { token: tok.admin, body: '{"ttlSeconds":3600}', type: JSON_TYPE });
    expect(renewed.status).toBe(200);
    expect(Date.parse(renewed.json.expiresAt)).toBeGreaterThan(Date.now() + 3500_000);
    expect((await http(base, 'GET', '/v1/stats', { token: t.token })).status).toBe(200);
  });

  it('rotates a token: the new one keeps the binding, the old one stops, its results stay unmarked', async () => {
    const old = await server.backend.createToken('rot', ['worker'], { worker: 'vm-rot' });
    const sha = await submit();
    const c = await claim(old.token);
    expect(c.json.sha256).toBe(sha);
    const done = await http(base, 'POST', `/v1/jobs/${sha}/trace?lease=${c.json.lease}`, { token: old.token, body: read(benign[1]) });
    expect(done.status).toBe(200);
    const r = await http(base, 'POST', `/v1/tokens/${old.id}/rotate`, { token: tok.admin, body: '{}', type: JSON_TYPE });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ name: 'rot', worker: 'vm-rot', legacy: false });
    expect(r.json.token).toMatch(/^ntmd_/);
    expect((await http(base, 'GET', '/v1/stats', { token: old.token })).status).toBe(401);
    expect((await http(base, 'GET', '/v1/stats', { token: r.json.token })).status).toBe(200);
    expect((await server.backend.findToken(old.id))!.rotatedTo).toBe(r.json.id);
    expect(await suspectTraces(server.backend.sql.db)).not.toContain(done.json.trace.id);
  });

  it("marks a revoked worker token's results; re-assessment leaves them out until a person relabels them", async () => {
    // A labelled corpus, then a trace posted by a worker whose token is later found stolen,
    // labelled benign by someone trusting its verdict.
    const corpus = [
      ...benign.slice(2, 8).map((p) => ({ p, label: 'benign' as const })),
      ...malicious.slice(0, 6).map((p) => ({ p, label: 'malicious' as const })),
    ];
    const report = await server.backend.store.import(corpus.map(({ p, label }) => ({ name: basename(p), label, bytes: read(p) })));
    expect(report.traces).toBe(12);
    const thief = await server.backend.createToken('thief', ['worker']);
    const sha = await submit();
    const c = await claim(thief.token);
    expect(c.json.sha256).toBe(sha);
    const fake = read(malicious[10]);
    const id = traceId(fake);
    expect((await http(base, 'POST', `/v1/jobs/${sha}/trace?lease=${c.json.lease}`, { token: thief.token, body: fake })).status).toBe(200);
    expect(
      (await http(base, 'PUT', `/v1/traces/${id}/label`, { token: tok.label, body: '{"label":"benign"}', type: JSON_TYPE })).status,
    ).toBe(200);
    // A live claim of the thief goes back to the queue on revocation.
    const held = await submit();
    expect((await claim(thief.token)).json.sha256).toBe(held);

    const del = await http(base, 'DELETE', `/v1/tokens/${thief.id}`, { token: tok.admin });
    expect(del.status).toBe(204);
    expect(del.headers.get('ntmd-marked-traces')).toBe('1');
    expect(del.headers.get('ntmd-released-claims')).toBe('1');
    expect(await program(held)).toMatchObject({ status: 'queued' });
    const t = await http(base, 'GET', `/v1/traces/${id}`, { token: tok.admin });
    expect(t.json.producers).toEqual([
      expect.objectContaining({ tokenId: thief.id, suspect: true, reason: expect.stringMatching(/revoked/) }),
    ]);
    expect(await suspectTraces(server.backend.sql.db)).toEqual([id]);

    const run = await reassess(server.backend.store, { candidates: ['default'], folds: 2, minNew: 0, trigger: 'test' });
    expect(run.suspectExcluded).toEqual([id]);
    const docs = await server.backend.store.loadCorpus({ snapshot: run.snapshotId });
    expect(docs.docs.map((d) => d.traceSha256)).not.toContain(id);
    expect(docs.docs).toHaveLength(run.traces);
    const all = await server.backend.store.loadCorpus({});
    expect(all.docs.map((d) => d.traceSha256)).toContain(id);
    expect(run.traces).toBe(all.docs.length - 1);

    // The program it "traced" can be queued again; a person relabelling the trace clears the mark.
    const rq = await http(base, 'POST', `/v1/programs/${sha}/requeue`, { token: tok.admin });
    expect(rq.status).toBe(200);
    expect(rq.json).toMatchObject({ status: 'queued', attempts: 0, trace: null });
    expect(
      (await http(base, 'PUT', `/v1/traces/${id}/label`, { token: tok.label, body: '{"label":"malicious"}', type: JSON_TYPE })).status,
    ).toBe(200);
    expect(await suspectTraces(server.backend.sql.db)).toEqual([]);
    const after = await http(base, 'GET', `/v1/traces/${id}`, { token: tok.admin });
    expect(after.json.producers[0]).toMatchObject({ suspect: false, clearedBy: 'token:label' });
  });

  it('requeues a failed program (admin only), and nothing else', async () => {
    const sha = await submit();
    for (let i = 0; i < 2; i++) {
      const c = await claim(tok['win-a']);
      expect(c.json.sha256).toBe(sha);
      expect(
        (
          await http(base, 'POST', `/v1/jobs/${sha}/fail?lease=${c.json.lease}`, {
            token: tok['win-a'],
            body: '{"error":"tracer crashed"}',
            type: JSON_TYPE,
          })
        ).status,
      ).toBe(200);
    }
    expect(await program(sha)).toMatchObject({ status: 'failed', attempts: 2 });
    expect((await http(base, 'POST', `/v1/programs/${sha}/requeue`, { token: tok['win-a'] })).status).toBe(403);
    const r = await http(base, 'POST', `/v1/programs/${sha}/requeue`, { token: tok.admin });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ status: 'queued', attempts: 0, error: null });
    const again = await http(base, 'POST', `/v1/programs/${sha}/requeue`, { token: tok.admin });
    expect(again.status).toBe(409);
    expect(again.json.code).toBe('NOT_REQUEUEABLE');
    expect((await http(base, 'POST', `/v1/programs/${'0'.repeat(64)}/requeue`, { token: tok.admin })).status).toBe(404);
    const c = await claim(tok['win-a']);
    expect(c.json.sha256).toBe(sha);
    expect((await release(tok['win-a'], sha, c.json.lease)).status).toBe(200);
  });
});

describeEachBackend(BACKENDS, 'tokens made before worker identity, on %s', (kind) => {
  let db: TestDb;
  let server: RunningServer | undefined;
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('keep working with a warning until an administrator binds them', async () => {
    db = await openTestDb(kind);
    // A store whose server tables are at version 1, with a worker token made then.
    const store = await openStore({ db: db.db });
    await applyMigrationSet(store.driver, {
      table: 'ntmd_server_migrations',
      lock: 0x6e747376,
      what: 'the server tables',
      migrations: SERVER_MIGRATIONS.slice(0, 1),
    });
    const legacy = generateToken();
    await store.driver.query('INSERT INTO ntmd_api_tokens (id, name, scopes, hash) VALUES ($1, $2, $3, $4)', [
      legacy.id,
      'old-worker',
      ['worker'],
      legacy.hash,
    ]);
    const admin = generateToken();
    await store.driver.query('INSERT INTO ntmd_api_tokens (id, name, scopes, hash) VALUES ($1, $2, $3, $4)', [
      admin.id,
      'old-admin',
      ['admin'],
      admin.hash,
    ]);
    await store.close();

    const warnings: string[] = [];
    server = await startServer({ db: db.db, port: 0, detector: await testDetector(), onWarning: (m) => warnings.push(m) });
    const rec = (await server.backend.findToken(legacy.id))!;
    expect(rec).toMatchObject({ legacy: true, workerName: null, expiresAt: null });
    expect((await server.backend.findToken(admin.id))!.legacy).toBe(false);
    const sha = (
      await http(server.url, 'POST', '/v1/programs?name=x.exe', {
        token: admin.token,
        body: randomBytes(32),
        type: 'application/octet-stream',
      })
    ).json.sha256;
    // It claims under the name it sends, as before, with a warning (header, and once in the log).
    const c = await http(server.url, 'POST', '/v1/jobs/claim', { token: legacy.token, body: '{"worker":"anything"}', type: JSON_TYPE });
    expect(c.status).toBe(200);
    expect(c.json).toMatchObject({ sha256: sha, worker: 'anything' });
    expect(c.headers.get('ntmd-warning')).toMatch(/made before worker identity.*tokens bind/);
    const r = await http(server.url, 'POST', `/v1/claims/${sha}/release?lease=${c.json.lease}`, { token: legacy.token });
    expect(r.status).toBe(200);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(legacy.id);
    // The administrator binds it: no more warning, other names refused, an expiry set.
    const b = await http(server.url, 'PATCH', `/v1/tokens/${legacy.id}`, {
      token: admin.token,
      body: '{"worker":"vm-1"}',
      type: JSON_TYPE,
    });
    expect(b.status).toBe(200);
    expect(b.json).toMatchObject({ worker: 'vm-1', legacy: false });
    expect(Date.parse(b.json.expiresAt)).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    const again = await http(server.url, 'POST', '/v1/jobs/claim', { token: legacy.token, body: '{"worker":"anything"}', type: JSON_TYPE });
    expect(again.status).toBe(403);
    const ok = await http(server.url, 'POST', '/v1/jobs/claim', { token: legacy.token, body: '{}', type: JSON_TYPE });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('ntmd-warning')).toBeNull();
    expect(ok.json.worker).toBe('vm-1');
    // A binding is made once.
    const rebind = await http(server.url, 'PATCH', `/v1/tokens/${legacy.id}`, {
      token: admin.token,
      body: '{"worker":"vm-2"}',
      type: JSON_TYPE,
    });
    expect(rebind.status).toBe(409);
    expect(rebind.json.code).toBe('ALREADY_BOUND');
  });
});

describeEachBackend(BACKENDS, 'failed authentication on %s', (kind) => {
  let db: TestDb;
  let backend: StoreBackend;
  let app: FastifyInstance;
  let lookups: string[] = [];
  let valid: string;

  const make = async (options: { negativeCacheMs?: number; perSecond?: number; burst?: number }): Promise<FastifyInstance> => {
    // The backend as the app sees it, counting the store lookups of tokens.
    const counting = Object.create(backend) as ServerBackend;
    counting.findToken = (id: string) => {
      lookups.push(id);
      return backend.findToken(id);
    };
    return createApp({
      backend: counting,
      detector: await testDetector(),
      negativeCacheMs: options.negativeCacheMs,
      authFailureLimit: { perSecond: options.perSecond ?? 1000, burst: options.burst ?? 1000 },
    });
  };
  const get = (a: FastifyInstance, token: string | undefined, ip: string) =>
    a.inject({ method: 'GET', url: '/v1/stats', headers: token ? { authorization: `Bearer ${token}` } : {}, remoteAddress: ip });

  beforeAll(async () => {
    db = await openTestDb(kind);
    backend = await openServerBackend({ db: db.db });
    valid = (await backend.createToken('valid', ['detect'])).token;
  });
  afterAll(async () => {
    await app?.close();
    await backend?.close();
    await db?.drop();
  });

  it('looks a bad token up once per cache period, however many requests carry it', async () => {
    app = await make({ negativeCacheMs: 400 });
    lookups = [];
    const unknown = generateToken().token;
    // 50 at once (a storm), each from its own address.
    const storm = await Promise.all(Array.from({ length: 50 }, (_, i) => get(app, unknown, `10.1.0.${i}`)));
    expect(storm.map((r) => r.statusCode)).toEqual(Array(50).fill(401));
    expect(lookups).toHaveLength(1);
    for (let i = 0; i < 20; i++) expect((await get(app, unknown, `10.2.0.${i}`)).statusCode).toBe(401);
    expect(lookups).toHaveLength(1);
    // A wrong secret for a real id: refused, and that token string not looked up again.
    const id = valid.split('_')[1];
    const forged = `ntmd_${id}_${randomBytes(32).toString('base64url')}`;
    for (let i = 0; i < 10; i++) expect((await get(app, forged, `10.3.0.${i}`)).statusCode).toBe(401);
    expect(lookups).toEqual([unknown.split('_')[1], id]);
    // Another secret for the unknown id: the id itself is known to be unknown.
    const sameId = `ntmd_${unknown.split('_')[1]}_${randomBytes(32).toString('base64url')}`;
    expect((await get(app, sameId, '10.4.0.1')).statusCode).toBe(401);
    expect(lookups).toHaveLength(2);
    // The real token is not held back by the forgeries of its id.
    expect((await get(app, valid, '10.5.0.1')).statusCode).toBe(200);
    expect(lookups).toHaveLength(3);
    // Once the period is over, the store is asked again (once).
    await sleep(450);
    await Promise.all(Array.from({ length: 10 }, (_, i) => get(app, unknown, `10.6.0.${i}`)));
    expect(lookups).toHaveLength(4);
    await app.close();
  });

  it('answers 429 with Retry-After past the failures allowed per address, without a lookup', async () => {
    app = await make({ perSecond: 1, burst: 5 });
    lookups = [];
    expect((await get(app, valid, '10.9.9.9')).statusCode).toBe(200); // verified: cached
    const bad = () => generateToken().token; // a new bad token each time: no negative cache help
    for (let i = 0; i < 5; i++) expect((await get(app, bad(), '10.9.9.9')).statusCode).toBe(401);
    expect(lookups).toHaveLength(6);
    const limited = await get(app, bad(), '10.9.9.9');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    expect(limited.json().detail).toMatch(/failed authentications from this address/);
    for (let i = 0; i < 20; i++) expect((await get(app, bad(), '10.9.9.9')).statusCode).toBe(429);
    expect((await get(app, undefined, '10.9.9.9')).statusCode).toBe(429);
    expect(lookups).toHaveLength(6);
    // A token verified before still passes; another address is not affected.
    expect((await get(app, valid, '10.9.9.9')).statusCode).toBe(200);
    expect((await get(app, bad(), '10.9.9.10')).statusCode).toBe(401);
    // The bucket refills: one more failure allowed after a second.
    await sleep(1100);
    expect((await get(app, bad(), '10.9.9.9')).statusCode).toBe(401);
    expect((await get(app, bad(), '10.9.9.9')).statusCode).toBe(429);
    await app.close();
  });
});
