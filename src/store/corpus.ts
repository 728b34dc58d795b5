/**
 * Corpus views and snapshots: the submissions a {@link CorpusFilter} selects, loaded in the
 * corpus reader's shape and order, and the snapshot recording exactly those documents and
 * labels (a snapshot id reloads them exactly).
 */
import { CallTable } from '../tokenize/call-table.js';
import { decodeInto, sha256Hex } from './codec.js';
import { num } from './db.js';
import type { Queryable, SqlDriver } from './driver.js';
import { AmbiguousReferenceError, SnapshotIncompleteError, StoreNotFoundError } from './errors.js';
import type { CorpusFilter, Label, ResolvedFilter } from './filter.js';
import { filterJson, resolveFilter, whereClause } from './filter.js';
import { LAYOUT_DIRS } from './sources.js';

/** A document of a corpus view: the corpus reader's document plus where it is in the store. */
export interface StoreCorpusDoc {
  /** `sysBEN/<file>` or `sysMAL/<file>` by current label. */
  name: string;
  label: Label;
  calls: Int32Array;
  /** SHA-256 of the file as submitted. */
  sha256: string;
  /** Size of the file as submitted. */
  bytes: number;
  /** SHA-256 of the trace's canonical reduced text (shared by duplicate files). */
  traceSha256: string;
  source: string;
  submissionId: number;
}

/** A corpus loaded from the store: the shape `train()` and the benchmarks take. */
export interface StoreCorpus {
  docs: StoreCorpusDoc[];
  table: CallTable;
  /** Empty submissions matching the filter, as `sysBEN/<file>` names. */
  skippedEmpty: string[];
  /** Id of the snapshot recording exactly these documents and labels. */
  snapshotId: string;
}

/** A submission row with its trace and current label, as the views and the export read it. */
export interface DocRow {
  id: number | string;
  name: string;
  file_sha256: string;
  file_bytes: number;
  format: string;
  source: string;
  trace_sha256: string | null;
  sequence: Uint8Array | null;
  label: number;
}

/** Sorts documents in corpus order: benign before malicious, then by name, then by file hash. */
function sortDocs<T extends { name: string; label: number; sha256: string }>(docs: T[]): T[] {
  return docs.sort((a, b) =>
    a.label !== b.label
      ? a.label - b.label
      : a.name < b.name
        ? -1
        : a.name > b.name
          ? 1
          : a.sha256 < b.sha256
            ? -1
            : a.sha256 > b.sha256
              ? 1
              : 0,
  );
}

/** A corpus document from a submission row with its trace (ids interned into `table`). */
function toDoc(r: DocRow, table: CallTable): StoreCorpusDoc {
  const name = `${LAYOUT_DIRS[r.label]}/${r.name}`;
  return {
    name,
    label: r.label as Label,
    calls: decodeInto(r.sequence as Uint8Array, table, `trace ${r.trace_sha256} (${name})`),
    sha256: r.file_sha256,
    bytes: num(r.file_bytes),
    traceSha256: r.trace_sha256 as string,
    source: r.source,
    submissionId: num(r.id),
  };
}

/**
 * Loads the documents matching `filter` in the corpus reader's shape and order (benign by
 * name, then malicious by name; calls in one shared {@link CallTable}), and records a
 * snapshot of exactly these documents and labels so a model can say what trained it.
 * `filter.snapshot` reloads an earlier snapshot exactly.
 */
export async function loadCorpus(db: SqlDriver, filter?: CorpusFilter): Promise<StoreCorpus> {
  const f = resolveFilter(filter);
  if (f.snapshot !== undefined) return loadSnapshot(db, f.snapshot);
  const rows = await docRows(db, f, true);
  const table = new CallTable();
  const skippedEmpty: string[] = [];
  const docs: StoreCorpusDoc[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    const label = r.label as Label;
    const name = `${LAYOUT_DIRS[label]}/${r.name}`;
    if (r.trace_sha256 === null) {
      skippedEmpty.push(name);
      continue;
    }
    if (f.unique) {
      if (seen.has(r.trace_sha256)) continue;
      seen.add(r.trace_sha256);
    }
    docs.push(toDoc(r, table));
  }
  const snapshotId = await recordSnapshot(db, docs, f);
  return { docs, table, skippedEmpty, snapshotId };
}

/** Submissions matching a filter (with their sequences when asked), sorted in corpus order. */
async function docRows(db: Queryable, f: ResolvedFilter, withSequence: boolean): Promise<DocRow[]> {
  const where = whereClause(f);
  const rows = await db.query<DocRow>(
    `SELECT s.id, s.name, s.file_sha256, s.file_bytes::float8 AS file_bytes, s.format, s.source,
            t.sha256 AS trace_sha256, ${withSequence ? 't.sequence' : 'NULL::bytea AS sequence'},
            coalesce(cl.label, s.label)::int AS label
       FROM ntmd_submissions s
       LEFT JOIN ntmd_traces t ON t.id = s.trace_id
       LEFT JOIN ntmd_current_labels cl ON cl.trace_id = s.trace_id
       ${where.sql}`,
    where.params,
  );
  return sortDocs(rows.map((r) => Object.assign(r, { sha256: r.file_sha256 })));
}

async function recordSnapshot(db: SqlDriver, docs: StoreCorpusDoc[], f: ResolvedFilter): Promise<string> {
  const id = sha256Hex(new TextEncoder().encode(docs.map((d) => `${d.label}\t${d.name}\t${d.traceSha256}\n`).join('')));
  await db.transaction(async (tx) => {
    const inserted = await tx.query(
      'INSERT INTO ntmd_snapshots (id, docs, filter) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING RETURNING id',
      [id, docs.length, JSON.stringify(filterJson(f))],
    );
    if (inserted.length === 0) return;
    await tx.query(
      `INSERT INTO ntmd_snapshot_members (snapshot_id, submission_id, label)
       SELECT $1, m.sid, m.label FROM unnest($2::bigint[], $3::smallint[]) AS m(sid, label)`,
      [id, docs.map((d) => d.submissionId), docs.map((d) => d.label)],
    );
  });
  return id;
}

async function loadSnapshot(db: Queryable, ref: string): Promise<StoreCorpus> {
  const snaps = await db.query<{ id: string; docs: number }>(
    "SELECT id, docs FROM ntmd_snapshots WHERE id LIKE $1 || '%' ORDER BY id LIMIT 2",
    [ref],
  );
  if (snaps.length === 0) throw new StoreNotFoundError(`snapshot ${ref}`);
  if (snaps.length > 1) throw new AmbiguousReferenceError(ref, 2);
  const { id, docs: expected } = snaps[0];
  const rows = await db.query<DocRow>(
    `SELECT s.id, s.name, s.file_sha256, s.file_bytes::float8 AS file_bytes, s.format, s.source,
            t.sha256 AS trace_sha256, t.sequence, m.label::int AS label
       FROM ntmd_snapshot_members m
       JOIN ntmd_submissions s ON s.id = m.submission_id
       JOIN ntmd_traces t ON t.id = s.trace_id
      WHERE m.snapshot_id = $1`,
    [id],
  );
  if (rows.length !== expected) throw new SnapshotIncompleteError(id, expected, rows.length);
  const table = new CallTable();
  const docs = sortDocs(rows.map((r) => Object.assign(r, { sha256: r.file_sha256 }))).map((r) => toDoc(r, table));
  return { docs, table, skippedEmpty: [], snapshotId: id };
}
