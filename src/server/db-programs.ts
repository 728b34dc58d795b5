/**
 * Submitted programs in `ntmd_programs`, each with its job row in `ntmd_jobs`: adding,
 * reading, listing, counting by status. Programs are rows keyed by their SHA-256, never
 * files. Plain functions on the connection; `ServerDb` (`server-db.ts`) is their facade.
 */
import type { Queryable, SqlDriver } from '../store/driver.js';
import type { ProgramRecord, ProgramStatus } from './backend.js';

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

const PROGRAM_COLUMNS = `p.sha256, p.name, p.size, j.status, p.submitted_at, j.attempts, j.error, j.trace_sha256`;

/** A timestamp column as an ISO 8601 string (PGlite and `pg` give a `Date`, or text). */
export const iso = (d: Date | string): string => (d instanceof Date ? d : new Date(d)).toISOString();

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

/**
 * Stores a program and queues its job, in one transaction; a program already stored (same
 * SHA-256) is left as it is and reported as a duplicate.
 */
export async function addProgram(
  db: SqlDriver,
  sha256: string,
  name: string,
  bytes: Uint8Array,
  submitter: string,
): Promise<{ program: ProgramRecord; duplicate: boolean }> {
  return db.transaction(async (tx) => {
    const inserted = await tx.query(
      'INSERT INTO ntmd_programs (sha256, name, size, content, submitter) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING RETURNING sha256',
      [sha256, name, bytes.length, bytes, submitter],
    );
    if (inserted.length === 1) await tx.query(`INSERT INTO ntmd_jobs (program_sha256, status) VALUES ($1, 'queued')`, [sha256]);
    const program = await programIn(tx, sha256);
    return { program: program!, duplicate: inserted.length === 0 };
  });
}

/** A program with its job's state, read in `q` (which may be the caller's transaction). */
export async function programIn(q: Queryable, sha256: string): Promise<ProgramRecord | undefined> {
  const rows = await q.query<ProgramRow>(
    `SELECT ${PROGRAM_COLUMNS} FROM ntmd_programs p JOIN ntmd_jobs j ON j.program_sha256 = p.sha256 WHERE p.sha256 = $1`,
    [sha256],
  );
  return rows.length ? programRecord(rows[0]) : undefined;
}

/** Programs (never their bytes), oldest submission first; only those in `status` when given. */
export async function listPrograms(q: Queryable, status?: ProgramStatus): Promise<ProgramRecord[]> {
  const rows = await q.query<ProgramRow>(
    `SELECT ${PROGRAM_COLUMNS} FROM ntmd_programs p JOIN ntmd_jobs j ON j.program_sha256 = p.sha256
        WHERE $1::text IS NULL OR j.status = $1 ORDER BY p.submitted_at, p.sha256`,
    [status ?? null],
  );
  return rows.map(programRecord);
}

/** A program's bytes as submitted; undefined when there is no such program. */
export async function programBytes(q: Queryable, sha256: string): Promise<Uint8Array | undefined> {
  const rows = await q.query<{ content: Uint8Array }>('SELECT content FROM ntmd_programs WHERE sha256 = $1', [sha256]);
  return rows.length ? rows[0].content : undefined;
}

/** How many programs are in each job status (0 for a status none is in). */
export async function programCounts(q: Queryable): Promise<Record<ProgramStatus, number>> {
  const out: Record<ProgramStatus, number> = { queued: 0, running: 0, done: 0, failed: 0 };
  const rows = await q.query<{ status: ProgramStatus; n: number }>('SELECT status, count(*)::int AS n FROM ntmd_jobs GROUP BY status');
  for (const r of rows) out[r.status] = r.n;
  return out;
}
