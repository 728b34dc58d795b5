/**
 * Deletion and raw-log retention. Deleting is for real: rows are removed and the tables
 * vacuumed, so a deleted trace is gone from the database files, not only hidden. The
 * retention setting (`ntmd_settings`) bounds how long raw NtTrace logs are kept.
 */
import { NtmdError } from '../errors.js';
import { num } from './db.js';
import type { Queryable, SqlDriver } from './driver.js';
import { StoreNotFoundError } from './errors.js';
import { resolveTraces } from './labels.js';

/** What a deletion removed. */
export interface DeleteReport {
  traces: number;
  submissions: number;
  rawLogs: number;
}

const RETENTION_KEY = 'raw_log_retention_days';

/**
 * Deletes for real. A SHA-256 (or prefix) deletes the trace with every submission, label
 * event and raw log of it; a file name deletes those submissions, and their trace when
 * no other submission holds it. `rawOnly` deletes just the raw logs. Freed space is
 * vacuumed so the rows are gone from the tables, not only hidden.
 */
export async function deleteTraces(db: SqlDriver, ref: string, options: { rawOnly?: boolean } = {}): Promise<DeleteReport> {
  const report = await db.transaction(async (tx): Promise<DeleteReport> => {
    const byName = !/^[0-9a-f]{8,64}$/.test(ref);
    const name = ref.replace(/^(sysBEN|sysMAL)\//, '');
    let subIds: number[];
    let traceIds: number[];
    if (byName) {
      const rows = await tx.query<{ id: number | string; trace_id: number | string | null }>(
        'SELECT id, trace_id FROM ntmd_submissions WHERE name = $1',
        [name],
      );
      if (rows.length === 0) throw new StoreNotFoundError(`submission ${JSON.stringify(ref)}`);
      subIds = rows.map((r) => num(r.id));
      traceIds = [];
    } else {
      traceIds = (await resolveTraces(tx, ref)).map((t) => t.id);
      subIds = (
        await tx.query<{ id: number | string }>('SELECT id FROM ntmd_submissions WHERE trace_id = ANY($1::bigint[])', [traceIds])
      ).map((r) => num(r.id));
    }
    const raw = await tx.query('DELETE FROM ntmd_raw_logs WHERE submission_id = ANY($1::bigint[]) RETURNING submission_id', [subIds]);
    if (options.rawOnly) return { traces: 0, submissions: 0, rawLogs: raw.length };
    const subs = await tx.query<{ provenance_id: number | string | null; trace_id: number | string | null }>(
      'DELETE FROM ntmd_submissions WHERE id = ANY($1::bigint[]) RETURNING provenance_id, trace_id',
      [subIds],
    );
    // Traces no submission holds any more go too (with their label history).
    const candidates = [...new Set([...traceIds, ...subs.filter((r) => r.trace_id !== null).map((r) => num(r.trace_id))])];
    const traces = await tx.query(
      `DELETE FROM ntmd_traces t WHERE t.id = ANY($1::bigint[])
          AND NOT EXISTS (SELECT 1 FROM ntmd_submissions s WHERE s.trace_id = t.id) RETURNING id`,
      [candidates],
    );
    const prov = subs
      .map((s) => s.provenance_id)
      .filter((p) => p !== null)
      .map(num);
    await tx.query(
      `DELETE FROM ntmd_provenance p WHERE p.id = ANY($1::bigint[])
          AND NOT EXISTS (SELECT 1 FROM ntmd_submissions s WHERE s.provenance_id = p.id)`,
      [prov],
    );
    return { traces: traces.length, submissions: subs.length, rawLogs: raw.length };
  });
  await db.exec('VACUUM ntmd_raw_logs, ntmd_submissions, ntmd_traces, ntmd_labels, ntmd_provenance');
  return report;
}

/** Sets how many days raw logs are kept (`null`: forever). Applied now and after each import. */
export async function setRawLogRetention(db: SqlDriver, days: number | null): Promise<number> {
  if (days !== null && (!Number.isFinite(days) || days < 0))
    throw new NtmdError('INVALID_OPTION', `raw log retention must be a number of days >= 0 or null, got ${days}`);
  await db.query(`INSERT INTO ntmd_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [
    RETENTION_KEY,
    JSON.stringify(days),
  ]);
  return applyRetention(db);
}

/** Days raw logs are kept, or `null` for forever (the default). */
export async function rawLogRetention(db: Queryable): Promise<number | null> {
  const rows = await db.query<{ value: number | null }>('SELECT value FROM ntmd_settings WHERE key = $1', [RETENTION_KEY]);
  return rows.length === 0 ? null : rows[0].value;
}

/** Deletes raw logs older than the retention setting; returns how many. */
export async function applyRetention(db: SqlDriver, now: Date = new Date()): Promise<number> {
  const days = await rawLogRetention(db);
  if (days === null) return 0;
  const cutoff = new Date(now.getTime() - days * 86_400_000);
  const gone = await db.query('DELETE FROM ntmd_raw_logs WHERE stored_at < $1::timestamptz RETURNING submission_id', [
    cutoff.toISOString(),
  ]);
  if (gone.length > 0) await db.exec('VACUUM ntmd_raw_logs');
  return gone.length;
}
