/**
 * The server's own tables on the store's database: API tokens, submitted programs and the
 * tracing queue. All SQL is parameterised; nothing from a request is ever spliced into SQL
 * or into a file path (programs are rows, keyed by their SHA-256).
 *
 * `ServerDb` is a facade: each method hands its open connection to the module of its concern.
 *
 * | file | concern |
 * |---|---|
 * | `db-tokens.ts` | API tokens: create, list, revoke, bind, renew, rotate |
 * | `db-programs.ts` | submitted programs and their job status |
 * | `db-queue.ts` | the tracing queue: claims, leases, finishing, failing, releasing, requeueing |
 * | `db-producers.ts` | which token produced each trace, and suspect marks |
 *
 * @packageDocumentation
 */
import type { Queryable, SqlDriver } from '../store/driver.js';
import type { ClaimRequest, JobClaim, ProgramRecord, ProgramStatus, RequeueResult, RevokeReport, TraceSuspicion } from './backend.js';
import { clearSuspect, producers, recordProducer } from './db-producers.js';
import { addProgram, listPrograms, programBytes, programCounts, programIn } from './db-programs.js';
import { claimJob, failJob, finishJob, holdLease, leaseValid, releaseJob, requeueProgram } from './db-queue.js';
import { bindToken, createToken, findToken, listTokens, renewToken, revokeToken, rotateToken } from './db-tokens.js';
import { DEFAULT_WORKER_TOKEN_TTL_MS } from './tokens.js';
import type { NewToken, Scope, TokenOptions, TokenRecord } from './tokens.js';

/** Token, program and job operations on an open database (after {@link migrateServer}). */
export class ServerDb {
  constructor(readonly db: SqlDriver) {}

  // -------------------------------------------------------------------------------------
  // API tokens (db-tokens.ts)

  findToken(id: string): Promise<TokenRecord | undefined> {
    return findToken(this.db, id);
  }

  /**
   * Creates a token. A token with the `worker` scope is bound to `options.worker` (default:
   * its name) and expires after `options.ttlMs` (default 30 days).
   */
  createToken(name: string, scopes: Scope[], options: TokenOptions = {}): Promise<NewToken & { record: TokenRecord }> {
    return createToken(this.db, name, scopes, options);
  }

  listTokens(): Promise<TokenRecord[]> {
    return listTokens(this.db);
  }

  /**
   * Revokes a token, in one transaction: the token is refused from now on, every trace it
   * produced is marked suspect (re-assessment leaves it out until a person relabels or
   * deletes it), and the claims it holds go back to the queue. Undefined when there is no
   * such unrevoked token.
   */
  revokeToken(id: string): Promise<RevokeReport | undefined> {
    return revokeToken(this.db, id);
  }

  /**
   * Binds an unbound (legacy) worker token to a worker name; it then gets an expiry if it
   * had none (`ttlMs`, default 30 days) and is no longer legacy. Undefined when there is no
   * such active worker token; `bound: false` when it is already bound (a binding is made once).
   */
  bindToken(id: string, worker: string, ttlMs = DEFAULT_WORKER_TOKEN_TTL_MS): Promise<{ bound: boolean; record: TokenRecord } | undefined> {
    return bindToken(this.db, id, worker, ttlMs);
  }

  /** Sets an active token's expiry to now + `ttlMs`. Undefined when there is no such active token. */
  renewToken(id: string, ttlMs: number): Promise<TokenRecord | undefined> {
    return renewToken(this.db, id, ttlMs);
  }

  /**
   * Replaces an active token by a new one with the same name, scopes and worker binding (a
   * legacy worker token's replacement is bound to the token's name), and a fresh lifetime.
   * The old token expires after `graceMs` (0: at once); its results are not marked (a
   * rotation is not a revocation). Undefined when there is no such active token.
   */
  rotateToken(
    id: string,
    graceMs: number,
    options: TokenOptions = {},
  ): Promise<(NewToken & { record: TokenRecord; old: TokenRecord }) | undefined> {
    return rotateToken(this.db, id, graceMs, options);
  }

  // -------------------------------------------------------------------------------------
  // Programs (db-programs.ts)

  addProgram(sha256: string, name: string, bytes: Uint8Array, submitter: string): Promise<{ program: ProgramRecord; duplicate: boolean }> {
    return addProgram(this.db, sha256, name, bytes, submitter);
  }

  getProgram(sha256: string): Promise<ProgramRecord | undefined> {
    return programIn(this.db, sha256);
  }

  programIn(q: Queryable, sha256: string): Promise<ProgramRecord | undefined> {
    return programIn(q, sha256);
  }

  /** Programs (never their bytes), oldest submission first; only those in `status` when given. */
  listPrograms(status?: ProgramStatus): Promise<ProgramRecord[]> {
    return listPrograms(this.db, status);
  }

  programBytes(sha256: string): Promise<Uint8Array | undefined> {
    return programBytes(this.db, sha256);
  }

  // -------------------------------------------------------------------------------------
  // The tracing queue (db-queue.ts)

  /** Is `lease` the live claim on `sha256`, held by the token `tokenId`? */
  leaseValid(sha256: string, lease: string, tokenId: string): Promise<boolean> {
    return leaseValid(this.db, sha256, lease, tokenId);
  }

  /**
   * Claims the oldest claimable program for the token `r.tokenId`: queued, or running with
   * an expired claim. Expired claims that used up `maxAttempts` are marked failed first. The
   * token's row is locked for the transaction, so its claims are counted and taken one at a
   * time: a token already holding `maxClaims` live claims gets {@link ClaimLimitError}, a
   * token revoked or expired meanwhile {@link UnauthorizedError}. The job row lock with
   * `SKIP LOCKED` lets concurrent workers (PostgreSQL) claim different programs.
   */
  claimJob(request: ClaimRequest): Promise<JobClaim | undefined> {
    return claimJob(this.db, request);
  }

  /**
   * Locks the job row of `sha256` in `tx` and checks that `lease` is its live claim and
   * that the token `tokenId` made it (the lease is replaced when another worker re-claims an
   * expired job, so an old lease can never complete a job twice; a lease shown by another
   * token is refused). True when the caller holds the job.
   */
  holdLease(tx: Queryable, sha256: string, lease: string, tokenId: string): Promise<boolean> {
    return holdLease(tx, sha256, lease, tokenId);
  }

  /** Marks a held job done with its trace (inside the caller's transaction). */
  finishJob(tx: Queryable, sha256: string, traceSha256: string): Promise<ProgramRecord> {
    return finishJob(tx, sha256, traceSha256);
  }

  failJob(sha256: string, lease: string, tokenId: string, error: string, maxAttempts: number): Promise<ProgramRecord | undefined> {
    return failJob(this.db, sha256, lease, tokenId, error, maxAttempts);
  }

  /**
   * Gives a held claim back without counting it as an attempt (the worker found a fault on
   * its own side before running the program): the program is queued again at once.
   * Undefined when the claim is not held by this lease and token.
   */
  releaseJob(sha256: string, lease: string, tokenId: string, reason: string | undefined): Promise<ProgramRecord | undefined> {
    return releaseJob(this.db, sha256, lease, tokenId, reason);
  }

  /**
   * Puts a program back in the queue with its attempts reset: a `failed` one, or a `done`
   * one whose trace came from a revoked token (suspect). Undefined when there is no such program.
   */
  requeueProgram(sha256: string): Promise<RequeueResult | undefined> {
    return requeueProgram(this.db, sha256);
  }

  // -------------------------------------------------------------------------------------
  // Trace producers and suspect marks (db-producers.ts)

  /** Records that the token `tokenId` produced the trace (a worker's post or a contribution). */
  recordProducer(
    q: Queryable,
    traceSha256: string,
    tokenId: string,
    kind: 'worker' | 'contribute',
    programSha256: string | null,
  ): Promise<void> {
    return recordProducer(q, traceSha256, tokenId, kind, programSha256);
  }

  /** The tokens that produced a trace, oldest first, with their suspect marks. */
  producers(traceSha256: string): Promise<TraceSuspicion[]> {
    return producers(this.db, traceSha256);
  }

  /** A person labelled the trace: its suspect marks are cleared. Returns how many. */
  clearSuspect(traceSha256: string, by: string): Promise<number> {
    return clearSuspect(this.db, traceSha256, by);
  }

  programCounts(): Promise<Record<ProgramStatus, number>> {
    return programCounts(this.db);
  }
}
