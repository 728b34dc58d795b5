/**
 * The server's own tables on the store's database: API tokens, submitted programs and the
 * tracing queue. All SQL is parameterised; nothing from a request is ever spliced into SQL
 * or into a file path (programs are rows, keyed by their SHA-256).
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import type { Queryable, SqlDriver } from '../store/driver.js';
import type { JobClaim, ProgramRecord, ProgramStatus } from './backend.js';
import { generateToken } from './tokens.js';
import type { NewToken, Scope, TokenRecord } from './tokens.js';

interface TokenRow {
  id: string;
  name: string;
  scopes: string[];
  hash: string;
  created_at: Date | string;
  revoked_at: Date | string | null;
}

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
  };
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
    const rows = await this.db.query<TokenRow>('SELECT id, name, scopes, hash, created_at, revoked_at FROM ntmd_api_tokens WHERE id = $1', [id]);
    return rows.length ? tokenRecord(rows[0]) : undefined;
  }

  async createToken(name: string, scopes: Scope[]): Promise<NewToken & { record: TokenRecord }> {
    const t = generateToken();
    const rows = await this.db.query<TokenRow>(
      'INSERT INTO ntmd_api_tokens (id, name, scopes, hash) VALUES ($1, $2, $3, $4) RETURNING id, name, scopes, hash, created_at, revoked_at',
      [t.id, name, scopes, t.hash],
    );
    return { ...t, record: tokenRecord(rows[0]) };
  }

  async listTokens(): Promise<TokenRecord[]> {
    const rows = await this.db.query<TokenRow>('SELECT id, name, scopes, hash, created_at, revoked_at FROM ntmd_api_tokens ORDER BY created_at, id');
    return rows.map(tokenRecord);
  }

  async revokeToken(id: string): Promise<boolean> {
    const rows = await this.db.query('UPDATE ntmd_api_tokens SET revoked_at = clock_timestamp() WHERE id = $1 AND revoked_at IS NULL RETURNING id', [id]);
    return rows.length === 1;
  }

  async addProgram(sha256: string, name: string, bytes: Uint8Array, submitter: string): Promise<{ program: ProgramRecord; duplicate: boolean }> {
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
    const rows = await q.query<ProgramRow>(`SELECT ${PROGRAM_COLUMNS} FROM ntmd_programs p JOIN ntmd_jobs j ON j.program_sha256 = p.sha256 WHERE p.sha256 = $1`, [sha256]);
    return rows.length ? programRecord(rows[0]) : undefined;
  }

  async programBytes(sha256: string): Promise<Uint8Array | undefined> {
    const rows = await this.db.query<{ content: Uint8Array }>('SELECT content FROM ntmd_programs WHERE sha256 = $1', [sha256]);
    return rows.length ? rows[0].content : undefined;
  }

  async leaseValid(sha256: string, lease: string): Promise<boolean> {
    const rows = await this.db.query(
      `SELECT 1 FROM ntmd_jobs WHERE program_sha256 = $1 AND lease = $2 AND status = 'running' AND expires_at > clock_timestamp()`,
      [sha256, lease],
    );
    return rows.length === 1;
  }

  /**
   * Claims the oldest claimable program: queued, or running with an expired claim. Expired
   * claims that used up `maxAttempts` are marked failed first. The row lock with
   * `SKIP LOCKED` lets concurrent workers (PostgreSQL) claim different programs.
   */
  async claimJob(worker: string, leaseMs: number, maxAttempts: number): Promise<JobClaim | undefined> {
    const lease = randomBytes(16).toString('hex');
    return this.db.transaction(async (tx) => {
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
         SET status = 'running', attempts = j.attempts + 1, lease = $1, worker = $2,
             expires_at = clock_timestamp() + make_interval(secs => $3::double precision / 1000),
             updated_at = clock_timestamp()
         FROM next, ntmd_programs p
         WHERE j.program_sha256 = next.program_sha256 AND p.sha256 = j.program_sha256
         RETURNING p.sha256, p.name, p.size, j.expires_at`,
        [lease, worker, leaseMs],
      );
      if (!rows.length) return undefined;
      const r = rows[0];
      return { sha256: r.sha256, name: r.name, size: Number(r.size), lease, expiresAt: iso(r.expires_at) };
    });
  }

  /**
   * Locks the job row of `sha256` in `tx` and checks that `lease` is its live claim (the
   * lease is replaced when another worker re-claims an expired job, so an old lease can
   * never complete a job twice). True when the caller holds the job.
   */
  async holdLease(tx: Queryable, sha256: string, lease: string): Promise<boolean> {
    const rows = await tx.query(`SELECT 1 FROM ntmd_jobs WHERE program_sha256 = $1 AND lease = $2 AND status = 'running' FOR UPDATE`, [sha256, lease]);
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

  async failJob(sha256: string, lease: string, error: string, maxAttempts: number): Promise<ProgramRecord | undefined> {
    return this.db.transaction(async (tx) => {
      if (!(await this.holdLease(tx, sha256, lease))) return undefined;
      await tx.query(
        `UPDATE ntmd_jobs SET status = CASE WHEN attempts >= $3 THEN 'failed' ELSE 'queued' END,
                lease = NULL, expires_at = NULL, error = $2, updated_at = clock_timestamp()
         WHERE program_sha256 = $1`,
        [sha256, error, maxAttempts],
      );
      return this.programIn(tx, sha256);
    });
  }

  async programCounts(): Promise<Record<ProgramStatus, number>> {
    const out: Record<ProgramStatus, number> = { queued: 0, running: 0, done: 0, failed: 0 };
    const rows = await this.db.query<{ status: ProgramStatus; n: number }>('SELECT status, count(*)::int AS n FROM ntmd_jobs GROUP BY status');
    for (const r of rows) out[r.status] = r.n;
    return out;
  }
}
