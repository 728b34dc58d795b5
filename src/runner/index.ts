/**
 * The NtTrace runner: trace a program, or attach to a running process, and classify its
 * system calls while it runs.
 *
 * ```ts
 * const session = traceProgram({ program: 'C:\\samples\\app.exe', intervalMs: '5s' });
 * for await (const ev of session) {
 *   if (ev.type === 'verdict') console.log(ev.calls, ev.verdict.malicious);
 *   if (ev.type === 'final') console.log('final', ev.verdict);
 * }
 * ```
 *
 * NtTrace is always started directly with an argument array (never through a shell), and
 * stopping a session sends it Ctrl+C so that it detaches (see `docs/runner.md`).
 *
 * @packageDocumentation
 */
import { InvalidOptionError } from '../errors.js';
import { checkProgramArgs, findNtTrace, resolveProgram } from './locate.js';
import { createLiveDetector } from './live.js';
import { startSession } from './session.js';
import type { AttachOptions, LiveDetector, SessionOptions, TraceProgramOptions, TraceSession } from './types.js';

export type * from './types.js';
export * from './errors.js';
export { parseInterval, formatInterval, MAX_INTERVAL_MS } from './interval.js';
export {
  findNtTrace,
  resolveProgram,
  checkProgramArgs,
  isBatchScript,
  NTTRACE_NAMES,
  type TracerCommand,
  type LocateContext,
} from './locate.js';
export { interruptTracer, ctrlCScript, type Interrupter } from './process.js';
export { DEFAULT_INTERVAL_MS } from './session.js';
export { createLiveDetector, type LiveDetectorOptions } from './live.js';

function ctxOf(options: SessionOptions) {
  return { env: options.env, cwd: options.cwd };
}

async function detectorFor(options: SessionOptions): Promise<LiveDetector> {
  return (
    options.detector ??
    createLiveDetector({
      model: options.model,
      policy: options.policy,
      ...(options.minKnownNgrams !== undefined ? { minKnownNgrams: options.minKnownNgrams } : {}),
    })
  );
}

/** Whether a value is an array of strings (checked: a JavaScript caller can pass anything). */
function isStringArray(v: unknown): v is readonly string[] {
  return Array.isArray(v) && v.every((a) => typeof a === 'string');
}

function nttraceArgs(options: SessionOptions): string[] {
  const extra: unknown = options.nttraceArgs ?? [];
  if (!isStringArray(extra)) {
    throw new InvalidOptionError('nttraceArgs', 'an array of strings', extra);
  }
  // The runner gives -out itself (the trace must not share the program's console).
  const out = extra.find((a) => /^[-/]out$/i.test(a));
  if (out !== undefined)
    throw new InvalidOptionError(
      'nttraceArgs',
      'NtTrace options other than -out (the runner writes the trace to a private file itself; use saveLog for a copy)',
      out,
    );
  return [...extra];
}

/**
 * Runs `program` under NtTrace and classifies its calls as they arrive.
 *
 * The program is resolved to an absolute path first (a missing program is a
 * `ProgramNotFoundError` before anything starts; `.bat`/`.cmd` scripts are refused), then
 * NtTrace is started as `NtTrace [nttraceArgs] -- <absolute program> [args]`, each one
 * argument of the array. Events: a `verdict` every interval, `exit`, then `final`.
 * Stopping (the `signal`, `stop()`, or leaving a `for await` loop early) sends NtTrace
 * Ctrl+C; the program it started ends with it.
 */
export function traceProgram(options: TraceProgramOptions): TraceSession {
  return startSession(
    {
      mode: 'run',
      target: options.program,
      prepare: async () => {
        const command = findNtTrace(options.nttrace, ctxOf(options));
        if (typeof options.program !== 'string') throw new InvalidOptionError('program', 'a path or a program name', options.program);
        const program = resolveProgram(options.program, ctxOf(options));
        const args = [...(options.args ?? [])];
        checkProgramArgs(args);
        const tracerArgs = [...nttraceArgs(options), '--', program, ...args];
        return { command, tracerArgs, detector: await detectorFor(options) };
      },
    },
    options,
  );
}

/**
 * Attaches NtTrace to the running process `pid` (NtTrace's own `NtTrace PID` form) and
 * classifies its calls from then on. Stopping the session sends NtTrace Ctrl+C, on which
 * it detaches and the process runs on. If Ctrl+C cannot be delivered, NtTrace has to be
 * killed, and Windows then kills the process too: a `warning` event says so.
 */
export function attachProcess(options: AttachOptions): TraceSession {
  return startSession(
    {
      mode: 'attach',
      target: String(options.pid),
      prepare: async () => {
        if (!Number.isInteger(options.pid) || options.pid <= 0 || options.pid > 0xffffffff) {
          throw new InvalidOptionError('pid', 'a positive integer process id', options.pid);
        }
        const command = findNtTrace(options.nttrace, ctxOf(options));
        const tracerArgs = [...nttraceArgs(options), '--', String(options.pid)];
        return { command, tracerArgs, detector: await detectorFor(options) };
      },
    },
    options,
  );
}
