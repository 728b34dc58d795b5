/**
 * One-call entry points over {@link TraceReader}: text or bytes in memory, a file path, or any
 * stream of chunks.
 *
 * @packageDocumentation
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { InvalidOptionError } from '../errors.js';
import { TraceReader } from './reader.js';
import type { ReadOptions, TraceRead } from './types.js';

/** Chunk size used when streaming a file (each read is a round trip to libuv's thread pool). */
const FILE_CHUNK = 1 << 20;
/**
 * Chunk size of synchronous file reads: small enough that the chunk the kernel has just
 * copied is still in the CPU's cache when the reader parses it (reading 70 MB took 12–15 ms
 * of CPU in 64 KiB reads against 28 ms in 1 MiB reads, on a core with a 512 KiB L2 cache).
 */
const SYNC_CHUNK = 1 << 16;

/** One read buffer reused by every synchronous file read (the reader copies nothing but a carried line). */
let syncBuffer: Buffer | undefined;

/**
 * Reads a trace file synchronously in 64 KiB chunks through one reused buffer: no allocation
 * per file or per chunk, so reading many files puts no pressure on the garbage collector.
 * `options.source` defaults to the path.
 *
 * @throws EmptyTraceError, NoCallsError, CorruptGzipError; file-system errors as Node gives them.
 */
export function readTraceFileSync(path: string, options: ReadOptions = {}): TraceRead {
  const reader = new TraceReader(options.source === undefined ? { ...options, source: path } : options);
  const buf = (syncBuffer ??= Buffer.allocUnsafe(SYNC_CHUNK));
  // A nested call (from an onCalls callback) must not share the buffer being parsed.
  syncBuffer = undefined;
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      reader.push(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
    syncBuffer = buf;
  }
  return reader.end();
}

/**
 * Reads a trace already in memory: text, or bytes (raw log, reduced trace, or gzip of
 * either). The format is detected unless `options.format` says it.
 *
 * ```ts
 * const { calls, table, stats } = readTraceSync(readFileSync('app.log'), { source: 'app.log' });
 * table.nameOf(calls[0]); // 'NtQueryPerformanceCounter'
 * ```
 *
 * @throws EmptyTraceError for an input with no content; NoCallsError when it holds no call.
 */
export function readTraceSync(input: string | Uint8Array, options: ReadOptions = {}): TraceRead {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) {
    throw new InvalidOptionError('input', 'a string or a Uint8Array', input);
  }
  const reader = new TraceReader(options);
  reader.push(input);
  return reader.end();
}

/** What {@link readTrace} accepts. */
export type TraceInput = string | Uint8Array | AsyncIterable<Uint8Array | string> | NodeJS.ReadableStream;

/**
 * Reads a trace as a stream: a file path (read in 1 MiB chunks), bytes, any async iterable of
 * chunks, or a Node readable stream. Memory does not grow with the trace beyond the kept
 * call ids (none with `keepCalls: false`). Gzip input is decompressed on the fly.
 *
 * ```ts
 * const read = await readTrace('logs/app.log.gz');
 * ```
 *
 * @throws EmptyTraceError, NoCallsError, CorruptGzipError; file-system errors as Node gives them.
 */
export async function readTrace(input: TraceInput, options: ReadOptions = {}): Promise<TraceRead> {
  if (input instanceof Uint8Array) return readTraceSync(input, options);
  let chunks: AsyncIterable<Uint8Array | string>;
  let opts = options;
  if (typeof input === 'string') {
    if (opts.source === undefined) opts = { ...opts, source: input };
    chunks = fileChunks(input);
  } else if (input !== null && typeof input === 'object' && Symbol.asyncIterator in input) {
    chunks = input as AsyncIterable<Uint8Array | string>;
  } else {
    throw new InvalidOptionError('input', 'a file path, a Uint8Array, an async iterable or a readable stream', input);
  }
  const reader = new TraceReader(opts);
  for await (const chunk of chunks) reader.push(chunk);
  return reader.end();
}

/** The chunks of a file, read through one buffer (each chunk is parsed before the next read). */
async function* fileChunks(path: string): AsyncGenerator<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    const buf = Buffer.allocUnsafe(Math.max(1, Math.min(FILE_CHUNK, size + 1)));
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}
