/**
 * One batch of an import written inside its transaction: the traces, label events,
 * provenance, submissions and raw logs of all its files with a fixed number of set-based
 * statements, one round trip each whatever the batch size. `import.ts` drives the batches.
 */
import type { Queryable } from './driver.js';
import { num } from './db.js';
import type { Label } from './filter.js';
import type { PreparedFile } from './parse.js';
import { prepareFile } from './parse.js';
import type { ListedItem, ProvenanceInput } from './sources.js';
import { programNameOf } from './sources.js';

/** What writing one entry did. */
export interface Outcome {
  kind: 'new' | 'duplicate' | 'already' | 'empty';
  traceSha256?: string;
  newTrace: boolean;
  conflict?: Label;
  raw: boolean;
}

/** A file of a batch, read and (maybe) parsed. */
export interface Entry {
  item: ListedItem;
  bytes: Uint8Array;
  fileSha256: string;
  /** Null until needed: a file whose bytes are an already stored trace's text is not parsed. */
  file: PreparedFile | null;
  keepRaw: boolean;
}

/** The prepared form of an entry, parsing the file now if the batch skipped it. */
export function prepared(e: Entry): PreparedFile {
  e.file ??= prepareFile(e.bytes, e.item.name, { keepRaw: e.keepRaw });
  return e.file;
}

/** The order rows are written in: by trace hash (file hash for empty files), then by name. */
export function compareKeys(a: Entry, b: Entry): number {
  const ka = traceKey(prepared(a));
  const kb = traceKey(prepared(b));
  return ka < kb ? -1 : ka > kb ? 1 : a.item.name < b.item.name ? -1 : a.item.name > b.item.name ? 1 : 0;
}

const traceKey = (f: PreparedFile): string => (f.format === 'empty' ? f.fileSha256 : f.traceSha256);
const hex = (b: Uint8Array | null): string | null =>
  b === null ? null : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/**
 * Writes a batch inside its transaction with a fixed number of set-based statements (one
 * round trip each, whatever the batch size). Entries come sorted by {@link compareKeys}.
 */
export async function writeBatch(
  tx: Queryable,
  entries: Entry[],
  submitter: string,
  tracerOptions: Record<string, unknown> | undefined,
): Promise<Outcome[]> {
  const shas = [...new Set(entries.filter((e) => prepared(e).format !== 'empty').map((e) => traceKey(prepared(e))))].sort();
  const ids = new Map<string, number>();
  const lookup = async (list: string[]): Promise<void> => {
    if (list.length === 0) return;
    const rows = await tx.query<{ id: number | string; sha256: string }>(
      'SELECT id, sha256 FROM ntmd_traces WHERE sha256 = ANY($1::text[])',
      [list],
    );
    for (const r of rows) ids.set(r.sha256, num(r.id));
  };
  await lookup(shas);

  // New traces: one row per distinct hash, from the first file holding it.
  const firstOf = new Map<string, Entry>();
  for (const e of entries) {
    const f = prepared(e);
    if (f.format === 'empty' || ids.has(f.traceSha256) || firstOf.has(f.traceSha256)) continue;
    if (f.sequence.length === 0) {
      // Parsing was skipped because the trace was stored, but it has been deleted since.
      e.file = null;
      prepared(e);
    }
    firstOf.set(f.traceSha256, e);
  }
  const fresh = [...firstOf.values()].map((e) => prepared(e) as Extract<PreparedFile, { sequence: Uint8Array }>);
  const created = new Set<string>();
  if (fresh.length > 0) {
    const rows = await tx.query<{ id: number | string; sha256: string }>(
      `INSERT INTO ntmd_traces (sha256, calls, distinct_calls, reduced_bytes, encoding, sequence)
       SELECT u.sha, u.calls, u.dc, u.rb, 1, decode(u.seq, 'hex')
         FROM unnest($1::text[], $2::int[], $3::int[], $4::bigint[], $5::text[]) AS u(sha, calls, dc, rb, seq)
        ORDER BY u.sha
       ON CONFLICT (sha256) DO NOTHING RETURNING id, sha256`,
      [
        fresh.map((f) => f.traceSha256),
        fresh.map((f) => f.calls),
        fresh.map((f) => f.distinctCalls),
        fresh.map((f) => f.reducedBytes),
        fresh.map((f) => hex(f.sequence)),
      ],
    );
    for (const r of rows) {
      ids.set(r.sha256, num(r.id));
      created.add(r.sha256);
    }
    // Inserted meanwhile by a concurrent importer (committed before our insert went on).
    await lookup(fresh.map((f) => f.traceSha256).filter((sha) => !created.has(sha)));
    const labelled = [...created].map((sha) => firstOf.get(sha) as Entry);
    await tx.query(
      `INSERT INTO ntmd_labels (trace_id, label, source, reason)
       SELECT * FROM unnest($1::bigint[], $2::smallint[], $3::text[], $4::text[])`,
      [
        labelled.map((e) => ids.get(traceKey(prepared(e)))),
        labelled.map((e) => e.item.label),
        labelled.map(() => 'import'),
        labelled.map((e) => `${e.item.source}: ${e.item.name}`),
      ],
    );
  }
  const current = new Map<number, number>();
  for (const sha of created) current.set(ids.get(sha) as number, (firstOf.get(sha) as Entry).item.label);
  const existingIds = shas.filter((sha) => !created.has(sha)).map((sha) => ids.get(sha) as number);
  if (existingIds.length > 0) {
    const rows = await tx.query<{ trace_id: number | string; label: number }>(
      'SELECT trace_id, label::int AS label FROM ntmd_current_labels WHERE trace_id = ANY($1::bigint[])',
      [existingIds],
    );
    for (const r of rows) current.set(num(r.trace_id), r.label);
  }

  // Provenance rows get their ids first, so each submission can point at its own.
  const provIds = (
    await tx.query<{ id: number | string }>("SELECT nextval('ntmd_provenance_id_seq') AS id FROM generate_series(1, $1::int)", [
      entries.length,
    ])
  ).map((r) => num(r.id));
  const prov = entries.map((e): ProvenanceInput => e.item.provenance ?? {});
  await tx.query(
    `INSERT INTO ntmd_provenance (id, program_sha256, program_name, submitter, tracer_options, traced_at)
     SELECT u.id, u.psha, u.pname, u.who, u.opts::jsonb, u.at::timestamptz
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(id, psha, pname, who, opts, at)`,
    [
      provIds,
      prov.map((p) => p.programSha256 ?? null),
      entries.map((e, i) => prov[i].programName ?? programNameOf(e.item.name)),
      prov.map((p) => p.submitter ?? submitter),
      prov.map((p) => JSON.stringify(p.tracerOptions ?? tracerOptions ?? {})),
      prov.map((p) => (p.tracedAt === undefined ? null : new Date(p.tracedAt).toISOString())),
    ],
  );
  const files = entries.map(prepared);
  const subs = await tx.query<{ id: number | string; name: string; file_sha256: string }>(
    `INSERT INTO ntmd_submissions (name, source, file_sha256, file_bytes, format, label, trace_id, original, provenance_id)
     SELECT u.name, u.source, u.fsha, u.fbytes, u.format, u.label, u.trace, decode(u.original, 'hex'), u.prov
       FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::smallint[], $7::bigint[], $8::text[], $9::bigint[])
         AS u(name, source, fsha, fbytes, format, label, trace, original, prov)
      ORDER BY u.name, u.fsha
     ON CONFLICT (name, file_sha256) DO NOTHING RETURNING id, name, file_sha256`,
    [
      entries.map((e) => e.item.name),
      entries.map((e) => e.item.source),
      files.map((f) => f.fileSha256),
      files.map((f) => f.fileBytes),
      files.map((f) => f.format),
      entries.map((e) => e.item.label),
      files.map((f) => (f.format === 'empty' ? null : ids.get(f.traceSha256))),
      files.map((f) => hex(f.original)),
      provIds,
    ],
  );
  const subId = new Map(subs.map((r) => [`${r.name}\0${r.file_sha256}`, num(r.id)]));
  const unused: number[] = [];
  const rawRows: { id: number; bytes: number; content: string }[] = [];
  const seenTrace = new Set<string>();
  const outcomes = entries.map((e, i): Outcome => {
    const f = files[i];
    const key = `${e.item.name}\0${f.fileSha256}`;
    const id = subId.get(key);
    subId.delete(key); // a second identical entry of the batch is 'already'
    const traceSha256 = f.format === 'empty' ? undefined : f.traceSha256;
    const newTrace = traceSha256 !== undefined && created.has(traceSha256) && !seenTrace.has(traceSha256);
    if (id === undefined) {
      unused.push(provIds[i]);
      return { kind: 'already', traceSha256, newTrace: false, raw: false };
    }
    if (traceSha256 !== undefined) seenTrace.add(traceSha256);
    if (f.format === 'empty') return { kind: 'empty', newTrace: false, raw: false };
    const cur = current.get(ids.get(f.traceSha256) as number);
    const raw = f.format === 'raw' && f.raw !== null;
    if (raw) rawRows.push({ id, bytes: f.fileBytes, content: hex(f.raw) as string });
    return {
      kind: newTrace ? 'new' : 'duplicate',
      traceSha256,
      newTrace,
      conflict: cur !== undefined && cur !== e.item.label ? (cur as Label) : undefined,
      raw,
    };
  });
  if (unused.length > 0) await tx.query('DELETE FROM ntmd_provenance WHERE id = ANY($1::bigint[])', [unused]);
  if (rawRows.length > 0) {
    await tx.query(
      `INSERT INTO ntmd_raw_logs (submission_id, bytes, content)
       SELECT u.id, u.bytes, decode(u.content, 'hex') FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS u(id, bytes, content)`,
      [rawRows.map((r) => r.id), rawRows.map((r) => r.bytes), rawRows.map((r) => r.content)],
    );
  }
  return outcomes;
}
