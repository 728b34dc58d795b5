/**
 * The tracing queue: the job rows of `ntmd_jobs` (one per program) and the leases workers
 * claim them with. A lease is a random string replaced at each claim, held by one token
 * until it expires. Plain functions on the connection; `ServerDb` (`server-db.ts`) is their
 * facade.
 */
import { randomBytes } from 'node:crypto';
import type { Queryable, SqlDriver } from '../store/driver.js';
import type { ClaimRequest, JobClaim, ProgramRecord, ProgramStatus, RequeueResult } from './backend.js';
import { iso, programIn } from './db-programs.js';
import { ClaimLimitError, UnauthorizedError } from './errors.js';

/** Is `lease` the live claim on `sha256`, held by the token `tokenId`? */
export async function leaseValid(q: Queryable, sha256: string, lease: string, tokenId: string): Promise<boolean> {
  const rows = await q.query(
    `SELECT 1 FROM ntmd_jobs WHERE program_sha256 = $1 AND lease = $2 AND token_id = $3 AND status = 'running' AND expires_at > clock_timestamp()`,
    [sha256, lease, tokenId],
  );
  return rows.length === 1;
}

/**
 * Claims the oldest claimable program for the token `r.tokenId`, in one transaction that
 * locks the token's row: {@link ClaimLimitError} at `maxClaims` live claims,
 * {@link UnauthorizedError} for a token revoked or expired meanwhile. Expired claims that
 * used up `maxAttempts` are marked failed first. Undefined when nothing is claimable.
 */
export async function claimJob(db: SqlDriver, request: ClaimRequest): Promise<JobClaim | undefined> {
  const { worker, leaseMs, maxAttempts, tokenId, maxClaims } = request;
  const lease = randomBytes(16).toString('hex');
  return db.transaction(async (tx) => {
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
 * Locks the job row of `sha256` in `tx`; true when `lease` is its live claim and the token
 * `tokenId` made it.
 */
export async function holdLease(tx: Queryable, sha256: string, lease: string, tokenId: string): Promise<boolean> {
  const rows = await tx.query(
    `SELECT 1 FROM ntmd_jobs WHERE program_sha256 = $1 AND lease = $2 AND token_id = $3 AND status = 'running' FOR UPDATE`,
    [sha256, lease, tokenId],
  );
  return rows.length === 1;
}

/** Marks a held job done with its trace (inside the caller's transaction). */
export async function finishJob(tx: Queryable, sha256: string, traceSha256: string): Promise<ProgramRecord> {
  await tx.query(
    `UPDATE ntmd_jobs SET status = 'done', trace_sha256 = $2, lease = NULL, expires_at = NULL, error = NULL, updated_at = clock_timestamp() WHERE program_sha256 = $1`,
    [sha256, traceSha256],
  );
  return (await programIn(tx, sha256))!;
}

/**
 * Records a held job's failure: queued again, or failed once it used up `maxAttempts`.
 * Undefined when the claim is not held by this lease and token.
 */
export async function failJob(
  db: SqlDriver,
  sha256: string,
  lease: string,
  tokenId: string,
  error: string,
  maxAttempts: number,
): Promise<ProgramRecord | undefined> {
  return db.transaction(async (tx) => {
    if (!(await holdLease(tx, sha256, lease, tokenId))) return undefined;
    await tx.query(
      `UPDATE ntmd_jobs SET status = CASE WHEN attempts >= $3 THEN 'failed' ELSE 'queued' END,
                lease = NULL, expires_at = NULL, error = $2, updated_at = clock_timestamp()
         WHERE program_sha256 = $1`,
      [sha256, error, maxAttempts],
    );
    return programIn(tx, sha256);
  });
}

/**
 * Gives a held claim back without counting it as an attempt. Undefined when the claim is
 * not held by this lease and token.
 */
export async function releaseJob(
  db: SqlDriver,
  sha256: string,
  lease: string,
  tokenId: string,
  reason: string | undefined,
): Promise<ProgramRecord | undefined> {
  return db.transaction(async (tx) => {
    if (!(await holdLease(tx, sha256, lease, tokenId))) return undefined;
    await tx.query(
      `UPDATE ntmd_jobs SET status = 'queued', attempts = greatest(attempts - 1, 0), lease = NULL, expires_at = NULL, token_id = NULL,
                error = coalesce($2, error), updated_at = clock_timestamp()
         WHERE program_sha256 = $1`,
      [sha256, reason === undefined ? null : `released by the worker: ${reason}`],
    );
    return programIn(tx, sha256);
  });
}

/**
 * Queues a `failed` program, or a `done` one whose trace is suspect, again with its attempts
 * reset. Undefined when there is no such program.
 */
export async function requeueProgram(db: SqlDriver, sha256: string): Promise<RequeueResult | undefined> {
  return db.transaction(async (tx) => {
    const [j] = await tx.query<{ status: ProgramStatus; suspect: boolean }>(
      `SELECT j.status, EXISTS (SELECT 1 FROM ntmd_api_trace_producers p
                                   WHERE p.program_sha256 = j.program_sha256 AND p.trace_sha256 = j.trace_sha256
                                     AND p.suspect_at IS NOT NULL AND p.cleared_at IS NULL) AS suspect
           FROM ntmd_jobs j WHERE j.program_sha256 = $1 FOR UPDATE`,
      [sha256],
    );
    if (!j) return undefined;
    const program = (await programIn(tx, sha256))!;
    if (!(j.status === 'failed' || (j.status === 'done' && j.suspect))) return { requeued: false, program };
    await tx.query(
      `UPDATE ntmd_jobs SET status = 'queued', attempts = 0, error = NULL, lease = NULL, expires_at = NULL, token_id = NULL,
                trace_sha256 = NULL, queued_at = clock_timestamp(), updated_at = clock_timestamp()
         WHERE program_sha256 = $1`,
      [sha256],
    );
    return { requeued: true, program: (await programIn(tx, sha256))! };
  });
}
