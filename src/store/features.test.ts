/**
 * Raw logs and retention, bad files in a batch, relabelling with history, snapshots,
 * deletion, models and evaluations, migrations — on PGlite and (when configured) PostgreSQL.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
import { corpusDir, requireShared } from '../../test/shared.js';
import { isConnectionString, openPglite, openPostgres } from './driver.js';
import { openStore } from './index.js';
import type { Store } from './index.js';
import { MIGRATIONS, migrate, schemaVersion } from './schema.js';
import { backends, removeScratch, scratch } from './test-helpers/backends.js';
import type { Backend } from './test-helpers/backends.js';
import { describeEachBackend } from '../../test/services.js';

requireShared();
vi.setConfig({ testTimeout: 300_000 });
afterAll(() => removeScratch());

const rawDir = join(corpusDir, 'raw');
const rawFiles = (['benign', 'malicious'] as const).flatMap((d, label) =>
  readdirSync(join(rawDir, d))
    .sort()
    .map((name) => ({ name, label, path: join(rawDir, d, name), reduced: join(corpusDir, label === 0 ? 'sysBEN' : 'sysMAL', name) })),
);

async function withStore(backend: Backend, fn: (store: Store, db: string) => Promise<void>): Promise<void> {
  const fresh = await backend.fresh();
  const store = await openStore({ db: fresh.db, env: {} });
  try {
    await fn(store, fresh.db);
  } finally {
    await store.close();
    await fresh.cleanup();
  }
}

const item = (rel: string, label: 0 | 1) => ({ name: rel.split('/')[1], label, path: join(corpusDir, rel) });

describeEachBackend(backends, 'store features on $name', (backend) => {
  it('keeps raw NtTrace logs compressed, exports them byte for byte, and drops them by retention', async () => {
    await withStore(backend, async (store) => {
      const rep = await store.import({ benign: join(rawDir, 'benign'), malicious: join(rawDir, 'malicious') }, { source: 'raw' });
      expect(rep.failed).toEqual([]);
      expect(rep.submissions).toBe(7);
      expect(rep.traces).toBe(7);
      expect(rep.rawLogs).toBe(7);
      // A raw log's trace is its reduced call sequence: the same trace as the corpus file.
      const c = await store.loadCorpus();
      for (const [i, f] of rawFiles.entries()) {
        const names = c.table.names();
        const text = Array.from(c.docs[i].calls, (id) => names[id] + '\n').join('');
        expect(text === readFileSync(f.reduced, 'utf8'), f.name).toBe(true);
      }
      const out = join(scratch, `raw-${backend.name}`);
      expect((await store.export(out)).files).toBe(7);
      for (const f of rawFiles) {
        expect(readFileSync(join(out, f.label === 0 ? 'sysBEN' : 'sysMAL', f.name)).equals(readFileSync(f.path)), f.name).toBe(true);
      }
      const reducedOut = join(scratch, `raw-reduced-${backend.name}`);
      await store.export(reducedOut, { reduced: true });
      for (const f of rawFiles) {
        expect(readFileSync(join(reducedOut, f.label === 0 ? 'sysBEN' : 'sysMAL', f.name)).equals(readFileSync(f.reduced)), f.name).toBe(
          true,
        );
      }
      // Importing the reduced corpus now finds those 7 traces already stored.
      const corpus = await store.import(corpusDir);
      expect(corpus.traces).toBe(208 - 7);
      expect(corpus.duplicates.length).toBe(7 + 7);
      expect((await store.stats()).storedBytes.rawLogs).toBeGreaterThan(0);
      // Retention of 0 days removes every raw log now; their calls stay.
      expect(await store.setRawLogRetention(0)).toBe(7);
      expect(await store.rawLogRetention()).toBe(0);
      const st = await store.stats();
      expect(st.rawLogs).toBe(0);
      expect(st.traces).toBe(208);
      const after = join(scratch, `raw-after-${backend.name}`);
      const exp = await store.export(after, { filter: { sources: ['raw'] } });
      expect(exp.reducedInstead.length).toBe(7);
      for (const f of rawFiles) {
        expect(readFileSync(join(after, f.label === 0 ? 'sysBEN' : 'sysMAL', f.name)).equals(readFileSync(f.reduced)), f.name).toBe(true);
      }
      await store.setRawLogRetention(null);
      expect(await store.rawLogRetention()).toBeNull();
      expect((await store.verify()).problems).toEqual([]);
    });
  });

  it('reports bad files of a batch and stores the rest', async () => {
    await withStore(backend, async (store) => {
      const good = ['sysBEN/LOG_ARP.EXE.txt', 'sysMAL/LOG_711.exe.txt', 'sysMAL/LOG_cn.exe.txt'];
      const rep = await store.import(
        [
          item(good[0], 0),
          { name: 'notes.txt', label: 0, bytes: new TextEncoder().encode('hello world\nthis is not a trace\n') },
          item(good[1], 1),
          // A name that cannot be a file name (a NUL in it) is refused alone, before the database.
          { name: 'bad\u0000name.txt', label: 1, path: join(corpusDir, 'sysMAL', 'LOG_counter.exe.txt') },
          item(good[2], 1),
        ],
        { batchSize: 10, keepRaw: false },
      );
      expect(rep.failed.map((f) => [f.name, f.code])).toEqual([
        // (A refused name is reported as the files are listed, before the batch is parsed.)
        ['bad\u0000name.txt', 'IMPORT_SOURCE'],
        ['notes.txt', 'NO_CALLS'],
      ]);
      expect(rep.submissions).toBe(3);
      expect(rep.traces).toBe(3);
      const c = await store.loadCorpus();
      expect(c.docs.map((d) => d.name)).toEqual(good);
      expect((await store.verify()).problems).toEqual([]);
    });
  });

  it('relabels with history; snapshots keep the labels they were taken with', async () => {
    await withStore(backend, async (store) => {
      await store.import(corpusDir);
      const before = await store.loadCorpus();
      const blaster = before.docs.find((d) => d.name === 'sysBEN/LOG_blaster.exe.txt');
      expect(blaster?.label).toBe(0);
      const changes = await store.label('sysBEN/LOG_blaster.exe.txt', 'malicious', { reason: 'known worm' });
      expect(changes).toEqual([
        { traceSha256: blaster!.traceSha256, names: ['LOG_blaster.exe.txt'], from: 'benign', to: 'malicious', changed: true },
      ]);
      expect((await store.label(blaster!.traceSha256.slice(0, 10), 1))[0].changed).toBe(false);
      const history = await store.labelHistory('LOG_blaster.exe.txt');
      expect(history.map((h) => [h.label, h.source, h.reason])).toEqual([
        ['benign', 'import', 'corpus: LOG_blaster.exe.txt'],
        ['malicious', 'manual', 'known worm'],
      ]);
      const now = await store.loadCorpus();
      expect(now.snapshotId).not.toBe(before.snapshotId);
      expect(now.docs.find((d) => d.name === 'sysMAL/LOG_blaster.exe.txt')?.label).toBe(1);
      expect(now.docs.filter((d) => d.label === 0).length).toBe(68);
      const old = await store.loadCorpus({ snapshot: before.snapshotId.slice(0, 12) });
      expect(old.snapshotId).toBe(before.snapshotId);
      expect(old.docs.map((d) => [d.name, d.label, d.sha256])).toEqual(before.docs.map((d) => [d.name, d.label, d.sha256]));
      expect(old.docs.every((d, i) => d.calls.length === before.docs[i].calls.length)).toBe(true);
      const st = await store.stats();
      expect(st.relabelledTraces).toBe(1);
      expect(st.byLabel.malicious.traces).toBe(141);
      await expect(store.label('LOG_nothing.exe.txt', 0)).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
      await expect(store.label('0000000000', 0)).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
      await expect(store.loadCorpus({ snapshot: 'ffffffffffff' })).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
    });
  });

  it('deletes traces and submissions for real; a snapshot that lost documents says so', async () => {
    await withStore(backend, async (store) => {
      await store.import(corpusDir);
      const snap = await store.loadCorpus();
      const fallen = snap.docs.find((d) => d.name === 'sysMAL/LOG_Fallen.dat.txt')!;
      // The trace of three identical files: all three submissions go.
      expect(await store.delete(fallen.traceSha256)).toEqual({ traces: 1, submissions: 3, rawLogs: 0 });
      // One of two identical files: the trace stays for the other ...
      expect(await store.delete('sysMAL/LOG_Mh1.exe.txt')).toEqual({ traces: 0, submissions: 1, rawLogs: 0 });
      // ... and goes with the last one.
      expect(await store.delete('LOG_Mh2.exe.txt')).toEqual({ traces: 1, submissions: 1, rawLogs: 0 });
      const st = await store.stats();
      expect(st.submissions).toBe(215);
      expect(st.traces).toBe(206);
      expect((await store.loadCorpus()).docs.some((d) => d.traceSha256 === fallen.traceSha256)).toBe(false);
      await expect(store.loadCorpus({ snapshot: snap.snapshotId })).rejects.toMatchObject({ code: 'SNAPSHOT_INCOMPLETE', missing: 5 });
      await expect(store.delete('LOG_Mh2.exe.txt')).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
      expect((await store.verify()).problems).toEqual([]);
      // Re-importing brings the deleted files back.
      const again = await store.import(corpusDir);
      expect(again.submissions).toBe(5);
      expect(again.traces).toBe(2);
    });
  });

  it('keeps models with the snapshot that trained them, and evaluations', async () => {
    await withStore(backend, async (store) => {
      await store.import([item('sysBEN/LOG_ARP.EXE.txt', 0), item('sysMAL/LOG_711.exe.txt', 1)]);
      const { snapshotId } = await store.loadCorpus();
      const bytes = new Uint8Array(4096).map((_, i) => (i * 31) & 0xff);
      const saved = await store.saveModel({ name: 'test', bytes, config: { preset: 'default' }, snapshotId, metrics: { accuracy: 0.9 } });
      const got = await store.getModel(saved.id);
      expect(Buffer.from(got.bytes!).equals(Buffer.from(bytes))).toBe(true);
      expect(got).toMatchObject({
        name: 'test',
        snapshotId,
        config: { preset: 'default' },
        metrics: { accuracy: 0.9 },
        sha256: saved.sha256,
      });
      expect((await store.listModels()).map((m) => m.id)).toEqual([saved.id]);
      const ev = await store.addEvaluation({ kind: 'cv', modelId: saved.id, snapshotId, metrics: { f1: 0.8 }, config: { folds: 5 } });
      await store.addEvaluation({ kind: 'bench', metrics: { ms: 12 } });
      expect((await store.listEvaluations({ modelId: saved.id })).map((e) => [e.id, e.kind, e.metrics])).toEqual([
        [ev.id, 'cv', { f1: 0.8 }],
      ]);
      expect((await store.listEvaluations()).length).toBe(2);
      await expect(store.getModel(saved.id + 1000)).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
    });
  });

  it('runs further migrations on its connection after its own; a failing one closes it and rejects', async () => {
    const fresh = await backend.fresh();
    const seen: string[] = [];
    const extra = async (d: { kind: string; query: (sql: string) => Promise<unknown> }) => {
      seen.push(d.kind);
      await d.query('CREATE TABLE IF NOT EXISTS ntmd_test_extra (x int)');
    };
    const store = await openStore({ db: fresh.db, env: {}, migrations: [extra] });
    expect(seen).toEqual([store.backend]);
    expect(store.driver.kind).toBe(store.backend);
    await store.driver.query('INSERT INTO ntmd_test_extra VALUES (1)');
    expect(await store.driver.query('SELECT x FROM ntmd_test_extra')).toEqual([{ x: 1 }]);
    await store.close();
    await expect(
      openStore({ db: fresh.db, env: {}, migrations: [async () => Promise.reject(new Error('extra migration failed'))] }),
    ).rejects.toThrow('extra migration failed');
    // The failed open closed its connection: the database opens again (an embedded one has one owner).
    const again = await openStore({ db: fresh.db, env: {} });
    expect((await again.driver.query('SELECT count(*)::int AS n FROM ntmd_test_extra'))[0]).toEqual({ n: 1 });
    await again.close();
    await fresh.cleanup();
  });

  it('upgrades a version-1 database with data, and refuses a newer schema', async () => {
    const fresh = await backend.fresh();
    // An empty database for this test: the PGlite template is already migrated, so use a new folder.
    const db = isConnectionString(fresh.db) ? fresh.db : join(scratch, `v1-${Date.now()}`);
    const driver = isConnectionString(db) ? await openPostgres(db) : await openPglite(db);
    expect(await schemaVersion(driver)).toBe(0);
    expect(await migrate(driver, 1)).toEqual([1]);
    expect(await schemaVersion(driver)).toBe(1);
    await driver.close();
    // A store opened now on the version-1 database upgrades it and imports into it.
    const store = await openStore({ db, env: {} });
    expect(await store.schemaVersion()).toBe(MIGRATIONS.length);
    expect((await store.import([item('sysBEN/LOG_ARP.EXE.txt', 0)])).traces).toBe(1);
    await store.close();
    const d2 = isConnectionString(db) ? await openPostgres(db) : await openPglite(db);
    await d2.query("INSERT INTO ntmd_migrations (version, name) VALUES (99, 'from the future')");
    await d2.close();
    await expect(openStore({ db, env: {} })).rejects.toMatchObject({ code: 'STORE_SCHEMA' });
    await fresh.cleanup();
  });
});
