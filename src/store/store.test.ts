/**
 * The store's behaviour on the whole corpus, run identically on embedded PGlite and (when
 * NTMD_DATABASE_URL is set) on a real PostgreSQL server.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { corpusDir, requireShared } from '../../test/shared.js';
import { train } from '../api/train.js';
import type { Model } from '../model/model.js';
import type { Store, ImportReport } from './index.js';
import { openStore } from './index.js';
import { backends, removeScratch, scratch } from './test-helpers/backends.js';
import type { FreshDb } from './test-helpers/backends.js';
import { describeEachBackend } from '../../test/services.js';

requireShared();
vi.setConfig({ testTimeout: 300_000, hookTimeout: 600_000 });

interface CorpusFile {
  rel: string;
  label: 0 | 1;
  bytes: Buffer;
  sha256: string;
}

function corpusFiles(): CorpusFile[] {
  const out: CorpusFile[] = [];
  for (const [label, dir] of [
    [0, 'sysBEN'],
    [1, 'sysMAL'],
  ] as const) {
    for (const name of readdirSync(join(corpusDir, dir)).sort()) {
      const bytes = readFileSync(join(corpusDir, dir, name));
      out.push({ rel: `${dir}/${name}`, label, bytes, sha256: createHash('sha256').update(bytes).digest('hex') });
    }
  }
  return out;
}

const files = corpusFiles();
const nonEmpty = files.filter((f) => f.bytes.length > 0);
const distinct = new Set(nonEmpty.map((f) => f.sha256));

afterAll(() => removeScratch());

/** The model trained from the folders, once for every back-end. */
let fromFolders: Promise<Model> | undefined;

describeEachBackend(backends, 'store on $name', (backend) => {
  let fresh: FreshDb;
  let store: Store;
  let first: ImportReport;

  beforeAll(async () => {
    fresh = await backend.fresh();
    store = await openStore({ db: fresh.db, env: {} });
    first = await store.import(corpusDir);
  });

  afterAll(async () => {
    await store?.close();
    await fresh?.cleanup();
  });

  it('the corpus facts the tests rely on hold', () => {
    expect(files.length).toBe(220);
    expect(nonEmpty.length).toBe(215);
    expect(distinct.size).toBe(208);
  });

  it('imports the whole corpus: 220 submissions, 208 distinct traces, 5 empty, 7 duplicates', () => {
    expect(first.files).toBe(220);
    expect(first.failed).toEqual([]);
    expect(first.submissions).toBe(220);
    expect(first.traces).toBe(208);
    expect(first.empty.sort()).toEqual(files.filter((f) => f.bytes.length === 0).map((f) => f.rel));
    expect(first.duplicates.length).toBe(7);
    expect(first.alreadyStored).toEqual([]);
    expect(first.labelConflicts).toEqual([]);
    expect(first.bytes).toBe(files.reduce((s, f) => s + f.bytes.length, 0));
  });

  it('a second import of the same folder stores nothing new', async () => {
    const again = await store.import(corpusDir);
    expect(again.submissions).toBe(0);
    expect(again.traces).toBe(0);
    expect(again.alreadyStored.length).toBe(220);
    const st = await store.stats();
    expect(st.submissions).toBe(220);
    expect(st.traces).toBe(208);
  });

  it('exports every one of the 220 files byte for byte', async () => {
    const out = join(scratch, `export-${backend.name}`);
    const rep = await store.export(out);
    expect(rep.files).toBe(220);
    expect(rep.renamed).toEqual([]);
    for (const f of files) {
      const back = readFileSync(join(out, f.rel));
      expect(back.equals(f.bytes), f.rel).toBe(true);
    }
    expect(readdirSync(join(out, 'sysBEN')).length + readdirSync(join(out, 'sysMAL')).length).toBe(220);
  });

  it('counts by label, source and duplicates', async () => {
    const st = await store.stats();
    expect(st.backend).toBe(backend.name);
    expect(st.emptySubmissions).toBe(5);
    expect(st.duplicateSubmissions).toBe(7);
    expect(st.byLabel).toEqual({
      benign: { submissions: 73, traces: 68, empty: 4 },
      malicious: { submissions: 147, traces: 140, empty: 1 },
    });
    expect(st.bySource).toEqual([{ source: 'corpus', submissions: 220, traces: 208, empty: 5 }]);
    expect(st.duplicateGroups.map((g) => g.names)).toEqual([
      ['LOG_311.exe.txt', 'LOG_bin.exe.txt'],
      ['LOG_Fallen.dat.txt', 'LOG_ddos.exe.txt', 'LOG_xm.exe.txt'],
      ['LOG_Mh1.exe.txt', 'LOG_Mh2.exe.txt'],
      [
        'LOG_b275c8978d18832bd3da9975d0f43cbc90e09a99718f4efaf1be7b43db46cf95.exe.txt',
        'LOG_bed0bec3d123e7611dc3d722813eeb197a2b8048396cef4414f29f24af3a29c4.exe.txt',
      ],
      ['LOG_bubble_sort.exe.txt', 'LOG_matrix_multiply.exe.txt'],
      ['LOG_hfs.exe.txt', 'LOG_moren.exe.txt'],
    ]);
    expect(st.calls).toBe(801_092 + 1_173_521 - duplicateCalls());
    expect(st.fileBytes).toBe(files.reduce((s, f) => s + f.bytes.length, 0));
    // Every corpus file is canonical reduced text: nothing but the compact sequences is kept.
    expect(st.storedBytes.originals).toBe(0);
    expect(st.storedBytes.sequences).toBeLessThan(st.fileBytes / 20);
    expect(st.schemaVersion).toBe(2);
  });

  it('loads the corpus in the reader order with the exact calls, and records a snapshot', async () => {
    const c = await store.loadCorpus();
    expect(c.docs.map((d) => d.name)).toEqual(nonEmpty.map((f) => f.rel));
    expect(c.skippedEmpty).toEqual(files.filter((f) => f.bytes.length === 0).map((f) => f.rel));
    const names = c.table.names();
    for (const [i, d] of c.docs.entries()) {
      const f = nonEmpty[i];
      expect(d.label).toBe(f.label);
      expect(d.sha256).toBe(f.sha256);
      expect(d.bytes).toBe(f.bytes.length);
      let text = '';
      for (const id of d.calls) text += names[id] + '\n';
      expect(text === f.bytes.toString('utf8'), d.name).toBe(true);
    }
    expect(c.snapshotId).toMatch(/^[0-9a-f]{64}$/);
    const again = await store.loadCorpus();
    expect(again.snapshotId).toBe(c.snapshotId);
  });

  it('train({ store, filter }) gives the same model file as train() from the folders', async () => {
    fromFolders ??= train(corpusDir, { onWarning: () => undefined });
    const fromStore = await train({ store, filter: {} });
    expect(Buffer.from(fromStore.toBytes()).equals(Buffer.from((await fromFolders).toBytes()))).toBe(true);
  });

  it('filters by label, source and uniqueness with a typed filter', async () => {
    const mal = await store.loadCorpus({ labels: ['malicious'] });
    expect(mal.docs.length).toBe(146);
    expect(mal.docs.every((d) => d.label === 1)).toBe(true);
    const uniq = await store.loadCorpus({ unique: true });
    expect(uniq.docs.length).toBe(208);
    expect(new Set(uniq.docs.map((d) => d.traceSha256)).size).toBe(208);
    expect((await store.loadCorpus({ sources: ['elsewhere'] })).docs.length).toBe(0);
    expect((await store.loadCorpus({ until: new Date(Date.now() - 86_400_000) })).docs.length).toBe(0);
    expect((await store.loadCorpus({ since: new Date(Date.now() - 86_400_000) })).docs.length).toBe(215);
    await expect(store.loadCorpus({ labels: ['evil'] } as never)).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(store.loadCorpus({ where: '1=1' } as never)).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });
});

/** Calls in the duplicate copies (the class totals of the README count every file). */
function duplicateCalls(): number {
  const seen = new Set<string>();
  let extra = 0;
  for (const f of nonEmpty) {
    if (seen.has(f.sha256)) extra += f.bytes.toString('utf8').split('\n').length - 1;
    seen.add(f.sha256);
  }
  return extra;
}
