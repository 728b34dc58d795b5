/**
 * ntmaldetect: decide whether a Windows program behaves like malware from the trace of
 * its native system calls (NtTrace logs).
 *
 * @packageDocumentation
 */
export { NtmdError, isNtmdError, InvalidOptionError, NotFittedError } from './errors.js';
export { CallTable } from './tokenize/call-table.js';
export {
  readTrace, readTraceSync, TraceReader, reduceToText,
  EmptyTraceError, NoCallsError, CorruptGzipError, ReaderEndedError,
} from './tokenize/index.js';
export type { TraceFormat, SplitMode, ReadOptions, LineStats, TraceGroup, TraceRead, TraceInput } from './tokenize/index.js';
export { loadCorpus, EmptyCorpusError, CorpusNotFoundError } from './corpus/index.js';
export type { Corpus, CorpusDoc, CorpusSpec, LoadCorpusOptions } from './corpus/index.js';
