/**
 * `store import` on several threads: the files of a batch are parsed, hashed and compressed
 * (`prepareFile`) on the threads, the writes stay on the calling thread. A batch's bytes go
 * to the threads in one `SharedArrayBuffer` (one copy of the batch); a file that fails on
 * a thread is parsed again in the calling thread, which reports it as without threads.
 *
 * @packageDocumentation
 */
import type { JobRun, ThreadGroup } from '../threads.js';
import type { PreparedFile } from './parse.js';
import { prepareFile } from './parse.js';

/** Data of the `prepare-files` job: a batch's files back to back in shared memory. */
export interface PrepareFilesData {
  readonly bytes: Uint8Array;
  /** File i is `bytes[offsets[i] .. offsets[i+1])`. */
  readonly offsets: readonly number[];
  readonly names: readonly string[];
  readonly keepRaw: readonly boolean[];
}

/** A prepared file, or `null` when it could not be prepared (the calling thread tries again). */
export type PrepareFilesResult = PreparedFile | null;

/** The `prepare-files` job on one thread. */
export function prepareFilesJob(data: PrepareFilesData): JobRun<PrepareFilesResult, null> {
  return {
    item(i: number): PrepareFilesResult {
      try {
        // A copy: the file's views (original, sequence) must not point into shared memory.
        const bytes = data.bytes.slice(data.offsets[i], data.offsets[i + 1]);
        return prepareFile(bytes, data.names[i], { keepRaw: data.keepRaw[i] });
      } catch {
        return null;
      }
    },
  };
}

/**
 * Automatic threads of `store import`: one more per this many bytes of files (the parse of
 * a 16 MiB batch costs about a thread's start; see docs/benchmarks.md, "Threads").
 */
export const IMPORT_BYTES_PER_THREAD = 16 * 1024 * 1024;

/** The files to prepare of one batch: each gets its `file` set (or stays `null` on failure). */
export async function prepareOnThreads(
  group: ThreadGroup,
  entries: { bytes: Uint8Array; item: { name: string }; keepRaw: boolean; file: PreparedFile | null }[],
): Promise<void> {
  const todo = entries.filter((e) => e.file === null);
  if (todo.length < 2) return;
  let total = 0;
  const offsets = [0];
  for (const e of todo) offsets.push((total += e.bytes.length));
  const bytes = new Uint8Array(new SharedArrayBuffer(Math.max(1, total)));
  todo.forEach((e, i) => bytes.set(e.bytes, offsets[i]));
  const data: PrepareFilesData = { bytes, offsets, names: todo.map((e) => e.item.name), keepRaw: todo.map((e) => e.keepRaw) };
  const { items } = await group.run('prepare-files', data, todo.length, prepareFilesJob(data));
  todo.forEach((e, i) => {
    if (items[i] !== null) e.file = items[i];
  });
}
