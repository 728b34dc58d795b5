/**
 * What the HTTP layer needs from the rest of ntmaldetect, as interfaces: the model
 * ({@link TraceDetector}) and persistence ({@link ServerBackend}). `createApp` depends only
 * on these; `openServerBackend` implements them on the trace store.
 *
 * @packageDocumentation
 */
import type { NewToken, Scope, TokenOptions, TokenRecord } from './tokens.js';

/** Class of a trace, as the API spells it: the store's one label type. */
export type { LabelName } from '../store/filter.js';
import type { LabelName } from '../store/filter.js';

/** The verdict record (docs/cli.md, "Verdict JSON"): one type for the CLI, the runner and the API. */
export type { VerdictJson } from '../api/verdict-json.js';
import type { VerdictJson } from '../api/verdict-json.js';

/**
 * A model in use by the server, and how to run it on a request body; the options of its
 * `detect`. Declared with the model hot swap (`src/reassess/detector.ts`), below the server.
 */
export type { TraceDetector, DetectOptions } from '../reassess/detector.js';

/** Where a contributed trace came from. */
export interface TraceProvenance {
  /** File name given by the client. */
  name?: string | undefined;
  /** Name of the submitting token. */
  submitter: string;
  programSha256?: string | undefined;
  programName?: string | undefined;
  /** Tracer and its options, e.g. `{ tracer: 'nttrace', timeLimitMs: 60000 }`. */
  tracer?: Record<string, unknown> | undefined;
}

/** A trace to store. */
export interface TraceInput {
  /** The trace bytes as received (inflated): raw log or reduced. */
  body: Uint8Array;
  label?: LabelName | undefined;
  provenance: TraceProvenance;
  /** Verdict of the server's model, stored beside the trace. */
  verdict: VerdictJson;
  /** Id of the token that sent it (recorded as the trace's producer). */
  tokenId?: string | undefined;
  /** SHA-256 of the model that produced `verdict`. */
  modelSha256: string;
}

/** Result of storing a trace. */
export interface TraceStored {
  /** The trace's id: SHA-256 of its canonical reduced text (identical traces share it). */
  id: string;
  /** True when an identical trace was already stored: then nothing was stored. */
  duplicate: boolean;
  calls: number;
  label: LabelName | null;
}

/** A stored trace as `GET /v1/traces/:id` shows it. */
export interface TraceDetails {
  id: string;
  calls: number;
  label: LabelName | null;
  labels: { label: LabelName; source: string; at: string }[];
  submissions: { name: string | null; submitter: string | null; programSha256: string | null; programName: string | null; at: string }[];
  /** The verdict stored for the model asked about, if any. */
  verdict: VerdictJson | undefined;
  /** The tokens that produced the trace (worker posts, contributions), with their suspect marks. */
  producers: TraceSuspicion[];
  /** The trace's bytes (reduced text, or the raw log as received), to run a model on. */
  content(): Promise<Uint8Array>;
}

/** State of a submitted program. */
export type ProgramStatus = 'queued' | 'running' | 'done' | 'failed';

/** A submitted program (never its bytes). */
export interface ProgramRecord {
  sha256: string;
  name: string;
  size: number;
  status: ProgramStatus;
  submittedAt: string;
  attempts: number;
  error: string | null;
  traceId: string | null;
}

/** A claim on a queued program, held by one worker until `expiresAt`. */
export interface JobClaim {
  sha256: string;
  name: string;
  size: number;
  lease: string;
  expiresAt: string;
}

/** A claim asked for by a token. */
export interface ClaimRequest {
  /** The token claiming (the claim belongs to it). */
  tokenId: string;
  /** Worker name recorded with the claim. */
  worker: string;
  leaseMs: number;
  maxAttempts: number;
  /** Live claims one token may hold at once. */
  maxClaims: number;
}

/** What revoking a token did. */
export interface RevokeReport {
  id: string;
  /** Producer records of the token's traces newly marked suspect. */
  marked: number;
  /** Claims the token held, put back in the queue. */
  released: number;
}

/** Outcome of a requeue: `requeued` false when the program is neither failed nor done with a suspect trace. */
export interface RequeueResult {
  requeued: boolean;
  program: ProgramRecord;
}

/** One token's part in a trace: who produced it, and whether that result is suspect. */
export interface TraceSuspicion {
  tokenId: string;
  kind: 'worker' | 'contribute';
  programSha256: string | null;
  at: string;
  /** True while the token is revoked and no person has relabelled the trace since. */
  suspect: boolean;
  suspectSince: string | null;
  reason: string | null;
  clearedAt: string | null;
  clearedBy: string | null;
}

/** Counts served by `GET /v1/stats`. */
export interface StatsJson {
  traces: number;
  submissions: number;
  byLabel: { benign: number; malicious: number; unlabelled: number };
  programs: Record<ProgramStatus, number>;
}

/** Persistence of everything the API serves. Every method is safe to call concurrently. */
export interface ServerBackend {
  /** Resolves when the store answers (readiness probe); rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;

  findToken(id: string): Promise<TokenRecord | undefined>;
  /** Creates a token; one with the `worker` scope is bound to a worker name and expires (see {@link TokenOptions}). */
  createToken(name: string, scopes: Scope[], options?: TokenOptions): Promise<NewToken & { record: TokenRecord }>;
  listTokens(): Promise<TokenRecord[]>;
  /**
   * Marks a token revoked, marks the traces it produced suspect and puts its claims back in
   * the queue; undefined if there is no such (unrevoked) token.
   */
  revokeToken(id: string): Promise<RevokeReport | undefined>;
  /** Binds an unbound (legacy) worker token to a worker name; `bound: false` if it already was. */
  bindToken(id: string, worker: string, ttlMs?: number): Promise<{ bound: boolean; record: TokenRecord } | undefined>;
  /** Sets an active token's expiry to now + `ttlMs`. */
  renewToken(id: string, ttlMs: number): Promise<TokenRecord | undefined>;
  /** Replaces an active token by a new one (same name, scopes, binding); the old one expires after `graceMs`. */
  rotateToken(
    id: string,
    graceMs: number,
    options?: TokenOptions,
  ): Promise<(NewToken & { record: TokenRecord; old: TokenRecord }) | undefined>;

  /** Stores a trace unless an identical one exists (then `duplicate` and nothing stored). */
  addTrace(input: TraceInput): Promise<TraceStored>;
  /** A trace with the verdict cached for the model `modelSha256`. */
  getTrace(id: string, modelSha256: string): Promise<TraceDetails | undefined>;
  /** Records a new label (history kept); false if there is no such trace. */
  labelTrace(id: string, label: LabelName, source: string): Promise<boolean>;
  /** Deletes a trace and its submissions for real; false if there is no such trace. */
  deleteTrace(id: string): Promise<boolean>;
  /** Stores the verdict of a model for a trace (cache for `GET /v1/traces/:id`). Idempotent. */
  saveVerdict(traceId: string, modelSha256: string, verdict: VerdictJson): Promise<void>;
  stats(): Promise<StatsJson>;

  /** Stores a program by its SHA-256 and queues it; `duplicate` when it was already known. */
  addProgram(sha256: string, name: string, bytes: Uint8Array, submitter: string): Promise<{ program: ProgramRecord; duplicate: boolean }>;
  getProgram(sha256: string): Promise<ProgramRecord | undefined>;
  /** The program's bytes, or undefined if unknown. */
  programBytes(sha256: string): Promise<Uint8Array | undefined>;
  /** Is `lease` the live claim on `sha256`, made by the token `tokenId`? */
  leaseValid(sha256: string, lease: string, tokenId: string): Promise<boolean>;
  /**
   * Claims the oldest queued program (or one whose claim expired) for a token; undefined
   * if none. Throws `ClaimLimitError` when the token holds `maxClaims` live claims already.
   */
  claimJob(request: ClaimRequest): Promise<JobClaim | undefined>;
  /**
   * Stores the trace of a claimed program and marks it done, atomically and only if
   * `lease` is still the live claim of the token `tokenId`; records the token as the trace's
   * producer. Returns undefined when the claim was lost.
   */
  completeJob(
    sha256: string,
    lease: string,
    tokenId: string,
    trace: TraceInput,
  ): Promise<{ program: ProgramRecord; trace: TraceStored } | undefined>;
  /** Gives a claimed program back (retried, or `failed` after `maxAttempts`). undefined when the claim was lost. */
  failJob(sha256: string, lease: string, tokenId: string, error: string, maxAttempts: number): Promise<ProgramRecord | undefined>;
  /** Gives a claimed program back without counting the attempt (a worker-side fault found before it ran). */
  releaseJob(sha256: string, lease: string, tokenId: string, reason: string | undefined): Promise<ProgramRecord | undefined>;
  /** Queues a failed program (or one done by a revoked token) again with its attempts reset. */
  requeueProgram(sha256: string): Promise<RequeueResult | undefined>;
}
