/**
 * What the store holds: counts by label and source, duplicates and sizes (`stats`), and the
 * integrity check of every trace and submission (`verify`).
 */
import { decodeSequence, renderReduced, sha256Hex } from './codec.js';
import { num } from './db.js';
import { rawLogRetention } from './deletion.js';
import type { Queryable, SqlDriver } from './driver.js';
import type { Label, LabelName } from './filter.js';
import { labelName } from './filter.js';
import { schemaVersion } from './schema.js';

/** Counts of the store. */
export interface StoreStats {
  backend: 'pglite' | 'postgres';
  location: string;
  schemaVersion: number;
  submissions: number;
  emptySubmissions: number;
  traces: number;
  /** Non-empty submissions beyond the first of their trace. */
  duplicateSubmissions: number;
  calls: number;
  byLabel: Record<LabelName, { submissions: number; traces: number; empty: number }>;
  bySource: { source: string; submissions: number; traces: number; empty: number }[];
  /** Traces submitted more than once, with the submitted names. */
  duplicateGroups: { traceSha256: string; names: string[] }[];
  /** Traces whose label was changed after import. */
  relabelledTraces: number;
  rawLogs: number;
  /** Bytes: files as submitted, and what the store keeps for them. */
  fileBytes: number;
  storedBytes: { sequences: number; originals: number; rawLogs: number };
  snapshots: number;
  models: number;
  evaluations: number;
  rawLogRetentionDays: number | null;
}

/** Counts by label and source, duplicates, sizes. */
export async function storeStats(db: SqlDriver): Promise<StoreStats> {
  const bySource = await db.query<{ source: string; label: number; submissions: number; traces: number; empty: number }>(
    `SELECT s.source, coalesce(cl.label, s.label)::int AS label, count(*)::int AS submissions,
            count(DISTINCT s.trace_id)::int AS traces, count(*) FILTER (WHERE s.trace_id IS NULL)::int AS empty
       FROM ntmd_submissions s LEFT JOIN ntmd_current_labels cl ON cl.trace_id = s.trace_id
      GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  const [totals] = await db.query<{
    submissions: number;
    empty: number;
    traces: number;
    calls: number;
    seq: number;
    file_bytes: number;
    originals: number;
  }>(
    `SELECT (SELECT count(*)::int FROM ntmd_submissions) AS submissions,
            (SELECT count(*)::int FROM ntmd_submissions WHERE trace_id IS NULL) AS empty,
            (SELECT count(*)::int FROM ntmd_traces) AS traces,
            (SELECT coalesce(sum(calls), 0)::float8 FROM ntmd_traces) AS calls,
            (SELECT coalesce(sum(octet_length(sequence)), 0)::float8 FROM ntmd_traces) AS seq,
            (SELECT coalesce(sum(file_bytes), 0)::float8 FROM ntmd_submissions) AS file_bytes,
            (SELECT coalesce(sum(octet_length(original)), 0)::float8 FROM ntmd_submissions) AS originals`,
  );
  const byLabelTraces = await db.query<{ label: number; traces: number }>(
    'SELECT cl.label::int AS label, count(*)::int AS traces FROM ntmd_current_labels cl GROUP BY 1',
  );
  const groups = await db.query<{ sha256: string; names: string[] }>(
    `SELECT t.sha256, array_agg(s.name ORDER BY s.name) AS names
       FROM ntmd_traces t JOIN ntmd_submissions s ON s.trace_id = t.id
      GROUP BY t.id, t.sha256 HAVING count(*) > 1 ORDER BY min(s.name)`,
  );
  const [misc] = await db.query<{
    relabelled: number;
    raw: number;
    raw_bytes: number;
    snapshots: number;
    models: number;
    evaluations: number;
  }>(
    `SELECT (SELECT count(*)::int FROM (SELECT trace_id FROM ntmd_labels GROUP BY trace_id HAVING count(*) > 1) x) AS relabelled,
            (SELECT count(*)::int FROM ntmd_raw_logs) AS raw,
            (SELECT coalesce(sum(octet_length(content)), 0)::float8 FROM ntmd_raw_logs) AS raw_bytes,
            (SELECT count(*)::int FROM ntmd_snapshots) AS snapshots,
            (SELECT count(*)::int FROM ntmd_models) AS models,
            (SELECT count(*)::int FROM ntmd_evaluations) AS evaluations`,
  );
  const byLabel: StoreStats['byLabel'] = {
    benign: { submissions: 0, traces: 0, empty: 0 },
    malicious: { submissions: 0, traces: 0, empty: 0 },
  };
  const sources = new Map<string, { source: string; submissions: number; traces: number; empty: number }>();
  for (const r of bySource) {
    const l = byLabel[labelName(r.label as Label)];
    l.submissions += r.submissions;
    l.empty += r.empty;
    const s = sources.get(r.source) ?? { source: r.source, submissions: 0, traces: 0, empty: 0 };
    s.submissions += r.submissions;
    s.traces += r.traces;
    s.empty += r.empty;
    sources.set(r.source, s);
  }
  for (const r of byLabelTraces) byLabel[labelName(r.label as Label)].traces = r.traces;
  return {
    backend: db.kind,
    location: db.location,
    schemaVersion: await schemaVersion(db),
    submissions: totals.submissions,
    emptySubmissions: totals.empty,
    traces: totals.traces,
    duplicateSubmissions: totals.submissions - totals.empty - totals.traces,
    calls: num(totals.calls),
    byLabel,
    bySource: [...sources.values()],
    duplicateGroups: groups.map((g) => ({ traceSha256: g.sha256, names: g.names })),
    relabelledTraces: misc.relabelled,
    rawLogs: misc.raw,
    fileBytes: num(totals.file_bytes),
    storedBytes: { sequences: num(totals.seq), originals: num(totals.originals), rawLogs: num(misc.raw_bytes) },
    snapshots: misc.snapshots,
    models: misc.models,
    evaluations: misc.evaluations,
    rawLogRetentionDays: await rawLogRetention(db),
  };
}

/**
 * Checks the whole store: every trace decodes, its canonical text hashes to its SHA-256 and
 * has its recorded number of calls; every trace has a submission and a label; every
 * non-empty submission has its trace. Returns the problems found (none for a sound store).
 */
export async function verifyStore(db: Queryable): Promise<{ traces: number; submissions: number; problems: string[] }> {
  const problems: string[] = [];
  let traces = 0;
  let lastId = 0;
  // In pages, so a large store is never held in memory at once.
  for (;;) {
    const rows = await db.query<{ id: number | string; sha256: string; calls: number; sequence: Uint8Array }>(
      'SELECT id, sha256, calls, sequence FROM ntmd_traces WHERE id > $1 ORDER BY id LIMIT 64',
      [lastId],
    );
    if (rows.length === 0) break;
    for (const r of rows) {
      traces++;
      lastId = num(r.id);
      try {
        const seq = decodeSequence(r.sequence, `trace ${r.sha256}`);
        if (seq.ids.length !== r.calls) problems.push(`trace ${r.sha256}: ${seq.ids.length} calls stored, ${r.calls} recorded`);
        if (sha256Hex(renderReduced(seq)) !== r.sha256) problems.push(`trace ${r.sha256}: its calls do not hash to its SHA-256`);
      } catch (e) {
        problems.push((e as Error).message);
      }
    }
  }
  const orphans = await db.query<{ sha256: string }>(
    'SELECT sha256 FROM ntmd_traces t WHERE NOT EXISTS (SELECT 1 FROM ntmd_submissions s WHERE s.trace_id = t.id)',
  );
  for (const o of orphans) problems.push(`trace ${o.sha256} has no submission`);
  const unlabelled = await db.query<{ sha256: string }>(
    'SELECT sha256 FROM ntmd_traces t WHERE NOT EXISTS (SELECT 1 FROM ntmd_labels l WHERE l.trace_id = t.id)',
  );
  for (const o of unlabelled) problems.push(`trace ${o.sha256} has no label`);
  const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM ntmd_submissions');
  return { traces, submissions: n, problems };
}
