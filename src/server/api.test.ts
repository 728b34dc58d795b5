/**
 * The HTTP API end to end: a real server on 127.0.0.1 (PGlite owned by this process, and
 * PostgreSQL when NTMD_DATABASE_URL is set), real model, real store, every endpoint and
 * every refusal.
 */
import { Ajv } from 'ajv';
import { VERDICT_JSON_SCHEMA } from '../api/verdict-json.js';
import { request as httpRequest } from 'node:http';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrationSet, createApp, migrateServer, startServer } from './index.js';
import type { RunningServer } from './index.js';
import { prepareFile } from '../store/parse.js';
import { BACKENDS, RAW_LOG, REDUCED_OF_RAW, corpusFiles, http, openTestDb, read, testDetector } from './test-helpers/harness.js';
import type { TestDb } from './test-helpers/harness.js';
import type { ModelDetector } from './detector.js';
import { describeEachBackend } from '../../test/services.js';

const LIMITS = { traceBytes: 4 * 1024 * 1024, traceInflatedBytes: 16 * 1024 * 1024, programBytes: 1024 * 1024 };

function traceId(bytes: Uint8Array): string {
  const f = prepareFile(bytes, 'x.txt');
  if (f.format === 'empty') throw new Error('empty');
  return f.traceSha256;
}

describeEachBackend(BACKENDS, 'HTTP API on %s', (kind) => {
  let db: TestDb;
  let server: RunningServer;
  let base: string;
  let detector: ModelDetector;
  const tok: Record<string, string> = {};
  const benign = corpusFiles('sysBEN');
  const malicious = corpusFiles('sysMAL');

  beforeAll(async () => {
    db = await openTestDb(kind);
    detector = await testDetector();
    server = await startServer({
      db: db.db,
      port: 0,
      detector,
      limits: LIMITS,
      rateLimit: { perSecond: 1000, burst: 1000 },
      jobs: { leaseMs: 60_000, timeLimitMs: 5000 },
    });
    base = server.url;
    for (const [name, scopes] of [
      ['detect', ['detect']],
      ['contribute', ['contribute']],
      ['label', ['label']],
      ['worker', ['worker']],
      ['admin', ['admin']],
      ['revoked', ['detect']],
    ] as const) {
      const t = await server.backend.createToken(name, [...scopes]);
      tok[name] = t.token;
    }
    await server.backend.revokeToken((await server.backend.listTokens()).find((t) => t.name === 'revoked')!.id);
  });
  afterAll(async () => {
    await server?.close().catch(() => undefined); // the store was closed by the last test
    await db?.drop();
  });

  it('listens on loopback and serves health, readiness and the OpenAPI document without a token', async () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await http(base, 'GET', '/v1/health')).json).toEqual({ status: 'ok' });
    expect((await http(base, 'GET', '/v1/ready')).json).toEqual({ status: 'ready' });
    const doc = (await http(base, 'GET', '/v1/openapi.json')).json;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/detect',
        '/v1/traces',
        '/v1/traces/{id}',
        '/v1/programs',
        '/v1/programs/{sha256}',
        '/v1/stats',
        '/v1/models',
      ]),
    );
    expect(doc.paths['/v1/detect'].post['x-scope']).toBe('detect');
  });

  describe('POST /v1/detect', () => {
    it('returns the verdict of the model, as in-process detect(), for a reduced trace', async () => {
      const body = read(malicious[3]);
      const r = await http(base, 'POST', '/v1/detect', { token: tok.detect, body });
      expect(r.status).toBe(200);
      expect(r.json).toEqual(JSON.parse(JSON.stringify(detector.detect(body))));
      expect(r.json.calls).toBe(
        body
          .toString()
          .split('\n')
          .filter((l) => l !== '').length,
      );
      expect(r.json.members.length).toBeGreaterThan(0);
      // The one verdict JSON of every surface (docs/cli.md, "Verdict JSON").
      expect(r.json.schemaVersion).toBe(2);
      expect(new Ajv({ strict: false }).compile(VERDICT_JSON_SCHEMA)(r.json)).toBe(true);
    });

    it('answers an undecided verdict without votes, and refuses a body that is not a trace (422 NOT_A_TRACE)', async () => {
      const short = await http(base, 'POST', '/v1/detect', { token: tok.detect, body: 'NtOpenKey\nNtClose\n' });
      expect(short.status).toBe(200);
      expect(short.json).toMatchObject({ schemaVersion: 2, verdict: 'insufficient', members: [] });
      const numbers = await http(base, 'POST', '/v1/detect', {
        token: tok.detect,
        body: Array.from({ length: 500 }, (_, i) => i).join('\n'),
      });
      expect(numbers.status).toBe(422);
      expect(numbers.json).toMatchObject({ code: 'NOT_A_TRACE' });
      expect(numbers.json.detail).toMatch(
        /^request body is not a trace: 500 lines, 500 read as calls, of which 0 \(0\.0%\) are known calls/,
      );
    });

    it('takes a raw NtTrace log, gzip bodies, and octet-stream; raw and reduced agree', async () => {
      const raw = read(RAW_LOG);
      const reduced = read(REDUCED_OF_RAW);
      const a = await http(base, 'POST', '/v1/detect', { token: tok.detect, body: raw });
      const b = await http(base, 'POST', '/v1/detect', {
        token: tok.detect,
        body: gzipSync(reduced),
        type: 'application/octet-stream',
        headers: { 'content-encoding': 'gzip' },
      });
      expect(a.status).toBe(200);
      expect(b.status).toBe(200);
      expect(a.json).toEqual(b.json);
      const c = await http(base, 'POST', '/v1/detect', { token: tok.admin, body: gzipSync(reduced), type: 'application/octet-stream' });
      expect(c.json).toEqual(b.json);
    });

    it('refuses a request without a token, with a malformed, unknown or revoked token, and with the wrong scope', async () => {
      const body = read(benign[0]);
      const none = await http(base, 'POST', '/v1/detect', { body });
      expect(none.status).toBe(401);
      expect(none.headers.get('content-type')).toContain('application/problem+json');
      expect(none.json).toMatchObject({ status: 401, code: 'UNAUTHORIZED', title: 'Unauthorized', instance: '/v1/detect' });
      expect(JSON.stringify(none.json)).not.toMatch(/at .*\.(ts|js):\d+/);
      expect((await http(base, 'POST', '/v1/detect', { body, headers: { authorization: 'Bearer nope' } })).json.detail).toMatch(
        /malformed/,
      );
      const forged = tok.detect.slice(0, -4) + 'AAAA';
      expect((await http(base, 'POST', '/v1/detect', { body, token: forged })).status).toBe(401);
      expect((await http(base, 'POST', '/v1/detect', { body, token: tok.revoked })).json).toMatchObject({
        status: 401,
        detail: 'unknown or revoked token',
      });
      const wrong = await http(base, 'POST', '/v1/detect', { body, token: tok.contribute });
      expect(wrong.status).toBe(403);
      expect(wrong.json).toMatchObject({ code: 'FORBIDDEN', needed: 'detect' });
    });

    it('refuses an oversized body from its Content-Length, before reading it', async () => {
      const r = await new Promise<{ status: number; body: string; sent: number }>((resolve, reject) => {
        const url = new URL(base + '/v1/detect');
        const req = httpRequest({
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: url.pathname,
          headers: { authorization: `Bearer ${tok.detect}`, 'content-type': 'text/plain', 'content-length': String(1024 ** 3) },
        });
        let sent = 0;
        req.on('response', (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, body, sent }));
        });
        req.on('error', reject);
        const chunk = Buffer.alloc(64 * 1024, 78);
        const pump = () => {
          while (sent < 32 * 1024 * 1024) {
            sent += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
        };
        pump();
      });
      expect(r.status).toBe(413);
      expect(JSON.parse(r.body)).toMatchObject({ code: 'BODY_TOO_LARGE', limit: LIMITS.traceBytes });
      expect(r.sent).toBeLessThan(32 * 1024 * 1024);
    });

    it('refuses a chunked body once it passes the limit, and a gzip body whose inflated size does', async () => {
      let produced = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          produced += 256 * 1024;
          if (produced > 1024 ** 3) controller.close();
          else controller.enqueue(new Uint8Array(256 * 1024).fill(78));
        },
      });
      const r = await fetch(base + '/v1/detect', {
        method: 'POST',
        headers: { authorization: `Bearer ${tok.detect}`, 'content-type': 'text/plain' },
        body: stream,
        duplex: 'half',
      }).catch((e: Error) => e);
      if (r instanceof Error) expect(produced).toBeLessThan(256 * 1024 * 1024);
      else {
        expect(r.status).toBe(413);
        expect(produced).toBeLessThan(256 * 1024 * 1024);
      }
      const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 10));
      const z = await http(base, 'POST', '/v1/detect', { token: tok.detect, body: bomb, headers: { 'content-encoding': 'gzip' } });
      expect(z.status).toBe(413);
      expect(z.json.detail).toBe(`the request inflated body exceeds the limit of ${LIMITS.traceInflatedBytes} bytes`);
      const z2 = await http(base, 'POST', '/v1/detect', { token: tok.detect, body: bomb, type: 'application/octet-stream' });
      expect(z2.status).toBe(413);
    });

    it('refuses empty and malformed traces, other media types and encodings', async () => {
      const empty = await http(base, 'POST', '/v1/detect', { token: tok.detect, body: '' });
      expect(empty.status).toBe(422);
      expect(empty.json.code).toBe('EMPTY_TRACE');
      const junk = await http(base, 'POST', '/v1/detect', { token: tok.detect, body: Buffer.from([0, 1, 2, 3, 255, 254, 10, 13, 0]) });
      expect(junk.status).toBe(422);
      expect(junk.json.code).toBe('NO_CALLS');
      const blank = await http(base, 'POST', '/v1/detect', { token: tok.detect, body: '\n\n   \n' });
      expect(blank.status).toBe(422);
      const json = await http(base, 'POST', '/v1/detect', { token: tok.detect, body: '{"a":1}', type: 'application/json' });
      expect(json.status).toBe(415);
      const html = await http(base, 'POST', '/v1/detect', { token: tok.detect, body: 'x', type: 'text/html' });
      expect(html.status).toBe(415);
      const br = await http(base, 'POST', '/v1/detect', { token: tok.detect, body: 'NtClose', headers: { 'content-encoding': 'br' } });
      expect(br.status).toBe(415);
      const badGzip = await http(base, 'POST', '/v1/detect', {
        token: tok.detect,
        body: 'NtClose',
        headers: { 'content-encoding': 'gzip' },
      });
      expect(badGzip.status).toBe(400);
      expect(badGzip.json.code).toBe('BAD_GZIP');
    });

    it('stores nothing', async () => {
      const before = (await http(base, 'GET', '/v1/stats', { token: tok.detect })).json;
      await http(base, 'POST', '/v1/detect', { token: tok.detect, body: read(benign[5]) });
      expect((await http(base, 'GET', '/v1/stats', { token: tok.detect })).json).toEqual(before);
    });
  });

  describe('traces', () => {
    it('stores a labelled contribution in the store, with its provenance, and returns its id and verdict', async () => {
      const body = read(malicious[0]);
      const r = await http(
        base,
        'POST',
        '/v1/traces?label=malicious&name=sample-1.txt&programName=evil.exe&programSha256=' + 'ab'.repeat(32),
        { token: tok.contribute, body },
      );
      expect(r.status).toBe(201);
      expect(r.json).toMatchObject({ id: traceId(body), duplicate: false, label: 'malicious', calls: r.json.verdict.calls });
      expect(r.headers.get('location')).toBe(`/v1/traces/${r.json.id}`);
      expect(r.json.verdict).toEqual(JSON.parse(JSON.stringify(detector.detect(body))));
      const g = await http(base, 'GET', `/v1/traces/${r.json.id}`, { token: tok.detect });
      expect(g.status).toBe(200);
      expect(g.json).toMatchObject({ id: r.json.id, label: 'malicious', calls: r.json.calls, verdict: r.json.verdict });
      expect(g.json.labels).toHaveLength(1);
      expect(g.json.submissions).toEqual([
        expect.objectContaining({
          name: 'sample-1.txt',
          submitter: 'token:contribute',
          programName: 'evil.exe',
          programSha256: 'ab'.repeat(32),
        }),
      ]);
      const stats = await server.backend.store.stats();
      expect(stats.bySource.find((s) => s.source === 'api')).toMatchObject({ submissions: 1, traces: 1 });
    });

    it('refuses a duplicate (same trace, even sent raw instead of reduced) with 409 and the stored id', async () => {
      const body = read(malicious[0]);
      const again = await http(base, 'POST', '/v1/traces?label=malicious', { token: tok.contribute, body });
      expect(again.status).toBe(409);
      expect(again.json).toMatchObject({ code: 'DUPLICATE_TRACE', id: traceId(body) });
      const reduced = read(REDUCED_OF_RAW);
      const first = await http(base, 'POST', '/v1/traces?label=benign&name=arp.txt', { token: tok.contribute, body: reduced });
      expect(first.status).toBe(201);
      const raw = await http(base, 'POST', '/v1/traces?label=benign&name=arp-raw.txt', { token: tok.contribute, body: read(RAW_LOG) });
      expect(raw.status).toBe(409);
      expect(raw.json.id).toBe(first.json.id);
    });

    it('keeps an unlabelled contribution out of the corpus until it is labelled (label scope), keeping history', async () => {
      const body = read(benign[1]);
      const r = await http(base, 'POST', '/v1/traces?name=unknown.txt', { token: tok.contribute, body });
      expect(r.status).toBe(201);
      expect(r.json.label).toBeNull();
      const id = r.json.id;
      expect((await http(base, 'GET', `/v1/traces/${id}`, { token: tok.contribute })).json).toMatchObject({
        id,
        label: null,
        labels: [],
        submissions: [expect.objectContaining({ name: 'unknown.txt' })],
      });
      expect((await http(base, 'POST', '/v1/traces', { token: tok.contribute, body })).status).toBe(409);
      const corpusBefore = await server.backend.store.loadCorpus();
      expect(corpusBefore.docs.some((d) => d.traceSha256 === id)).toBe(false);
      const s0 = (await http(base, 'GET', '/v1/stats', { token: tok.detect })).json;

      expect(
        (await http(base, 'PUT', `/v1/traces/${id}/label`, { token: tok.contribute, body: '{"label":"benign"}', type: 'application/json' }))
          .status,
      ).toBe(403);
      expect(
        (await http(base, 'PUT', `/v1/traces/${id}/label`, { token: tok.label, body: '{"label":"evil"}', type: 'application/json' }))
          .status,
      ).toBe(400);
      const l = await http(base, 'PUT', `/v1/traces/${id}/label`, {
        token: tok.label,
        body: '{"label":"benign"}',
        type: 'application/json',
      });
      expect(l.status).toBe(200);
      expect(l.json).toMatchObject({ id, label: 'benign' });
      const l2 = await http(base, 'PUT', `/v1/traces/${id}/label`, {
        token: tok.label,
        body: '{"label":"malicious"}',
        type: 'application/json',
      });
      expect(l2.json.label).toBe('malicious');
      expect(l2.json.labels.map((x: { label: string; source: string }) => [x.label, x.source])).toEqual([
        ['benign', 'import'],
        ['malicious', 'token:label'],
      ]);
      const corpusAfter = await server.backend.store.loadCorpus();
      expect(corpusAfter.docs.find((d) => d.traceSha256 === id)?.label).toBe(1);
      const s1 = (await http(base, 'GET', '/v1/stats', { token: tok.detect })).json;
      expect(s1.traces).toBe(s0.traces);
      expect(s1.byLabel.unlabelled).toBe(s0.byLabel.unlabelled - 1);
      expect(s1.byLabel.malicious).toBe(s0.byLabel.malicious + 1);
    });

    it('validates ids, labels, names and query parameters strictly', async () => {
      const body = read(benign[2]);
      for (const q of ['label=evil', 'name=../../etc/passwd', 'name=a%5Cb', 'programSha256=xyz', 'colour=red', 'name=' + 'a'.repeat(300)]) {
        const r = await http(base, 'POST', `/v1/traces?${q}`, { token: tok.contribute, body });
        expect(r.status, q).toBe(400);
        expect(r.json.code).toBe('VALIDATION');
      }
      expect((await http(base, 'GET', '/v1/traces/123', { token: tok.detect })).status).toBe(400);
      expect((await http(base, 'GET', '/v1/traces/' + 'A'.repeat(64), { token: tok.detect })).status).toBe(400);
      const unknown = await http(base, 'GET', '/v1/traces/' + '0'.repeat(64), { token: tok.detect });
      expect(unknown.status).toBe(404);
      expect(unknown.json).toMatchObject({ code: 'NOT_FOUND', id: '0'.repeat(64) });
      expect((await http(base, 'GET', '/v1/nowhere', { token: tok.detect })).status).toBe(404);
      expect((await http(base, 'POST', '/v1/traces?label=benign', { token: tok.contribute, body: '' })).status).toBe(422);
    });

    it('deletes a contribution for real (admin only)', async () => {
      const body = read(benign[3]);
      const r = await http(base, 'POST', '/v1/traces?label=benign&name=to-delete.txt', { token: tok.contribute, body });
      const id = r.json.id;
      expect((await http(base, 'DELETE', `/v1/traces/${id}`, { token: tok.contribute })).status).toBe(403);
      expect((await http(base, 'DELETE', `/v1/traces/${id}`, { token: tok.label })).status).toBe(403);
      const d = await http(base, 'DELETE', `/v1/traces/${id}`, { token: tok.admin });
      expect(d.status).toBe(204);
      expect((await http(base, 'GET', `/v1/traces/${id}`, { token: tok.admin })).status).toBe(404);
      expect((await http(base, 'DELETE', `/v1/traces/${id}`, { token: tok.admin })).status).toBe(404);
      const left = await server.backend.store.loadCorpus();
      expect(left.docs.some((d) => d.traceSha256 === id)).toBe(false);
      // Once deleted it can be contributed again.
      expect((await http(base, 'POST', '/v1/traces?label=benign&name=to-delete.txt', { token: tok.contribute, body })).status).toBe(201);
    });
  });

  it('GET /v1/stats counts the store and the queue; GET /v1/models describes the model in use', async () => {
    const s = await http(base, 'GET', '/v1/stats', { token: tok.worker });
    expect(s.status).toBe(200);
    const st = await server.backend.store.stats();
    expect(s.json.byLabel.benign + s.json.byLabel.malicious).toBe(st.byLabel.benign.traces + st.byLabel.malicious.traces);
    expect(s.json.traces).toBe(st.traces + s.json.byLabel.unlabelled);
    expect(Object.keys(s.json.programs).sort()).toEqual(['done', 'failed', 'queued', 'running']);
    const m = await http(base, 'GET', '/v1/models', { token: tok.detect });
    expect(m.json.current).toMatchObject({ name: detector.model.name, sha256: detector.model.sha256, source: detector.model.source });
    expect(m.json.current.info.members.length).toBeGreaterThan(0);
    expect((await http(base, 'GET', '/v1/models')).status).toBe(401);
  });

  describe('programs', () => {
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.from(`fake program for ${kind}`)]);
    const sha = createHash('sha256').update(exe).digest('hex');

    it('stores an upload by SHA-256 and queues it; a second upload is refused (traced once)', async () => {
      const r = await http(base, 'POST', '/v1/programs?name=sample.exe', {
        token: tok.contribute,
        body: exe,
        type: 'application/octet-stream',
      });
      expect(r.status).toBe(202);
      expect(r.json).toMatchObject({ sha256: sha, name: 'sample.exe', size: exe.length, status: 'queued', attempts: 0, trace: null });
      expect(r.headers.get('location')).toBe(`/v1/programs/${sha}`);
      const again = await http(base, 'POST', '/v1/programs?name=other.exe', {
        token: tok.contribute,
        body: exe,
        type: 'application/octet-stream',
      });
      expect(again.status).toBe(409);
      expect(again.json).toMatchObject({ code: 'DUPLICATE_PROGRAM', id: sha });
      const g = await http(base, 'GET', `/v1/programs/${sha}`, { token: tok.detect });
      expect(g.json).toMatchObject({ sha256: sha, status: 'queued' });
    });

    it('refuses uploads that are empty, too large, encoded, or from a token without the contribute scope', async () => {
      expect(
        (await http(base, 'POST', '/v1/programs', { token: tok.contribute, body: Buffer.alloc(0), type: 'application/octet-stream' })).json
          .code,
      ).toBe('EMPTY_PROGRAM');
      const big = await http(base, 'POST', '/v1/programs', {
        token: tok.contribute,
        body: Buffer.alloc(LIMITS.programBytes + 1),
        type: 'application/octet-stream',
      });
      expect(big.status).toBe(413);
      const gz = await http(base, 'POST', '/v1/programs', {
        token: tok.contribute,
        body: gzipSync(exe),
        type: 'application/octet-stream',
        headers: { 'content-encoding': 'gzip' },
      });
      expect(gz.status).toBe(415);
      expect((await http(base, 'POST', '/v1/programs', { token: tok.detect, body: exe, type: 'application/octet-stream' })).status).toBe(
        403,
      );
      expect((await http(base, 'GET', '/v1/programs/' + '1'.repeat(64), { token: tok.detect })).status).toBe(404);
      expect((await http(base, 'GET', '/v1/programs/not-a-hash', { token: tok.detect })).status).toBe(400);
    });

    it('serves the bytes back to admin tokens only (and to the worker holding the claim)', async () => {
      expect((await http(base, 'GET', `/v1/programs/${sha}/content`, { token: tok.contribute })).status).toBe(403);
      expect((await http(base, 'GET', `/v1/programs/${sha}/content`, { token: tok.worker })).status).toBe(403);
      expect((await http(base, 'GET', `/v1/programs/${sha}/content?lease=${'0'.repeat(32)}`, { token: tok.worker })).status).toBe(403);
      const a = await http(base, 'GET', `/v1/programs/${sha}/content`, { token: tok.admin });
      expect(a.status).toBe(200);
      expect(a.headers.get('content-type')).toBe('application/octet-stream');
      expect(a.headers.get('content-disposition')).toBe('attachment; filename="program.bin"');
      expect(a.bytes.equals(exe)).toBe(true);
    });

    it('lets only worker tokens claim, refuses posts without the live lease, and completes the job once', async () => {
      expect((await http(base, 'POST', '/v1/jobs/claim', { token: tok.contribute, body: '{}', type: 'application/json' })).status).toBe(
        403,
      );
      // The token named "worker" is bound to the worker name "worker" (its name, by default).
      const c = await http(base, 'POST', '/v1/jobs/claim', { token: tok.worker, body: '{"worker":"worker"}', type: 'application/json' });
      expect(c.status).toBe(200);
      expect(c.json).toMatchObject({ sha256: sha, name: 'sample.exe', size: exe.length, timeLimitMs: 5000, worker: 'worker' });
      const lease = c.json.lease as string;
      expect((await http(base, 'POST', '/v1/jobs/claim', { token: tok.worker, body: '{}', type: 'application/json' })).status).toBe(204);
      const dl = await http(base, 'GET', `/v1/programs/${sha}/content?lease=${lease}`, { token: tok.worker });
      expect(dl.bytes.equals(exe)).toBe(true);
      expect((await http(base, 'GET', `/v1/programs/${sha}`, { token: tok.worker })).json).toMatchObject({
        status: 'running',
        attempts: 1,
      });

      const trace = read(benign[7]);
      const noLease = await http(base, 'POST', `/v1/jobs/${sha}/trace`, { token: tok.worker, body: trace });
      expect(noLease.status).toBe(400);
      const wrong = await http(base, 'POST', `/v1/jobs/${sha}/trace?lease=${'f'.repeat(32)}`, { token: tok.worker, body: trace });
      expect(wrong.status).toBe(409);
      expect(wrong.json.code).toBe('CLAIM_LOST');
      const bad = await http(base, 'POST', `/v1/jobs/${sha}/trace?lease=${lease}`, { token: tok.worker, body: 'not a trace \u0000\u0001' });
      expect(bad.status).toBe(422);
      const ok = await http(base, 'POST', `/v1/jobs/${sha}/trace?lease=${lease}`, {
        token: tok.worker,
        body: gzipSync(trace),
        headers: { 'content-encoding': 'gzip' },
      });
      expect(ok.status).toBe(200);
      expect(ok.json).toMatchObject({
        sha256: sha,
        status: 'done',
        trace: { id: traceId(trace), verdict: JSON.parse(JSON.stringify(detector.detect(trace))) },
      });
      const twice = await http(base, 'POST', `/v1/jobs/${sha}/trace?lease=${lease}`, { token: tok.worker, body: trace });
      expect(twice.status).toBe(409);
      expect((await http(base, 'GET', `/v1/programs/${sha}/content?lease=${lease}`, { token: tok.worker })).status).toBe(403);
      const g = await http(base, 'GET', `/v1/traces/${traceId(trace)}`, { token: tok.detect });
      expect(g.json).toMatchObject({
        label: null,
        submissions: [expect.objectContaining({ programSha256: sha, programName: 'sample.exe', submitter: 'token:worker' })],
      });
    });
  });

  it('applies a migration set once, and refuses a database newer than the code', async () => {
    const sql = server.backend.sql.db;
    const set = {
      table: 'ntmd_test_migrations',
      lock: 0x74657374,
      what: 'the test tables',
      migrations: [{ version: 1, name: 't', statements: ['CREATE TABLE ntmd_test_t (x int)'] }],
    };
    expect(await applyMigrationSet(sql, set)).toEqual([1]);
    expect(await applyMigrationSet(sql, set)).toEqual([]);
    await sql.query('INSERT INTO ntmd_test_migrations (version, name) VALUES (2, $1)', ['future']);
    await expect(applyMigrationSet(sql, set)).rejects.toMatchObject({
      code: 'SERVER_SCHEMA',
      message: expect.stringMatching(/version 2, newer than this ntmaldetect understands \(1\)/),
    });
    await expect(applyMigrationSet(sql, { ...set, table: 'x; DROP TABLE y' })).rejects.toMatchObject({ code: 'SERVER_SCHEMA' });
    expect(await migrateServer(sql)).toEqual([]);
  });

  it('rate-limits per token: 429 with Retry-After past the burst, other tokens unaffected', async () => {
    // A second listener on the same store, with a small limit.
    const app = await createApp({ backend: server.backend, detector, rateLimit: { perSecond: 2, burst: 5 } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address() as { port: number };
    const url = `http://127.0.0.1:${addr.port}`;
    try {
      const codes: number[] = [];
      for (let i = 0; i < 8; i++) codes.push((await http(url, 'GET', '/v1/stats', { token: tok.detect })).status);
      expect(codes.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      expect(codes.slice(5)).toContain(429);
      const limited = await http(url, 'GET', '/v1/stats', { token: tok.detect });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(limited.json.code).toBe('RATE_LIMITED');
      expect((await http(url, 'GET', '/v1/stats', { token: tok.worker })).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('remembers a verified token, but a token revoked through the API is refused at once; one revoked in the store, within tokenCacheMs', async () => {
    // Second listeners on the same store; the first remembers tokens for a minute.
    const start = async (tokenCacheMs: number) => {
      const app = await createApp({ backend: server.backend, detector, tokenCacheMs, rateLimit: { perSecond: 0 } });
      await app.listen({ host: '127.0.0.1', port: 0 });
      return { app, url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}` };
    };
    const long = await start(60_000);
    const short = await start(150);
    try {
      const body = read(benign[1]);
      const a = await server.backend.createToken('cached-a', ['detect']);
      const b = await server.backend.createToken('cached-b', ['detect']);
      let lookups = 0;
      const findToken = server.backend.findToken.bind(server.backend);
      server.backend.findToken = (id) => {
        lookups++;
        return findToken(id);
      };
      try {
        for (let i = 0; i < 5; i++) expect((await http(long.url, 'POST', '/v1/detect', { token: a.token, body })).status).toBe(200);
        expect(lookups).toBe(1); // verified once, then remembered
        // A forged secret for a remembered token id is not a cache hit.
        expect((await http(long.url, 'POST', '/v1/detect', { token: a.token.slice(0, -4) + 'AAAA', body })).status).toBe(401);
        // Revoked through the API of that listener: refused on the next request.
        expect((await http(long.url, 'DELETE', `/v1/tokens/${a.id}`, { token: tok.admin })).status).toBe(204);
        expect((await http(long.url, 'POST', '/v1/detect', { token: a.token, body })).json).toMatchObject({
          status: 401,
          detail: 'unknown or revoked token',
        });
        // Revoked in the store by someone else (another process, the CLI): refused once the entry expires.
        expect((await http(short.url, 'POST', '/v1/detect', { token: b.token, body })).status).toBe(200);
        await server.backend.revokeToken(b.id);
        await new Promise((r) => setTimeout(r, 200));
        expect((await http(short.url, 'POST', '/v1/detect', { token: b.token, body })).status).toBe(401);
      } finally {
        server.backend.findToken = findToken;
      }
    } finally {
      await long.app.close();
      await short.app.close();
    }
  });

  it('answers with bodies that validate against the OpenAPI document it serves', async () => {
    const doc = (await http(base, 'GET', '/v1/openapi.json')).json;
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    ajv.addSchema({ ...doc, $id: 'api' });
    const check = (schema: string, value: unknown) => {
      const validate = ajv.getSchema(`api#/components/schemas/${schema}`)!;
      expect(validate(value), `${schema}: ${JSON.stringify(validate.errors)}`).toBe(true);
    };
    const body = read(benign[9]);
    check('Verdict', (await http(base, 'POST', '/v1/detect', { token: tok.detect, body })).json);
    const c = await http(base, 'POST', '/v1/traces?label=benign', { token: tok.contribute, body });
    check('TraceSubmitted', c.json);
    check('TraceInfo', (await http(base, 'GET', `/v1/traces/${c.json.id}`, { token: tok.detect })).json);
    check('Problem', (await http(base, 'POST', '/v1/traces?label=benign', { token: tok.contribute, body })).json);
    check('Stats', (await http(base, 'GET', '/v1/stats', { token: tok.detect })).json);
    check('Models', (await http(base, 'GET', '/v1/models', { token: tok.detect })).json);
    const exe = Buffer.from(`MZ schema check ${kind}`);
    check(
      'Program',
      (await http(base, 'POST', '/v1/programs?name=s.exe', { token: tok.contribute, body: exe, type: 'application/octet-stream' })).json,
    );
    const t = await http(base, 'POST', '/v1/tokens', {
      token: tok.admin,
      body: '{"name":"schema","scopes":["detect"]}',
      type: 'application/json',
    });
    check('Token', t.json);
    // The schemas are not vacuous: a wrong shape fails.
    expect(ajv.getSchema('api#/components/schemas/Verdict')!({ malicious: 'yes' })).toBe(false);
  });

  describe('tokens over the API (admin)', () => {
    it('creates, lists and revokes; the secret is shown once and revocation takes effect', async () => {
      expect(
        (
          await http(base, 'POST', '/v1/tokens', {
            token: tok.contribute,
            body: '{"name":"x","scopes":["detect"]}',
            type: 'application/json',
          })
        ).status,
      ).toBe(403);
      expect(
        (await http(base, 'POST', '/v1/tokens', { token: tok.admin, body: '{"name":"x","scopes":["root"]}', type: 'application/json' }))
          .status,
      ).toBe(400);
      const c = await http(base, 'POST', '/v1/tokens', {
        token: tok.admin,
        body: '{"name":"ci","scopes":["detect"]}',
        type: 'application/json',
      });
      expect(c.status).toBe(201);
      expect(c.json.token).toMatch(/^ntmd_/);
      const list = await http(base, 'GET', '/v1/tokens', { token: tok.admin });
      const row = list.json.find((t: { id: string }) => t.id === c.json.id);
      expect(row).toMatchObject({ name: 'ci', scopes: ['detect'], revokedAt: null });
      expect(JSON.stringify(list.json)).not.toContain(
        c.json.token.slice('ntmd_'.length + 13) /* the secret: base64url, may itself hold '_' */,
      );
      expect(JSON.stringify(list.json)).not.toMatch(/hash/);
      const body = read(benign[0]);
      expect((await http(base, 'POST', '/v1/detect', { token: c.json.token, body })).status).toBe(200);
      expect((await http(base, 'DELETE', `/v1/tokens/${c.json.id}`, { token: tok.admin })).status).toBe(204);
      expect((await http(base, 'POST', '/v1/detect', { token: c.json.token, body })).status).toBe(401);
      expect((await http(base, 'DELETE', `/v1/tokens/${c.json.id}`, { token: tok.admin })).status).toBe(404);
    });
  });

  it('reports not ready (503) once the store is gone, while staying alive', async () => {
    await server.backend.close();
    const r = await http(base, 'GET', '/v1/ready');
    expect(r.status).toBe(503);
    expect(r.json.code).toBe('NOT_READY');
    expect((await http(base, 'GET', '/v1/health')).status).toBe(200);
  });
});
