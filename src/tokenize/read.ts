/**
 * One-call entry points over {@link TraceReader}: text or bytes in memory, a file path, or any
 * stream of chunks.
 *
 * @packageDocumentation
 */
import { createReadStream } from 'node:fs';
import { InvalidOptionError } from '../errors.js';
import { TraceReader } from './reader.js';
import type { ReadOptions, TraceRead } from './types.js';

/** Chunk size used when reading a file. */
const FILE_CHUNK = 1 << 20;

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
    chunks = createReadStream(input, { highWaterMark: FILE_CHUNK });
  } else if (input !== null && typeof input === 'object' && Symbol.asyncIterator in input) {
    chunks = input as AsyncIterable<Uint8Array | string>;
  } else {
    throw new InvalidOptionError('input', 'a file path, a Uint8Array, an async iterable or a readable stream', input);
  }
  const reader = new TraceReader(opts);
  for await (const chunk of chunks) reader.push(chunk);
  return reader.end();
}
