/**
 * Turns `bench --models` entries (preset names, `auto`, `file:PATH`) into cross-validation
 * candidates: each fits a fresh model on a training part and scores a test part, giving the
 * preset's own verdict, each member, and the other ensemble policies.
 */
import type { CallTable } from '../tokenize/call-table.js';
import { fitPipeline } from '../model/pipeline.js';
import type { FittedPipeline, PipelineScores } from '../model/fitted.js';
import { presetConfig } from '../model/presets.js';
import { resolveModel } from '../api/resolve-model.js';
import type { ModelConfigInput, ResolvedConfig } from '../model/config.js';
import { POLICIES, mergeConfig } from '../model/config.js';
import type { Candidate, FoldScorer, ScoredOutput } from './cv.js';
import { selectAutoConfig, type AutoOptions } from './auto.js';

/**
 * The outputs of a fitted pipeline on some documents: the model's own verdict (name `''`),
 * each member (by member name) and, for ensembles, the other policies.
 *
 * A trace with no n-gram known to the model is judged "insufficient": benign in every
 * output, with the lowest possible score (-Infinity), as `detect` and `scan` judge it.
 * Ensemble scores: `mean` ranks by the mean calibrated probability; `any` by the members'
 * largest decision value, `all` by their smallest, `majority` by the decision value of the
 * deciding vote — each is > 0 exactly when the policy says malicious.
 */
export function pipelineOutputs(p: FittedPipeline, docs: readonly Int32Array[], table: CallTable): ScoredOutput[] {
  const X = p.tfidf.transform(docs, table);
  const s: PipelineScores = p.scoreMatrix(X);
  const n = X.rows;
  const insufficient = new Uint8Array(n);
  for (let r = 0; r < n; r++) insufficient[r] = X.indptr[r + 1] === X.indptr[r] ? 1 : 0;
  const finish = (name: string, scores: Float64Array, labels: Uint8Array): ScoredOutput => {
    for (let r = 0; r < n; r++) {
      if (insufficient[r]) {
        scores[r] = -Infinity;
        labels[r] = 0;
      }
    }
    return { name, scores, labels };
  };
  const m = s.members.length;
  const out: ScoredOutput[] = [];
  const policyScore = (policy: string): Float64Array => {
    const scores = new Float64Array(n);
    if (policy === 'mean') {
      const probs = s.ensemble.mean?.probabilities;
      if (probs) scores.set(probs);
      return scores;
    }
    const votes = new Float64Array(m);
    const need = policy === 'any' ? 1 : policy === 'all' ? m : Math.floor(m / 2) + 1;
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < m; j++) votes[j] = s.members[j].scores[r];
      votes.sort();
      scores[r] = votes[m - need]; // the need-th largest
    }
    return scores;
  };
  const own = p.config.policy;
  const labelsOf = (policy: (typeof POLICIES)[number]): Uint8Array => Uint8Array.from(s.ensemble[policy]?.labels ?? new Uint8Array(n));
  out.push(finish('', policyScore(own), labelsOf(own)));
  if (m > 1) {
    for (const mem of s.members) out.push(finish(mem.name, Float64Array.from(mem.scores), Uint8Array.from(mem.labels)));
    for (const policy of POLICIES) {
      if (policy === own) continue;
      if (policy === 'mean' && !s.ensemble.mean?.probabilities) continue;
      if (policy === 'majority' && (m === 2 || m === 1)) continue; // same as `all` for two members
      out.push(finish(policy, policyScore(policy), labelsOf(policy)));
    }
  }
  return out;
}

/** A candidate that fits the given configuration on each training part. */
export function configCandidate(name: string, config: ModelConfigInput | ResolvedConfig): Candidate {
  return {
    name,
    fit(docs, labels, table): FoldScorer {
      const p = fitPipeline(config, docs, labels, table);
      return { score: (testDocs, t) => pipelineOutputs(p, testDocs, t) };
    },
  };
}

/**
 * The `auto` candidate: on each training part, chooses a configuration by inner
 * cross-validation ({@link selectAutoConfig}), then fits it on the whole training part.
 * `chosen` receives each fold's choice.
 */
export function autoCandidate(options: AutoOptions & { chosen?: ResolvedConfig[] } = {}): Candidate {
  return {
    name: 'auto',
    fit(docs, labels, table): FoldScorer {
      const sel = selectAutoConfig(docs, labels, table, options);
      options.chosen?.push(sel.config);
      const p = fitPipeline(sel.config, docs, labels, table);
      return { score: (testDocs, t) => pipelineOutputs(p, testDocs, t) };
    },
  };
}

/**
 * Resolves a `--models` list: comma-separated preset names, `auto`, or `file:PATH` (a saved
 * model's configuration, refitted per fold). `overrides` (e.g. `{ alphabet: 'custom' }`) are
 * merged into every preset's and file's configuration.
 */
export async function resolveCandidates(
  list: string,
  cwd: string,
  autoOptions: AutoOptions & { chosen?: ResolvedConfig[] } = {},
  overrides: ModelConfigInput = {},
): Promise<Candidate[]> {
  const out: Candidate[] = [];
  for (const raw of list.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    if (entry === 'auto') out.push(autoCandidate(autoOptions));
    else if (entry.startsWith('file:')) {
      const { model } = await resolveModel({ model: entry.slice(5), cwd });
      out.push(configCandidate(entry, mergeConfig(model.config, overrides)));
    } else out.push(configCandidate(entry, mergeConfig(presetConfig(entry), overrides)));
  }
  return out;
}
