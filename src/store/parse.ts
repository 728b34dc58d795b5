/**
 * Turns the bytes of one submitted file into what the store keeps: the reduced call
 * sequence (compact blob + canonical hash), the facts needed to give the file back byte
 * for byte, and an optional compressed raw log.
 */
import { gzipSync } from 'node:zlib';
import { encodeSequence, isCanonical, renderReduced, sha256Hex } from './codec.js';
import { readCalls } from './reader.js';

/** A file ready to be written to the store. */
export type PreparedFile = PreparedTrace | PreparedEmpty;

interface PreparedCommon {
  /** SHA-256 of the file's bytes. */
  fileSha256: string;
  /** Size of the file in bytes. */
  fileBytes: number;
  /** Gzip of the file when export cannot rebuild it from the sequence (else null). */
  original: Uint8Array | null;
}

/** A file holding at least one call. */
export interface PreparedTrace extends PreparedCommon {
  format: 'reduced' | 'raw';
  /** SHA-256 of the canonical reduced text: the trace's identity. */
  traceSha256: string;
  calls: number;
  distinctCalls: number;
  /** Length of the canonical reduced text. */
  reducedBytes: number;
  /** The compressed sequence (see codec.ts). */
  sequence: Uint8Array;
  /** Gzip of a raw log, when kept. */
  raw: Uint8Array | null;
}

/** A file without any content (0 bytes or blank lines only). */
export interface PreparedEmpty extends PreparedCommon {
  format: 'empty';
}

/**
 * Reads `bytes` (a reduced trace or a raw NtTrace log, detected automatically) and
 * prepares it for storage. Throws the reader's typed errors for a file that is not a trace
 * (`NO_CALLS`, `CORRUPT_GZIP`); an empty file is not an error.
 */
export function prepareFile(bytes: Uint8Array, name: string, options: { keepRaw?: boolean } = {}): PreparedFile {
  const fileSha256 = sha256Hex(bytes);
  const read = readCalls(bytes, name);
  if (read === 'empty') {
    return { format: 'empty', fileSha256, fileBytes: bytes.length, original: bytes.length === 0 ? null : gzipSync(bytes) };
  }
  const seq = { names: read.names, ids: read.calls };
  // Byte-identity proof: a canonical file is rebuilt from its sequence alone, and its own
  // hash is the trace's; anything else keeps its original bytes.
  const canonical = read.format === 'reduced' && isCanonical(seq, bytes);
  const text = canonical ? bytes : renderReduced(seq);
  return {
    format: read.format,
    fileSha256,
    fileBytes: bytes.length,
    original: read.format === 'reduced' && !canonical ? gzipSync(bytes) : null,
    traceSha256: canonical ? fileSha256 : sha256Hex(text),
    calls: read.calls.length,
    distinctCalls: read.names.length,
    reducedBytes: text.length,
    sequence: encodeSequence(seq),
    raw: read.format === 'raw' && options.keepRaw !== false ? gzipSync(bytes) : null,
  };
}
