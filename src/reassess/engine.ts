/**
 * The re-assessment run: on the store's current corpus, cross-validate the candidate
 * configurations and the production model on the same grouped folds, apply the promotion
 * rule, and record everything (snapshot, candidates, per-fold metrics, decision, reason).
 *
 * Safety:
 * - Runs are serialised: a PostgreSQL advisory lock (held by a transaction for the whole
 *   run, released by the server if the process dies), or an in-process lock on PGlite (one
 *   process owns a PGlite store).
 * - The production model changes only in the run's last transaction, which inserts the
 *   promotion and marks the run finished together. A run killed before it leaves the
 *   production model as it was; its row stays `running` until the next run marks it
 *   `abandoned`. Candidate models saved before the kill are inert rows.
 *
 * "The production model on the same folds" is its recipe refitted per fold: its
 * configuration trained on the fold's training traces that were in its own training
 * snapshot (with the labels they had then), so production and candidates are scored on
 * exactly the same held-out traces, none of which either has seen.
 *
 * @packageDocumentation
 */
import { hostname } from 'node:os';
import type { Store, StoreCorpus, StoredModel } from '../store/store.js';
import type { CorpusFilter } from '../store/filter.js';
import type { Queryable, SqlDriver } from '../store/driver.js';
import type { ResolvedConfig } from '../model/config.js';
import { presetConfig, presetNames } from '../model/presets.js';
import { trainOnCorpus } from '../api/train.js';
import { autoCandidate, configCandidate } from '../eval/candidates.js';
import type { Candidate } from '../eval/cv.js';
import { selectAutoConfig } from '../eval/auto.js';
import { makeSplit } from '../eval/bench.js';
import type { Split } from '../eval/folds.js';
import { binaryMetrics } from '../stats/metrics.js';
import { ModelRegistry } from './registry.js';
import type { ProductionEntry } from './registry.js';
import { applyRule, resolveRule, type PromotionRule, type RuleOutcome } from './rule.js';
import { CorpusTooSmallError, ReassessAbortedError, ReassessBusyError } from './errors.js';

/** Figures of one model on one fold's test part. */
export interface FoldFigures {
  accuracy: number;
  f1: number;
  rocAuc: number;
  prAuc: number;
  tprAtFpr01: number;
  tprAtFpr05: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** One model's cross-validation in a run. */
export interface CandidateResult {
  /** `current` (the production model's recipe), `production` (its configuration on the whole current corpus), `auto`, or a preset name. */
  name: string;
  perFold: FoldFigures[];
  /** Fold means of the scalar figures (NaN folds ignored). */
  mean: Omit<FoldFigures, 'tp' | 'fp' | 'tn' | 'fn'>;
  /** Pooled false-positive rate at the model's operating point (its verdicts). */
  fpr: number;
  /** Pooled confusion counts. */
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  /** The rule against the production model (absent for `current`, or with no production model). */
  rule?: RuleOutcome;
}

/** Progress of a run. */
export type ReassessEvent =
  | { stage: 'lock'; waiting: boolean }
  | { stage: 'load'; traces: number; newTraces: number; snapshotId: string }
  | { stage: 'split'; folds: number; description: string }
  | { stage: 'fit'; done: number; total: number; model: string; fold: number }
  | { stage: 'train'; model: string }
  | { stage: 'decision'; status: RunStatus; reason: string };

/** Final state of a run. */
export type RunStatus = 'promoted' | 'kept' | 'skipped';

/** Options of {@link reassess}. */
export interface ReassessOptions {
  /** Which traces make the corpus (default: every labelled trace). */
  filter?: CorpusFilter;
  /**
   * Candidates: `production` (the production configuration retrained), `auto`, preset
   * names. Default: `production`, `auto` and every preset.
   */
  candidates?: readonly string[] | string;
  /** Run only if at least this many traces are new or relabelled since the last completed run (default 1; 0 always runs). */
  minNew?: number;
  /** Grouped folds (default 5). */
  folds?: number;
  /** Seed of the split and of `auto` (default 0). */
  seed?: number;
  /** Cosine threshold of the near-duplicate groups (default 0.99). */
  groupThreshold?: number;
  /** Inner folds of `auto` (default 3). */
  autoFolds?: number;
  /** The promotion rule (defaults: {@link DEFAULT_RULE}). */
  rule?: Partial<PromotionRule>;
  /** What started the run, recorded with it (`once`, `schedule`, `serve`...). */
  trigger?: string;
  /** Wait for a run in progress to finish (default true); false throws {@link ReassessBusyError}. */
  wait?: boolean;
  /** Stops the run at its next checkpoint (between fits); production stays unchanged. */
  signal?: AbortSignal;
  onProgress?: (event: ReassessEvent) => void;
  /** Called after a promotion is committed (e.g. the server's model swap). */
  onPromoted?: (model: StoredModel, entry: ProductionEntry) => void | Promise<void>;
}

/** What a run did. */
export interface ReassessReport {
  runId: number;
  status: RunStatus;
  reason: string;
  snapshotId: string;
  /**
   * Traces left out because a revoked API token produced them (a worker's post or a
   * contribution) and no person has relabelled them since (server table
   * `ntmd_api_trace_producers`; empty on a store without the server's tables).
   */
  suspectExcluded: string[];
  traces: number;
  newTraces: number;
  split?: string;
  folds?: number;
  rule: PromotionRule;
  /** The production model's recipe on the folds (absent without a production model). */
  current?: CandidateResult;
  candidates: CandidateResult[];
  /** The candidate chosen (promoted), if any. */
  chosen?: string;
  productionBefore: number | null;
  productionAfter: number | null;
  /** The promoted model's store row. */
  promoted?: StoredModel;
}

/** Advisory lock key of re-assessment runs ("ntrr"). */
const RUN_LOCK = 0x6e747272;
const localLocks = new WeakMap<SqlDriver, Promise<void>>();

/** Runs `fn` holding the store-wide re-assessment lock. */
async function withRunLock<T>(db: SqlDriver, wait: boolean, onWait: () => void, fn: () => Promise<T>): Promise<T> {
  if (db.kind === 'postgres') {
    return db.transaction(async (tx) => {
      const [{ ok }] = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [RUN_LOCK]);
      if (!ok) {
        if (!wait) throw new ReassessBusyError(db.location);
        onWait();
        await tx.query('SELECT pg_advisory_xact_lock($1)', [RUN_LOCK]);
      }
      return fn();
    });
  }
  // PGlite: one process owns the store, so an in-process lock serialises every run on it.
  const held = localLocks.get(db);
  if (held && !wait) throw new ReassessBusyError(db.location);
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const previous = held ?? Promise.resolve();
  const chained = previous.then(() => mine);
  localLocks.set(db, chained);
  if (held) onWait();
  await previous;
  try {
    return await fn();
  } finally {
    release();
    if (localLocks.get(db) === chained) localLocks.delete(db);
  }
}

/** The default candidate list: the production configuration, `auto`, and every preset. */
export function defaultCandidates(): string[] {
  return ['production', 'auto', ...presetNames().filter((p) => p !== 'auto')];
}

function candidateList(input: ReassessOptions['candidates']): string[] {
  const list = input === undefined ? defaultCandidates() : typeof input === 'string' ? input.split(',') : [...input];
  const out = [...new Set(list.map((s) => s.trim()).filter((s) => s !== ''))];
  for (const name of out) if (name !== 'production' && name !== 'auto') presetConfig(name); // throws UnknownPresetError
  if (out.length === 0) throw new CorpusTooSmallError('no candidates to evaluate');
  return out;
}

/** Whether two resolved configurations are the same. */
function sameConfig(a: ResolvedConfig, b: ResolvedConfig): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function figures(y: Uint8Array, scores: Float64Array, labels: Uint8Array): FoldFigures {
  const m = binaryMetrics(y, scores, labels);
  const { tp, fp, tn, fn } = m.confusion;
  return {
    accuracy: m.accuracy,
    f1: m.f1,
    rocAuc: m.rocAuc,
    prAuc: m.prAuc,
    tprAtFpr01: m.tprAtFpr01,
    tprAtFpr05: m.tprAtFpr05,
    tp,
    fp,
    tn,
    fn,
  };
}

const MEAN_KEYS = ['accuracy', 'f1', 'rocAuc', 'prAuc', 'tprAtFpr01', 'tprAtFpr05'] as const;

function summarise(name: string, perFold: FoldFigures[]): CandidateResult {
  const mean = {} as CandidateResult['mean'];
  for (const k of MEAN_KEYS) {
    const v = perFold.map((f) => f[k]).filter(Number.isFinite);
    mean[k] = v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
  }
  const sum = (k: 'tp' | 'fp' | 'tn' | 'fn'): number => perFold.reduce((a, f) => a + f[k], 0);
  const tp = sum('tp');
  const fp = sum('fp');
  const tn = sum('tn');
  const fn = sum('fn');
  return { name, perFold, mean, fpr: fp + tn > 0 ? fp / (fp + tn) : 0, tp, fp, tn, fn };
}

/** Submission id -> label of a snapshot. */
async function snapshotLabels(db: SqlDriver, snapshotId: string): Promise<Map<number, number>> {
  const rows = await db.query<{ submission_id: number | string; label: number }>(
    'SELECT submission_id, label FROM ntmd_snapshot_members WHERE snapshot_id = $1',
    [snapshotId],
  );
  return new Map(rows.map((r) => [Number(r.submission_id), r.label]));
}

/** Documents of `corpus` that are not in `reference` (by submission) or whose label changed. */
function countNew(corpus: StoreCorpus, reference: Map<number, number> | null): number {
  if (!reference) return corpus.docs.length;
  let n = 0;
  for (const d of corpus.docs) if (reference.get(d.submissionId) !== d.label) n++;
  return n;
}

function checkAbort(signal: AbortSignal | undefined, stage: string): void {
  if (signal?.aborted) throw new ReassessAbortedError(stage);
}

/** Yields to the event loop so timers, signals and other requests get a turn between fits. */
const breathe = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Runs one re-assessment on an open store. Resolves with what it did (promoted, kept, or
 * skipped for too few new traces); a failure is recorded in the run's row and rethrown.
 */
export async function reassess(store: Store, options: ReassessOptions = {}): Promise<ReassessReport> {
  const registry = await ModelRegistry.open(store);
  const db = registry.db;
  const rule = resolveRule(options.rule);
  const names = candidateList(options.candidates);
  const progress = options.onProgress ?? (() => undefined);
  const k = options.folds ?? 5;
  const seed = options.seed ?? 0;
  const minNew = options.minNew ?? 1;
  return withRunLock(
    db,
    options.wait ?? true,
    () => progress({ stage: 'lock', waiting: true }),
    async () => {
      // We hold the lock: a run still marked running died without finishing.
      await db.query(
        `UPDATE ntmd_reassess_runs SET status = 'abandoned', finished_at = clock_timestamp(),
              reason = 'the process running it stopped before it finished; production unchanged'
        WHERE status = 'running'`,
      );
      const production = await registry.production();
      const [run] = await db.query<{ id: number | string }>(
        `INSERT INTO ntmd_reassess_runs (status, trigger, pid, host, candidates, rule, production_before, locked_at)
       VALUES ('running', $1, $2, $3, $4, $5, $6, clock_timestamp()) RETURNING id`,
        [options.trigger ?? 'api', process.pid, hostname(), names, JSON.stringify(rule), production?.modelId ?? null],
      );
      const runId = Number(run.id);
      try {
        const report = await runLocked(store, registry, runId, production, names, rule, { ...options, folds: k, seed, minNew }, progress);
        progress({ stage: 'decision', status: report.status, reason: report.reason });
        return report;
      } catch (e) {
        await db
          .query(
            `UPDATE ntmd_reassess_runs SET status = 'failed', error = $2, reason = 'failed; production unchanged', finished_at = clock_timestamp() WHERE id = $1`,
            [runId, e instanceof Error ? `${e.name}: ${e.message}` : String(e)],
          )
          .catch(() => undefined);
        throw e;
      }
    },
  );
}

/**
 * Traces a revoked API token produced that no person has labelled since: marked by the
 * server when the token was revoked (`ntmd_api_trace_producers.suspect_at`), cleared when a
 * person labels the trace through the API, and also cleared by any later label event
 * (`store label`). Empty when the store has no server tables.
 */
export async function suspectTraces(db: Queryable): Promise<string[]> {
  const [t] = await db.query<{ present: boolean }>(`SELECT to_regclass('ntmd_api_trace_producers') IS NOT NULL AS present`);
  if (!t?.present) return [];
  const rows = await db.query<{ trace_sha256: string }>(
    `SELECT DISTINCT p.trace_sha256 FROM ntmd_api_trace_producers p
      WHERE p.suspect_at IS NOT NULL AND p.cleared_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM ntmd_labels l JOIN ntmd_traces t ON t.id = l.trace_id
                         WHERE t.sha256 = p.trace_sha256 AND l.created_at > p.suspect_at)
      ORDER BY 1`,
  );
  return rows.map((r) => r.trace_sha256);
}

async function runLocked(
  store: Store,
  registry: ModelRegistry,
  runId: number,
  production: ProductionEntry | null,
  names: string[],
  rule: PromotionRule,
  options: ReassessOptions & { folds: number; seed: number; minNew: number },
  progress: (e: ReassessEvent) => void,
): Promise<ReassessReport> {
  const db = registry.db;
  // Traces produced by a revoked API token stay out until a person relabels or deletes them.
  const suspect = options.filter?.snapshot === undefined ? await suspectTraces(db) : [];
  const filter: CorpusFilter = suspect.length
    ? { ...options.filter, excludeTraces: [...(options.filter?.excludeTraces ?? []), ...suspect] }
    : (options.filter ?? {});
  const corpus = await store.loadCorpus(filter);
  const prodStored = production ? await store.getModel(production.modelId) : null;
  const prodModel = production ? await registry.loadProduction() : null;
  // New traces: against the last completed run's snapshot, else the production model's.
  const [last] = await db.query<{ snapshot_id: string | null }>(
    `SELECT snapshot_id FROM ntmd_reassess_runs WHERE status IN ('promoted', 'kept') AND snapshot_id IS NOT NULL ORDER BY id DESC LIMIT 1`,
  );
  const refSnapshot = last?.snapshot_id ?? prodStored?.snapshotId ?? null;
  const newTraces = countNew(corpus, refSnapshot ? await snapshotLabels(db, refSnapshot) : null);
  progress({ stage: 'load', traces: corpus.docs.length, newTraces, snapshotId: corpus.snapshotId });
  await db.query('UPDATE ntmd_reassess_runs SET snapshot_id = $2, traces = $3, new_traces = $4 WHERE id = $1', [
    runId,
    corpus.snapshotId,
    corpus.docs.length,
    newTraces,
  ]);
  const base: Omit<ReassessReport, 'status' | 'reason'> = {
    runId,
    snapshotId: corpus.snapshotId,
    suspectExcluded: suspect,
    traces: corpus.docs.length,
    newTraces,
    rule,
    candidates: [],
    productionBefore: production?.modelId ?? null,
    productionAfter: production?.modelId ?? null,
  };
  if (production && newTraces < options.minNew) {
    const reason = `${newTraces} new or relabelled trace${newTraces === 1 ? '' : 's'} since the last assessment, fewer than ${options.minNew}: production model ${production.modelId} kept`;
    await finish(db, runId, 'skipped', reason, null, production.modelId);
    return { ...base, status: 'skipped', reason };
  }
  const labels = Uint8Array.from(corpus.docs, (d) => d.label);
  const positives = labels.reduce((a, b) => a + b, 0);
  if (Math.min(positives, labels.length - positives) < options.folds) {
    throw new CorpusTooSmallError(
      `${positives} malicious and ${labels.length - positives} benign traces; each class needs at least ${options.folds} for ${options.folds} folds`,
    );
  }
  const split: Split = makeSplit(corpus, {
    split: 'grouped',
    folds: options.folds,
    seed: options.seed,
    groupThreshold: options.groupThreshold,
  });
  progress({ stage: 'split', folds: split.folds.length, description: split.description });
  await db.query('UPDATE ntmd_reassess_runs SET split = $2, folds = $3 WHERE id = $1', [runId, split.description, split.folds.length]);

  // The models to cross-validate: the production recipe first, then the candidates.
  const docs = corpus.docs.map((d) => d.calls);
  const prodConfig: ResolvedConfig | null = prodModel ? prodModel.model.config : null;
  const prodTraining = prodStored?.snapshotId ? await snapshotLabels(db, prodStored.snapshotId) : null;
  const autoChoices: ResolvedConfig[] = [];
  const fitters: { name: string; candidate: Candidate; current?: boolean }[] = [];
  if (prodConfig) fitters.push({ name: 'current', candidate: configCandidate('current', prodConfig), current: true });
  for (const name of names) {
    if (name === 'production') {
      if (prodConfig) fitters.push({ name, candidate: configCandidate(name, prodConfig) });
    } else if (name === 'auto')
      fitters.push({ name, candidate: autoCandidate({ seed: options.seed, folds: options.autoFolds, chosen: autoChoices }) });
    else if (prodConfig && names.includes('production') && sameConfig(presetConfig(name), prodConfig))
      continue; // already there as 'production'
    else fitters.push({ name, candidate: configCandidate(name, presetConfig(name)) });
  }
  const perFold = new Map<string, FoldFigures[]>(fitters.map((f) => [f.name, []]));
  const total = fitters.length * split.folds.length;
  let done = 0;
  let ratio = 0;
  for (let fi = 0; fi < split.folds.length; fi++) {
    const fold = split.folds[fi];
    ratio += fold.test.length / fold.train.length / split.folds.length;
    const testDocs = Array.from(fold.test, (i) => docs[i]);
    const testY = Uint8Array.from(fold.test, (i) => labels[i]);
    for (const f of fitters) {
      checkAbort(options.signal, `fold ${fi + 1} (${f.name})`);
      let trainIdx: ArrayLike<number> = fold.train;
      let trainY: Uint8Array;
      if (f.current && prodTraining) {
        // The production model's own training traces within this fold, with their labels then.
        trainIdx = Int32Array.from(Array.from(fold.train).filter((i) => prodTraining.has(corpus.docs[i].submissionId)));
        trainY = Uint8Array.from(trainIdx, (i) => prodTraining.get(corpus.docs[i].submissionId)!);
      } else trainY = Uint8Array.from(trainIdx, (i) => labels[i]);
      const scorer = f.candidate.fit(
        Array.from(trainIdx, (i) => docs[i]),
        trainY,
        corpus.table,
      );
      const own = scorer.score(testDocs, corpus.table)[0];
      perFold.get(f.name)!.push(figures(testY, own.scores, own.labels));
      progress({ stage: 'fit', done: ++done, total, model: f.name, fold: fi + 1 });
      await breathe();
    }
  }
  checkAbort(options.signal, 'the decision');

  // The decision.
  const results = fitters.map((f) => summarise(f.name, perFold.get(f.name)!));
  const current = prodConfig ? results.shift() : undefined;
  const metric = rule.metric;
  const fold = (r: CandidateResult): number[] => r.perFold.map((x) => x[metric]);
  if (current)
    for (const r of results)
      r.rule = applyRule(rule, { perFold: fold(r), fpr: r.fpr }, { perFold: fold(current), fpr: current.fpr }, results.length, ratio);
  const ranked = [...results].sort((a, b) => b.mean[metric] - a.mean[metric] || a.fpr - b.fpr);
  let chosen: CandidateResult | undefined;
  let reason: string;
  const fmt = (r: CandidateResult): string => `${r.name} (mean ${metric} ${r.mean[metric].toFixed(4)}, FPR ${r.fpr.toFixed(4)})`;
  if (!current) {
    chosen = ranked[0];
    reason = `no production model yet: promoting the best candidate, ${fmt(chosen)}`;
  } else {
    chosen = ranked.find((r) => r.rule?.passes);
    reason = chosen
      ? `${chosen.name} beats production model ${production!.modelId}: ${chosen.rule!.reason}`
      : `production model ${production!.modelId} kept (${fmt(current)}); best candidate ${ranked[0].name}: ${ranked[0].rule!.reason}`;
  }
  const resultsJson = { current, candidates: results, autoChoices, testTrainRatio: ratio };

  // Evaluations of every model, then (if promoting) the new model and the promotion, last.
  for (const r of current ? [current, ...results] : results) {
    await store.addEvaluation({
      kind: 'reassess',
      snapshotId: corpus.snapshotId,
      modelId: r.name === 'current' ? production!.modelId : null,
      config: { run: runId, model: r.name, split: split.description, rule },
      metrics: {
        perFold: r.perFold,
        mean: r.mean,
        fpr: r.fpr,
        confusion: { tp: r.tp, fp: r.fp, tn: r.tn, fn: r.fn },
        rule: r.rule ?? null,
      },
    });
  }
  if (!chosen) {
    await finish(db, runId, 'kept', reason, resultsJson, production!.modelId);
    return { ...base, status: 'kept', reason, split: split.description, folds: split.folds.length, current, candidates: results };
  }
  checkAbort(options.signal, 'training the promoted model');
  progress({ stage: 'train', model: chosen.name });
  const config =
    chosen.name === 'production'
      ? prodConfig!
      : chosen.name === 'auto'
        ? selectAutoConfig(docs, labels, corpus.table, { seed: options.seed, folds: options.autoFolds }).config
        : presetConfig(chosen.name);
  const metrics = { reassessRun: runId, split: split.description, metric, mean: chosen.mean, fpr: chosen.fpr };
  const model = trainOnCorpus(corpus, config, { metrics });
  await breathe();
  checkAbort(options.signal, 'saving the promoted model');
  const stored = await store.saveModel({
    name: `reassess-${runId}-${chosen.name}`,
    bytes: model.toBytes(),
    config: config as unknown as Record<string, unknown>,
    snapshotId: corpus.snapshotId,
    metrics,
  });
  const entry = await db.transaction(async (tx) => {
    const e = await registry.promote(stored.id, { action: 'promote', runId, reason }, tx);
    await tx.query(
      `UPDATE ntmd_reassess_runs SET status = 'promoted', decision = $2, reason = $3, results = $4, production_after = $5, finished_at = clock_timestamp() WHERE id = $1`,
      [runId, chosen.name, reason, JSON.stringify(resultsJson), stored.id],
    );
    return e;
  });
  await options.onPromoted?.(stored, entry);
  return {
    ...base,
    status: 'promoted',
    reason,
    split: split.description,
    folds: split.folds.length,
    current,
    candidates: results,
    chosen: chosen.name,
    productionAfter: stored.id,
    promoted: stored,
  };
}

async function finish(
  db: SqlDriver,
  runId: number,
  status: RunStatus,
  reason: string,
  results: unknown,
  productionAfter: number | null,
): Promise<void> {
  await db.query(
    `UPDATE ntmd_reassess_runs SET status = $2, reason = $3, results = $4, production_after = $5, finished_at = clock_timestamp() WHERE id = $1`,
    [runId, status, reason, results === null ? null : JSON.stringify(results), productionAfter],
  );
}

/** A recorded run, as `ntmaldetect models` and the docs show it. */
export interface RunRecord {
  id: number;
  status: RunStatus | 'running' | 'failed' | 'abandoned';
  trigger: string;
  snapshotId: string | null;
  traces: number | null;
  newTraces: number | null;
  split: string | null;
  folds: number | null;
  candidates: string[];
  rule: PromotionRule;
  results: unknown;
  productionBefore: number | null;
  productionAfter: number | null;
  decision: string | null;
  reason: string | null;
  error: string | null;
  startedAt: Date;
  lockedAt: Date | null;
  finishedAt: Date | null;
}

/** Recorded runs, newest first (at most `limit`). */
export async function listRuns(store: Store, limit = 20): Promise<RunRecord[]> {
  const registry = await ModelRegistry.open(store);
  const rows = await registry.db.query<Record<string, unknown>>('SELECT * FROM ntmd_reassess_runs ORDER BY id DESC LIMIT $1', [limit]);
  const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  const d = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string));
  return rows.map((r) => ({
    id: Number(r.id),
    status: r.status as RunRecord['status'],
    trigger: r.trigger as string,
    snapshotId: (r.snapshot_id as string | null) ?? null,
    traces: n(r.traces),
    newTraces: n(r.new_traces),
    split: (r.split as string | null) ?? null,
    folds: n(r.folds),
    candidates: r.candidates as string[],
    rule: r.rule as PromotionRule,
    results: r.results ?? null,
    productionBefore: n(r.production_before),
    productionAfter: n(r.production_after),
    decision: (r.decision as string | null) ?? null,
    reason: (r.reason as string | null) ?? null,
    error: (r.error as string | null) ?? null,
    startedAt: new Date(r.started_at as string),
    lockedAt: d(r.locked_at),
    finishedAt: d(r.finished_at),
  }));
}
