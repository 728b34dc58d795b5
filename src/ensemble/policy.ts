/**
 * Ensemble policies: how the members' verdicts on one trace become one verdict.
 *
 * - `any`: malicious if any member says so (NtMalDetect's default mode);
 * - `all`: malicious only if every member says so (NtMalDetect's "harsh" mode);
 * - `majority`: malicious if strictly more than half of the members say so (a tie is benign);
 * - `mean`: malicious if the mean of the members' calibrated probabilities is above the
 *   threshold (default 0.5; equal is benign, as scikit-learn's argmax on probabilities).
 *
 * @packageDocumentation
 */
import { InvalidOptionError } from '../errors.js';
import { EnsembleError } from './errors.js';

/** How member verdicts combine. */
export type Policy = 'any' | 'all' | 'majority' | 'mean';

/** Every policy, in documentation order. */
export const POLICIES: readonly Policy[] = ['any', 'all', 'majority', 'mean'];

/** One member's verdict on one trace. */
export interface MemberVote {
  /** Member name (its kind, or the configured name). */
  readonly name: string;
  /** The member's own label (its decision value > 0). */
  readonly malicious: boolean;
  /** Its decision value: naive Bayes' log-odds `jll1 − jll0`, a linear model's margin `w·x + b`. */
  readonly score: number;
  /** P(malicious) from the member's Platt scaler, when calibrated. */
  readonly probability?: number;
}

/** The combined verdict. */
export interface Combined {
  readonly malicious: boolean;
  /**
   * Present when every vote has a probability: the policy's aggregate of them — the
   * mean for `mean`, the largest for `any`, the smallest for `all`, the median for
   * `majority`. Informational except under `mean`, where it decides.
   */
  readonly probability?: number;
}

/**
 * Combines one trace's member votes under `policy`.
 *
 * @param threshold - decision threshold of `mean`, in [0, 1] (default 0.5); ignored otherwise.
 * @throws EnsembleError with code `NO_VOTES` for no votes, `MISSING_PROBABILITY` when
 *   `mean` meets a vote without a probability; InvalidOptionError for a bad policy or threshold.
 */
export function combine(votes: readonly MemberVote[], policy: Policy, threshold = 0.5): Combined {
  if (!(typeof threshold === 'number' && threshold >= 0 && threshold <= 1)) {
    throw new InvalidOptionError('threshold', 'a number in [0, 1]', threshold);
  }
  const n = votes.length;
  if (n === 0) throw new EnsembleError('NO_VOTES', 'cannot combine an empty list of member votes');
  let yes = 0;
  let probs = 0;
  for (const v of votes) {
    if (v.malicious) yes++;
    if (v.probability !== undefined) probs++;
  }
  const probability = probs === n ? aggregate(votes, policy) : undefined;
  let malicious: boolean;
  switch (policy) {
    case 'any':
      malicious = yes > 0;
      break;
    case 'all':
      malicious = yes === n;
      break;
    case 'majority':
      malicious = 2 * yes > n;
      break;
    case 'mean': {
      if (probability === undefined) {
        const missing = votes.find((v) => v.probability === undefined) as MemberVote;
        throw new EnsembleError(
          'MISSING_PROBABILITY',
          `policy 'mean' needs calibrated members, but ${missing.name} has no probability (fit with calibration)`,
        );
      }
      malicious = probability > threshold;
      break;
    }
    default:
      throw new InvalidOptionError('policy', POLICIES.map((p) => `'${p}'`).join(' | '), policy);
  }
  return probability === undefined ? { malicious } : { malicious, probability };
}

function aggregate(votes: readonly MemberVote[], policy: Policy): number {
  const p = votes.map((v) => v.probability as number);
  switch (policy) {
    case 'any':
      return Math.max(...p);
    case 'all':
      return Math.min(...p);
    case 'majority': {
      p.sort((a, b) => a - b);
      const h = p.length >> 1;
      return p.length % 2 === 1 ? p[h] : (p[h - 1] + p[h]) / 2;
    }
    default:
      return p.reduce((a, b) => a + b, 0) / p.length;
  }
}
