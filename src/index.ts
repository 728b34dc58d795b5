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
// NtTrace runner: trace a program or attach to a process, and classify while it runs.
export {
  traceProgram, attachProcess, createLiveDetector, parseInterval, formatInterval, findNtTrace, resolveProgram, checkProgramArgs,
  interruptTracer, DEFAULT_INTERVAL_MS,
  RunnerError, NtTraceNotFoundError, ProgramNotFoundError, UnsafeTargetError, ProgramStartError, AttachError,
  TracerStartError, TracerFailedError, NoCallsTracedError,
} from './runner/index.js';
export type {
  TraceSession, TraceProgramOptions, AttachOptions, SessionOptions, RunEvent, VerdictEvent, WarningEvent, ExitEvent,
  FinalEvent, RunResult, LiveDetector, LiveDetectorOptions, Interrupter, TracerCommand,
} from './runner/index.js';
