/**
 * The verdict on one trace, and how a model reaches it from a call sequence.
 */
import { InvalidOptionError } from '../errors.js';
import type { CallTable } from '../tokenize/call-table.js';
import type { Csr } from '../tfidf/csr.js';
import { combine } from '../ensemble/index.js';
import type { Policy } from '../model/config.js';
import { POLICIES } from '../model/config.js';
import type { FittedPipeline } from '../model/pipeline.js';
import { memberProbability, memberScore } from '../model/linear.js';

/** One member's vote. */
export interface MemberVerdict {
  /** Stable member id: `multinomial-nb`, `linear-svc`, `sgd`, or a configured name. */
  readonly name: string;
  /** The member's own label (decision value > 0). */
  readonly malicious: boolean;
  /** The decision value: NB log-odds, or the SVM margin. */
  readonly score: number;
  /** Calibrated probability of "malicious", when the model is calibrated. */
  readonly probability?: number;
}

/** What `detect()` says about one trace. */
export interface Verdict {
  /** The ensemble's decision under {@link Verdict.policy}; always false when {@link insufficient}. */
  readonly malicious: boolean;
  /** True when the trace has no n-gram the model knows: there is nothing to judge. */
  readonly insufficient: boolean;
  /** Why the verdict is insufficient (only then). */
  readonly reason?: string;
  /** Present when most of the trace's n-grams are unknown to the model (the verdict is unreliable). */
  readonly warning?: string;
  /** The voting policy applied. */
  readonly policy: Policy;
  /** The ensemble's probability, when the model is calibrated and the policy yields one. */
  readonly probability?: number;
  /** Every member's vote, in model order. */
  readonly members: readonly MemberVerdict[];
  /** Calls in the trace. */
  readonly calls: number;
  /** N-gram occurrences in the trace. */
  readonly ngrams: number;
  /** N-gram occurrences not in the vocabulary / all n-gram occurrences; `null` when the trace has none. */
  readonly unknownNgramFraction: number | null;
}

/** Options of `detect()` and friends that change how the verdict is reached. */
export interface VerdictOptions {
  /** Voting policy; default: the one stored in the model. */
  readonly policy?: Policy;
  /** Probability threshold of the 'mean' policy; default: the model's. */
  readonly threshold?: number;
}

/** Share of unknown n-grams above which a verdict carries a warning. */
export const UNKNOWN_WARNING_FRACTION = 0.5;

/** Validates the policy and threshold options against a model. */
export function verdictSettings(model: FittedPipeline, options: VerdictOptions): { policy: Policy; threshold: number } {
  const policy = options.policy ?? model.config.policy;
  if (!POLICIES.includes(policy)) throw new InvalidOptionError('policy', POLICIES.join(' | '), policy);
  const threshold = options.threshold ?? model.config.threshold;
  if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1)) throw new InvalidOptionError('threshold', 'a probability in [0, 1]', threshold);
  if (policy === 'mean' && model.members.some((m) => m.platt === null)) {
    throw new InvalidOptionError('policy', "'any', 'all' or 'majority' ('mean' averages probabilities and this model is not calibrated)", policy);
  }
  return { policy, threshold };
}

/** The verdict on a TF-IDF row that was computed from `calls` calls. */
export function verdictOfRow(
  model: FittedPipeline,
  X: Csr,
  counts: { calls: number; ngrams: number; unknown: number },
  options: VerdictOptions = {},
): Verdict {
  const { policy, threshold } = verdictSettings(model, options);
  const members: MemberVerdict[] = model.members.map((m) => {
    const score = memberScore(m, X, 0);
    const probability = memberProbability(m, score);
    return probability === undefined ? { name: m.name, malicious: score > 0, score } : { name: m.name, malicious: score > 0, score, probability };
  });
  const { calls, ngrams, unknown } = counts;
  const unknownNgramFraction = ngrams === 0 ? null : unknown / ngrams;
  const base = { policy, members, calls, ngrams, unknownNgramFraction };
  if (ngrams - unknown === 0) {
    const [lo] = model.config.tfidf.ngramRange;
    const reason =
      ngrams === 0
        ? `the trace has ${calls} call${calls === 1 ? '' : 's'}, fewer than the ${lo} an n-gram of the model needs`
        : `none of the trace's ${ngrams} n-grams is in the model's vocabulary`;
    return { malicious: false, insufficient: true, reason, ...base };
  }
  const c = combine(members, policy, threshold);
  const verdict: Verdict = {
    malicious: c.malicious,
    insufficient: false,
    ...(unknownNgramFraction! > UNKNOWN_WARNING_FRACTION
      ? {
          warning: `${(unknownNgramFraction! * 100).toFixed(1)}% of the trace's n-grams are unknown to the model: the trace is unlike the training data (another architecture, tracer or format?), so the verdict is unreliable`,
        }
      : {}),
    ...base,
    ...(c.probability !== undefined ? { probability: c.probability } : {}),
  };
  return verdict;
}

/** The verdict on a call sequence (ids in `table`). */
export function verdictOfCalls(model: FittedPipeline, calls: Int32Array, table: CallTable, options: VerdictOptions = {}): Verdict {
  const { X, ngrams, unknown } = model.tfidf.transformOne(calls, table);
  return verdictOfRow(model, X, { calls: calls.length, ngrams, unknown }, options);
}
