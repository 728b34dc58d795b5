/**
 * The verdict on one trace, and how a model reaches it from a call sequence.
 */
import { InvalidOptionError } from '../errors.js';
import type { CallTable } from '../tokenize/call-table.js';
import type { Csr } from '../tfidf/csr.js';
import { combine } from '../ensemble/policy.js';
import type { Policy } from '../model/config.js';
import { POLICIES } from '../model/config.js';
import type { FittedPipeline } from '../model/fitted.js';
import { memberProbability, memberScore } from '../model/linear.js';
import { MIN_KNOWN_NGRAMS, UNKNOWN_WARNING_FRACTION, assertTrace } from './familiarity.js';
import type { InputContext } from './familiarity.js';

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

/**
 * The four answers of a model about a trace:
 * - `malicious`, `benign`: the ensemble's decision;
 * - `unfamiliar`: too little of the trace is known to the model to judge it (fewer than
 *   {@link MIN_KNOWN_NGRAMS} distinct n-grams of the trace are in the vocabulary): the
 *   members' scores would rest on the intercept and a sliver of the evidence, so no decision
 *   is made;
 * - `insufficient`: the trace is too short to form one n-gram of the model.
 */
export type VerdictState = 'malicious' | 'benign' | 'unfamiliar' | 'insufficient';

/**
 * Version of the verdict's JSON form. 2: `schemaVersion`, the `unfamiliar` state, no member
 * votes on undecided verdicts, and the `refused` / `error` records of inputs without a
 * verdict (`NoVerdictJson`). (1: ntmaldetect 0.1, without `verdict`.)
 */
export const VERDICT_SCHEMA_VERSION = 2;

/**
 * What `detect()` says about one trace. Plain data: `JSON.stringify(verdict)` is its JSON
 * form, the record `scan --json`, `run --json` and the HTTP API write (docs/cli.md,
 * "Verdict JSON").
 */
export interface Verdict {
  /** Version of this record's form: {@link VERDICT_SCHEMA_VERSION}. */
  readonly schemaVersion: typeof VERDICT_SCHEMA_VERSION;
  /** The answer: see {@link VerdictState}. */
  readonly verdict: VerdictState;
  /** `verdict === 'malicious'`: the ensemble's decision under {@link Verdict.policy}. */
  readonly malicious: boolean;
  /** `verdict === 'unfamiliar'`: too little of the trace is known to the model to judge it. */
  readonly unfamiliar: boolean;
  /** `verdict === 'insufficient'`: the trace has fewer calls than one n-gram of the model. */
  readonly insufficient: boolean;
  /** Why there is no decision (unfamiliar or insufficient only). */
  readonly reason?: string;
  /** Present when most of the trace's n-grams are unknown to the model (the verdict is unreliable). */
  readonly warning?: string;
  /** The voting policy applied. */
  readonly policy: Policy;
  /** The ensemble's probability, when the model is calibrated and the policy yields one. */
  readonly probability?: number;
  /**
   * Every member's vote, in model order; empty when there is no decision (`unfamiliar`,
   * `insufficient`): the scores would rest on the intercepts, so no member votes.
   */
  readonly members: readonly MemberVerdict[];
  /** Calls in the trace. */
  readonly calls: number;
  /** N-gram occurrences in the trace. */
  readonly ngrams: number;
  /** Distinct n-grams of the trace in the model's vocabulary (the features it activates). */
  readonly knownNgrams: number;
  /** N-gram occurrences not in the vocabulary / all n-gram occurrences; `null` when the trace has none. */
  readonly unknownNgramFraction: number | null;
}

/** Options of `detect()` and friends that change how the verdict is reached. */
export interface VerdictOptions {
  /** Voting policy; default: the one stored in the model. */
  readonly policy?: Policy;
  /** Probability threshold of the 'mean' policy; default: the model's. */
  readonly threshold?: number;
  /**
   * Distinct n-grams of a trace that must be in the model's vocabulary for a decision (the
   * features the trace activates); below it the trace is `unfamiliar`. Default: the model's
   * own (`config.minKnownNgrams`), else {@link MIN_KNOWN_NGRAMS}. A trace with no known
   * n-gram is unfamiliar whatever this is.
   */
  readonly minKnownNgrams?: number;
}

export { MIN_KNOWN_NGRAMS, UNKNOWN_WARNING_FRACTION };

/** The settings a verdict is reached with, validated. */
export interface VerdictSettings {
  readonly policy: Policy;
  readonly threshold: number;
  readonly minKnownNgrams: number;
}

/** Validates the policy, threshold and familiarity options against a model. */
export function verdictSettings(model: FittedPipeline, options: VerdictOptions): VerdictSettings {
  const policy = options.policy ?? model.config.policy;
  if (!POLICIES.includes(policy)) throw new InvalidOptionError('policy', POLICIES.join(' | '), policy);
  const threshold = options.threshold ?? model.config.threshold;
  if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1))
    throw new InvalidOptionError('threshold', 'a probability in [0, 1]', threshold);
  if (policy === 'mean' && model.members.some((m) => m.platt === null)) {
    throw new InvalidOptionError(
      'policy',
      "'any', 'all' or 'majority' ('mean' averages probabilities and this model is not calibrated)",
      policy,
    );
  }
  const minKnownNgrams = options.minKnownNgrams ?? model.config.minKnownNgrams ?? MIN_KNOWN_NGRAMS;
  if (typeof minKnownNgrams !== 'number' || !Number.isInteger(minKnownNgrams) || minKnownNgrams < 0) {
    throw new InvalidOptionError('minKnownNgrams', 'a whole number >= 0', minKnownNgrams);
  }
  return { policy, threshold, minKnownNgrams };
}

/** The verdict on a TF-IDF row that was computed from `calls` calls. */
export function verdictOfRow(
  model: FittedPipeline,
  X: Csr,
  counts: { calls: number; ngrams: number; unknown: number },
  options: VerdictOptions = {},
): Verdict {
  const { policy, threshold, minKnownNgrams } = verdictSettings(model, options);
  const members: MemberVerdict[] = model.members.map((m) => {
    const score = memberScore(m, X, 0);
    const probability = memberProbability(m, score);
    return probability === undefined
      ? { name: m.name, malicious: score > 0, score }
      : { name: m.name, malicious: score > 0, score, probability };
  });
  const { calls, ngrams, unknown } = counts;
  const unknownNgramFraction = ngrams === 0 ? null : unknown / ngrams;
  const knownNgrams = X.indptr[1] - X.indptr[0];
  const base = { policy, members, calls, ngrams, knownNgrams, unknownNgramFraction };
  const none = { malicious: false, unfamiliar: false, insufficient: false };
  const undecided = { ...base, members: [] };
  if (ngrams === 0) {
    const [lo] = model.config.tfidf.ngramRange;
    const reason = `the trace has ${calls} call${calls === 1 ? '' : 's'}, fewer than the ${lo} an n-gram of the model needs`;
    return { schemaVersion: VERDICT_SCHEMA_VERSION, verdict: 'insufficient', ...none, insufficient: true, reason, ...undecided };
  }
  if (knownNgrams === 0 || knownNgrams < minKnownNgrams) {
    const reason =
      `${knownNgrams} distinct n-gram${knownNgrams === 1 ? '' : 's'} of the trace ${knownNgrams === 1 ? 'is' : 'are'} known to the model ` +
      `(${percent(1 - unknown / ngrams)} of its ${ngrams}), fewer than the ${minKnownNgrams} a verdict needs: ` +
      'the trace is unlike what the model was trained on (another program family, platform or tracer?)';
    return { schemaVersion: VERDICT_SCHEMA_VERSION, verdict: 'unfamiliar', ...none, unfamiliar: true, reason, ...undecided };
  }
  const c = combine(members, policy, threshold);
  const verdict: Verdict = {
    schemaVersion: VERDICT_SCHEMA_VERSION,
    verdict: c.malicious ? 'malicious' : 'benign',
    ...none,
    malicious: c.malicious,
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

/** `x` as a percentage for messages: one decimal, more below 1 %. */
function percent(x: number): string {
  return `${(100 * x).toFixed(x > 0 && x < 0.01 ? 2 : 1)}%`;
}

/**
 * The exit status of commands that judge traces: 1 when any trace is malicious, else 2 when
 * any could not be read, else 3 when any got no decision (unfamiliar or insufficient;
 * 0 instead with `noDecisionIsClean`), else 0.
 */
export function verdictExitCode(counts: { malicious: number; failed: number; undecided: number }, noDecisionIsClean = false): number {
  if (counts.malicious > 0) return EXIT_MALICIOUS;
  if (counts.failed > 0) return EXIT_ERROR;
  if (counts.undecided > 0 && !noDecisionIsClean) return EXIT_NO_DECISION;
  return EXIT_CLEAN;
}

/** The verdict as tables show it: `MALICIOUS` in capitals, the other states as they are. */
export function verdictLabel(v: Pick<Verdict, 'verdict'>): string {
  return v.verdict === 'malicious' ? 'MALICIOUS' : v.verdict;
}

/** Exit status: every trace judged benign. */
export const EXIT_CLEAN = 0;
/** Exit status: at least one trace judged malicious. */
export const EXIT_MALICIOUS = 1;
/** Exit status: bad input or usage (no trace malicious). */
export const EXIT_ERROR = 2;
/** Exit status: no trace malicious, none failed, at least one unfamiliar or insufficient. */
export const EXIT_NO_DECISION = 3;

/**
 * The verdict on a call sequence (ids in `table`).
 *
 * @throws NotATraceError when too few of the calls are calls the model knows (see
 *   `assertTrace`); `context` names the input in that message.
 */
export function verdictOfCalls(
  model: FittedPipeline,
  calls: Int32Array,
  table: CallTable,
  options: VerdictOptions = {},
  context: InputContext = {},
): Verdict {
  assertTrace(model, calls, table, context);
  const { X, ngrams, unknown } = model.tfidf.transformOne(calls, table);
  return verdictOfRow(model, X, { calls: calls.length, ngrams, unknown }, options);
}
