/**
 * ntmaldetect: decide whether a Windows program behaves like malware from the trace of
 * its native system calls (NtTrace logs).
 *
 * @packageDocumentation
 */
export { NtmdError, isNtmdError, InvalidOptionError, NotFittedError } from './errors.js';
export { CallTable } from './tokenize/call-table.js';
export {
  readTrace, readTraceSync, readTraceFileSync, TraceReader, reduceToText,
  EmptyTraceError, NoCallsError, CorruptGzipError, ReaderEndedError,
} from './tokenize/index.js';
export type { TraceFormat, TraceEncoding, SplitMode, ReadOptions, LineStats, TraceGroup, TraceRead, TraceInput } from './tokenize/index.js';
export { loadCorpus, EmptyCorpusError, CorpusNotFoundError, DatasetError, readWords, readTableRows } from './corpus/index.js';
export type { Corpus, CorpusDoc, CorpusSpec, LoadCorpusOptions, DatasetColumns, DatasetRow, DatasetTable, ReadTableOptions } from './corpus/index.js';
// Public API (detect, train, explain) and models (configuration, presets, .ntmd files).
// Policy and POLICIES are src/ensemble's, re-exported through src/model: export them from here only.
export {
  detect, detectSync, detectFile, DEFAULT_MODEL_PATH, UNKNOWN_WARNING_FRACTION, MIN_KNOWN_NGRAMS,
  verdictExitCode, verdictLabel, EXIT_CLEAN, EXIT_MALICIOUS, EXIT_ERROR, EXIT_NO_DECISION,
  train, trainConfig, summarizeCorpus, explain, explainSync, topFeatures, topFeaturesSync, TraceUnreadableError, NotATraceError, MIN_KNOWN_CALL_SHARE, countKnownCalls,
  verdictJson, noVerdictJson, VERDICT_SCHEMA_VERSION, VERDICT_JSON_SCHEMA,
} from './api/index.js';
export type {
  TraceSource, SyncTraceSource, ModelSource, DetectOptions, Verdict, VerdictState, MemberVerdict, VerdictOptions,
  VerdictJson, NoVerdictJson, VerdictRecordState, NotATraceDetail,
  TrainOptions, TrainCorpus, CorpusProvider,
  Explanation, ExplainOptions, ExplainInput, MemberExplanation, Contribution, MemberFeatures, WeightedFeature,
} from './api/index.js';
export {
  Model, loadModel, loadModelSync, fitPipeline, FittedPipeline, resolveConfig, mergeConfig, MEMBER_KINDS, POLICIES, ALPHABETS, INPUT_FORMS, alphabetOf, inputOf,
  PRESETS, registerPreset, getPreset, presetNames, presetConfig, FORMAT_VERSION,
  ModelFileError, UnreadableModelError, ForeignModelError, TruncatedModelError, TamperedModelError, NewerModelVersionError, InvalidModelError,
  BadSignatureError, UntrustedModelError, KeyError, NoDefaultModelError, UnknownPresetError,
} from './model/index.js';
export type {
  ModelConfig, ModelConfigInput, ResolvedConfig, MemberConfig, NbMemberConfig, LinearSvcMemberConfig, L1SelectionConfig,
  SgdMemberConfig, Policy, Alphabet, InputForm, Preset, PipelineScores, MemberScores, EnsembleScores, FitOptions, FitProgress,
  LinearMember, MemberKind, PlattParams, ModelInfo, MemberInfo, CorpusSummary, LoadOptions, WriteOptions, ModelReadOptions,
} from './model/index.js';
// NtTrace runner: trace a program or attach to a process, and classify while it runs.
export {
  traceProgram, attachProcess, createLiveDetector, parseInterval, formatInterval, findNtTrace, resolveProgram, checkProgramArgs,
  interruptTracer, DEFAULT_INTERVAL_MS,
  RunnerError, NtTraceNotFoundError, ProgramNotFoundError, UnsafeTargetError, ProgramStartError, AttachError,
  TracerStartError, TracerFailedError, NoCallsTracedError,
} from './runner/index.js';
export type {
  TraceSession, TraceProgramOptions, AttachOptions, SessionOptions, RunEvent, VerdictEvent, WarningEvent, ExitEvent,
  FinalEvent, RunResult, LiveDetector, LiveDetectorOptions, Interrupter, TracerCommand,
} from './runner/index.js';
// Linear classifiers over sparse rows, in parity with scikit-learn's LIBLINEAR and SGD.
export { LinearSVC, resolveLinearSVCOptions } from './classifiers/linear-svc.js';
export type { LinearSVCOptions, ResolvedLinearSVCOptions } from './classifiers/linear-svc.js';
export { L1SelectedSVC, linearSvcFromState } from './classifiers/l1-selected-svc.js';
export type { L1SelectedSVCOptions } from './classifiers/l1-selected-svc.js';
export { selectFromModel, resolveThreshold, L1_SELECTION_THRESHOLD } from './classifiers/select-from-model.js';
export type { SelectionThreshold } from './classifiers/select-from-model.js';
export { SGDClassifier, resolveSGDOptions, sgdLoss, sgdDLoss } from './classifiers/sgd.js';
export type { SGDClassifierOptions, ResolvedSGDOptions, SgdLoss, SgdPenalty, SgdLearningRate } from './classifiers/sgd.js';
export { classifierFromState, CLASSIFIER_KINDS } from './classifiers/from-state.js';
export { SingleClassError, LabelError, FeatureCountError, ClassifierStateError, SgdDivergedError } from './classifiers/linear-errors.js';
// Evaluation: splits, metrics, cross-validation (`ntmaldetect bench`), the auto preset, synthetic corpora.
export {
  runBench, makeSplit, crossValidate, stratifiedSplit, uniqueSplit, groupedSplit, replayFolds, similarityGroups,
  binaryMetrics, rocAuc, rocCurve, averagePrecision, prCurve, tprAtFpr, fpAtRecall, foldSummary, writeReport,
  selectAutoConfig, trainAuto, syntheticCorpus, writeSyntheticCorpus, FoldsFileError, SplitError, MetricError,
} from './eval/index.js';
export type {
  BenchOptions, BenchResult, BenchSplit, Candidate, ModelResult, CrossValidationResult, Fold, Split, FoldsFile,
  BinaryMetrics, Confusion, CurvePoint, AutoOptions, AutoSelection, SyntheticOptions,
} from './eval/index.js';
