/**
 * `loadCorpus` with the files read on several threads (src/corpus/read-job.ts), in process: a
 * stand-in thread group hands the files to several reading jobs in a mixed order, as racing
 * threads would; the corpus (documents, ids, table) must be the single-thread one. The real
 * threads run in test/threads.test.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusDir, requireShared } from '../../test/shared.js';
import { scratchDir } from '../../test/tmp.js';
import type { JobResult, JobRun, ThreadGroup } from '../threads.js';
import { loadCorpus } from './index.js';
import { readTracesJob, type ReadTraceResult, type ReadTracesData } from './read-job.js';

/** Participant `owner(i)` reads file i (0 is the caller's own job). */
function fakeGroup(parts: number, owner: (i: number) => number): ThreadGroup {
  return {
    async run(
      _name: string,
      data: ReadTracesData,
      n: number,
      local: JobRun<ReadTraceResult, null>,
    ): Promise<JobResult<ReadTraceResult, null>> {
      const jobs = [local];
      for (let k = 1; k < parts; k++) jobs.push(readTracesJob(data));
      const mine: number[][] = jobs.map(() => []);
      const items: ReadTraceResult[] = [];
      for (let i = 0; i < n; i++) {
        const k = owner(i);
        items[i] = await jobs[k].item(i);
        mine[k].push(i);
      }
      return { items, ends: jobs.map((_, k) => ({ value: null, items: mine[k] })) };
    },
  } as unknown as ThreadGroup;
}

describe('loadCorpus on threads', () => {
  it('gives the corpus of one thread: documents, ids and call table', async () => {
    requireShared();
    const single = await loadCorpus(corpusDir);
    for (const [parts, owner] of [
      [2, (i: number) => (i % 5 < 2 ? 1 : 0)],
      [3, (i: number) => (i * 7) % 3],
    ] as const) {
      const warnings: string[] = [];
      const split = await loadCorpus(corpusDir, {
        threads: () => Promise.resolve(fakeGroup(parts, owner)),
        onWarning: (w) => warnings.push(w),
      });
      expect(split.table.names()).toEqual(single.table.names());
      expect(split.skippedEmpty).toEqual(single.skippedEmpty);
      // Deep equality of 215 typed arrays element by element is slow: compare their bytes.
      const meta = (c: typeof single): unknown[] => c.docs.map(({ calls, ...rest }) => ({ ...rest, calls: calls.length }));
      expect(meta(split)).toEqual(meta(single));
      const bytes = (a: Int32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
      expect(split.docs.filter((d, i) => !bytes(d.calls).equals(bytes(single.docs[i].calls))).map((d) => d.name)).toEqual([]);
      expect(warnings).toHaveLength(single.skippedEmpty.length + 1);
    }
  });

  it('fails on a file that is not a trace with the error of one thread', async () => {
    const dir = scratchDir();
    mkdirSync(join(dir, 'sysBEN'));
    mkdirSync(join(dir, 'sysMAL'));
    writeFileSync(join(dir, 'sysBEN', 'a.txt'), 'NtOpenFile\nNtClose\n'.repeat(40));
    writeFileSync(join(dir, 'sysBEN', 'b.txt'), 'MZ\x90\x00 this is not a trace\n'.repeat(10));
    writeFileSync(join(dir, 'sysMAL', 'c.txt'), 'NtReadFile\nNtClose\n'.repeat(40));
    const single = await loadCorpus(dir).catch((e: unknown) => e as Error);
    expect(single).toBeInstanceOf(Error);
    const split = await loadCorpus(dir, { threads: () => Promise.resolve(fakeGroup(2, (i) => i % 2)) }).catch((e: unknown) => e as Error);
    expect(split.constructor).toBe(single.constructor);
    expect((split as Error).message).toBe((single as Error).message);
    expect((split as { code?: string }).code).toBe('NO_CALLS');
  });
});
