/**
 * Typed errors of the NtTrace runner (`src/runner`).
 *
 * Every failure of a trace session is one of these classes, each with a stable
 * {@link NtmdError.code}. Errors raised after the tracer started carry the verdict on
 * the calls seen so far ({@link RunnerError.verdict}), so a caller can still report it.
 *
 * @packageDocumentation
 */
import { NtmdError } from '../errors.js';
import type { Verdict } from '../api/verdict.js';

/** Where NtTrace can be downloaded, quoted in error messages and docs. */
export const NTTRACE_HOME = 'https://github.com/rogerorr/NtTrace (prebuilt NtTrace.exe: http://rogerorr.github.io/NtTrace/)';

/** Base class of the runner's errors. */
export class RunnerError extends NtmdError {
  /** The verdict on the calls read before the failure, when the tracer had started. */
  verdict?: Verdict;
  /** Calls read before the failure. */
  calls = 0;
}

/** NtTrace could not be found: not given, not in `NTTRACE`, not on the PATH. */
export class NtTraceNotFoundError extends RunnerError {
  /** The places that were tried, in order. */
  readonly tried: readonly string[];

  constructor(tried: readonly string[], detail?: string) {
    super(
      'NTTRACE_NOT_FOUND',
      `NtTrace not found${detail ? ` (${detail})` : ''}; tried: ${tried.length ? tried.join(', ') : 'nothing'}. ` +
        `Get it from ${NTTRACE_HOME}, then pass --nttrace PATH, set NTTRACE, or put NtTrace.exe on the PATH ` +
        `(its bitness must match the traced program: the x86 build for 32-bit programs)`,
    );
    this.tried = tried;
  }
}

/** The program to trace does not exist (checked before NtTrace is started). */
export class ProgramNotFoundError extends RunnerError {
  readonly program: string;

  constructor(program: string, tried: readonly string[]) {
    super('PROGRAM_NOT_FOUND', `program not found: ${JSON.stringify(program)}; tried: ${tried.join(', ')}`);
    this.program = program;
  }
}

/**
 * The target cannot be started safely: a `.bat`/`.cmd` script (Windows would run it
 * through `cmd.exe`, which re-parses its arguments), or an argument NtTrace cannot pass on
 * unchanged (it re-joins the program's arguments, quoting only those with spaces).
 */
export class UnsafeTargetError extends RunnerError {
  constructor(message: string) {
    super('UNSAFE_TARGET', message);
  }
}

/** NtTrace could not start the program (its `CreateProcess failed with ...` message). */
export class ProgramStartError extends RunnerError {
  /** NtTrace's own message. */
  readonly tracerMessage: string;

  constructor(program: string, tracerMessage: string) {
    super('PROGRAM_START_FAILED', `NtTrace could not start ${JSON.stringify(program)}: ${tracerMessage}`);
    this.tracerMessage = tracerMessage;
  }
}

/** NtTrace could not attach to a process: no such PID, access denied, already debugged. */
export class AttachError extends RunnerError {
  readonly pid: number;
  /** NtTrace's own message, e.g. `OpenProcess failed to find pid 1234`. */
  readonly tracerMessage: string;

  constructor(pid: number, tracerMessage: string) {
    super('ATTACH_FAILED', `cannot attach to process ${pid}: ${tracerMessage}`);
    this.pid = pid;
    this.tracerMessage = tracerMessage;
  }
}

/** The tracer executable could not be started at all (permissions, not an executable). */
export class TracerStartError extends RunnerError {
  constructor(path: string, cause: unknown) {
    super('TRACER_START_FAILED', `cannot start the tracer ${JSON.stringify(path)}: ${(cause as Error)?.message ?? String(cause)}`, {
      cause,
    });
  }
}

/** NtTrace exited with a non-zero code or was killed by a signal. */
export class TracerFailedError extends RunnerError {
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** The last lines NtTrace wrote on stderr (at most a few hundred characters). */
  readonly stderr: string;

  constructor(exitCode: number | null, signal: string | null, stderr: string) {
    const how = signal !== null ? `was killed by ${signal}` : `exited with code ${exitCode}`;
    super('TRACER_FAILED', `NtTrace ${how}${stderr ? `: ${stderr}` : ''}`);
    this.exitCode = exitCode;
    this.signal = signal;
    this.stderr = stderr;
  }
}

/** What the runner saw of a trace that held no call, for {@link NoCallsTracedError}. */
export interface NoCallsSeen {
  /** Lines of the trace file read. */
  lines: number;
  /** Bytes of the trace file read. */
  traceBytes: number;
  /** The first non-blank lines of the trace file (at most three). */
  firstLines: readonly string[];
  /** The last lines NtTrace wrote on stderr, joined with " / ". */
  stderr: string;
  /** The first non-blank lines of NtTrace's standard output (the program's console output). */
  stdoutFirstLines: readonly string[];
  /** The reader's own account, if it gave one. */
  readerDetail?: string;
}

/**
 * NtTrace ran and ended without error, but its trace never contained a system call. The
 * message says what was seen instead: how many lines, the first of them, NtTrace's stderr.
 */
export class NoCallsTracedError extends RunnerError {
  /** Lines of the trace read. */
  readonly lines: number;
  /** Bytes of the trace read. */
  readonly traceBytes: number;
  /** The first non-blank lines of the trace. */
  readonly firstLines: readonly string[];
  /** The end of NtTrace's stderr. */
  readonly stderr: string;

  constructor(seen: NoCallsSeen) {
    const quote = (lines: readonly string[]): string => lines.map((l) => JSON.stringify(l)).join(', ');
    const what =
      seen.traceBytes === 0
        ? 'NtTrace wrote nothing to its trace file'
        : `NtTrace's trace held no system call: ${seen.lines} line${seen.lines === 1 ? '' : 's'}, none a call line; ` +
          `first line${seen.firstLines.length === 1 ? '' : 's'}: ${quote(seen.firstLines)}`;
    const parts = [what];
    parts.push(seen.stderr ? `NtTrace's stderr ends: ${JSON.stringify(seen.stderr)}` : 'NtTrace wrote nothing on stderr');
    if (seen.traceBytes === 0 && seen.stdoutFirstLines.length > 0) {
      parts.push(`its standard output (the program's console) began: ${quote(seen.stdoutFirstLines)}`);
    }
    if (seen.readerDetail !== undefined && seen.traceBytes > 0) parts.push(`reader: ${seen.readerDetail}`);
    super('NO_CALLS_TRACED', parts.join('; '));
    this.lines = seen.lines;
    this.traceBytes = seen.traceBytes;
    this.firstLines = seen.firstLines;
    this.stderr = seen.stderr;
  }
}
