/**
 * Evaluation: cross-validation splits, metrics, the cross-validation driver behind
 * `ntmaldetect bench`, its report, the `auto` preset's selection, and a synthetic corpus
 * generator.
 *
 * @packageDocumentation
 */
export { runBench, makeSplit, nearDuplicateGroups } from './bench.js';
export type { BenchOptions, BenchResult, BenchSplit } from './bench.js';
export { crossValidate, summaryJson } from './cv.js';
export type { Candidate, FoldScorer, ScoredOutput, ModelResult, ModelCurves, CrossValidationResult, CrossValidationOptions } from './cv.js';
export { configCandidate, autoCandidate, resolveCandidates, pipelineOutputs } from './candidates.js';
export {
  stratifiedFoldOf,
  stratifiedSplit,
  uniqueSplit,
  uniqueDocs,
  groupedSplit,
  groupedFoldOf,
  similarityGroups,
  replayFolds,
  foldsFromAssignment,
} from './folds.js';
export type { Fold, Split, SplitKind, FoldsFile, UniqueDocs } from './folds.js';
export {
  binaryMetrics,
  confusion,
  rocCurve,
  rocAuc,
  prCurve,
  averagePrecision,
  tprAtFpr,
  fpAtRecall,
  thresholdCounts,
  foldSummary,
} from '../stats/metrics.js';
export type { BinaryMetrics, ScalarMetrics, Confusion, CurvePoint } from '../stats/metrics.js';
export { writeReport, metricsTable, foldTable, speedTable } from './report.js';
export type { ReportOptions } from './report.js';
export { lineChartSvg } from './svg.js';
export type { ChartOptions, Series } from './svg.js';
export { selectAutoConfig, trainAuto, autoGrid, AUTO_MEMBERS } from './auto.js';
export type { AutoOptions, AutoSelection, AutoScore, AutoCandidate } from './auto.js';
export { syntheticCorpus, writeSyntheticCorpus } from './synthetic.js';
export type { SyntheticOptions, SyntheticCorpus, SyntheticVocabulary } from './synthetic.js';
export { buildDefaultModel, defaultCorpusDir, DEFAULT_MODEL_PRESET } from './default-model.js';
export { Mt19937 } from '../stats/random.js';
export { FoldsFileError, SplitError, MetricError } from './errors.js';
