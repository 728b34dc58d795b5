/**
 * Fitting a whole model from labelled call sequences: TF-IDF, each ensemble member, and
 * (optionally) a Platt scaler per member. The fitted model and its scoring are in `fitted.ts`.
 *
 * `fitPipeline` is what `train()` runs on the whole corpus and what the cross-validation
 * (`src/eval`) runs on each fold's training part, so the figures it reports are those of the
 * model a user gets.
 */
import type { CallTable } from '../tokenize/call-table.js';
import type { BinaryClassifier } from '../classifiers/types.js';
import { InvalidOptionError } from '../errors.js';
import { TfidfVectorizer } from '../tfidf/vectorizer.js';
import type { FittedTfidf } from '../tfidf/vectorizer.js';
import type { Csr } from '../tfidf/csr.js';
import { MultinomialNB } from '../classifiers/multinomial-nb.js';
import { LinearSVC } from '../classifiers/linear-svc.js';
import { L1SelectedSVC } from '../classifiers/l1-selected-svc.js';
import { SGDClassifier } from '../classifiers/sgd.js';
import { PlattCalibrator, outOfFoldScores } from '../ensemble/index.js';
import type { MemberConfig, ModelConfigInput, ResolvedConfig } from './config.js';
import { resolveConfig, tfidfOptionsOf } from './config.js';
import type { LinearMember, PlattParams } from './linear.js';
import { linearForm } from './linear.js';
import { FittedPipeline } from './fitted.js';

/** Progress callback of {@link fitPipeline}: a stage name and, for members, its index. */
export type FitProgress = (stage: 'tfidf' | 'member' | 'calibration' | 'done', detail: string) => void;

/** Options of {@link fitPipeline}. */
export interface FitOptions {
  /** Called when each stage starts. */
  readonly onProgress?: FitProgress;
  /** Inner folds of the out-of-fold scores used for calibration. Default 5. */
  readonly calibrationFolds?: number;
  /**
   * The TF-IDF fit of `docs` already made (e.g. on several threads, `src/tfidf/parallel.ts`):
   * used as it is, and the `tfidf` stage is not reported (the caller reported it).
   */
  readonly features?: { readonly tfidf: FittedTfidf; readonly X: Csr };
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
  if (!options.features) progress('tfidf', `${docs.length} documents`);
  const { tfidf, X } = options.features ?? new TfidfVectorizer(tfidfOptionsOf(cfg)).fitTransform(docs, table);
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
