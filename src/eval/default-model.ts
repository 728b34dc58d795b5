/**
 * The shipped default model: how `models/default.ntmd` is built (by `npm run build-model`,
 * and again by a test that checks the committed file is byte-identical).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCorpus } from '../corpus/index.js';
import type { Corpus } from '../corpus/index.js';
import { trainOnCorpus } from '../api/train.js';
import type { Model } from '../model/model.js';
import { presetConfig } from '../model/presets.js';

/** The preset the default model is trained with. */
export const DEFAULT_MODEL_PRESET = 'default';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where the default model lives in the package: `models/default.ntmd`. */
export const DEFAULT_MODEL_PATH = join(root, 'models', 'default.ntmd');

/** The shared corpus the default model is trained on: `$NTMD_SHARED/corpus` or `../shared/corpus`. */
export function defaultCorpusDir(env: Record<string, string | undefined> = process.env): string {
  return resolve(env.NTMD_SHARED ?? join(root, '..', 'shared'), 'corpus');
}

/**
 * Trains the default model: the `default` preset on every non-empty trace of the corpus.
 * Deterministic: the same corpus gives a byte-identical model file.
 */
export async function buildDefaultModel(corpus: string | Corpus = defaultCorpusDir()): Promise<Model> {
  const c = typeof corpus === 'string' ? await loadCorpus(corpus) : corpus;
  return trainOnCorpus(c, presetConfig(DEFAULT_MODEL_PRESET));
}
