/**
 * Store.import streams: it reads a file only a bounded number of files ahead of the last
 * committed batch (two batches: one committing while the next is read), never the whole
 * input first. Checked structurally (file reads against committed progress), not by memory.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { scratchDir } from '../../test/tmp.js';
import { writeSyntheticCorpus } from '../eval/synthetic.js';
import { openStore } from './index.js';
import { pgliteBackend, removeScratch } from './test-helpers/backends.js';

const reads = vi.hoisted(() => ({ count: 0, onRead: (): void => undefined }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const readFile = (async (...args: Parameters<typeof fs.readFile>) => {
    const out = await fs.readFile(...args);
    reads.count++;
    reads.onRead();
    return out;
  }) as typeof fs.readFile;
  return { ...fs, default: { ...fs, readFile }, readFile };
});

const dir = scratchDir('ntmd-import-stream-');
const corpus = join(dir, 'corpus');
const FILES = writeSyntheticCorpus(corpus, { traces: 40, minLength: 5, maxLength: 80, vocabulary: 'nt', seed: 11 });
afterAll(removeScratch);

/** Imports the corpus and returns the most files read but not yet committed at any read. */
async function importAhead(options: {
  batchSize?: number;
  batchBytes?: number;
}): Promise<{ ahead: number; stored: number; reads: number }> {
  const fresh = await pgliteBackend.fresh();
  const store = await openStore({ db: fresh.db, env: {} });
  try {
    let done = 0;
    let ahead = 0;
    reads.count = 0;
    reads.onRead = () => {
      ahead = Math.max(ahead, reads.count - done);
    };
    const r = await store.import(corpus, { ...options, onProgress: (p) => (done = p.done) });
    return { ahead, stored: r.submissions, reads: reads.count };
  } finally {
    reads.onRead = () => undefined;
    await store.close();
    await fresh.cleanup();
  }
}

describe('Store.import reads its input a bounded number of files ahead', () => {
  it('at most two batches of files are read and not yet committed', async () => {
    expect(FILES).toBe(40);
    const r = await importAhead({ batchSize: 4 });
    expect(r.stored).toBe(40);
    expect(r.reads).toBe(40); // each file read once
    expect(r.ahead).toBeGreaterThanOrEqual(4);
    expect(r.ahead).toBeLessThanOrEqual(8);
  });

  it('the byte limit of a batch bounds it too: one file per batch gives at most two files ahead', async () => {
    const r = await importAhead({ batchSize: 1000, batchBytes: 1 });
    expect(r.stored).toBe(40);
    expect(r.ahead).toBeGreaterThanOrEqual(1);
    expect(r.ahead).toBeLessThanOrEqual(2);
  });
});
