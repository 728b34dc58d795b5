/**
 * Which token produced each trace (`ntmd_api_trace_producers`), and the suspect marks a
 * revocation leaves on those traces until a person labels them. Plain functions on the
 * connection; `ServerDb` (`server-db.ts`) is their facade.
 */
import type { Queryable } from '../store/driver.js';
import type { TraceSuspicion } from './backend.js';
import { iso } from './db-programs.js';

/** Records that the token `tokenId` produced the trace (a worker's post or a contribution). */
export async function recordProducer(
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
export async function producers(q: Queryable, traceSha256: string): Promise<TraceSuspicion[]> {
  const rows = await q.query<{
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
export async function clearSuspect(q: Queryable, traceSha256: string, by: string): Promise<number> {
  const rows = await q.query(
    `UPDATE ntmd_api_trace_producers SET cleared_at = clock_timestamp(), cleared_by = $2
        WHERE trace_sha256 = $1 AND suspect_at IS NOT NULL AND cleared_at IS NULL RETURNING id`,
    [traceSha256, by],
  );
  return rows.length;
}
