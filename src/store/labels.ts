/**
 * Labels: a trace's label is the latest of its label events (the view
 * `ntmd_current_labels`); relabelling adds an event, so the history is kept. Also how a
 * reference given by a user (a SHA-256, a prefix of one, or a file name) names traces.
 */
import { num } from './db.js';
import type { Queryable, SqlDriver } from './driver.js';
import { AmbiguousReferenceError, StoreNotFoundError } from './errors.js';
import type { Label, LabelName } from './filter.js';
import { labelName, parseLabel } from './filter.js';

/** One entry of a trace's label history. */
export interface LabelEvent {
  traceSha256: string;
  label: LabelName;
  source: string;
  reason: string | null;
  at: Date;
}

/** A label change made by `Store.label`. */
export interface LabelChange {
  traceSha256: string;
  names: string[];
  from: LabelName;
  to: LabelName;
  changed: boolean;
}

/**
 * Resolves a reference to traces: a SHA-256 (of the trace or of a submitted file), a
 * unique prefix of one (8+ hex digits), or a submitted file name (optionally with its
 * `sysBEN/`/`sysMAL/` folder).
 */
export async function resolveTraces(q: Queryable, ref: string): Promise<{ id: number; sha256: string }[]> {
  const hex = /^[0-9a-f]{8,64}$/.test(ref);
  const rows = hex
    ? await q.query<{ id: number | string; sha256: string }>(
        `SELECT DISTINCT t.id, t.sha256 FROM ntmd_traces t LEFT JOIN ntmd_submissions s ON s.trace_id = t.id
          WHERE t.sha256 LIKE $1 || '%' OR s.file_sha256 LIKE $1 || '%' ORDER BY t.sha256 LIMIT 2`,
        [ref],
      )
    : await q.query<{ id: number | string; sha256: string }>(
        `SELECT DISTINCT t.id, t.sha256 FROM ntmd_traces t JOIN ntmd_submissions s ON s.trace_id = t.id
          WHERE s.name = $1 ORDER BY t.sha256`,
        [ref.replace(/^(sysBEN|sysMAL)\//, '')],
      );
  if (rows.length === 0) throw new StoreNotFoundError(`trace ${JSON.stringify(ref)}`);
  if (hex && rows.length > 1) throw new AmbiguousReferenceError(ref, rows.length);
  return rows.map((r) => ({ id: num(r.id), sha256: r.sha256 }));
}

/**
 * Relabels the trace(s) `ref` names, in one transaction: each change is a new label event
 * with its source and time (the history is kept).
 */
export async function relabel(
  db: SqlDriver,
  ref: string,
  label: Label | LabelName,
  options: { source?: string; reason?: string } = {},
): Promise<LabelChange[]> {
  const to = parseLabel(label);
  return db.transaction(async (tx) => {
    const traces = await resolveTraces(tx, ref);
    const changes: LabelChange[] = [];
    for (const t of traces) {
      // Lock the trace so concurrent relabels of it apply one after the other.
      await tx.query('SELECT id FROM ntmd_traces WHERE id = $1 FOR UPDATE', [t.id]);
      const [cur] = await tx.query<{ label: number }>('SELECT label::int AS label FROM ntmd_current_labels WHERE trace_id = $1', [t.id]);
      const names = (await tx.query<{ name: string }>('SELECT name FROM ntmd_submissions WHERE trace_id = $1 ORDER BY name', [t.id])).map(
        (r) => r.name,
      );
      const from = cur.label as Label;
      if (from !== to) {
        await tx.query('INSERT INTO ntmd_labels (trace_id, label, source, reason) VALUES ($1, $2, $3, $4)', [
          t.id,
          to,
          options.source ?? 'manual',
          options.reason ?? null,
        ]);
      }
      changes.push({ traceSha256: t.sha256, names, from: labelName(from), to: labelName(to), changed: from !== to });
    }
    return changes;
  });
}

/** The label history of the trace(s) `ref` names, oldest first. */
export async function labelHistory(db: Queryable, ref: string): Promise<LabelEvent[]> {
  const traces = await resolveTraces(db, ref);
  const rows = await db.query<{ sha256: string; label: number; source: string; reason: string | null; created_at: Date }>(
    `SELECT t.sha256, l.label::int AS label, l.source, l.reason, l.created_at
       FROM ntmd_labels l JOIN ntmd_traces t ON t.id = l.trace_id
      WHERE l.trace_id = ANY($1::bigint[]) ORDER BY t.sha256, l.id`,
    [traces.map((t) => t.id)],
  );
  return rows.map((r) => ({
    traceSha256: r.sha256,
    label: labelName(r.label as Label),
    source: r.source,
    reason: r.reason,
    at: new Date(r.created_at),
  }));
}
