/**
 * The server's own tables on the store's database: API tokens, submitted programs and the
 * tracing queue. All SQL is parameterised; nothing from a request is ever spliced into SQL
 * or into a file path (programs are rows, keyed by their SHA-256).
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import type { Queryable, SqlDriver } from '../store/driver.js';
import type { ClaimRequest, JobClaim, ProgramRecord, ProgramStatus, RequeueResult, RevokeReport, TraceSuspicion } from './backend.js';
import { ClaimLimitError, UnauthorizedError } from './errors.js';
import { DEFAULT_WORKER_TOKEN_TTL_MS, generateToken } from './tokens.js';
import type { NewToken, Scope, TokenOptions, TokenRecord } from './tokens.js';

interface TokenRow {
  id: string;
  name: string;
  scopes: string[];
  hash: string;
  created_at: Date | string;
  revoked_at: Date | string | null;
  worker_name: string | null;
  expires_at: Date | string | null;
  legacy: boolean;
  rotated_to: string | null;
}

const TOKEN_COLUMNS = 'id, name, scopes, hash, created_at, revoked_at, worker_name, expires_at, legacy, rotated_to';

interface ProgramRow {
  sha256: string;
  name: string;
  size: string | number;
  status: ProgramStatus;
  submitted_at: Date | string;
  attempts: number;
  error: string | null;
  trace_sha256: string | null;
}

const iso = (d: Date | string): string => (d instanceof Date ? d : new Date(d)).toISOString();

function tokenRecord(r: TokenRow): TokenRecord {
  return {
    id: r.id,
    name: r.name,
    scopes: r.scopes as Scope[],
    hash: r.hash,
    createdAt: new Date(r.created_at),
    revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at),
    workerName: r.worker_name,
    expiresAt: r.expires_at === null ? null : new Date(r.expires_at),
    legacy: r.legacy,
    rotatedTo: r.rotated_to,
  };
}

/** The lifetime a new token gets: the one asked for, else 30 days for worker tokens, else none. */
function tokenTtl(scopes: readonly Scope[], options: TokenOptions): number | null {
  return options.ttlMs ?? (scopes.includes('worker') ? DEFAULT_WORKER_TOKEN_TTL_MS : null);
}

function programRecord(r: ProgramRow): ProgramRecord {
  return {
    sha256: r.sha256,
    name: r.name,
    size: Number(r.size),
    status: r.status,
    submittedAt: iso(r.submitted_at),
    attempts: r.attempts,
    error: r.error,
    traceId: r.trace_sha256,
  };
}

const PROGRAM_COLUMNS = `p.sha256, p.name, p.size, j.status, p.submitted_at, j.attempts, j.error, j.trace_sha256`;

/** Token, program and job operations on an open database (after {@link migrateServer}). */
export class ServerDb {
  constructor(readonly db: SqlDriver) {}

  async findToken(id: string): Promise<TokenRecord | undefined> {
    const rows = await this.db.query<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM ntmd_api_tokens WHERE id = $1`, [id]);
    return rows.length ? tokenRecord(rows[0]) : undefined;
  }

  /**
   * Creates a token. A token with the `worker` scope is bound to `options.worker` (default:
   * its name) and expires after `options.ttlMs` (default 30 days).
   */
  createToken(name: string, scopes: Scope[], options: TokenOptions = {}): Promise<NewToken & { record: TokenRecord }> {
    return this.insertToken(this.db, name, scopes, options);
  }

  private async insertToken(
    q: Queryable,
    name: string,
    scopes: Scope[],
    options: TokenOptions,
  ): Promise<NewToken & { record: TokenRecord }> {
    const t = generateToken();
    const worker = scopes.includes('worker') ? (options.worker ?? name) : null;
    const rows = await q.query<TokenRow>(
      `INSERT INTO ntmd_api_tokens (id, name, scopes, hash, worker_name, expires_at)
       VALUES ($1, $2, $3, $4, $5, CASE WHEN $6::double precision IS NULL THEN NULL ELSE clock_timestamp() + make_interval(secs => $6::double precision / 1000) END)
       RETURNING ${TOKEN_COLUMNS}`,
      [t.id, name, scopes, t.hash, worker, tokenTtl(scopes, options)],
    );
    return { ...t, record: tokenRecord(rows[0]) };
  }

  async listTokens(): Promise<TokenRecord[]> {
    const rows = await this.db.query<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM ntmd_api_tokens ORDER BY created_at, id`);
    return rows.map(tokenRecord);
  }

  /**
   * Revokes a token, in one transaction: the token is refused from now on, every trace it
   * produced is marked suspect (re-assessment leaves it out until a person relabels or
   * deletes it), and the claims it holds go back to the queue. Undefined when there is no
   * such unrevoked token.
   */
  async revokeToken(id: string): Promise<RevokeReport | undefined> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<{ name: string }>(
        'UPDATE ntmd_api_tokens SET revoked_at = clock_timestamp() WHERE id = $1 AND revoked_at IS NULL RETURNING name',
        [id],
      );
      if (rows.length === 0) return undefined;
      const marked = await tx.query(
        `UPDATE ntmd_api_trace_producers SET suspect_at = clock_timestamp(), suspect_reason = $2
         WHERE token_id = $1 AND suspect_at IS NULL RETURNING id`,
        [id, `produced by token ${id} (${rows[0].name}), revoked`],
      );
      const released = await tx.query(
        `UPDATE ntmd_jobs SET status = 'queued', lease = NULL, expires_at = NULL, token_id = NULL, updated_at = clock_timestamp()
         WHERE token_id = $1 AND status = 'running' RETURNING program_sha256`,
        [id],
      );
      return { id, marked: marked.length, released: released.length };
    });
  }

  /**
   * Binds an unbound (legacy) worker token to a worker name; it then gets an expiry if it
   * had none (`ttlMs`, default 30 days) and is no longer legacy. Undefined when there is no
   * such active worker token; `bound: false` when it is already bound (a binding is made once).
   */
  async bindToken(
    id: string,
    worker: string,
    ttlMs = DEFAULT_WORKER_TOKEN_TTL_MS,
  ): Promise<{ bound: boolean; record: TokenRecord } | undefined> {
    const rows = await this.db.query<TokenRow>(
      `UPDATE ntmd_api_tokens
          SET worker_name = $2, legacy = false,
              expires_at = coalesce(expires_at, clock_timestamp() + make_interval(secs => $3::double precision / 1000))
        WHERE id = $1 AND revoked_at IS NULL AND worker_name IS NULL AND 'worker' = ANY (scopes)
        RETURNING ${TOKEN_COLUMNS}`,
      [id, worker, ttlMs],
    );
    if (rows.length) return { bound: true, record: tokenRecord(rows[0]) };
    const t = await this.findToken(id);
    if (!t || t.revokedAt !== null || !t.scopes.includes('worker')) return undefined;
    return { bound: false, record: t };
  }

  /** Sets an active token's expiry to now + `ttlMs`. Undefined when there is no such active token. */
  async renewToken(id: string, ttlMs: number): Promise<TokenRecord | undefined> {
    const rows = await this.db.query<TokenRow>(
      `UPDATE ntmd_api_tokens SET expires_at = clock_timestamp() + make_interval(secs => $2::double precision / 1000)
        WHERE id = $1 AND revoked_at IS NULL AND rotated_to IS NULL
        RETURNING ${TOKEN_COLUMNS}`,
      [id, ttlMs],
    );
    return rows.length ? tokenRecord(rows[0]) : undefined;
  }

  /**
   * Replaces an active token by a new one with the same name, scopes and worker binding (a
   * legacy worker token's replacement is bound to the token's name), and a fresh lifetime.
   * The old token expires after `graceMs` (0: at once); its results are not marked (a
   * rotation is not a revocation). Undefined when there is no such active token.
   */
  async rotateToken(
    id: string,
    graceMs: number,
    options: TokenOptions = {},
  ): Promise<(NewToken & { record: TokenRecord; old: TokenRecord }) | undefined> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<TokenRow>(
        `SELECT ${TOKEN_COLUMNS} FROM ntmd_api_tokens
          WHERE id = $1 AND revoked_at IS NULL AND rotated_to IS NULL AND (expires_at IS NULL OR expires_at > clock_timestamp())
          FOR UPDATE`,
        [id],
      );
      if (!row) return undefined;
      const old = tokenRecord(row);
      const fresh = await this.insertToken(tx, old.name, old.scopes, {
        worker: options.worker ?? old.workerName ?? undefined,
        ttlMs: options.ttlMs,
      });
      const [updated] = await tx.query<TokenRow>(
        `UPDATE ntmd_api_tokens
            SET rotated_to = $2,
                expires_at = least(coalesce(expires_at, 'infinity'::timestamptz), clock_timestamp() + make_interval(secs => $3::double precision / 1000))
          WHERE id = $1 RETURNING ${TOKEN_COLUMNS}`,
        [id, fresh.id, graceMs],
      );
      return { ...fresh, old: tokenRecord(updated) };
    });
  }

  async addProgram(
    sha256: string,
    name: string,
    bytes: Uint8Array,
    submitter: string,
  ): Promise<{ program: ProgramRecord; duplicate: boolean }> {
    return this.db.transaction(async (tx) => {
      const inserted = await tx.query(
        'INSERT INTO ntmd_programs (sha256, name, size, content, submitter) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING RETURNING sha256',
        [sha256, name, bytes.length, bytes, submitter],
      );
      if (inserted.length === 1) await tx.query(`INSERT INTO ntmd_jobs (program_sha256, status) VALUES ($1, 'queued')`, [sha256]);
      const program = await this.programIn(tx, sha256);
      return { program: program!, duplicate: inserted.length === 0 };
    });
  }

  getProgram(sha256: string): Promise<ProgramRecord | undefined> {
    return this.programIn(this.db, sha256);
  }

  async programIn(q: Queryable, sha256: string): Promise<ProgramRecord | undefined> {
    const rows = await q.query<ProgramRow>(
      `SELECT ${PROGRAM_COLUMNS} FROM ntmd_programs p JOIN ntmd_jobs j ON j.program_sha256 = p.sha256 WHERE p.sha256 = $1`,
      [sha256],
    );
    return rows.length ? programRecord(rows[0]) : undefined;
  }

  /** Programs (never their bytes), oldest submission first; only those in `status` when given. */
  async listPrograms(status?: ProgramStatus): Promise<ProgramRecord[]> {
    const rows = await this.db.query<ProgramRow>(
      `SELECT ${PROGRAM_COLUMNS} FROM ntmd_programs p JOIN ntmd_jobs j ON j.program_sha256 = p.sha256
        WHERE $1::text IS NULL OR j.status = $1 ORDER BY p.submitted_at, p.sha256`,
      [status ?? null],
    );
    return rows.map(programRecord);
  }

  async programBytes(sha256: string): Promise<Uint8Array | undefined> {
    const rows = await this.db.query<{ content: Uint8Array }>('SELECT content FROM ntmd_programs WHERE sha256 = $1', [sha256]);
    return rows.length ? rows[0].content : undefined;
  }

  /** Is `lease` the live claim on `sha256`, held by the token `tokenId`? */
  async leaseValid(sha256: string, lease: string, tokenId: string): Promise<boolean> {
    const rows = await this.db.query(
      `SELECT 1 FROM ntmd_jobs WHERE program_sha256 = $1 AND lease = $2 AND token_id = $3 AND status = 'running' AND expires_at > clock_timestamp()`,
      [sha256, lease, tokenId],
    );
    return rows.length === 1;
  }

  /**
   * Claims the oldest claimable program for the token `r.tokenId`: queued, or running with
   * an expired claim. Expired claims that used up `maxAttempts` are marked failed first. The
   * token's row is locked for the transaction, so its claims are counted and taken one at a
   * time: a token already holding `maxClaims` live claims gets {@link ClaimLimitError}, a
   * token revoked or expired meanwhile {@link UnauthorizedError}. The job row lock with
   * `SKIP LOCKED` lets concurrent workers (PostgreSQL) claim different programs.
   */
  async claimJob(request: ClaimRequest): Promise<JobClaim | undefined> {
    const { worker, leaseMs, maxAttempts, tokenId, maxClaims } = request;
    const lease = randomBytes(16).toString('hex');
    return this.db.transaction(async (tx) => {
      const [tok] = await tx.query<{ usable: boolean }>(
        `SELECT (revoked_at IS NULL AND (expires_at IS NULL OR expires_at > clock_timestamp())) AS usable FROM ntmd_api_tokens WHERE id = $1 FOR UPDATE`,
        [tokenId],
      );
      if (!tok?.usable) throw new UnauthorizedError('unknown, revoked or expired token');
      const [held] = await tx.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ntmd_jobs WHERE token_id = $1 AND status = 'running' AND expires_at > clock_timestamp()`,
        [tokenId],
      );
      if (held.n >= maxClaims) throw new ClaimLimitError(maxClaims);
      await tx.query(
        `UPDATE ntmd_jobs SET status = 'failed', lease = NULL, updated_at = clock_timestamp(),
                error = 'claim expired ' || attempts || ' times (worker died or exceeded the time limit)'
         WHERE status = 'running' AND expires_at <= clock_timestamp() AND attempts >= $1`,
        [maxAttempts],
      );
      const rows = await tx.query<{ sha256: string; name: string; size: string | number; expires_at: Date | string }>(
        `WITH next AS (
           SELECT program_sha256 FROM ntmd_jobs
           WHERE status = 'queued' OR (status = 'running' AND expires_at <= clock_timestamp())
           ORDER BY queued_at, program_sha256
           LIMIT 1
           FOR UPDATE SKIP LOCKED)
         UPDATE ntmd_jobs j
         SET status = 'running', attempts = j.attempts + 1, lease = $1, worker = $2, token_id = $4,
             expires_at = clock_timestamp() + make_interval(secs => $3::double precision / 1000),
             updated_at = clock_timestamp()
         FROM next, ntmd_programs p
         WHERE j.program_sha256 = next.program_sha256 AND p.sha256 = j.program_sha256
         RETURNING p.sha256, p.name, p.size, j.expires_at`,
        [lease, worker, leaseMs, tokenId],
      );
      if (!rows.length) return undefined;
      const r = rows[0];
      return { sha256: r.sha256, name: r.name, size: Number(r.size), lease, expiresAt: iso(r.expires_at) };
    });
  }

  /**
   * Locks the job row of `sha256` in `tx` and checks that `lease` is its live claim and
   * that the token `tokenId` made it (the lease is replaced when another worker re-claims an
   * expired job, so an old lease can never complete a job twice; a lease shown by another
   * token is refused). True when the caller holds the job.
   */
  async holdLease(tx: Queryable, sha256: string, lease: string, tokenId: string): Promise<boolean> {
    const rows = await tx.query(
      `SELECT 1 FROM ntmd_jobs WHERE program_sha256 = $1 AND lease = $2 AND token_id = $3 AND status = 'running' FOR UPDATE`,
      [sha256, lease, tokenId],
    );
    return rows.length === 1;
  }

  /** Marks a held job done with its trace (inside the caller's transaction). */
  async finishJob(tx: Queryable, sha256: string, traceSha256: string): Promise<ProgramRecord> {
    await tx.query(
      `UPDATE ntmd_jobs SET status = 'done', trace_sha256 = $2, lease = NULL, expires_at = NULL, error = NULL, updated_at = clock_timestamp() WHERE program_sha256 = $1`,
      [sha256, traceSha256],
    );
    return (await this.programIn(tx, sha256))!;
  }

  async failJob(sha256: string, lease: string, tokenId: string, error: string, maxAttempts: number): Promise<ProgramRecord | undefined> {
    return this.db.transaction(async (tx) => {
      if (!(await this.holdLease(tx, sha256, lease, tokenId))) return undefined;
      await tx.query(
        `UPDATE ntmd_jobs SET status = CASE WHEN attempts >= $3 THEN 'failed' ELSE 'queued' END,
                lease = NULL, expires_at = NULL, error = $2, updated_at = clock_timestamp()
         WHERE program_sha256 = $1`,
        [sha256, error, maxAttempts],
      );
      return this.programIn(tx, sha256);
    });
  }

  /**
   * Gives a held claim back without counting it as an attempt (the worker found a fault on
   * its own side before running the program): the program is queued again at once.
   * Undefined when the claim is not held by this lease and token.
   */
  async releaseJob(sha256: string, lease: string, tokenId: string, reason: string | undefined): Promise<ProgramRecord | undefined> {
    return this.db.transaction(async (tx) => {
      if (!(await this.holdLease(tx, sha256, lease, tokenId))) return undefined;
      await tx.query(
        `UPDATE ntmd_jobs SET status = 'queued', attempts = greatest(attempts - 1, 0), lease = NULL, expires_at = NULL, token_id = NULL,
                error = coalesce($2, error), updated_at = clock_timestamp()
         WHERE program_sha256 = $1`,
        [sha256, reason === undefined ? null : `released by the worker: ${reason}`],
      );
      return this.programIn(tx, sha256);
    });
  }

  /**
   * Puts a program back in the queue with its attempts reset: a `failed` one, or a `done`
   * one whose trace came from a revoked token (suspect). Undefined when there is no such program.
   */
  async requeueProgram(sha256: string): Promise<RequeueResult | undefined> {
    return this.db.transaction(async (tx) => {
      const [j] = await tx.query<{ status: ProgramStatus; suspect: boolean }>(
        `SELECT j.status, EXISTS (SELECT 1 FROM ntmd_api_trace_producers p
                                   WHERE p.program_sha256 = j.program_sha256 AND p.trace_sha256 = j.trace_sha256
                                     AND p.suspect_at IS NOT NULL AND p.cleared_at IS NULL) AS suspect
           FROM ntmd_jobs j WHERE j.program_sha256 = $1 FOR UPDATE`,
        [sha256],
      );
      if (!j) return undefined;
      const program = (await this.programIn(tx, sha256))!;
      if (!(j.status === 'failed' || (j.status === 'done' && j.suspect))) return { requeued: false, program };
      await tx.query(
        `UPDATE ntmd_jobs SET status = 'queued', attempts = 0, error = NULL, lease = NULL, expires_at = NULL, token_id = NULL,
                trace_sha256 = NULL, queued_at = clock_timestamp(), updated_at = clock_timestamp()
         WHERE program_sha256 = $1`,
        [sha256],
      );
      return { requeued: true, program: (await this.programIn(tx, sha256))! };
    });
  }

  /** Records that the token `tokenId` produced the trace (a worker's post or a contribution). */
  async recordProducer(
    q: Queryable,
    traceSha256: string,
    tokenId: string,
    kind: 'worker' | 'contribute',
    programSha256: string | null,
  ): Promise<void> {
    await q.query('INSERT INTO ntmd_api_trace_producers (trace_sha256, token_id, kind, program_sha256) VALUES ($1, $2, $3, $4)', [
      traceSha256,
      tokenId,
      kind,
      programSha256,
    ]);
  }

  /** The tokens that produced a trace, oldest first, with their suspect marks. */
  async producers(traceSha256: string): Promise<TraceSuspicion[]> {
    const rows = await this.db.query<{
      token_id: string;
      kind: 'worker' | 'contribute';
      program_sha256: string | null;
      produced_at: Date | string;
      suspect_at: Date | string | null;
      suspect_reason: string | null;
      cleared_at: Date | string | null;
      cleared_by: string | null;
    }>(
      'SELECT token_id, kind, program_sha256, produced_at, suspect_at, suspect_reason, cleared_at, cleared_by FROM ntmd_api_trace_producers WHERE trace_sha256 = $1 ORDER BY id',
      [traceSha256],
    );
    return rows.map((r) => ({
      tokenId: r.token_id,
      kind: r.kind,
      programSha256: r.program_sha256,
      at: iso(r.produced_at),
      suspect: r.suspect_at !== null && r.cleared_at === null,
      suspectSince: r.suspect_at === null ? null : iso(r.suspect_at),
      reason: r.suspect_reason,
      clearedAt: r.cleared_at === null ? null : iso(r.cleared_at),
      clearedBy: r.cleared_by,
    }));
  }

  /** A person labelled the trace: its suspect marks are cleared. Returns how many. */
  async clearSuspect(traceSha256: string, by: string): Promise<number> {
    const rows = await this.db.query(
      `UPDATE ntmd_api_trace_producers SET cleared_at = clock_timestamp(), cleared_by = $2
        WHERE trace_sha256 = $1 AND suspect_at IS NOT NULL AND cleared_at IS NULL RETURNING id`,
      [traceSha256, by],
    );
    return rows.length;
  }

  async programCounts(): Promise<Record<ProgramStatus, number>> {
    const out: Record<ProgramStatus, number> = { queued: 0, running: 0, done: 0, failed: 0 };
    const rows = await this.db.query<{ status: ProgramStatus; n: number }>(
      'SELECT status, count(*)::int AS n FROM ntmd_jobs GROUP BY status',
    );
    for (const r of rows) out[r.status] = r.n;
    return out;
  }
}
