/**
 * Export: submissions written back as files in the NtMalDetect layout (`sysBEN/`, `sysMAL/`
 * by current label), byte for byte as they were submitted, each checked against the SHA-256
 * recorded at import.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decodeSequence, renderReduced, sha256Hex } from './codec.js';
import type { DocRow } from './corpus.js';
import type { Queryable } from './driver.js';
import { ExportTargetExistsError, TraceEncodingError } from './errors.js';
import type { CorpusFilter } from './filter.js';
import { resolveFilter, whereClause } from './filter.js';
import { LAYOUT_DIRS } from './sources.js';

/** Options of `Store.export`. */
export interface ExportOptions {
  filter?: CorpusFilter;
  /** Write the reduced text even for raw-log submissions. Default false: the file as submitted. */
  reduced?: boolean;
  /** Replace existing files. Default false (an existing file is an error). */
  overwrite?: boolean;
}

/** What an export wrote. */
export interface ExportReport {
  files: number;
  bytes: number;
  /** Raw-log submissions written as reduced text because their raw log was not kept. */
  reducedInstead: string[];
  /** Files written under another name because the name was taken (`name` -> written as). */
  renamed: { name: string; writtenAs: string }[];
}

/**
 * Writes the submissions matching `filter` into `dir` in the NtMalDetect layout
 * (`sysBEN/`, `sysMAL/` by current label), each file byte for byte as it was submitted;
 * every written file's SHA-256 is checked against the one recorded at import.
 */
export async function exportTraces(db: Queryable, dir: string, options: ExportOptions = {}): Promise<ExportReport> {
  const f = resolveFilter(options.filter);
  const rows =
    f.snapshot !== undefined
      ? await db.query<DocRow & { original: Uint8Array | null; raw: Uint8Array | null }>(
          `SELECT s.id, s.name, s.file_sha256, s.file_bytes::float8 AS file_bytes, s.format, s.source,
                  t.sha256 AS trace_sha256, t.sequence, m.label::int AS label, s.original, r.content AS raw
             FROM ntmd_snapshot_members m
             JOIN ntmd_submissions s ON s.id = m.submission_id
             JOIN ntmd_traces t ON t.id = s.trace_id
             LEFT JOIN ntmd_raw_logs r ON r.submission_id = s.id
            WHERE m.snapshot_id = (SELECT id FROM ntmd_snapshots WHERE id LIKE $1 || '%' ORDER BY id LIMIT 1)
            ORDER BY s.id`,
          [f.snapshot],
        )
      : await (async () => {
          const where = whereClause(f);
          return db.query<DocRow & { original: Uint8Array | null; raw: Uint8Array | null }>(
            `SELECT s.id, s.name, s.file_sha256, s.file_bytes::float8 AS file_bytes, s.format, s.source,
                    t.sha256 AS trace_sha256, t.sequence, coalesce(cl.label, s.label)::int AS label,
                    s.original, r.content AS raw
               FROM ntmd_submissions s
               LEFT JOIN ntmd_traces t ON t.id = s.trace_id
               LEFT JOIN ntmd_current_labels cl ON cl.trace_id = s.trace_id
               LEFT JOIN ntmd_raw_logs r ON r.submission_id = s.id
               ${where.sql}
              ORDER BY s.id`,
            where.params,
          );
        })();
  const report: ExportReport = { files: 0, bytes: 0, reducedInstead: [], renamed: [] };
  const taken = new Set<string>();
  const seenTrace = new Set<string>();
  for (const r of rows) {
    if (f.unique && r.trace_sha256 !== null) {
      if (seenTrace.has(r.trace_sha256)) continue;
      seenTrace.add(r.trace_sha256);
    }
    const sub = LAYOUT_DIRS[r.label];
    let rel = `${sub}/${r.name}`;
    if (taken.has(rel)) {
      const renamed = `${sub}/${r.name}~${r.file_sha256.slice(0, 12)}`;
      report.renamed.push({ name: rel, writtenAs: renamed });
      rel = renamed;
    }
    taken.add(rel);
    let content: Uint8Array;
    let verify = true;
    if (r.format === 'empty') content = r.original ? gunzipSync(r.original) : new Uint8Array(0);
    else if (r.original) content = gunzipSync(r.original);
    else if (r.format === 'raw' && r.raw && !options.reduced) content = gunzipSync(r.raw);
    else {
      content = renderReduced(decodeSequence(r.sequence as Uint8Array, `trace ${r.trace_sha256}`));
      if (r.format === 'raw') {
        verify = false;
        if (!options.reduced) report.reducedInstead.push(rel);
      }
    }
    if (verify && sha256Hex(content) !== r.file_sha256) {
      throw new TraceEncodingError(rel, `exported bytes do not match the SHA-256 recorded at import (${r.file_sha256})`);
    }
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    try {
      writeFileSync(path, content, { flag: options.overwrite ? 'w' : 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new ExportTargetExistsError(path);
      throw e;
    }
    report.files++;
    report.bytes += content.length;
  }
  return report;
}
