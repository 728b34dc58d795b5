/**
 * The public API: detect, train, load, explain.
 *
 * @packageDocumentation
 */
export { detect, detectSync, detectFile, DEFAULT_MODEL_PATH } from './detect.js';
export type { TraceSource, SyncTraceSource, ModelSource, DetectOptions } from './detect.js';
export type { Verdict, VerdictState, MemberVerdict, VerdictOptions } from './verdict.js';
export {
  UNKNOWN_WARNING_FRACTION,
  MIN_KNOWN_NGRAMS,
  verdictExitCode,
  verdictLabel,
  EXIT_CLEAN,
  EXIT_MALICIOUS,
  EXIT_ERROR,
  EXIT_NO_DECISION,
} from './verdict.js';
export { train, trainConfig, summarizeCorpus } from './train.js';
export type { TrainOptions, TrainCorpus, CorpusProvider } from './train.js';
export { explain, explainSync, topFeatures, topFeaturesSync } from './explain.js';
export type {
  Explanation,
  ExplainOptions,
  ExplainInput,
  MemberExplanation,
  Contribution,
  MemberFeatures,
  WeightedFeature,
} from './explain.js';
export { TraceUnreadableError, NotATraceError } from './errors.js';
export type { NotATraceDetail } from './errors.js';
export { MIN_KNOWN_CALL_SHARE, countKnownCalls } from './familiarity.js';
export { verdictJson, noVerdictJson, VERDICT_SCHEMA_VERSION, VERDICT_JSON_SCHEMA } from './verdict-json.js';
export type { VerdictJson, NoVerdictJson, VerdictRecordState } from './verdict-json.js';
