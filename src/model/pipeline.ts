/**
 * Fitting a whole model from labelled call sequences: TF-IDF, each ensemble member, and
 * (optionally) a Platt scaler per member; then scoring documents with it.
 *
 * `fitPipeline` is what `train()` runs on the whole corpus and what the cross-validation
 * (`src/eval`) runs on each fold's training part, so the figures it reports are those of the
 * model a user gets.
 */
import type { CallTable } from '../tokenize/call-table.js';
import type { Csr } from '../tfidf/csr.js';
import type { BinaryClassifier } from '../classifiers/types.js';
import { InvalidOptionError } from '../errors.js';
import { TfidfVectorizer } from '../tfidf/vectorizer.js';
import type { FittedTfidf } from '../tfidf/vectorizer.js';
import { MultinomialNB } from '../classifiers/multinomial-nb.js';
import { LinearSVC } from '../classifiers/linear-svc.js';
import { L1SelectedSVC } from '../classifiers/l1-selected-svc.js';
import { SGDClassifier } from '../classifiers/sgd.js';
import { combine, PlattCalibrator, outOfFoldScores } from '../ensemble/index.js';
import type { MemberVote } from '../ensemble/index.js';
import type { MemberConfig, ModelConfigInput, Policy, ResolvedConfig } from './config.js';
import { POLICIES, resolveConfig, tfidfOptionsOf } from './config.js';
import type { LinearMember, PlattParams } from './linear.js';
import { linearForm, memberProbability, memberScore } from './linear.js';

/** Scores of one member over a set of documents. */
export interface MemberScores {
  readonly name: string;
  readonly kind: LinearMember['kind'];
  /** Decision values (> 0 means malicious). */
  readonly scores: Float64Array;
  /** 1 where the decision value is > 0. */
  readonly labels: Uint8Array;
  /** Calibrated probabilities of "malicious", when the pipeline is calibrated. */
  readonly probabilities?: Float64Array;
}

/** The ensemble's decision under one policy. */
export interface EnsembleScores {
  readonly labels: Uint8Array;
  /** The ensemble's probability, when the policy yields one (calibrated members). */
  readonly probabilities?: Float64Array;
}

/** Everything a pipeline says about a set of documents. */
export interface PipelineScores {
  readonly members: readonly MemberScores[];
  /**
   * The ensemble's labels under every policy (the model's own policy is `config.policy`).
   * `mean` averages calibrated probabilities, so it is present only for a calibrated pipeline.
   */
  readonly ensemble: Readonly<Record<Exclude<Policy, 'mean'>, EnsembleScores>> & { readonly mean?: EnsembleScores };
}

/** Progress callback of {@link fitPipeline}: a stage name and, for members, its index. */
export type FitProgress = (stage: 'tfidf' | 'member' | 'calibration' | 'done', detail: string) => void;

/** Options of {@link fitPipeline}. */
export interface FitOptions {
  /** Called when each stage starts. */
  readonly onProgress?: FitProgress;
  /** Inner folds of the out-of-fold scores used for calibration. Default 5. */
  readonly calibrationFolds?: number;
}

/** A fitted model in memory: the vectorizer and each member in prediction form. */
export class FittedPipeline {
  /** The resolved configuration it was fitted with. */
  readonly config: ResolvedConfig;
  /** The fitted TF-IDF vectorizer (vocabulary, idf, call-name table). */
  readonly tfidf: FittedTfidf;
  /** The members, in configuration order. */
  readonly members: readonly LinearMember[];

  constructor(config: ResolvedConfig, tfidf: FittedTfidf, members: readonly LinearMember[]) {
    if (members.length !== config.members.length) {
      throw new InvalidOptionError('members', `${config.members.length} fitted members`, members);
    }
    this.config = config;
    this.tfidf = tfidf;
    this.members = members;
  }

  /** Vectorizes `docs` (ids in `table`) with the model's vocabulary and scores them. */
  scoreDocs(docs: readonly Int32Array[], table: CallTable): PipelineScores {
    return this.scoreMatrix(this.tfidf.transform(docs, table));
  }

  /** Scores rows already vectorized with this pipeline's vocabulary. */
  scoreMatrix(X: Csr): PipelineScores {
    const n = X.rows;
    const members: MemberScores[] = this.members.map((m) => {
      const scores = new Float64Array(n);
      const labels = new Uint8Array(n);
      const probabilities = m.platt ? new Float64Array(n) : undefined;
      for (let r = 0; r < n; r++) {
        const s = memberScore(m, X, r);
        scores[r] = s;
        labels[r] = s > 0 ? 1 : 0;
        if (probabilities) probabilities[r] = memberProbability(m, s)!;
      }
      return probabilities ? { name: m.name, kind: m.kind, scores, labels, probabilities } : { name: m.name, kind: m.kind, scores, labels };
    });
    const calibrated = this.members.every((m) => m.platt !== null);
    const ensemble: Partial<Record<Policy, EnsembleScores>> = {};
    const votes: MemberVote[] = new Array<MemberVote>(members.length);
    for (const policy of POLICIES) {
      if (policy === 'mean' && !calibrated) continue;
      const labels = new Uint8Array(n);
      const probs = calibrated ? new Float64Array(n) : undefined;
      for (let r = 0; r < n; r++) {
        for (let k = 0; k < members.length; k++) {
          const ms = members[k];
          votes[k] = ms.probabilities
            ? { name: ms.name, malicious: ms.labels[r] === 1, score: ms.scores[r], probability: ms.probabilities[r] }
            : { name: ms.name, malicious: ms.labels[r] === 1, score: ms.scores[r] };
        }
        const c = combine(votes, policy, this.config.threshold);
        labels[r] = c.malicious ? 1 : 0;
        if (probs) probs[r] = c.probability!;
      }
      ensemble[policy] = probs ? { labels, probabilities: probs } : { labels };
    }
    return { members, ensemble: ensemble as PipelineScores['ensemble'] };
  }
}

/** A fresh, unfitted classifier for a member configuration. */
export function makeClassifier(m: Required<MemberConfig>): BinaryClassifier {
  switch (m.kind) {
    case 'multinomial-nb':
      return new MultinomialNB({ alpha: m.alpha, fitPrior: m.fitPrior });
    case 'linear-svc':
      if (m.select === null) return new LinearSVC({ penalty: 'l2', C: m.C, tol: m.tol, maxIter: m.maxIter, seed: m.seed });
      return new L1SelectedSVC({
        l1: { C: m.select.C, tol: m.select.tol, maxIter: m.select.maxIter, seed: m.seed },
        threshold: m.select.threshold,
        l2: { C: m.C, tol: m.tol, maxIter: m.maxIter, seed: m.seed },
      });
    case 'sgd':
      return new SGDClassifier({ loss: m.loss, penalty: m.penalty, alpha: m.alpha, maxIter: m.maxIter, tol: m.tol, seed: m.seed });
  }
}

/**
 * Fits the TF-IDF vectorizer on `docs`, then every member on the TF-IDF rows, then (when
 * `config.calibrate`) a Platt scaler per member on out-of-fold decision values.
 *
 * @param config  a configuration (resolved or not; defaults are filled in)
 * @param docs    one call-id sequence per trace, ids in `table`
 * @param labels  0 benign / 1 malicious, one per trace; both classes must be present
 * @param table   the call-name table of `docs`
 */
export function fitPipeline(
  config: ModelConfigInput | ResolvedConfig,
  docs: readonly Int32Array[],
  labels: Uint8Array,
  table: CallTable,
  options: FitOptions = {},
): FittedPipeline {
  const cfg = resolveConfig(config);
  if (docs.length !== labels.length) throw new InvalidOptionError('labels', `one label per document (${docs.length})`, labels);
  let pos = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) throw new InvalidOptionError(`labels[${i}]`, '0 or 1', labels[i]);
    pos += labels[i];
  }
  if (pos === 0 || pos === labels.length) {
    throw new InvalidOptionError(
      'labels',
      'both benign (0) and malicious (1) documents',
      `${labels.length - pos} benign and ${pos} malicious`,
    );
  }
  const progress = options.onProgress ?? (() => {});
  progress('tfidf', `${docs.length} documents`);
  const { tfidf, X } = new TfidfVectorizer(tfidfOptionsOf(cfg)).fitTransform(docs, table);
  const members: LinearMember[] = [];
  for (const m of cfg.members) {
    progress('member', m.name);
    const clf = makeClassifier(m).fit(X, labels);
    const { bias, weights } = linearForm(clf, X.cols);
    let platt: PlattParams | null = null;
    if (cfg.calibrate) {
      progress('calibration', m.name);
      const oof = outOfFoldScores(() => makeClassifier(m), X, labels, { folds: options.calibrationFolds ?? 5, seed: cfg.seed });
      const cal = new PlattCalibrator().fit(oof, labels);
      platt = { a: cal.a, b: cal.b };
    }
    members.push({ name: m.name, kind: m.kind, bias, weights, platt });
  }
  progress('done', `${X.cols} features`);
  return new FittedPipeline(cfg, tfidf, members);
}
