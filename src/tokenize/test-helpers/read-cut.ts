/**
 * Reading a trace pushed to a {@link TraceReader} in chunks, for the reader's tests: however
 * its input is cut, the reader must read the same.
 */
import { TraceReader } from '../reader.js';
import type { ReadOptions, TraceRead } from '../types.js';

/** Reads `bytes` pushed in chunks cut at `cuts` (positions taken modulo the length + 1, in any order, repeats ignored). */
export function readCut(bytes: Uint8Array, cuts: readonly number[], options: ReadOptions = {}): TraceRead {
  const reader = new TraceReader(options);
  let prev = 0;
  for (const p of [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)) {
    reader.push(bytes.subarray(prev, p));
    prev = p;
  }
  reader.push(bytes.subarray(prev));
  return reader.end();
}

/** The names of a read's calls, in order. */
export function callNames(r: TraceRead): string[] {
  return Array.from(r.calls, (id) => r.table.nameOf(id));
}
