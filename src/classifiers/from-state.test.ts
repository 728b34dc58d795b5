import { describe, expect, it } from 'vitest';
import { classifierFromState } from './from-state.js';
import { L1SelectedSVC } from './l1-selected-svc.js';
import { ClassifierStateError } from './linear-errors.js';
import { LinearSVC } from './linear-svc.js';
import { MultinomialNB } from './multinomial-nb.js';
import { SGDClassifier } from './sgd.js';
import { smallProblem } from './test-helpers/linear-fixture.js';
import type { BinaryClassifier } from './types.js';

describe('classifierFromState', () => {
  const { X, y } = smallProblem();

  it('restores every kind to the same class with identical scores', () => {
    const models: BinaryClassifier[] = [
      new MultinomialNB({ alpha: 0.01 }).fit(X, y),
      new LinearSVC().fit(X, y),
      new LinearSVC({ penalty: 'l1' }).fit(X, y),
      new L1SelectedSVC().fit(X, y),
      new SGDClassifier({ penalty: 'elasticnet' }).fit(X, y),
    ];
    for (const m of models) {
      const back = classifierFromState(m.state());
      expect(back.constructor).toBe(m.constructor);
      expect(Array.from(back.decisionFunction(X))).toEqual(Array.from(m.decisionFunction(X)));
    }
  });

  it('rejects unknown kinds with a typed error', () => {
    expect(() => classifierFromState({ kind: 'random-forest', params: {}, arrays: {} })).toThrow(ClassifierStateError);
    expect(() => classifierFromState({ kind: 'random-forest', params: {}, arrays: {} })).toThrow(/random-forest/);
  });
});
