import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCorpus } from '../corpus/index.js';
import { CorpusStream, openCorpusStream } from '../corpus/stream.js';
import { resolveConfig } from '../model/config.js';
import { presetConfig } from '../model/presets.js';
import { corpusDir, requireShared } from '../../test/shared.js';
import { scratchDir } from '../../test/tmp.js';
import { trainOnCorpus } from './train.js';
import { chooseInPasses, trainInPasses } from './train-streaming.js';
import { train } from './train.js';
import { runCliCaptured } from '../../test/cli.js';

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
    const parsed = await openCorpusStream(root, { spill: false });
    expect(same((await trainInPasses(parsed, config)).model.toBytes(), want)).toBe(true);
    // Later passes read the spill file of the first, not the traces (removed here after the
    // first pass); the file is unlinked at once, so its folder stays empty.
    const spill = scratchDir();
    const stream = await openCorpusStream(root, { spill });
    let docs = 0;
    stream.pass(() => docs++);
    expect(docs).toBe(22);
    expect(readdirSync(spill)).toEqual([]);
    rmSync(join(root, 'sysBEN'), { recursive: true });
    rmSync(join(root, 'sysMAL'), { recursive: true });
    expect(same((await trainInPasses(stream, config)).model.toBytes(), want)).toBe(true);
    expect(readdirSync(spill)).toEqual([]);
  });

  it('train({ lowMemory: true }) and train --low-memory write the in-memory model; auto stays in memory for the corpus', async () => {
    requireShared();
    const dir = scratchDir();
    const inMemory = await runCliCaptured(['train', '--corpus', corpusDir, '--in-memory', '--out', join(dir, 'a.ntmd'), '--json'], dir);
    expect(inMemory.code, inMemory.err).toBe(0);
    expect(JSON.parse(inMemory.out)).toMatchObject({ lowMemory: false, traces: 215, skippedEmpty: 5 });
    const passes = await runCliCaptured(['train', '--corpus', corpusDir, '--low-memory', '--out', join(dir, 'b.ntmd'), '--json'], dir);
    expect(passes.code, passes.err).toBe(0);
    expect(JSON.parse(passes.out)).toMatchObject({ lowMemory: true, traces: 215, skippedEmpty: 5, duplicates: 7 });
    expect(passes.err).toContain('skipped 5 empty traces in all');
    expect(readFileSync(join(dir, 'b.ntmd')).equals(readFileSync(join(dir, 'a.ntmd')))).toBe(true);
    const auto = await runCliCaptured(['train', '--corpus', corpusDir, '--out', join(dir, 'c.ntmd'), '--json'], dir);
    expect(JSON.parse(auto.out)).toMatchObject({ lowMemory: false });
    const api = await train(corpusDir, { lowMemory: true, seed: 0 });
    expect(Buffer.from(api.toBytes()).equals(readFileSync(join(dir, 'a.ntmd')))).toBe(true);
  }, 120_000);

  it('refuses --low-memory where the traces must be held: the auto preset, a loaded corpus, both flags', async () => {
    requireShared();
    const dir = scratchDir();
    const auto = await runCliCaptured(
      ['train', '--corpus', corpusDir, '--preset', 'auto', '--low-memory', '--out', join(dir, 'm.ntmd')],
      dir,
    );
    expect(auto.code).toBe(2);
    expect(auto.err).toMatch(/lowMemory.*a preset other than auto/);
    const both = await runCliCaptured(['train', '--corpus', corpusDir, '--low-memory', '--in-memory', '--out', join(dir, 'm.ntmd')], dir);
    expect(both.code).toBe(2);
    expect(both.err).toContain('--low-memory or --in-memory, not both');
    const loaded = await loadCorpus(corpusDir);
    await expect(train(loaded, { lowMemory: true })).rejects.toThrow(/a corpus location/);
  });

  it('reads words files in passes as in memory, and removes its spill file when a file is not a trace', async () => {
    const root = scratchDir();
    for (const [folder, base] of [
      ['benign', 0],
      ['malicious', 3],
    ] as const) {
      mkdirSync(join(root, folder));
      for (let f = 0; f < 6; f++) {
        const words = Array.from({ length: 90 }, (_, i) => String(base + ((i * (f + 1)) % 7)));
        writeFileSync(join(root, folder, `t${f}`), words.join(f % 2 ? ' ' : '\n'));
      }
    }
    const spec = { benign: join(root, 'benign'), malicious: join(root, 'malicious') };
    const config = {
      ...presetConfig('default'),
      alphabet: 'custom' as const,
      input: 'words' as const,
      tfidf: { ngramRange: [2, 3] as [number, number], minDf: 2 },
    };
    const want = trainOnCorpus(await loadCorpus(spec, { input: 'words' }), config).toBytes();
    expect(same((await trainInPasses(spec, config)).model.toBytes(), want)).toBe(true);

    const spill = scratchDir();
    writeFileSync(join(root, 'malicious', 't9'), Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00]));
    const stream = await openCorpusStream({ benign: join(root, 'benign'), malicious: join(root, 'malicious') }, { spill });
    await expect(trainInPasses(stream, { ...presetConfig('default'), tfidf: { ngramRange: [2, 2], minDf: 2 } })).rejects.toMatchObject({
      code: 'NO_CALLS',
    });
    expect(readdirSync(spill)).toEqual([]);
  });

  it("chooses passes by size under 'auto', never under false, always under true", async () => {
    requireShared();
    const config = presetConfig('default');
    const bytes = (await openCorpusStream(corpusDir)).bytes;
    expect(bytes).toBe(34_543_690); // 220 files, 5 of them empty
    expect(await chooseInPasses(corpusDir, config, {})).toBeUndefined(); // under 256 MiB
    expect(await chooseInPasses(corpusDir, config, { autoBytes: bytes })).toBeInstanceOf(CorpusStream);
    expect(await chooseInPasses(corpusDir, config, { autoBytes: bytes + 1 })).toBeUndefined();
    expect(await chooseInPasses(corpusDir, config, { lowMemory: false, autoBytes: 0 })).toBeUndefined();
    expect(await chooseInPasses(corpusDir, config, { lowMemory: true })).toBeInstanceOf(CorpusStream);
    // Not a location, or the auto preset: in memory under 'auto', an error under true.
    expect(await chooseInPasses(corpusDir, config, { preset: 'auto', autoBytes: 0 })).toBeUndefined();
    const csv = { ...config, input: 'csv' as const, alphabet: 'custom' as const };
    expect(await chooseInPasses({ data: corpusDir }, resolveConfig(csv), { autoBytes: 0 })).toBeUndefined();
    await expect(chooseInPasses(corpusDir, resolveConfig(csv), { lowMemory: true })).rejects.toThrow(/NtTrace or words input/);
  });
});
