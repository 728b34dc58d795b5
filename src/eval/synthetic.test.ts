import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../errors.js';
import { syntheticCorpus, writeSyntheticCorpus } from './synthetic.js';

describe('synthetic corpus', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = syntheticCorpus({ traces: 50, seed: 3 });
    const b = syntheticCorpus({ traces: 50, seed: 3 });
    const c = syntheticCorpus({ traces: 50, seed: 4 });
    expect(a).toEqual(b);
    expect(a.traces).not.toEqual(c.traces);
  });
  it('respects the counts and lengths asked for', () => {
    const s = syntheticCorpus({ traces: 400, maliciousFraction: 0.25, minLength: 2, maxLength: 30, vocabulary: 'linux-numbers' });
    expect(s.labels.filter((l) => l === 1).length).toBe(100);
    for (const t of s.traces) {
      expect(t.length).toBeGreaterThanOrEqual(2);
      expect(t.length).toBeLessThanOrEqual(30);
      for (const call of t) expect(call).toMatch(/^\d+$/);
    }
    expect(s.traces.some((t) => t.length < 10)).toBe(true);
  });
  it('makes the classes differ in their call patterns', () => {
    // Bigram counts per class: the most class-specific bigrams should be far from 50/50.
    const s = syntheticCorpus({ traces: 2000, seed: 1 });
    const count = new Map<string, [number, number]>();
    s.traces.forEach((t, i) => {
      for (let k = 1; k < t.length; k++) {
        const key = t[k - 1] + ' ' + t[k];
        const c = count.get(key) ?? [0, 0];
        c[s.labels[i]]++;
        count.set(key, c);
      }
    });
    const skewed = [...count.values()].filter(([b, m]) => b + m >= 50 && Math.max(b, m) / (b + m) > 0.75);
    expect(skewed.length).toBeGreaterThan(10);
  });
  it('writes the NtMalDetect layout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ntmd-synth-'));
    try {
      expect(writeSyntheticCorpus(dir, { traces: 10, vocabulary: 'winapi' })).toBe(10);
      expect(readdirSync(join(dir, 'sysBEN'))).toHaveLength(5);
      const f = readdirSync(join(dir, 'sysMAL'))[0];
      expect(readFileSync(join(dir, 'sysMAL', f), 'utf8')).toMatch(/^([A-Za-z]+\n)+$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('rejects bad options with a typed error', () => {
    expect(() => syntheticCorpus({ traces: 1 })).toThrow(InvalidOptionError);
    expect(() => syntheticCorpus({ confusion: 2 })).toThrow(/confusion/);
  });
});
