/**
 * The one place where the store reads trace text: an adapter over the project's reader
 * (`readTraceSync`: raw NtTrace logs and reduced traces, detected automatically, gzip
 * transparent) that returns the call sequence over its own first-seen name table.
 */
import { CallTable } from '../tokenize/call-table.js';
import { EmptyTraceError } from '../tokenize/errors.js';
import { readTraceSync } from '../tokenize/read.js';

/** A trace read from bytes. */
export interface ReadCalls {
  format: 'reduced' | 'raw';
  /** Distinct call names in first-seen order. */
  names: string[];
  /** Calls as indices into `names`. */
  calls: Int32Array;
}

/**
 * Reads the calls of a trace; `'empty'` for a file with no content (0 bytes or blank
 * lines). Throws the reader's typed errors (`NO_CALLS`, `CORRUPT_GZIP`) for other non-traces.
 */
export function readCalls(bytes: Uint8Array, source: string): ReadCalls | 'empty' {
  const table = new CallTable();
  let read;
  try {
    read = readTraceSync(bytes, { format: 'auto', table, source });
  } catch (e) {
    if (e instanceof EmptyTraceError) return 'empty';
    throw e;
  }
  return compact(read.calls, table, read.format);
}

/** Renumbers calls given in a shared table into a first-seen table of the names used. */
export function compact(calls: Int32Array, table: CallTable, format: 'reduced' | 'raw'): ReadCalls {
  const map = new Int32Array(table.size).fill(-1);
  const names: string[] = [];
  const out = new Int32Array(calls.length);
  for (let i = 0; i < calls.length; i++) {
    const g = calls[i];
    let l = map[g];
    if (l < 0) {
      l = map[g] = names.length;
      names.push(table.nameOf(g));
    }
    out[i] = l;
  }
  return { format, names, calls: out };
}
