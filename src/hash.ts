/**
 * The one SHA-256 helper: content ids of traces, programs, model files and corpora, and
 * token secrets' digests are all lower-case hex SHA-256.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';

/** Lower-case hex SHA-256 of bytes, or of a string's UTF-8 bytes. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
