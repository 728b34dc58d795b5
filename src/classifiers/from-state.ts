/**
 * One entry point to restore any classifier from its saved state, dispatching on
 * `state.kind` (and, for `'linear-svc'`, on `params.variant`).
 *
 * @packageDocumentation
 */
import type { BinaryClassifier, ClassifierState } from './types.js';
import { ClassifierStateError } from './linear-errors.js';
import { linearSvcFromState } from './l1-selected-svc.js';
import { MultinomialNB } from './multinomial-nb.js';
import { SGDClassifier } from './sgd.js';

/** The member kinds {@link classifierFromState} knows. */
export const CLASSIFIER_KINDS = ['multinomial-nb', 'linear-svc', 'sgd'] as const;

/**
 * Restores a classifier saved with `state()`: `MultinomialNB`, `LinearSVC`,
 * `L1SelectedSVC` or `SGDClassifier`.
 * @throws ClassifierStateError for an unknown kind or a malformed state.
 */
export function classifierFromState(state: ClassifierState): BinaryClassifier {
  switch (state?.kind) {
    case 'multinomial-nb':
      return MultinomialNB.fromState(state);
    case 'linear-svc':
      return linearSvcFromState(state);
    case 'sgd':
      return SGDClassifier.fromState(state);
    default:
      throw new ClassifierStateError(
        'classifier',
        `unknown kind ${JSON.stringify(state?.kind)}: expected one of ${CLASSIFIER_KINDS.join(', ')}`,
      );
  }
}
