/**
 * Reading NtTrace logs and reduced traces into call sequences.
 *
 * - {@link readTraceSync}: text or bytes in memory.
 * - {@link readTrace}: a file path, a stream or any async iterable of chunks (gzip transparent).
 * - {@link TraceReader}: push chunks yourself (live traces); the result never depends on the chunking.
 *
 * @packageDocumentation
 */
export { CallTable } from './call-table.js';
export { TraceReader, LINE_HEAD, LINE_TAIL } from './reader.js';
export { readTrace, readTraceSync, readTraceFileSync } from './read.js';
export type { TraceInput } from './read.js';
export { EmptyTraceError, NoCallsError, CorruptGzipError, ReaderEndedError } from './errors.js';
export type { TraceFormat, TraceEncoding, SplitMode, ReadOptions, LineStats, TraceGroup, TraceRead } from './types.js';
export { reduceToText } from './reduce.js';
