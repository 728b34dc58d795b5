/**
 * A fitted model in memory and how it scores documents: what prediction needs, without the
 * training code (`pipeline.ts` fits one), so loading a model for `scan` or `detect()` does not
 * load the solvers.
 */
import type { CallTable } from '../tokenize/call-table.js';
import type { Csr } from '../tfidf/csr.js';
import { InvalidOptionError } from '../errors.js';
import type { FittedTfidf } from '../tfidf/vectorizer.js';
import { combine } from '../ensemble/policy.js';
import type { MemberVote } from '../ensemble/policy.js';
import type { Policy, ResolvedConfig } from './config.js';
import { POLICIES } from './config.js';
import type { LinearMember } from './linear.js';
import { memberProbability, memberScore } from './linear.js';

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
