/**
 * Models: configuration, presets, fitting, and the `.ntmd` file.
 *
 * @packageDocumentation
 */
export { resolveConfig, mergeConfig, POLICIES, MEMBER_KINDS, ALPHABETS, INPUT_FORMS, alphabetOf, inputOf } from './config.js';
export type {
  ModelConfig,
  ModelConfigInput,
  ResolvedConfig,
  MemberConfig,
  NbMemberConfig,
  LinearSvcMemberConfig,
  L1SelectionConfig,
  SgdMemberConfig,
  Policy,
  Alphabet,
  InputForm,
} from './config.js';
export { PRESETS, registerPreset, getPreset, presetNames, presetConfig } from './presets.js';
export type { Preset } from './presets.js';
export { fitPipeline } from './pipeline.js';
export { FittedPipeline } from './fitted.js';
export type { FitOptions, FitProgress } from './pipeline.js';
export type { PipelineScores, MemberScores, EnsembleScores } from './fitted.js';
export type { LinearMember, MemberKind, PlattParams } from './linear.js';
export { Model, loadModel, loadModelSync } from './model.js';
export type { ModelInfo, MemberInfo, CorpusSummary, LoadOptions } from './model.js';
export type { WriteOptions, ReadOptions as ModelReadOptions } from './container.js';
export { FORMAT_VERSION } from './container.js';
export {
  ModelFileError,
  UnreadableModelError,
  ForeignModelError,
  TruncatedModelError,
  TamperedModelError,
  NewerModelVersionError,
  InvalidModelError,
  BadSignatureError,
  UntrustedModelError,
  KeyError,
  NoDefaultModelError,
  UnknownPresetError,
} from './errors.js';
