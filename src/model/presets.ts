/**
 * Named model configurations. `train({ preset: 'ntmaldetect-2018' })` and
 * `ntmaldetect train --preset NAME` start from one of these; options given alongside
 * override its fields.
 *
 * To add a preset, add an entry to {@link PRESETS} (one entry per preset; keep each
 * entry's description honest about where its settings come from), or call
 * {@link registerPreset} at run time.
 */
import type { MemberConfig, ModelConfigInput, ResolvedConfig } from './config.js';
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

// ---- Presets chosen by measurement (src/eval; see docs/benchmarks.md) -------------------
// Each was cross-validated with `ntmaldetect bench` on the reference split and on the grouped
// split (near-duplicate traces never straddle folds); the figures are in docs/benchmarks.md.

/** A one-member configuration (policy 'any', no calibration, seed 0). */
function single(tfidf: ModelConfigInput['tfidf'], member: MemberConfig): ModelConfigInput {
  return { tfidf, members: [member], policy: 'any', threshold: 0.5, calibrate: false, seed: 0 };
}

/**
 * The shipped default (`models/default.ntmd`): ten-gram TF-IDF with sublinear tf
 * (1 + ln tf) over the ten-grams seen in at least two training traces (`minDf: 2`), and one
 * L2-regularised squared-hinge LinearSVC with C = 10 on every feature (no L1 selection).
 * Chosen on the grouped split among sublinear/raw tf, n-gram ranges, minDf, NB, SVC and SGD
 * members and ensembles; see docs/benchmarks.md.
 */
const DEFAULT: Preset = {
  name: 'default',
  description: 'shipped default: ten-gram TF-IDF (sublinear tf, ten-grams seen in >= 2 traces), L2 LinearSVC (C=10) on every feature',
  config: single({ ngramRange: [10, 10], sublinearTf: true, minDf: 2 }, { kind: 'linear-svc', C: 10, select: null }),
};

/** The paper's best model family: SGD hinge L2 on ten-grams, raw tf (scikit-learn: 0.940 CV accuracy). */
const SGD_2018: Preset = {
  name: 'sgd-2018',
  description: "the NtMalDetect paper's linear SVM by SGD: ten-gram TF-IDF, SGDClassifier(hinge, l2)",
  config: single({ ngramRange: [10, 10] }, { kind: 'sgd', loss: 'hinge', penalty: 'l2', alpha: 1e-4 }),
};

/** SGD hinge L2 on ten-grams with sublinear tf (scikit-learn: 0.963 CV accuracy, ROC AUC 0.993). */
const SGD_SUBLINEAR: Preset = {
  name: 'sgd-sublinear',
  description: 'ten-gram TF-IDF with sublinear tf, SGDClassifier(hinge, l2)',
  config: { ...SGD_2018.config, tfidf: { ngramRange: [10, 10], sublinearTf: true } },
};

/** LinearSVC L2 (C = 1) on five-grams with sublinear tf (scikit-learn: 0.958, ROC AUC 0.995). */
const SVC_5GRAM: Preset = {
  name: 'svc-5gram',
  description: 'five-gram TF-IDF with sublinear tf, L2 LinearSVC (C=1) on every feature',
  config: single({ ngramRange: [5, 5], sublinearTf: true }, { kind: 'linear-svc', C: 1, select: null }),
};

/**
 * `auto`: the configuration is chosen per training corpus by inner cross-validation over
 * n-gram ranges and classifiers (`selectAutoConfig` in `src/model/auto.ts`): `train({ preset:
 * 'auto' })`, `ntmaldetect train --preset auto` and `trainAuto()` choose on the training corpus,
 * `bench --models auto` inside every fold. The static configuration below is only what is used
 * when no training data is at hand to choose with: the default's.
 */
const AUTO: Preset = {
  name: 'auto',
  description:
    "chosen per corpus by inner cross-validation (n-gram range, tf, NB / LinearSVC / SGD) in train --preset auto, bench --models auto and trainAuto(); as a static configuration, the default's",
  config: DEFAULT.config,
};

for (const p of [DEFAULT, SGD_2018, SGD_SUBLINEAR, SVC_5GRAM, AUTO]) PRESETS.set(p.name, p);

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
