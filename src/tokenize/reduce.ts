/**
 * Rendering a call sequence back as a reduced trace (one call name per line), the format of
 * NtMalDetect's corpus.
 *
 * @packageDocumentation
 */
import type { CallTable } from './call-table.js';

/**
 * The reduced trace of `calls`: each call's name followed by `\n`, as bytes (names are ASCII).
 * For the corpus's raw logs this is byte-for-byte the corresponding file of `sysBEN/` or
 * `sysMAL/`.
 */
export function reduceToText(calls: Int32Array, table: CallTable): Buffer {
  const names = table.names().map((n) => Buffer.from(n + '\n', 'latin1'));
  let size = 0;
  for (let i = 0; i < calls.length; i++) size += names[calls[i]].length;
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (let i = 0; i < calls.length; i++) {
    const b = names[calls[i]];
    b.copy(out, pos);
    pos += b.length;
  }
  return out;
}
