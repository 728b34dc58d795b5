/**
 * The typed corpus filter: which submissions a corpus view, an export or a snapshot takes.
 * Callers never pass SQL; this module validates the object and builds the WHERE clause
 * with parameters.
 */
import { InvalidOptionError } from '../errors.js';

/** A class label: 0 benign, 1 malicious (names accepted as well). */
export type Label = 0 | 1;
/** A label given by name. */
export type LabelName = 'benign' | 'malicious';

/** Which traces to take from the store. All fields are optional; given ones are ANDed. */
export interface CorpusFilter {
  /** Only these current labels. */
  labels?: readonly (Label | LabelName)[];
  /** Only submissions from these sources (the `source` recorded at import). */
  sources?: readonly string[];
  /** Only submissions made at or after this time. */
  since?: Date | string;
  /** Only submissions made before this time. */
  until?: Date | string;
  /**
   * Exactly the documents of an earlier snapshot, with the labels they had then. Cannot be
   * combined with the other selection fields.
   */
  snapshot?: string;
  /** One document per distinct trace (the first by name) instead of one per submission. */
  unique?: boolean;
  /**
   * Leave out these traces (SHA-256 of the canonical reduced trace): re-assessment leaves
   * out the traces of a revoked API token until a person relabels or deletes them.
   */
  excludeTraces?: readonly string[];
}

const KEYS = new Set(['labels', 'sources', 'since', 'until', 'snapshot', 'unique', 'excludeTraces']);

/** Parses a label given as 0/1, `benign`/`malicious` (or `ben`/`mal`). */
export function parseLabel(value: unknown, option = 'label'): Label {
  if (value === 0 || value === 1) return value;
  if (typeof value === 'string') {
    const v = value.toLowerCase();
    if (v === 'benign' || v === 'ben' || v === '0') return 0;
    if (v === 'malicious' || v === 'mal' || v === '1') return 1;
  }
  throw new InvalidOptionError(option, '0, 1, "benign" or "malicious"', value);
}

/** The name of a label. */
export function labelName(label: Label): LabelName {
  return label === 0 ? 'benign' : 'malicious';
}

function parseTime(value: unknown, option: string): Date {
  const d = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
  if (d === undefined || Number.isNaN(d.getTime())) throw new InvalidOptionError(option, 'a Date or an ISO 8601 time', value);
  return d;
}

/** A validated filter, normalised. */
export interface ResolvedFilter {
  labels?: Label[];
  sources?: string[];
  since?: Date;
  until?: Date;
  snapshot?: string;
  unique: boolean;
  excludeTraces?: string[];
}

/** Validates a filter object (unknown keys, wrong types) and normalises it. */
export function resolveFilter(filter: CorpusFilter | undefined): ResolvedFilter {
  const f = (filter ?? {}) as Record<string, unknown>;
  if (typeof f !== 'object' || f === null || Array.isArray(f)) throw new InvalidOptionError('filter', 'an object', filter);
  for (const k of Object.keys(f)) {
    if (!KEYS.has(k)) throw new InvalidOptionError(`filter.${k}`, `one of ${[...KEYS].join(', ')}`, k);
  }
  const out: ResolvedFilter = { unique: false };
  if (f.labels !== undefined) {
    if (!Array.isArray(f.labels)) throw new InvalidOptionError('filter.labels', 'an array of labels', f.labels);
    out.labels = [...new Set(f.labels.map((l, i) => parseLabel(l, `filter.labels[${i}]`)))];
  }
  if (f.sources !== undefined) {
    if (!Array.isArray(f.sources) || f.sources.some((s) => typeof s !== 'string')) {
      throw new InvalidOptionError('filter.sources', 'an array of strings', f.sources);
    }
    out.sources = [...(f.sources as string[])];
  }
  if (f.since !== undefined) out.since = parseTime(f.since, 'filter.since');
  if (f.until !== undefined) out.until = parseTime(f.until, 'filter.until');
  if (f.unique !== undefined) {
    if (typeof f.unique !== 'boolean') throw new InvalidOptionError('filter.unique', 'a boolean', f.unique);
    out.unique = f.unique;
  }
  if (f.excludeTraces !== undefined) {
    if (!Array.isArray(f.excludeTraces) || f.excludeTraces.some((t) => typeof t !== 'string' || !/^[0-9a-f]{64}$/.test(t))) {
      throw new InvalidOptionError('filter.excludeTraces', 'an array of trace SHA-256s (64 lower-case hex digits)', f.excludeTraces);
    }
    if (f.excludeTraces.length) out.excludeTraces = [...new Set(f.excludeTraces as string[])].sort();
  }
  if (f.snapshot !== undefined) {
    if (typeof f.snapshot !== 'string' || !/^[0-9a-f]{8,64}$/.test(f.snapshot)) {
      throw new InvalidOptionError('filter.snapshot', 'a snapshot id (8 to 64 lower-case hex digits)', f.snapshot);
    }
    if (out.labels || out.sources || out.since || out.until || out.excludeTraces) {
      throw new InvalidOptionError('filter.snapshot', 'no labels/sources/since/until/excludeTraces alongside a snapshot', f.snapshot);
    }
    out.snapshot = f.snapshot;
  }
  return out;
}

/** The filter as plain JSON (what a snapshot records). */
export function filterJson(f: ResolvedFilter): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (f.labels) out.labels = f.labels.map(labelName);
  if (f.sources) out.sources = f.sources;
  if (f.since) out.since = f.since.toISOString();
  if (f.until) out.until = f.until.toISOString();
  if (f.unique) out.unique = true;
  if (f.excludeTraces) out.excludeTraces = f.excludeTraces;
  return out;
}

/**
 * WHERE clause over `ntmd_submissions s` joined with the current label `cl` (labels apply
 * to `coalesce(cl.label, s.label)`), numbering parameters from `$first`.
 */
export function whereClause(f: ResolvedFilter, first = 1): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown): string => {
    params.push(v);
    return `$${first + params.length - 1}`;
  };
  if (f.labels) parts.push(`coalesce(cl.label, s.label) = ANY(${p(f.labels)}::smallint[])`);
  if (f.sources) parts.push(`s.source = ANY(${p(f.sources)}::text[])`);
  if (f.since) parts.push(`s.submitted_at >= ${p(f.since.toISOString())}::timestamptz`);
  if (f.until) parts.push(`s.submitted_at < ${p(f.until.toISOString())}::timestamptz`);
  if (f.excludeTraces)
    parts.push(`NOT EXISTS (SELECT 1 FROM ntmd_traces xt WHERE xt.id = s.trace_id AND xt.sha256 = ANY(${p(f.excludeTraces)}::text[]))`);
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}
