/**
 * Types of the NtTrace runner's public API.
 *
 * @packageDocumentation
 */
import type { Interrupter } from './process.js';
import type { ModelSource } from '../api/detect.js';

import type { Verdict } from '../api/verdict.js';
import type { Policy } from '../model/config.js';

export type { Verdict, MemberVerdict } from '../api/verdict.js';
export type { Policy } from '../model/config.js';

/**
 * What the session feeds the tracer's output to: parses it incrementally and classifies
 * everything seen so far on demand. {@link createLiveDetector} builds the real one.
 */
export interface LiveDetector {
  /** Raw tracer output, in arrival order, any chunking. */
  push(chunk: Uint8Array): void;
  /**
   * True when `push()` keeps no reference to its chunk once it returns (it copies what it
   * needs, as the streaming reader does): the runner may then pass views of the one buffer
   * it reads the tracer's output into, and reuse it for the next read. Otherwise (the
   * default, for detectors written before this flag) every chunk is a copy of its own.
   * {@link createLiveDetector}'s detectors set it.
   */
  readonly borrowsChunks?: boolean;
  /** Calls parsed so far. */
  readonly calls: number;
  /** The verdict on every call so far. */
  verdict(): Verdict;
  /** No more input: parses a last unterminated line. */
  end(): { calls: number; lines: number; detail?: string };
}

/** A periodic or requested verdict while the trace runs. */
export interface VerdictEvent {
  type: 'verdict';
  /** Calls read so far. */
  calls: number;
  verdict: Verdict;
  /** Milliseconds since the tracer was started. */
  elapsedMs: number;
}

/** Something the caller must know, e.g. that stopping had to kill instead of detaching. */
export interface WarningEvent {
  type: 'warning';
  /**
   * `KILLED_AFTER_GRACE`: Ctrl+C was sent but NtTrace did not exit in time;
   * `KILLED_NOT_DETACHED`: Ctrl+C could not be delivered;
   * `KILLED_NOT_READY`: NtTrace had written nothing yet (its Ctrl+C handler was not installed).
   * In every case an attached process dies with NtTrace on Windows.
   */
  code: 'KILLED_AFTER_GRACE' | 'KILLED_NOT_DETACHED' | 'KILLED_NOT_READY';
  message: string;
}

/** The tracer ended. */
export interface ExitEvent {
  type: 'exit';
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: string | null;
}

/** Always the last event: the verdict on everything read. */
export interface FinalEvent {
  type: 'final';
  verdict: Verdict;
  calls: number;
  elapsedMs: number;
  /** Present when the session failed (the stream then throws that error). */
  error?: { code: string; message: string };
}

/** Events of a trace session, in order: verdicts and warnings, then `exit`, then `final`. */
export type RunEvent = VerdictEvent | WarningEvent | ExitEvent | FinalEvent;

/** The outcome of a session that did not fail. */
export interface RunResult {
  verdict: Verdict;
  calls: number;
  elapsedMs: number;
  exitCode: number | null;
  signal: string | null;
  /** `exited`: the tracer ended by itself (the program exited); `stopped`: the caller stopped it. */
  ended: 'exited' | 'stopped';
  /** NtTrace said "Detached" after the runner's Ctrl+C (an attached process was left running). */
  detached: boolean;
  /** The tracer had to be killed (on Windows this kills an attached process too). */
  killed: boolean;
}

/** Options shared by {@link traceProgram} and {@link attachProcess}. */
export interface SessionOptions {
  /** NtTrace executable (else `NTTRACE`, else the PATH). A `.js`/`.mjs` file is run with Node. */
  nttrace?: string;
  /**
   * Extra NtTrace options, placed before the target (e.g. `['-only']`). `-out` is the
   * runner's own (it is always given, before these) and is refused here.
   */
  nttraceArgs?: readonly string[];
  /** Verdict interval: milliseconds, or text such as `500ms`, `10s`, `2m`. Default 10 s (as NtMalDetect). */
  intervalMs?: number | string;
  /** Ensemble policy used for every verdict (default: the model's own). */
  policy?: Policy;
  /** Distinct known n-grams a verdict needs, else it is `unfamiliar` (default: the model's, else 50). */
  minKnownNgrams?: number;
  /** The model: a loaded model, a model file path or its bytes (default: the packaged default model). */
  model?: ModelSource;
  /**
   * Also write NtTrace's trace (the bytes of its `-out` file, nothing the program printed) to
   * this file as it is read (it is never kept in memory).
   */
  saveLog?: string;
  /**
   * Where the traced program's console output goes. NtTrace writes its trace to a private
   * file (`-out`); its standard output, which a console program it starts shares, carries
   * only that program's output (and NtTrace's own `Detached`), which never reaches the
   * detector. A function is given each chunk as it arrives; a writable stream is written
   * with back-pressure (its errors are ignored); `'ignore'` (the default) drops it.
   */
  programOutput?: 'ignore' | NodeJS.WritableStream | ((chunk: Buffer) => void);
  /**
   * Folder under which the session's private trace folder is made (a fresh `mkdtemp` folder,
   * mode 0700 on POSIX, removed at the end). Default: the OS temporary folder. On Windows
   * NtTrace takes narrow paths: choose a plain ASCII path if the user's `%TEMP%` is not one.
   */
  traceDir?: string;
  /** Stops the session: NtTrace gets Ctrl+C (detach), the final verdict is still given. */
  signal?: AbortSignal;
  /** How long to wait for NtTrace to exit after Ctrl+C before killing it. Default 10 s on Windows, 3 s elsewhere. */
  stopGraceMs?: number;
  /** Replaces the built-in Ctrl+C delivery (e.g. to use a signed helper of your own). */
  interrupt?: Interrupter;
  /** Environment used to find NtTrace and the program, and given to NtTrace (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Working directory for relative paths and for NtTrace. */
  cwd?: string;
  /** Replaces the model-based detector (advanced: custom scoring). */
  detector?: LiveDetector;
}

/** Options of {@link traceProgram}. */
export interface TraceProgramOptions extends SessionOptions {
  /** The program to run under NtTrace (a path, or a name looked up on the PATH). */
  program: string;
  /** Its arguments. */
  args?: readonly string[];
}

/** Options of {@link attachProcess}. */
export interface AttachOptions extends SessionOptions {
  /** The process to attach to. */
  pid: number;
}

/** A running trace: iterate its events, or await its result. */
export interface TraceSession extends AsyncIterable<RunEvent> {
  /** Settles when the session is over (rejects with a typed error on failure). */
  readonly result: Promise<RunResult>;
  /** NtTrace's process id, once started. */
  readonly tracerPid: number | undefined;
  /** Emits (and returns) a verdict on everything read so far; undefined before the tracer started or after the end. */
  verdictNow(): Verdict | undefined;
  /** Stops the session as the `signal` would; resolves like {@link TraceSession.result}. */
  stop(): Promise<RunResult>;
}
