/**
 * Dataset layouts other than NtTrace's: one trace per file of whitespace-separated call
 * names (`words`, ADFA-LD's form), and one trace per row of a CSV or TSV table with a label
 * column (`csv`, `tsv`, the form of MalbehavD-V1 and other API-call-sequence datasets).
 *
 * Text decoding: gzip is decompressed; a UTF-8 BOM is dropped; UTF-16 (LE/BE, with a BOM, or
 * without one when the NUL bytes say so) is decoded; anything else is read as UTF-8. Other
 * bytes with NULs are refused as binary.
 *
 * @packageDocumentation
 */
import { decodeText } from '../tokenize/encoding.js';
import { gunzipSync } from 'node:zlib';
import { CorruptGzipError, EmptyTraceError } from '../tokenize/errors.js';
import { DatasetError } from './errors.js';

/** The dataset layouts read here (the `--format` values besides NtTrace's). */
export type DatasetForm = 'words' | 'csv' | 'tsv';

/** Which columns of a CSV/TSV table hold what. Every field is optional: see {@link readTableRows}. */
export interface DatasetColumns {
  /** The label column's header. Default: the first of {@link LABEL_HEADERS} present (any case). */
  readonly label?: string;
  /** The calls column(s): each cell is split at whitespace. Default: every column but the label and id columns. */
  readonly calls?: readonly string[];
  /** A column naming each row (e.g. a hash). Default: the first of {@link ID_HEADERS} present (any case), if any. */
  readonly id?: string;
}

/** One row of a table: a trace. */
export interface DatasetRow {
  /** 1-based line of the file where the row starts (the header is line 1 when it is the first). */
  readonly line: number;
  /** The id column's value, when there is one and it is not empty. */
  readonly id?: string;
  /** 0 benign / 1 malicious, when the table has a label column and labels were asked for. */
  readonly label?: 0 | 1;
  /** The calls, in order. */
  readonly calls: string[];
}

/** What {@link readTableRows} found. */
export interface DatasetTable {
  readonly rows: DatasetRow[];
  /** The header's cells. */
  readonly header: readonly string[];
  /** The label column (index into header), or -1. */
  readonly labelColumn: number;
  /** The id column, or -1. */
  readonly idColumn: number;
  /** The calls columns, in order. */
  readonly callsColumns: readonly number[];
}

/** Headers taken as the label column when none is named (compared in lower case). */
export const LABEL_HEADERS = ['label', 'labels', 'class', 'malware', 'malicious', 'is_malware', 'target', 'y'] as const;
/** Headers taken as the id column when none is named (compared in lower case). */
export const ID_HEADERS = ['sha256', 'sha1', 'md5', 'hash', 'id', 'name', 'file', 'filename', 'sample'] as const;
/** Accepted label values (trimmed, any case): benign, then malicious. */
export const LABEL_VALUES = { benign: ['0', 'benign', 'goodware'], malicious: ['1', 'malicious', 'malware'] } as const;

/**
 * Whitespace between call names: JavaScript's `\s` and Python's (which adds `\x1c`-`\x1f` and
 * `\x85`), so that a name never holds what either language calls whitespace.
 */
const WHITESPACE = /[\s\x1c-\x1f\x85]+/;

/** The call names of a `words` text: every run of non-whitespace, in order. */
export function splitWords(text: string): string[] {
  const out = text.split(WHITESPACE);
  // split gives '' before leading and after trailing whitespace.
  if (out.length > 0 && out[0] === '') out.shift();
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

/** Decodes a dataset file's bytes to text (see the module notes). */
export function decodeDatasetText(bytes: Uint8Array, source: string): string {
  let b = bytes;
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) {
    try {
      b = gunzipSync(b);
    } catch (e) {
      throw new CorruptGzipError(source, (e as Error).message);
    }
  }
  // The trace reader's encoding rule (src/tokenize/encoding.ts): one rule for every input.
  const { text } = decodeText(b);
  if (text.slice(0, 4096).includes('\0'))
    throw new DatasetError(source, null, 'is binary (it holds NUL bytes), not a text file of call names', true);
  return text;
}

/**
 * The calls of one `words` trace (bytes or text): call names separated by any whitespace, on
 * one line or many. Throws EmptyTraceError (code `EMPTY_TRACE`) when there is none.
 */
export function readWords(input: Uint8Array | string, source: string): string[] {
  const text = typeof input === 'string' ? input : decodeDatasetText(input, source);
  const calls = splitWords(text);
  if (calls.length === 0) {
    const e = new EmptyTraceError(source);
    e.message = `${source} is an empty trace: no call name in it (format words: call names separated by whitespace)`;
    throw e;
  }
  return calls;
}

/** One parsed record of a delimited text: its fields and the 1-based line it starts on. */
interface Record_ {
  fields: string[];
  line: number;
}

/**
 * Splits CSV/TSV text into records (RFC 4180): fields separated by `delimiter`, records by
 * LF, CRLF or CR; a field in double quotes may hold delimiters, quotes (doubled) and line
 * breaks. Blank lines are skipped. Throws {@link DatasetError} naming the line of a bad quote.
 */
export function parseDelimited(text: string, delimiter: ',' | '\t', source: string): Record_[] {
  const out: Record_[] = [];
  const d = delimiter.charCodeAt(0);
  let line = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let quoted = false;
    for (;;) {
      // One field.
      let value: string;
      if (text.charCodeAt(i) === 0x22) {
        const quoteLine = line;
        let s = '';
        let j = i + 1;
        for (;;) {
          const q = text.indexOf('"', j);
          if (q < 0) throw new DatasetError(source, quoteLine, 'a quoted field is never closed (a " without its closing ")');
          const chunk = text.slice(j, q);
          for (let k = 0; k < chunk.length; k++) {
            const c = chunk.charCodeAt(k);
            if (c === 0x0a || (c === 0x0d && chunk.charCodeAt(k + 1) !== 0x0a)) line++;
          }
          s += chunk;
          if (text.charCodeAt(q + 1) === 0x22) {
            s += '"';
            j = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        const c = text.charCodeAt(i);
        if (i < n && c !== d && c !== 0x0a && c !== 0x0d) {
          throw new DatasetError(
            source,
            line,
            `unexpected ${JSON.stringify(text[i])} after the closing quote of a field (quote the whole field, double the quotes inside)`,
          );
        }
        value = s;
        quoted = true;
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === d || c === 0x0a || c === 0x0d) break;
          j++;
        }
        value = text.slice(i, j);
        i = j;
      }
      fields.push(value);
      if (i < n && text.charCodeAt(i) === d) {
        i++;
        continue;
      }
      break;
    }
    // End of record: a line break (or the end of the text).
    if (text.charCodeAt(i) === 0x0d) i++;
    if (text.charCodeAt(i) === 0x0a) i++;
    line++;
    // A blank (or whitespace-only) line is no record.
    if (quoted || fields.length > 1 || fields[0].trim() !== '') out.push({ fields, line: start });
  }
  return out;
}

function findColumn(header: readonly string[], name: string, what: string, option: string, source: string): number {
  let at = header.indexOf(name);
  if (at < 0) {
    const lower = name.trim().toLowerCase();
    const matches = header.flatMap((h, k) => (h.trim().toLowerCase() === lower ? [k] : []));
    if (matches.length === 1) at = matches[0];
  }
  if (at < 0)
    throw new DatasetError(
      source,
      null,
      `has no ${what} column ${JSON.stringify(name)} (${option}); its header is ${describeHeader(header)}`,
    );
  return at;
}

function describeHeader(header: readonly string[]): string {
  const shown = header.slice(0, 8).map((h) => JSON.stringify(h));
  return shown.join(', ') + (header.length > 8 ? `, ... (${header.length} columns)` : '');
}

function autoColumn(header: readonly string[], names: readonly string[]): number {
  for (const want of names) {
    const at = header.findIndex((h) => h.trim().toLowerCase() === want);
    if (at >= 0) return at;
  }
  return -1;
}

/** Reads a label cell: see {@link LABEL_VALUES}; `undefined` for anything else. */
export function parseLabel(cell: string): 0 | 1 | undefined {
  const v = cell.trim().toLowerCase();
  if ((LABEL_VALUES.benign as readonly string[]).includes(v)) return 0;
  if ((LABEL_VALUES.malicious as readonly string[]).includes(v)) return 1;
  return undefined;
}

/** Options of {@link readTableRows}. */
export interface ReadTableOptions {
  readonly form: 'csv' | 'tsv';
  /** File name for messages. */
  readonly source: string;
  readonly columns?: DatasetColumns;
  /** Every row must have a label (training); else the label column is only left out of the calls. */
  readonly requireLabel?: boolean;
}

/**
 * The rows of a CSV/TSV table with a header row. Each row is one trace: its label from the
 * label column, its calls from the calls columns (each cell split at whitespace, empty cells
 * ignored: one call per column and one space-separated field are both read). A row shorter
 * than the header has empty cells for the missing ones; a row with more non-empty cells
 * than the header has columns is an error.
 *
 * @throws DatasetError (code `BAD_DATASET`) naming the file and line: no header, a named
 *   column missing, no label column when labels are required, a missing or unknown label, a
 *   long row, a bad quote.
 */
export function readTableRows(input: Uint8Array | string, options: ReadTableOptions): DatasetTable {
  const { source } = options;
  const text = typeof input === 'string' ? input : decodeDatasetText(input, source);
  const records = parseDelimited(text, options.form === 'csv' ? ',' : '\t', source);
  if (records.length === 0)
    throw new DatasetError(source, null, `is empty: expected a header row, then one row per trace (format ${options.form})`);
  const header = records[0].fields;
  const cols = options.columns ?? {};
  const labelColumn =
    cols.label !== undefined ? findColumn(header, cols.label, 'label', '--label-column', source) : autoColumn(header, LABEL_HEADERS);
  if (labelColumn < 0 && options.requireLabel) {
    throw new DatasetError(
      source,
      records[0].line,
      `has no label column: name it with --label-column NAME (the headers taken by default are ${LABEL_HEADERS.join(', ')}); its header is ${describeHeader(header)}`,
    );
  }
  const idColumn = cols.id !== undefined ? findColumn(header, cols.id, 'id', '--id-column', source) : autoColumn(header, ID_HEADERS);
  let callsColumns: number[];
  if (cols.calls !== undefined && cols.calls.length > 0) {
    callsColumns = cols.calls.map((c) => findColumn(header, c, 'calls', '--calls-column', source));
  } else {
    callsColumns = header.map((_, k) => k).filter((k) => k !== labelColumn && k !== idColumn);
  }
  if (callsColumns.length === 0)
    throw new DatasetError(source, records[0].line, `has no column left for the calls; its header is ${describeHeader(header)}`);
  const rows: DatasetRow[] = [];
  for (let r = 1; r < records.length; r++) {
    const { fields, line } = records[r];
    if (fields.length > header.length) {
      for (let k = header.length; k < fields.length; k++) {
        if (fields[k].trim() !== '') {
          throw new DatasetError(
            source,
            line,
            `the row has ${fields.length} fields, the header ${header.length} (a field with a ${options.form === 'csv' ? 'comma' : 'tab'} in it must be quoted)`,
          );
        }
      }
    }
    let label: 0 | 1 | undefined;
    if (options.requireLabel) {
      const cell = fields[labelColumn] ?? '';
      if (cell.trim() === '') throw new DatasetError(source, line, `the row has no label (column ${JSON.stringify(header[labelColumn])})`);
      label = parseLabel(cell);
      if (label === undefined) {
        throw new DatasetError(
          source,
          line,
          `unknown label ${JSON.stringify(cell.length > 40 ? cell.slice(0, 40) + '…' : cell)} in column ${JSON.stringify(header[labelColumn])}: ` +
            `expected ${LABEL_VALUES.benign.join(', ')} (benign) or ${LABEL_VALUES.malicious.join(', ')} (malicious)`,
        );
      }
    }
    const calls: string[] = [];
    for (const k of callsColumns) {
      const cell = fields[k];
      if (cell === undefined || cell === '') continue;
      for (const w of splitWords(cell)) calls.push(w);
    }
    const id = idColumn >= 0 ? (fields[idColumn] ?? '').trim() : '';
    rows.push({ line, calls, ...(id !== '' ? { id } : {}), ...(label !== undefined ? { label } : {}) });
  }
  return { rows, header, labelColumn, idColumn, callsColumns };
}

/** How a row is named in corpora and verdicts: `FILE:ID` with an id column, else `FILE:LINE`. */
export function rowName(file: string, row: DatasetRow): string {
  return `${file}:${row.id ?? row.line}`;
}
