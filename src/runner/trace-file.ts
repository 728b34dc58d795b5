/**
 * The trace file: NtTrace writes its trace with `-out` to a file of its own, which the runner
 * reads as it grows. The traced program shares NtTrace's console (its standard output), so
 * reading the trace from standard output mixed the program's output into it: a line the
 * program printed without a newline glued itself to the next call (which the reader then
 * could not count), and a program could print lines that look like calls. Through `-out`,
 * the trace holds only what NtTrace wrote.
 *
 * The file lives in a fresh `mkdtemp` folder (mode 0700 on POSIX) made for the session, under
 * the temporary folder (or `traceDir`), never in the program's working folder, and is removed
 * when the session ends. It is read through ONE reused buffer: each read is handed on as a
 * view of that buffer, valid during the call, so reading allocates nothing per chunk.
 *
 * @packageDocumentation
 */
import { closeSync, mkdtempSync, openSync, read, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RunnerError } from './errors.js';

/** Size of the one read buffer. */
export const READ_BUFFER_BYTES = 64 * 1024;

/** How often the file is looked at for new bytes once it has been read to its end. */
export const POLL_MS = 50;

/** Name of the trace file inside the session's private folder. */
export const TRACE_FILE_NAME = 'trace.log';

/** A private folder with an empty trace file in it, and a reader of that file. */
export interface TraceFile {
  /** Absolute path of the file NtTrace is told to write (`-out`). */
  readonly path: string;
  /** The private folder holding it. */
  readonly dir: string;
  /** Bytes read so far. */
  readonly bytesRead: number;
  /**
   * Starts reading: every new byte is given to `onChunk` (a view of the one buffer, valid
   * during the call), in order, as the file grows.
   */
  start(onChunk: (chunk: Buffer) => void): void;
  /** Reads what is left up to the end of the file, then stops polling (the writer has exited). */
  finish(): Promise<void>;
  /** Stops reading, closes the file and removes the folder (idempotent; synchronous). */
  dispose(): void;
}

const live = new Set<TraceFile>();

/** Removes the folders of the sessions still running (called when the host process exits). */
export function disposeAllTraceFiles(): void {
  for (const f of [...live]) f.dispose();
}

/**
 * Makes the session's private folder and its empty trace file (mode 0600), opened for
 * reading. NtTrace truncates and writes the same file (same inode): the descriptor opened
 * here sees everything it writes.
 *
 * @param base folder under which the private folder is made (default: the OS temporary folder)
 * @throws {@link RunnerError} `TRACE_FILE_FAILED` when the folder or the file cannot be made
 */
export function createTraceFile(base?: string, bufferBytes = READ_BUFFER_BYTES): TraceFile {
  let dir: string | undefined;
  let fd: number | undefined;
  const parent = resolve(base ?? tmpdir());
  try {
    dir = mkdtempSync(join(parent, 'ntmd-trace-')); // mode 0700
    const path = join(dir, TRACE_FILE_NAME);
    closeSync(openSync(path, 'wx', 0o600));
    fd = openSync(path, 'r');
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    throw new RunnerError(
      'TRACE_FILE_FAILED',
      `cannot make the private trace file under ${parent}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      { cause: e },
    );
  }
  const folder = dir;
  const path = join(folder, TRACE_FILE_NAME);
  const buffer = Buffer.allocUnsafe(bufferBytes);
  let handle: number | undefined = fd;
  let position = 0;
  let onChunk: ((chunk: Buffer) => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let reading = false;
  let finishing: (() => void) | undefined;
  let failed: NodeJS.ErrnoException | undefined;
  let disposed = false;
  let closeAfterRead: number | undefined; // disposed during a read: the descriptor is closed after it

  // One read at a time, at an explicit position: reads until the end, then polls.
  const pump = (): void => {
    timer = undefined;
    if (reading || handle === undefined || onChunk === undefined) return;
    reading = true;
    read(handle, buffer, 0, buffer.length, position, (err, n) => {
      reading = false;
      if (closeAfterRead !== undefined) closeSync(closeAfterRead);
      closeAfterRead = undefined;
      if (handle === undefined) return finishing?.();
      if (err) {
        failed = err;
        return finishing?.();
      }
      if (n > 0) {
        position += n;
        onChunk!(buffer.subarray(0, n));
        return pump();
      }
      if (finishing) return finishing();
      timer = setTimeout(pump, POLL_MS);
    });
  };

  const file: TraceFile = {
    path,
    dir: folder,
    get bytesRead() {
      return position;
    },
    start(cb) {
      onChunk = cb;
      pump();
    },
    finish() {
      return new Promise<void>((done, reject) => {
        const settle = (): void => {
          finishing = undefined;
          if (failed !== undefined) reject(failed);
          else done();
        };
        if (handle === undefined || onChunk === undefined) return settle();
        finishing = settle;
        if (timer !== undefined) {
          clearTimeout(timer);
          pump();
        } else if (!reading) pump();
      });
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      live.delete(file);
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (handle !== undefined && reading) closeAfterRead = handle;
      else if (handle !== undefined) closeSync(handle);
      handle = undefined;
      rmSync(folder, { recursive: true, force: true });
    },
  };
  live.add(file);
  return file;
}
