/**
 * The one place where the store reads trace text: an adapter over the project's reader
 * that returns the call sequence over its own first-seen name table.
 */
import type { CallTable } from '../tokenize/call-table.js';
import { NtmdError } from '../errors.js';

/** A trace read from bytes. */
export interface ReadCalls {
  format: 'reduced' | 'raw';
  /** Distinct call names in first-seen order. */
  names: string[];
  /** Calls as indices into `names`. */
  calls: Int32Array;
}

const decoder = new TextDecoder('utf-8');

/**
 * Reads the calls of a trace; `'empty'` for a file with no content (0 bytes or blank lines).
 */
export function readCalls(bytes: Uint8Array, source: string, table: CallTable): ReadCalls | 'empty' {
  const text = decoder.decode(bytes);
  const lines = text.split('\n');
  const ids: number[] = [];
  let blank = 0;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    if (line.endsWith('\r')) line = line.slice(0, -1);
    line = line.trim();
    if (line === '') {
      blank++;
      continue;
    }
    if (!/^Nt[A-Za-z0-9_]+$/.test(line)) {
      throw new NtmdError('NO_CALLS', `${source} line ${i + 1}: expected one call name per line, got ${JSON.stringify(line.slice(0, 40))}`);
    }
    ids.push(table.intern(line));
  }
  if (ids.length === 0) return 'empty';
  return compact(Int32Array.from(ids), table, 'reduced');
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
