/**
 * The TF-IDF fit with the n-gram count split across threads (src/tfidf/parallel.ts), in
 * process: a stand-in thread group hands the documents to several tallies in a random
 * order, as racing threads would, and the merged fit must equal the single-thread one
 * exactly (vocabulary, idf, every row). The real threads run in test/threads.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CallTable } from '../tokenize/call-table.js';
import type { JobResult, JobRun, ThreadGroup } from '../threads.js';
import { EmptyVocabularyError } from './errors.js';
import { countNgramsJob, fitTransformOnThreads, type CountNgramsData, type CountNgramsPart } from './parallel.js';
import { TfidfVectorizer, type TfidfOptions } from './vectorizer.js';

/**
 * A thread group of `threads` participants in this thread: item (n-gram part) i goes to
 * participant `owner(i)`, in a mixed order as racing threads would finish them;
 * participant 0 is the caller's own job, the others fresh jobs.
 */
function fakeGroup(threads: number, owner: (i: number) => number): ThreadGroup {
  return {
    size: threads - 1,
    async run(
      _name: string,
      data: CountNgramsData,
      n: number,
      local: JobRun<CountNgramsPart, null>,
    ): Promise<JobResult<CountNgramsPart, null>> {
      const jobs: JobRun<CountNgramsPart, null>[] = [local];
      for (let k = 1; k < threads; k++) jobs.push(countNgramsJob(data));
      const mine: number[][] = jobs.map(() => []);
      const items: CountNgramsPart[] = [];
      const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => owner(a) - owner(b) || b - a);
      for (const i of order) {
        const k = owner(i);
        items[i] = await jobs[k].item(i);
        mine[k].push(i);
      }
      return { items, ends: jobs.map((_, k) => ({ value: null, items: mine[k] })) };
    },
  } as unknown as ThreadGroup;
}

const NAMES = ['NtOpenFile', 'NtClose', 'NtReadFile', 'NtWriteFile', 'NtQueryKey', 'ntclose', 'NtAllocateVirtualMemory'];

function docsOf(seqs: number[][], table: CallTable): Int32Array[] {
  for (const n of NAMES) table.intern(n);
  return seqs.map((s) => Int32Array.from(s));
}

async function both(seqs: number[][], options: TfidfOptions, parts: number, owner: (i: number) => number): Promise<void> {
  const table = new CallTable();
  const docs = docsOf(seqs, table);
  const v = new TfidfVectorizer(options);
  let single: ReturnType<TfidfVectorizer['fitTransform']> | Error;
  try {
    single = v.fitTransform(docs, table);
  } catch (e) {
    single = e as Error;
  }
  if (single instanceof Error) {
    await expect(fitTransformOnThreads(v, docs, table, fakeGroup(parts, owner))).rejects.toThrow(single.message);
    return;
  }
  const split = await fitTransformOnThreads(v, docs, table, fakeGroup(parts, owner));
  expect(split.tfidf.state()).toEqual(single.tfidf.state());
  expect(split.X).toEqual(single.X);
}

describe('fitTransformOnThreads', () => {
  it('equals the single-thread fit whichever tally counts which document', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer({ min: 0, max: NAMES.length - 1 }), { maxLength: 40 }), { minLength: 1, maxLength: 12 }),
        fc.constantFrom<TfidfOptions>(
          { ngramRange: [2, 2] },
          { ngramRange: [1, 3], minDf: 2 },
          { ngramRange: [2, 4], maxFeatures: 5, sublinearTf: true },
          { ngramRange: [3, 3], maxDf: 0.5, norm: 'l1', lowercase: false },
        ),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
        async (seqs, options, parts, picks) => {
          await both(seqs, options, parts, (i) => picks[i] % parts);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reports an empty vocabulary as the single-thread fit does', async () => {
    const table = new CallTable();
    const docs = docsOf([[0, 1], [2]], table);
    const v = new TfidfVectorizer({ ngramRange: [3, 3] });
    await expect(
      fitTransformOnThreads(
        v,
        docs,
        table,
        fakeGroup(2, (i) => i % 2),
      ),
    ).rejects.toBeInstanceOf(EmptyVocabularyError);
  });

  it('merges a real corpus split in two by turns: 400 documents of ten-grams', async () => {
    const seqs: number[][] = [];
    let x = 12345;
    for (let d = 0; d < 400; d++) {
      const s: number[] = [];
      for (let i = 0; i < 60 + (d % 37); i++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        s.push((x >>> 16) % 4 === 0 ? (x >>> 8) % NAMES.length : i % 3);
      }
      seqs.push(s);
    }
    await both(seqs, { ngramRange: [10, 10], minDf: 2 }, 2, (i) => ((i * 7) % 3 === 0 ? 1 : 0));
  });
});
