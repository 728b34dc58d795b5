/**
 * {@link trainAuto}: a model with the `auto` preset, and the selection it runs
 * (`selectAutoConfig`, defined in `src/model/auto.ts` so that `train()` can run it for
 * `preset: 'auto'` without importing the evaluation code; exported from here too).
 */
import { loadTrainCorpus, trainOnCorpus } from '../api/train.js';
import type { TrainCorpus, TrainOptions } from '../api/train.js';
import type { Model } from '../model/model.js';
import { selectAutoConfig } from '../model/auto.js';
import type { AutoOptions, AutoSelection } from '../model/auto.js';

export { selectAutoConfig, autoGrid, AUTO_MEMBERS } from '../model/auto.js';
export type { AutoOptions, AutoSelection, AutoScore, AutoCandidate } from '../model/auto.js';

/**
 * Trains a model with the `auto` preset: loads the corpus, chooses the configuration by
 * inner cross-validation on it ({@link selectAutoConfig}), and fits that configuration on
 * every trace. What `train(corpus, { preset: 'auto' })` should do.
 */
export async function trainAuto(
  corpus: TrainCorpus,
  options: AutoOptions & Pick<TrainOptions, 'onReadProgress' | 'onWarning' | 'metrics'> = {},
): Promise<{ model: Model; selection: AutoSelection }> {
  const c = await loadTrainCorpus(corpus, options);
  const docs = c.docs.map((d) => d.calls);
  const labels = Uint8Array.from(c.docs, (d) => d.label);
  const selection = selectAutoConfig(docs, labels, c.table, options);
  return { model: trainOnCorpus(c, selection.config, options), selection };
}
