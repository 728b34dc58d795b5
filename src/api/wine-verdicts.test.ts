/**
 * The shipped model on real NtTrace logs of programs run under Wine (made by
 * scripts/make-nttrace-fixtures.sh): benign Wine tools and ntmd-behave, our harmless
 * program that acts like the corpus's malware. The model was trained on 2017-era 32-bit
 * Windows traces and knows almost none of their ten-grams: each must be "unfamiliar", never
 * a verdict from the intercept (docs/benchmarks.md, "Familiarity").
 */
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../test/shared.js';
import { MIN_KNOWN_NGRAMS } from './verdict.js';
import { detectFile } from './detect.js';

const benign = join(projectRoot, 'fixtures', 'wine-benign');
const real = join(projectRoot, 'fixtures', 'nttrace');
const logsIn = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => /\.log(\.gz)?$/.test(f))
    .sort();

describe('the shipped model on Wine traces', () => {
  it('judges no benign Wine tool malicious: each is unfamiliar, with the figures behind it', async () => {
    const files = logsIn(benign);
    expect(files.length).toBeGreaterThanOrEqual(50);
    for (const f of files) {
      const v = await detectFile(join(benign, f));
      expect({ f, verdict: v.verdict, malicious: v.malicious }).toEqual({ f, verdict: 'unfamiliar', malicious: false });
      expect(v.knownNgrams).toBeLessThan(MIN_KNOWN_NGRAMS);
      expect(v.reason).toMatch(/^\d+ distinct n-grams? of the trace (is|are) known to the model/);
    }
  });

  it('calls ntmd-behave (malware-like, harmless) unfamiliar too: the model has not seen Wine, not that it is benign', async () => {
    for (const f of logsIn(real).filter((x) => x.startsWith('ntmd-behave'))) {
      const v = await detectFile(join(real, f));
      expect({ f, verdict: v.verdict }).toEqual({ f, verdict: 'unfamiliar' });
      expect(v.knownNgrams).toBeLessThan(10);
    }
  });
});
