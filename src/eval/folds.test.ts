import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { corpusDir, referenceDir, requireShared } from '../../test/shared.js';
import { FoldsFileError, SplitError } from './errors.js';
import {
  groupedFoldOf,
  replayFolds,
  similarityGroups,
  stratifiedFoldOf,
  stratifiedSplit,
  uniqueDocs,
  uniqueSplit,
  type FoldsFile,
} from './folds.js';
import { Mt19937 } from '../stats/random.js';
import type { Csr } from '../tfidf/csr.js';

requireShared();
const ref = JSON.parse(readFileSync(join(referenceDir, 'cv-folds.json'), 'utf8')) as FoldsFile & {
  settings: Record<string, { document_order: string[]; test_folds: string[][] }>;
};
const names = ref.settings.all.document_order;
const labels = names.map((n) => (n.startsWith('sysMAL/') ? 1 : 0));

function foldNames(folds: { test: Int32Array }[], docNames: readonly string[]): string[][] {
  return folds.map((f) => Array.from(f.test, (i) => docNames[i]));
}

describe('Mt19937 (numpy RandomState)', () => {
  it('matches numpy for seed 0 random_sample and seed 42 shuffle', () => {
    const r = new Mt19937(0);
    expect(Math.floor(r.random() * 1e15)).toBe(548813503927324);
    expect(Math.floor(r.random() * 1e15)).toBe(715189366372419);
    const a = new Mt19937(42).shuffle(Int32Array.from({ length: 20 }, (_, i) => i));
    expect(Array.from(a)).toEqual([0, 17, 15, 1, 8, 5, 11, 3, 18, 16, 13, 2, 9, 19, 4, 12, 7, 10, 14, 6]);
  });
  it('draws intervals within bounds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 0, max: 1000 }), (max, seed) => {
        const v = new Mt19937(seed).interval(max);
        return Number.isInteger(v) && v >= 0 && v <= max;
      }),
    );
  });
});

describe('stratified k-fold', () => {
  it('reproduces the reference folds (scikit-learn StratifiedKFold, random_state=0) for all 215 traces', () => {
    const s = stratifiedSplit(labels, 10, 0);
    expect(foldNames(s.folds, names)).toEqual(ref.settings.all.test_folds);
  });
  it('reproduces the reference unique setting (208 traces) from the file hashes', () => {
    const keys = names.map((n) =>
      createHash('sha256')
        .update(readFileSync(join(corpusDir, n)))
        .digest('hex'),
    );
    const s = uniqueSplit(labels, keys, 10, 0);
    expect(s.used.length).toBe(208);
    expect(foldNames(s.folds, names)).toEqual(ref.settings.unique.test_folds);
    const { dropped } = uniqueDocs(keys);
    const asNames = Object.fromEntries([...dropped].map(([k, v]) => [names[k], v.map((i) => names[i])]));
    expect(asNames).toEqual((ref.settings.unique as unknown as { dropped_duplicates: unknown }).dropped_duplicates);
  });
  it('partitions the documents and keeps class proportions within one per fold', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 12, maxLength: 80 }),
        fc.integer({ min: 2, max: 6 }),
        fc.nat(1000),
        (y, k, seed) => {
          fc.pre(y.filter((v) => v === 0).length >= k || y.filter((v) => v === 1).length >= k);
          const f = stratifiedFoldOf(y, k, seed);
          for (const c of [0, 1]) {
            const per = new Array(k).fill(0);
            y.forEach((v, i) => v === c && per[f[i]]++);
            if (Math.max(...per) - Math.min(...per) > 1) return false;
          }
          return f.every((v) => v >= 0 && v < k);
        },
      ),
    );
  });
  it('rejects impossible fold counts with a typed error', () => {
    expect(() => stratifiedFoldOf([0, 1, 1], 5, 0)).toThrow(SplitError);
    expect(() => stratifiedFoldOf([0, 1, 1, 0], 1, 0)).toThrow(SplitError);
  });
});

describe('replay of a folds file', () => {
  it('maps names to documents whatever the corpus order', () => {
    const shuffled = [...names].reverse();
    const s = replayFolds(ref, shuffled, 'all', 'cv-folds.json');
    expect(foldNames(s.folds, shuffled)).toEqual(
      ref.settings.all.test_folds.map((f) => [...f].sort((a, b) => shuffled.indexOf(a) - shuffled.indexOf(b))),
    );
    for (const f of s.folds) expect(f.train.length + f.test.length).toBe(215);
  });
  it('names the unknown document and the missing setting', () => {
    expect(() => replayFolds(ref, names.slice(1), 'all', 'cv.json')).toThrow(
      /cv\.json: fold \d names "sysBEN\/LOG_7zFM\.exe\.txt"|not in the corpus/,
    );
    expect(() => replayFolds(ref, names, 'nope', 'cv.json')).toThrow(FoldsFileError);
  });
});

function csr(rows: number[][]): Csr {
  const indptr = [0];
  const indices: number[] = [];
  const data: number[] = [];
  let cols = 0;
  for (const r of rows) {
    r.forEach((v, c) => {
      if (v !== 0) {
        indices.push(c);
        data.push(v);
      }
    });
    cols = Math.max(cols, r.length);
    indptr.push(indices.length);
  }
  return { rows: rows.length, cols, indptr: Int32Array.from(indptr), indices: Int32Array.from(indices), data: Float64Array.from(data) };
}

describe('grouped split', () => {
  it('links rows by cosine >= threshold transitively, and identical keys even with empty rows', () => {
    const X = csr([
      [1, 0, 0],
      [0, 1, 0],
      [1, 0.1, 0], // cos with row 0 = 0.995
      [0, 0, 0],
      [0, 0, 0],
      [0.9, 0.2, 0.0], // cos with row 2 = 0.9989, with row 0 = 0.976
    ]);
    expect(Array.from(similarityGroups(X, 0.99))).toEqual([0, 1, 0, 2, 3, 0]);
    expect(Array.from(similarityGroups(X, 0.99, ['a', 'b', 'c', 'd', 'd', 'e']))).toEqual([0, 1, 0, 2, 2, 0]);
    expect(Array.from(similarityGroups(X, 0.999))).toEqual([0, 1, 2, 3, 4, 5]);
  });
  it('never splits a group and balances classes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 1, max: 4 })), { minLength: 10, maxLength: 40 }),
        fc.nat(100),
        (spec, seed) => {
          const groups: number[] = [];
          const y: number[] = [];
          spec.forEach(([label, size], g) => {
            for (let j = 0; j < size; j++) {
              groups.push(g);
              y.push(label);
            }
          });
          const f = groupedFoldOf(groups, y, 5, seed);
          const foldOfGroup = new Map<number, number>();
          return groups.every((g, i) => {
            const prev = foldOfGroup.get(g);
            foldOfGroup.set(g, f[i]);
            return prev === undefined || prev === f[i];
          });
        },
      ),
    );
    const y = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1];
    const f = groupedFoldOf(
      y.map((_, i) => i),
      y,
      2,
      3,
    );
    expect(y.filter((v, i) => v === 0 && f[i] === 0).length).toBe(2);
    expect(y.filter((v, i) => v === 1 && f[i] === 0).length).toBe(4);
  });
});
