/**
 * Model configuration: what to fit (TF-IDF options, the ensemble's members and their
 * parameters, the voting policy) and how (calibration, seed). A configuration is plain
 * JSON-safe data, so it is stored verbatim in the model file's header.
 *
 * {@link resolveConfig} fills every default and validates every field, so that two
 * configurations that mean the same thing are the same object (and give byte-identical
 * model files).
 */
import { InvalidOptionError } from '../errors.js';
import type { ResolvedTfidfOptions, TfidfOptions } from '../tfidf/vectorizer.js';
import { resolveTfidfOptions } from '../tfidf/vectorizer.js';

import type { Policy } from '../ensemble/policy.js';
import { POLICIES } from '../ensemble/policy.js';

export type { Policy };
export { POLICIES };

/** Multinomial naive Bayes (scikit-learn `MultinomialNB`). */
export interface NbMemberConfig {
  readonly kind: 'multinomial-nb';
  /** Member id in verdicts; defaults to the kind. Must be unique within a model. */
  readonly name?: string;
  /** Additive (Lidstone) smoothing. scikit-learn's default is 1.0; NtMalDetect used 0.01. */
  readonly alpha?: number;
  /** Learn class priors from the data (true) or use uniform priors (false). Default true. */
  readonly fitPrior?: boolean;
}

/** Options of the first, feature-selecting stage of the linear SVC member. */
export interface L1SelectionConfig {
  /** Inverse regularisation of the L1 LinearSVC. Default 1. */
  readonly C?: number;
  /** Stopping tolerance of the L1 solver. NtMalDetect used 1e-3. */
  readonly tol?: number;
  /** Iteration cap of the L1 solver. Default 1000. */
  readonly maxIter?: number;
  /** `SelectFromModel` threshold: keep a feature iff |coef| >= threshold. Default 1e-5. */
  readonly threshold?: number;
}

/**
 * Linear SVM (squared hinge, L2 penalty, LIBLINEAR dual coordinate descent), optionally
 * after an L1-penalised LinearSVC that selects the features (NtMalDetect's pipeline).
 */
export interface LinearSvcMemberConfig {
  readonly kind: 'linear-svc';
  readonly name?: string;
  /** Inverse regularisation. Default 1. */
  readonly C?: number;
  /** Stopping tolerance. Default 1e-4. */
  readonly tol?: number;
  /** Iteration cap. Default 1000. */
  readonly maxIter?: number;
  /** L1 feature selection before the L2 fit; `null` fits the L2 SVM on every feature. Default: selection with its defaults. */
  readonly select?: L1SelectionConfig | null;
  /** Seed of the solvers' coordinate order; defaults to the model's seed. */
  readonly seed?: number;
}

/** Linear model fitted by stochastic gradient descent (scikit-learn `SGDClassifier`). */
export interface SgdMemberConfig {
  readonly kind: 'sgd';
  readonly name?: string;
  /** Loss. Default 'hinge'. */
  readonly loss?: 'hinge' | 'log_loss' | 'modified_huber' | 'squared_hinge';
  /** Penalty. Default 'l2'. */
  readonly penalty?: 'l2' | 'l1' | 'elasticnet';
  /** Regularisation strength. Default 1e-4. */
  readonly alpha?: number;
  /** Epochs. Default 1000. */
  readonly maxIter?: number;
  /** Stopping tolerance. Default 1e-3. */
  readonly tol?: number;
  /** Seed of the shuffling; defaults to the model's seed. */
  readonly seed?: number;
}

/** One member of the ensemble, discriminated by `kind`. */
export type MemberConfig = NbMemberConfig | LinearSvcMemberConfig | SgdMemberConfig;

/** The member kinds, in the order they are documented. */
export const MEMBER_KINDS = ['multinomial-nb', 'linear-svc', 'sgd'] as const;

/**
 * The call names a model is made of:
 * - `'nt'` (default): NtTrace's system-call names. Each must be one token of scikit-learn's
 *   default `token_pattern` (two or more letters, digits or underscores), which is what makes
 *   the features equal to scikit-learn's `TfidfVectorizer` with its defaults.
 * - `'custom'`: any names, e.g. Linux system-call numbers (`6`, `195`), one-character names,
 *   API names with dots or `@`. Each name without whitespace or control characters is exactly
 *   one token (scikit-learn with `token_pattern=r"\S+"`). `tfidf.lowercase` still applies.
 */
export type Alphabet = 'nt' | 'custom';

/** The alphabets. */
export const ALPHABETS: readonly Alphabet[] = ['nt', 'custom'];

/**
 * The input form a model was trained on, which `scan` reads by default with it:
 * `'nttrace'` (default: NtTrace logs and reduced traces), `'words'` (one trace per file, calls
 * separated by whitespace), `'csv'` / `'tsv'` (one trace per row of a table).
 */
export type InputForm = 'nttrace' | 'words' | 'csv' | 'tsv';

/** The input forms. */
export const INPUT_FORMS: readonly InputForm[] = ['nttrace', 'words', 'csv', 'tsv'];

/** Everything needed to fit a model. All fields optional in input; see {@link resolveConfig}. */
export interface ModelConfig {
  /** TF-IDF options (n-gram range, idf, norm, ...). Default: ten-grams, scikit-learn defaults. */
  readonly tfidf: TfidfOptions;
  /** The ensemble's members (at least one). */
  readonly members: readonly MemberConfig[];
  /** How the members' votes combine. Default 'any' (NtMalDetect's default mode). */
  readonly policy: Policy;
  /** Probability threshold of the 'mean' policy (and of calibrated members). Default 0.5. */
  readonly threshold: number;
  /** Fit Platt scalers on out-of-fold scores so members report probabilities. Default false. */
  readonly calibrate: boolean;
  /** Seed of every random choice (solver order, calibration folds). Default 0. */
  readonly seed: number;
  /**
   * Distinct known n-grams a trace needs for a verdict; below it the trace is `unfamiliar`.
   * Absent: the library's default (`MIN_KNOWN_NGRAMS`, 50, measured for ten-gram models
   * of NtTrace logs). Set it for models of short traces or small alphabets.
   */
  readonly minKnownNgrams?: number;
  /** The call-name alphabet (see {@link Alphabet}). Default `'nt'`. */
  readonly alphabet?: Alphabet;
  /** The input form of the training data (see {@link InputForm}). Default `'nttrace'`. */
  readonly input?: InputForm;
}

/** A configuration as a caller may write it: every field optional, members may omit defaults. */
export type ModelConfigInput = Partial<ModelConfig>;

function fail(option: string, expected: string, received: unknown): never {
  throw new InvalidOptionError(option, expected, received);
}

function num(path: string, v: unknown, def: number, check: (n: number) => boolean, expected: string): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) fail(path, expected, v);
  return v;
}

function bool(path: string, v: unknown, def: boolean): boolean {
  if (v === undefined) return def;
  if (typeof v !== 'boolean') fail(path, 'a boolean', v);
  return v;
}

function oneOf<T extends string>(path: string, v: unknown, def: T, allowed: readonly T[]): T {
  if (v === undefined) return def;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) fail(path, `one of ${allowed.join(', ')}`, v);
  return v as T;
}

function noExtraKeys(path: string, obj: object, allowed: readonly string[]): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) fail(`${path}.${k}`, `no such option (known: ${allowed.join(', ')})`, (obj as Record<string, unknown>)[k]);
  }
}

const isPosInt = (n: number) => Number.isInteger(n) && n >= 1;
const positive = (n: number) => n > 0;
const nonNegative = (n: number) => n >= 0;
const isSeed = (n: number) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff;

const TFIDF_KEYS = ['ngramRange', 'minDf', 'maxDf', 'maxFeatures', 'sublinearTf', 'smoothIdf', 'useIdf', 'norm', 'lowercase'];

/** Validates TF-IDF options (unknown keys too) and fills scikit-learn's defaults. */
export function resolveTfidf(input: TfidfOptions | undefined): ResolvedTfidfOptions {
  const o = input ?? {};
  if (typeof o !== 'object' || o === null) fail('tfidf', 'an object', o);
  noExtraKeys('tfidf', o, TFIDF_KEYS);
  const r = resolveTfidfOptions(o);
  // A plain copy in a fixed key order, so that equal options serialise to equal JSON.
  return {
    ngramRange: [r.ngramRange[0], r.ngramRange[1]],
    minDf: r.minDf,
    maxDf: r.maxDf,
    maxFeatures: r.maxFeatures,
    sublinearTf: r.sublinearTf,
    smoothIdf: r.smoothIdf,
    useIdf: r.useIdf,
    norm: r.norm,
    lowercase: r.lowercase,
  };
}

/** Validates one member and fills its defaults (`seed` is the model's seed when not given). */
export function resolveMember(m: MemberConfig, path: string, seed: number): Required<MemberConfig> {
  if (typeof m !== 'object' || m === null) fail(path, 'a member object with a kind', m);
  const name = m.name === undefined ? m.kind : m.name;
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9._-]*$/.test(name)) fail(`${path}.name`, 'a lower-case id ([a-z0-9._-])', name);
  switch (m.kind) {
    case 'multinomial-nb':
      noExtraKeys(path, m, ['kind', 'name', 'alpha', 'fitPrior']);
      return {
        kind: m.kind,
        name,
        alpha: num(`${path}.alpha`, m.alpha, 1.0, nonNegative, 'a number >= 0'),
        fitPrior: bool(`${path}.fitPrior`, m.fitPrior, true),
      };
    case 'linear-svc': {
      noExtraKeys(path, m, ['kind', 'name', 'C', 'tol', 'maxIter', 'select', 'seed']);
      let select: Required<L1SelectionConfig> | null = null;
      if (m.select !== null) {
        const s = m.select ?? {};
        if (typeof s !== 'object') fail(`${path}.select`, 'an object or null', s);
        noExtraKeys(`${path}.select`, s, ['C', 'tol', 'maxIter', 'threshold']);
        select = {
          C: num(`${path}.select.C`, s.C, 1, positive, 'a number > 0'),
          tol: num(`${path}.select.tol`, s.tol, 1e-4, positive, 'a number > 0'),
          maxIter: num(`${path}.select.maxIter`, s.maxIter, 1000, isPosInt, 'a positive integer'),
          threshold: num(`${path}.select.threshold`, s.threshold, 1e-5, nonNegative, 'a number >= 0'),
        };
      }
      return {
        kind: m.kind,
        name,
        C: num(`${path}.C`, m.C, 1, positive, 'a number > 0'),
        tol: num(`${path}.tol`, m.tol, 1e-4, positive, 'a number > 0'),
        maxIter: num(`${path}.maxIter`, m.maxIter, 1000, isPosInt, 'a positive integer'),
        select,
        seed: num(`${path}.seed`, m.seed, seed, isSeed, 'an integer in [0, 2^32)'),
      };
    }
    case 'sgd':
      noExtraKeys(path, m, ['kind', 'name', 'loss', 'penalty', 'alpha', 'maxIter', 'tol', 'seed']);
      return {
        kind: m.kind,
        name,
        loss: oneOf(`${path}.loss`, m.loss, 'hinge', ['hinge', 'log_loss', 'modified_huber', 'squared_hinge'] as const),
        penalty: oneOf(`${path}.penalty`, m.penalty, 'l2', ['l2', 'l1', 'elasticnet'] as const),
        alpha: num(`${path}.alpha`, m.alpha, 1e-4, positive, 'a number > 0'),
        maxIter: num(`${path}.maxIter`, m.maxIter, 1000, isPosInt, 'a positive integer'),
        tol: num(`${path}.tol`, m.tol, 1e-3, nonNegative, 'a number >= 0'),
        seed: num(`${path}.seed`, m.seed, seed, isSeed, 'an integer in [0, 2^32)'),
      };
    default:
      return fail(`${path}.kind`, `one of ${MEMBER_KINDS.join(', ')}`, (m as { kind?: unknown }).kind);
  }
}

/** A configuration with every default filled in (what the model file stores). */
export interface ResolvedConfig {
  readonly tfidf: ResolvedTfidfOptions;
  readonly members: readonly Required<MemberConfig>[];
  readonly policy: Policy;
  readonly threshold: number;
  readonly calibrate: boolean;
  readonly seed: number;
  /** Only when set (absent in every model file written before it existed). */
  readonly minKnownNgrams?: number;
  /** Only when not the default `'nt'` (so models of the NT alphabet are unchanged): `'custom'`. Read it with {@link alphabetOf}. */
  readonly alphabet?: Alphabet;
  /** Only when not the default `'nttrace'`. Read it with {@link inputOf}. */
  readonly input?: InputForm;
}

/** A configuration's alphabet: `'nt'` when the field is absent. */
export function alphabetOf(config: { readonly alphabet?: Alphabet }): Alphabet {
  return config.alphabet ?? 'nt';
}

/** A configuration's input form: `'nttrace'` when the field is absent. */
export function inputOf(config: { readonly input?: InputForm }): InputForm {
  return config.input ?? 'nttrace';
}

/** The TF-IDF options of a resolved configuration, as the vectorizer's constructor takes them. */
export function tfidfOptionsOf(config: ResolvedConfig): TfidfOptions {
  return {
    ...config.tfidf,
    ngramRange: [config.tfidf.ngramRange[0], config.tfidf.ngramRange[1]],
    tokenRule: alphabetOf(config) === 'custom' ? 'nonspace' : 'word',
  };
}

/**
 * Validates a configuration and fills every default. Throws {@link InvalidOptionError}
 * naming the offending field (e.g. `members[1].alpha`).
 */
export function resolveConfig(input: ModelConfigInput | ResolvedConfig): ResolvedConfig {
  if (typeof input !== 'object' || input === null) fail('config', 'an object', input);
  noExtraKeys('config', input, ['tfidf', 'members', 'policy', 'threshold', 'calibrate', 'seed', 'minKnownNgrams', 'alphabet', 'input']);
  const tfidfIn =
    input.tfidf === undefined
      ? undefined
      : { ...input.tfidf, ngramRange: input.tfidf.ngramRange && ([...input.tfidf.ngramRange] as [number, number]) };
  const seed = num('seed', input.seed, 0, isSeed, 'an integer in [0, 2^32)');
  const membersIn = input.members ?? [{ kind: 'multinomial-nb' }];
  if (!Array.isArray(membersIn) || membersIn.length === 0) fail('members', 'a non-empty array of members', membersIn);
  // Array.isArray narrows a readonly array to any[]: the annotation restores the element type
  // (resolveMember checks each member itself).
  const members = membersIn.map((m: MemberConfig, i) => resolveMember(m, `members[${i}]`, seed));
  const seen = new Set<string>();
  members.forEach((m, i) => {
    if (seen.has(m.name)) fail(`members[${i}].name`, 'a name not used by another member', m.name);
    seen.add(m.name);
  });
  return {
    tfidf: resolveTfidf(tfidfIn),
    members,
    policy: oneOf('policy', input.policy, 'any', POLICIES),
    threshold: num('threshold', input.threshold, 0.5, (n) => n >= 0 && n <= 1, 'a probability in [0, 1]'),
    calibrate: bool('calibrate', input.calibrate, false),
    seed,
    ...(input.minKnownNgrams === undefined
      ? {}
      : { minKnownNgrams: num('minKnownNgrams', input.minKnownNgrams, 0, (n) => Number.isInteger(n) && n >= 0, 'a whole number >= 0') }),
    // Written only when not the default, so that configurations (and model files) of the NT
    // alphabet and NtTrace input are exactly what they were before these fields existed.
    ...(oneOf('alphabet', input.alphabet, 'nt', ALPHABETS) === 'custom' ? { alphabet: 'custom' as const } : {}),
    ...(() => {
      const form = oneOf('input', input.input, 'nttrace', INPUT_FORMS);
      return form === 'nttrace' ? {} : { input: form };
    })(),
  };
}

/**
 * Merges overrides into a base configuration: scalars and `tfidf` fields replace, `members`
 * replaces the whole list. Returns the resolved result.
 */
export function mergeConfig(base: ModelConfigInput | ResolvedConfig, overrides: ModelConfigInput = {}): ResolvedConfig {
  return resolveConfig({
    ...base,
    ...overrides,
    tfidf: { ...(base.tfidf ?? {}), ...(overrides.tfidf ?? {}) },
  });
}
