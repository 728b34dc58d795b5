import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CallTable } from '../tokenize/call-table.js';
import { crossValidate, summaryJson, type Candidate } from './cv.js';
import { stratifiedSplit } from './folds.js';
import { binaryMetrics } from '../stats/metrics.js';
import { writeReport } from './report.js';

// 40 documents: the share of call 1 is the signal; label 1 iff share > 0.5 except two flips.
const table = new CallTable();
table.intern('NtA');
table.intern('NtB');
const docs: Int32Array[] = [];
const labels = new Uint8Array(40);
for (let i = 0; i < 40; i++) {
  const ones = i % 20;
  docs.push(Int32Array.from({ length: 20 }, (_, k) => (k < ones ? 1 : 0)));
  labels[i] = ones > 10 ? 1 : 0;
}
labels[3] = 1;
labels[37] = 0;
const share = (d: Int32Array): number => d.reduce((a, b) => a + b, 0) / d.length;

/** Learns a threshold halfway between the class means; records what it was trained on. */
function thresholdCandidate(seen: Set<Int32Array>[]): Candidate {
  return {
    name: 'toy',
    fit(trainDocs, y) {
      const set = new Set(trainDocs);
      seen.push(set);
      let m0 = 0;
      let m1 = 0;
      let n1 = 0;
      trainDocs.forEach((d, i) => (y[i] ? ((m1 += share(d)), n1++) : (m0 += share(d))));
      const t = (m0 / (trainDocs.length - n1) + m1 / n1) / 2;
      return {
        score: (test) => [
          {
            name: '',
            scores: Float64Array.from(test, (d) => share(d) - t),
            labels: Uint8Array.from(test, (d) => (share(d) - t > 0 ? 1 : 0)),
          },
          { name: 'raw', scores: Float64Array.from(test, share), labels: Uint8Array.from(test, (d) => (share(d) > 0.5 ? 1 : 0)) },
        ],
      };
    },
  };
}

describe('crossValidate', () => {
  const seen: Set<Int32Array>[] = [];
  const split = stratifiedSplit(labels, 4, 0);
  const progress: number[] = [];
  const r = crossValidate([thresholdCandidate(seen)], docs, labels, table, split, { onProgress: (d) => progress.push(d) });

  it('fits on each training part only', () => {
    expect(seen).toHaveLength(4);
    split.folds.forEach((f, k) => {
      for (const i of f.test) expect(seen[k].has(docs[i])).toBe(false);
      expect(seen[k].size).toBe(f.train.length);
    });
    expect(progress).toEqual([1, 2, 3, 4]);
  });
  it('pools the out-of-fold predictions and names outputs after the candidate', () => {
    expect(r.results.map((m) => m.model)).toEqual(['toy', 'toy/raw']);
    const raw = r.results[1];
    const expected = binaryMetrics(
      labels,
      docs.map(share),
      docs.map((d) => (share(d) > 0.5 ? 1 : 0)),
    );
    const { foldMean, foldStd, fitSeconds, predictSeconds, model, ...pooled } = raw;
    expect(pooled).toEqual(expected);
    expect(model).toBe('toy/raw');
    expect(fitSeconds).toBeGreaterThanOrEqual(0);
    expect(predictSeconds).toBeGreaterThanOrEqual(0);
    expect(foldMean.accuracy).toBeGreaterThan(0.8);
    expect(foldStd.accuracy).toBeGreaterThanOrEqual(0);
    expect(r.traces).toBe(40);
    expect(r.folds).toBe(4);
  });
  it('gives the JSON summary the documented shape', () => {
    const j = JSON.parse(JSON.stringify(summaryJson(r)));
    expect(Object.keys(j)).toEqual(['traces', 'split', 'folds', 'results']);
    expect(Object.keys(j.results[0]).sort()).toEqual(
      [
        'model',
        'accuracy',
        'precision',
        'recall',
        'f1',
        'rocAuc',
        'prAuc',
        'tprAtFpr01',
        'tprAtFpr05',
        'fpAtRecall',
        'confusion',
        'foldMean',
        'foldStd',
        'fitSeconds',
        'predictSeconds',
      ].sort(),
    );
    expect(Object.keys(j.results[0].confusion)).toEqual(['tn', 'fp', 'fn', 'tp']);
  });
  it('writes a report with tables and both figures', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ntmd-report-'));
    try {
      const files = writeReport(dir, r, { command: 'ntmaldetect bench --corpus x' });
      expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['report.md', 'roc.svg', 'pr.svg']);
      const md = readFileSync(files[0], 'utf8');
      expect(md).toContain('| toy/raw |');
      expect(md).toContain('![ROC curves](roc.svg)');
      expect(md).toMatch(/\| toy \| .* \| .* \| .* \| .* \|/);
      expect(readFileSync(files[1], 'utf8').match(/<polyline/g)).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
