/**
 * Writing a file whole or not at all.
 *
 * @packageDocumentation
 */
import { realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `data` to `path` through a temporary file beside it, renamed over `path` once
 * written: a reader never sees half a file, and a failure leaves `path` as it was and no
 * temporary file. Errors are Node's (`ENOENT` for a missing folder...).
 *
 * What is not a regular file is written to, never replaced: a device, a pipe or a socket
 * (`/dev/null`, `/dev/stdout`, a FIFO) receives the bytes as `writeFile` would send them, and a
 * symbolic link to a file keeps pointing at it (the file it names is the one replaced). A
 * rename over `/dev/null` would otherwise turn it into a regular file for the whole machine.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  let target = path;
  try {
    const st = await stat(path);
    if (!st.isFile() && !st.isDirectory()) {
      await writeFile(path, data);
      return;
    }
    target = await realpath(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
