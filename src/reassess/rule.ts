/**
 * The promotion rule: a candidate replaces the production model only if, on the same
 * grouped cross-validation folds,
 *
 * 1. it is better on the primary metric by more than the fold-to-fold noise: a one-sided
 *    paired t-test over the folds (with Nadeau and Bengio's correction for overlapping
 *    training sets by default) gives p < alpha / m, where m is the number of candidates
 *    compared (Bonferroni: the best of m is picked), and the mean gain is at least
 *    `minImprovement`; and
 * 2. its false-positive rate at its operating point (the model's own verdicts, pooled over
 *    the folds) is not worse than the production model's by more than `maxFprIncrease`
 *    (default 0: not worse at all).
 *
 * @packageDocumentation
 */
import { InvalidOptionError } from '../errors.js';
import { pairedTTest, type PairedTest } from './stats.js';

/** Per-fold metrics the rule can use as its primary metric. */
export const RULE_METRICS = ['accuracy', 'f1', 'rocAuc', 'prAuc', 'tprAtFpr01', 'tprAtFpr05'] as const;
/** A primary metric. */
export type RuleMetric = (typeof RULE_METRICS)[number];

/** The promotion rule's settings. */
export interface PromotionRule {
  /** Primary metric compared fold by fold. Default `accuracy`. */
  metric: RuleMetric;
  /** Family-wise significance level of the paired test. Default 0.05. */
  alpha: number;
  /** Smallest mean gain on the primary metric that counts. Default 0. */
  minImprovement: number;
  /** Apply Nadeau and Bengio's variance correction. Default true. */
  corrected: boolean;
  /** Largest allowed rise of the pooled false-positive rate. Default 0. */
  maxFprIncrease: number;
}

/** The default rule. */
export const DEFAULT_RULE: PromotionRule = { metric: 'accuracy', alpha: 0.05, minImprovement: 0, corrected: true, maxFprIncrease: 0 };

/** Validates a partial rule and fills in the defaults. */
export function resolveRule(input: Partial<PromotionRule> = {}): PromotionRule {
  const r = { ...DEFAULT_RULE, ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) };
  if (!(RULE_METRICS as readonly string[]).includes(r.metric))
    throw new InvalidOptionError('rule.metric', RULE_METRICS.join(', '), r.metric);
  if (!(r.alpha > 0 && r.alpha < 1)) throw new InvalidOptionError('rule.alpha', 'a number in (0, 1)', r.alpha);
  if (!(r.minImprovement >= 0)) throw new InvalidOptionError('rule.minImprovement', 'a number >= 0', r.minImprovement);
  if (!(r.maxFprIncrease >= 0 && r.maxFprIncrease <= 1))
    throw new InvalidOptionError('rule.maxFprIncrease', 'a number in [0, 1]', r.maxFprIncrease);
  if (typeof r.corrected !== 'boolean') throw new InvalidOptionError('rule.corrected', 'a boolean', r.corrected);
  return r;
}

/** What the rule needs of one model's cross-validation. */
export interface RuleInput {
  /** Primary metric per fold (same fold order for every model). */
  perFold: ArrayLike<number>;
  /** Pooled false-positive rate at the operating point. */
  fpr: number;
}

/** The rule applied to one candidate against the production model. */
export interface RuleOutcome {
  /** Both conditions hold. */
  passes: boolean;
  test: PairedTest;
  /** The significance level used (alpha / m). */
  level: number;
  significant: boolean;
  fprNotWorse: boolean;
  candidateFpr: number;
  productionFpr: number;
  /** One line saying why it passes or not, with the figures. */
  reason: string;
}

const f4 = (x: number): string => (Number.isFinite(x) ? x.toFixed(4) : String(x));
const pFmt = (p: number): string => (p < 1e-4 ? p.toExponential(1) : p.toFixed(4));

/**
 * Applies the rule to one candidate against the production model.
 *
 * @param m - number of candidates compared in the run (for the Bonferroni level).
 * @param testTrainRatio - mean test size / train size of the folds (the correction).
 */
export function applyRule(
  rule: PromotionRule,
  candidate: RuleInput,
  production: RuleInput,
  m: number,
  testTrainRatio: number,
): RuleOutcome {
  const test = pairedTTest(candidate.perFold, production.perFold, rule.corrected ? testTrainRatio : 0);
  const level = rule.alpha / Math.max(1, m);
  const significant = test.pValue < level && test.meanDifference > 0 && test.meanDifference >= rule.minImprovement;
  const fprNotWorse = candidate.fpr <= production.fpr + rule.maxFprIncrease + 1e-12;
  const gain = `mean ${rule.metric} gain ${test.meanDifference >= 0 ? '+' : ''}${f4(test.meanDifference)} over ${test.k} folds (t = ${f4(test.t)}, p = ${pFmt(test.pValue)}, needed p < ${pFmt(level)}${rule.minImprovement > 0 ? ` and gain >= ${rule.minImprovement}` : ''})`;
  const fpr = `FPR ${f4(candidate.fpr)} vs ${f4(production.fpr)}`;
  let reason: string;
  if (significant && fprNotWorse) reason = `better beyond fold noise: ${gain}; ${fpr}`;
  else if (!significant && !fprNotWorse) reason = `not significantly better (${gain}) and false-positive rate worse (${fpr})`;
  else if (!significant) reason = `not significantly better: ${gain}`;
  else
    reason = `better (${gain}) but false-positive rate worse: ${fpr}${rule.maxFprIncrease > 0 ? ` (allowed rise ${rule.maxFprIncrease})` : ''}`;
  return {
    passes: significant && fprNotWorse,
    test,
    level,
    significant,
    fprNotWorse,
    candidateFpr: candidate.fpr,
    productionFpr: production.fpr,
    reason,
  };
}
