import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCorpus } from '../corpus/index.js';
import { presetConfig } from '../model/presets.js';
import { corpusDir, requireShared } from '../../test/shared.js';
import { scratchDir } from '../../test/tmp.js';
import { trainOnCorpus } from './train.js';
import { trainInPasses } from './train-streaming.js';

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

describe('trainInPasses', () => {
  it('writes the in-memory model byte for byte on the corpus: default (two passes) and ntmaldetect-2018 (minDf 1, one pass)', async () => {
    requireShared();
    const corpus = await loadCorpus(corpusDir);
    for (const preset of ['default', 'ntmaldetect-2018']) {
      const config = presetConfig(preset);
      const want = trainOnCorpus(corpus, config).toBytes();
      const warnings: string[] = [];
      const got = await trainInPasses(corpusDir, config, { onWarning: (m) => warnings.push(m) });
      expect(same(got.model.toBytes(), want), preset).toBe(true);
      expect(got.stats.passes).toBe(preset === 'default' ? 2 : 1);
      expect(got.corpus.docs.length).toBe(215);
      expect(got.corpus.skippedEmpty.length).toBe(5);
      expect(warnings.at(-1)).toBe('skipped 5 empty traces in all');
      expect(got.model.info().corpus).toEqual(trainOnCorpus(corpus, config).info().corpus);
    }
  }, 120_000);

  it('gives the same model with a table grown file by file, mixed-case names and empty files (synthetic corpus)', async () => {
    const root = scratchDir();
    const names = Array.from({ length: 40 }, (_, i) => `NtCall${i}`);
    let seed = 7;
    const rand = (k: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % k;
    };
    for (const [folder, bias] of [
      ['sysBEN', 0],
      ['sysMAL', 20],
    ] as const) {
      mkdirSync(join(root, folder));
      for (let f = 0; f < 12; f++) {
        const lines: string[] = [];
        for (let i = 0; i < 80 + rand(60); i++) lines.push(names[(bias + rand(20) + (i % 3)) % 40]);
        if (f === 3) lines[5] = lines[5].toUpperCase(); // same canonical name, another table id
        writeFileSync(join(root, folder, `t${f}.txt`), f === 5 ? '' : lines.join('\n') + '\n');
      }
    }
    const config = { ...presetConfig('default'), tfidf: { ...presetConfig('default').tfidf, ngramRange: [2, 4] as [number, number] } };
    const want = trainOnCorpus(await loadCorpus(root), config).toBytes();
    const got = await trainInPasses(root, config);
    expect(same(got.model.toBytes(), want)).toBe(true);
    expect(got.corpus.docs.length).toBe(22);
    expect(got.knownNgrams.length).toBe(22);
  });
});
