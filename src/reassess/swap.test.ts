/**
 * The server's model hot swap: a server following the store's production model keeps
 * answering while a model is promoted (by a re-assessment in the server's process, or by
 * another process through the store) and rolled back; requests before the swap get the old
 * model's verdicts, requests after it the new one's, and none fails.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../server/index.js';
import { loadDetector } from '../server/detector.js';
import { http } from '../server/test-helpers/harness.js';
import { detectSync } from '../api/detect.js';
import { trainOnCorpus } from '../api/train.js';
import { presetConfig } from '../model/presets.js';
import { syntheticCorpus } from '../eval/synthetic.js';
import { CallTable } from '../tokenize/call-table.js';
import type { Model } from '../model/model.js';
import type { Store } from '../store/store.js';
import { ModelRegistry } from './registry.js';
import { SwappableDetector } from './swap.js';
import { attachReassessment } from './serve-hook.js';
import { syntheticItems } from './test-helpers/corpus.js';

/** The served identity of a stored model: the SHA-256 of its file, as `models list` reports it. */
async function servedSha(store: Store, id: number): Promise<string> {
  const stored = await store.getModel(id);
  expect(stored.sha256).toBe(createHash('sha256').update(stored.bytes!).digest('hex'));
  return stored.sha256;
}

const scratch = mkdtempSync(join(tmpdir(), 'ntmd-swap-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A model trained on synthetic traces, with labels as generated or flipped. */
function modelOf(flip: boolean): Model {
  const c = syntheticCorpus({ traces: 200, seed: 5, maxLength: 60 });
  const table = new CallTable();
  const docs = c.traces.map((calls, i) => ({
    name: c.names[i],
    label: (flip ? 1 - c.labels[i] : c.labels[i]) as 0 | 1,
    calls: Int32Array.from(calls, (n) => table.intern(n)),
    sha256: String(i).padStart(64, '0'),
    bytes: 1,
  }));
  // (Traces of at most 60 calls activate few five-grams: the models judge from one.)
  return trainOnCorpus({ docs, table, skippedEmpty: [] }, { ...presetConfig('svc-5gram'), minKnownNgrams: 1 });
}

describe('model hot swap in the server', () => {
  test('requests before and after a promotion get the old and new model; none fails; rollback swaps back', async () => {
    const a = modelOf(false);
    const b = modelOf(true);
    // Traces the two models disagree on, both ways.
    const bodies = syntheticCorpus({ traces: 200, seed: 5, maxLength: 60 }).traces.map((t) => t.join('\n') + '\n');
    const verdictOf = (m: Model, body: string): boolean => detectSync(body, { model: m }).malicious;
    const probes = bodies.filter((body) => verdictOf(a, body) !== verdictOf(b, body)).slice(0, 12);
    expect(probes.length).toBeGreaterThan(5);

    const detector = new SwappableDetector(await loadDetector());
    const server = await startServer({ db: join(scratch, 'store'), env: {}, port: 0, detector, rateLimit: { perSecond: 0, burst: 1 } });
    try {
      const store = server.backend.store;
      const registry = await ModelRegistry.open(store);
      const ma = await store.saveModel({ name: 'a', bytes: a.toBytes() });
      const mb = await store.saveModel({ name: 'b', bytes: b.toBytes() });
      await registry.promote(ma.id, { reason: 'test: first model' });
      // Polling off: swaps happen on check() (as after an in-process promotion).
      const attachment = await attachReassessment(store, detector, { pollMs: 0 });
      expect(detector.modelId).toBe(ma.id);
      const { token } = await server.backend.createToken('swap-test', ['detect']);

      const expectModel = async (m: Model, sha: string): Promise<void> => {
        const models = await http(server.url, 'GET', '/v1/models', { token });
        expect((models.json as { current: { sha256: string } }).current.sha256).toBe(sha);
        for (const body of probes) {
          const res = await http(server.url, 'POST', '/v1/detect', { token, body });
          expect(res.status).toBe(200);
          expect((res.json as { malicious: boolean }).malicious).toBe(verdictOf(m, body));
        }
      };
      await expectModel(a, await servedSha(store, ma.id));

      // A stream of requests in flight while the production model changes.
      let stop = false;
      const seen: { status: number; malicious: boolean; body: string }[] = [];
      const clients = Array.from({ length: 4 }, async (_, c) => {
        for (let i = c; !stop; i++) {
          const body = probes[i % probes.length];
          const res = await http(server.url, 'POST', '/v1/detect', { token, body });
          seen.push({ status: res.status, malicious: (res.json as { malicious: boolean }).malicious, body });
        }
      });
      await new Promise((r) => setTimeout(r, 150));
      await registry.promote(mb.id, { reason: 'test: second model' });
      await attachment.follower.check();
      const swappedAt = seen.length;
      await new Promise((r) => setTimeout(r, 150));
      stop = true;
      await Promise.all(clients);
      expect(seen.every((s) => s.status === 200)).toBe(true);
      expect(swappedAt).toBeGreaterThan(0);
      expect(seen.length).toBeGreaterThan(swappedAt);
      // Every answer came from one of the two models; answers that started after the swap from the new one.
      for (const s of seen) expect([verdictOf(a, s.body), verdictOf(b, s.body)]).toContain(s.malicious);
      for (const s of seen.slice(swappedAt + 4)) expect(s.malicious).toBe(verdictOf(b, s.body));
      await expectModel(b, await servedSha(store, mb.id));

      // Rollback is one call; the server follows.
      await registry.rollback({ reason: 'test: back' });
      await attachment.follower.check();
      await expectModel(a, await servedSha(store, ma.id));
      attachment.stop();
    } finally {
      await server.close();
    }
  }, 120_000);

  test('serve --reassess: a scheduled run in the server promotes and the server swaps at once', async () => {
    const detector = new SwappableDetector(await loadDetector());
    const server = await startServer({ db: join(scratch, 'store2'), env: {}, port: 0, detector, rateLimit: { perSecond: 0, burst: 1 } });
    try {
      const store = server.backend.store;
      await store.import(syntheticItems('s', { traces: 120, seed: 3, maxLength: 40 }));
      const attachment = await attachReassessment(store, detector, { pollMs: 0, reassess: { candidates: 'svc-5gram', folds: 3 } });
      const before = detector.model.sha256;
      expect(detector.modelId).toBeNull(); // no production model yet: the file model is served
      const report = await attachment.runNow();
      expect(report.status).toBe('promoted');
      expect(detector.modelId).toBe(report.productionAfter);
      expect(detector.model.sha256).not.toBe(before);
      expect(detector.model.sha256).toBe(await servedSha(store, report.productionAfter!));
      attachment.stop();
    } finally {
      await server.close();
    }
  }, 120_000);
});
