import { describe, expect, it } from 'vitest';
import { Model } from '../model/model.js';
import { fitPipeline } from '../model/pipeline.js';
import { presetConfig } from '../model/presets.js';
import { numbers } from '../model/test-helpers/numbers.js';
import { detect, detectSync } from './detect.js';
import { explainSync } from './explain.js';

describe('detect() with a custom-alphabet model', () => {
  it('takes call-name arrays and words text, read as words because the model was trained on words', async () => {
    const { docs, labels, table } = numbers();
    const cfg = {
      ...presetConfig('ntmaldetect-2018'),
      tfidf: { ...presetConfig('ntmaldetect-2018').tfidf, ngramRange: [2, 3] as [number, number] },
      minKnownNgrams: 1,
    };
    const model = new Model(fitPipeline({ ...cfg, alphabet: 'custom', input: 'words' }, docs, labels, table));
    const mal = Array.from(docs[1], (id) => table.nameOf(id));
    const ben = Array.from(docs[0], (id) => table.nameOf(id));
    expect(detectSync(mal, { model }).verdict).toBe('malicious');
    expect(detectSync(ben, { model }).verdict).toBe('benign');
    // ADFA-LD's form: one line, a trailing space; and the same calls on several lines.
    expect(detectSync(mal.join(' ') + ' \n', { model }).calls).toBe(mal.length);
    expect((await detect(Buffer.from(mal.join('\n')), { model })).verdict).toBe('malicious');
    expect(() => detectSync('6 63', { model, input: 'xml' as never })).toThrow(/invalid option input/);
    // explain reads the same text the same way, and its contributions add up to the score.
    const e = explainSync(mal.join(' '), { model });
    expect(e.verdict.verdict).toBe('malicious');
    const svc = e.members[1];
    const sum = svc.contributions.reduce((a, c) => a + c.contribution, svc.bias.value + svc.rest);
    expect(sum).toBeCloseTo(svc.score, 9);
  });
});
