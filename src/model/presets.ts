/**
 * Named model configurations. `train({ preset: 'ntmaldetect-2018' })` and
 * `ntmaldetect train --preset NAME` start from one of these; options given alongside
 * override its fields.
 *
 * To add a preset, add an entry to {@link PRESETS} (one entry per preset; keep each
 * entry's description honest about where its settings come from), or call
 * {@link registerPreset} at run time.
 */
import type { ModelConfigInput, ResolvedConfig } from './config.js';
import { resolveConfig } from './config.js';
import { UnknownPresetError } from './errors.js';

/** A registered configuration with a one-line description. */
export interface Preset {
  readonly name: string;
  readonly description: string;
  readonly config: ModelConfigInput;
}

/**
 * The upstream NtMalDetect model (2018), exactly: TF-IDF ten-grams with scikit-learn's
 * defaults (`min_df=1`, smooth idf, l2 norm, lower-case); `MultinomialNB(alpha=0.01)`;
 * `SelectFromModel(LinearSVC(penalty='l1', dual=False, tol=1e-3))` then `LinearSVC()`
 * with defaults (C=1, tol=1e-4, 1000 iterations), random_state 0; malicious if either
 * says so (policy 'any'; the upstream "harsh" mode is policy 'all').
 */
const NTMALDETECT_2018: Preset = {
  name: 'ntmaldetect-2018',
  description: "NtMalDetect's 2018 model: ten-gram TF-IDF, MultinomialNB(alpha=0.01) + L1-selected LinearSVC, malicious if either says so",
  config: {
    tfidf: { ngramRange: [10, 10] },
    members: [
      { kind: 'multinomial-nb', alpha: 0.01, fitPrior: true },
      { kind: 'linear-svc', C: 1, tol: 1e-4, maxIter: 1000, select: { C: 1, tol: 1e-3, maxIter: 1000, threshold: 1e-5 } },
    ],
    policy: 'any',
    threshold: 0.5,
    calibrate: false,
    seed: 0,
  },
};

/** Every preset by name. */
export const PRESETS: Map<string, Preset> = new Map([[NTMALDETECT_2018.name, NTMALDETECT_2018]]);

/** Adds (or replaces) a preset. The configuration is validated now. */
export function registerPreset(preset: Preset): void {
  resolveConfig(preset.config);
  PRESETS.set(preset.name, preset);
}

/** Names of the registered presets, sorted. */
export function presetNames(): string[] {
  return [...PRESETS.keys()].sort();
}

/** The preset called `name`; throws {@link UnknownPresetError} when there is none. */
export function getPreset(name: string): Preset {
  const p = PRESETS.get(name);
  if (!p) throw new UnknownPresetError(name, presetNames());
  return p;
}

/** The resolved configuration of preset `name`. */
export function presetConfig(name: string): ResolvedConfig {
  return resolveConfig(getPreset(name).config);
}
