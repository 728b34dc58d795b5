/**
 * Scheduled re-assessment: retrain candidate configurations on the store's growing corpus,
 * compare them with the production model on the same grouped folds, and promote one only
 * when it is better beyond fold noise without a worse false-positive rate
 * (docs/reassessment.md). Also the model registry (versions, production pointer,
 * rollback), the cron parser of `--schedule`, and the server's model hot swap.
 *
 * @packageDocumentation
 */
export { reassess, listRuns, defaultCandidates, suspectTraces } from './engine.js';
export type { ReassessOptions, ReassessReport, ReassessEvent, CandidateResult, FoldFigures, RunStatus, RunRecord } from './engine.js';
export { ModelRegistry, productionStack } from './registry.js';
export type { ProductionEntry, RegisteredModel } from './registry.js';
export { DEFAULT_RULE, RULE_METRICS, resolveRule, applyRule } from './rule.js';
export type { PromotionRule, RuleMetric, RuleOutcome, RuleInput } from './rule.js';
export { pairedTTest, studentTUpperTail, regularizedBeta, logGamma } from './stats.js';
export type { PairedTest } from './stats.js';
export { parseCron, nextCronTime, cronMatches, scheduleCron } from './cron.js';
export type { CronSchedule, CronTimer } from './cron.js';
export { SwappableDetector, followProduction, storeModelDetector } from './swap.js';
export type { ProductionFollower } from './swap.js';
export { REASSESS_MIGRATIONS, REASSESS_SCHEMA_VERSION, migrateReassess, ReassessSchemaError } from './schema.js';
export {
  CronSyntaxError,
  ReassessBusyError,
  NoProductionModelError,
  NothingToRollBackError,
  ReassessAbortedError,
  CorpusTooSmallError,
} from './errors.js';
