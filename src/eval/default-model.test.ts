import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusDir, requireShared } from '../../test/shared.js';
import { loadModel } from '../model/model.js';
import { buildDefaultModel, DEFAULT_MODEL_PATH, DEFAULT_MODEL_PRESET } from './default-model.js';
import { presetConfig } from '../model/presets.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('the shipped default model', () => {
  it('is committed and byte-identical to a rebuild from the shared corpus (npm run build-model)', async () => {
    requireShared();
    expect(existsSync(DEFAULT_MODEL_PATH)).toBe(true);
    const rebuilt = (await buildDefaultModel(corpusDir)).toBytes();
    const committed = new Uint8Array(readFileSync(DEFAULT_MODEL_PATH));
    expect(rebuilt.length).toBe(committed.length);
    expect(sha(rebuilt)).toBe(sha(committed));
  });
  it('loads with the default preset configuration and the corpus it was trained on', async () => {
    const model = await loadModel(DEFAULT_MODEL_PATH);
    const info = model.info();
    expect(info.config).toEqual(presetConfig(DEFAULT_MODEL_PRESET));
    expect(info.corpus).toMatchObject({ documents: 215, benign: 69, malicious: 146, skippedEmpty: 5, duplicates: 7 });
  });
});
