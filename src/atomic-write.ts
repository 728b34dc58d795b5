/**
 * Writing a file whole or not at all.
 *
 * @packageDocumentation
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `data` to `path` through a temporary file beside it, renamed over `path` once
 * written: a reader never sees half a file, and a failure leaves `path` as it was and no
 * temporary file. Errors are Node's (`ENOENT` for a missing folder...).
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
