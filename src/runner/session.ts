/**
 * One trace session: starts the tracer, feeds its output to the live detector as it
 * arrives, emits a verdict at every interval, and stops it cleanly.
 *
 * @packageDocumentation
 */
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { InvalidOptionError, NtmdError } from '../errors.js';
import { AttachError, NoCallsTracedError, ProgramStartError, RunnerError, TracerFailedError, TracerStartError } from './errors.js';
import { parseInterval } from './interval.js';
import type { TracerCommand } from './locate.js';
import { createTraceFile, type TraceFile } from './trace-file.js';
import { installExitHook, interruptTracer, killTree, reapGroup, spawnTracer, type Interrupter } from './process.js';
import { EventQueue } from './queue.js';
import type { LiveDetector, RunEvent, RunResult, SessionOptions, TraceSession, Verdict } from './types.js';

/** Default verdict interval: 10 s, as NtMalDetect re-classified every 10 seconds. */
export const DEFAULT_INTERVAL_MS = 10_000;

/** What to start, decided before anything runs. */
export interface SessionPlan {
  /** Resolves the tracer, target and detector; throws typed errors. */
  prepare(): Promise<{ command: TracerCommand; tracerArgs: string[]; detector: LiveDetector }>;
  /** `run` (NtTrace started the program) or `attach` (an existing PID). */
  mode: 'run' | 'attach';
  /** The program path or the PID, for messages. */
  target: string;
}

const STDERR_KEEP = 2048;
const TAIL_KEEP = 64;
const HEAD_KEEP = 1024;

/** Starts a session; never throws (errors arrive through the events and the result). */
export function startSession(plan: SessionPlan, options: SessionOptions): TraceSession {
  const queue = new EventQueue<RunEvent>();
  let child: ChildProcess | undefined;
  let detector: LiveDetector | undefined;
  let started = 0;
  let finished = false;
  let stopRequested: (() => void) | undefined;
  const stopPromise = new Promise<void>((resolve) => (stopRequested = resolve));
  let stopping = false;

  const elapsed = (): number => Math.round(performance.now() - started);
  const emitVerdict = (): Verdict | undefined => {
    if (!detector || finished) return undefined;
    const verdict = detector.verdict();
    queue.push({ type: 'verdict', calls: detector.calls, verdict, elapsedMs: elapsed() });
    return verdict;
  };

  const result = (async (): Promise<RunResult> => {
    const intervalMs = parseInterval(options.intervalMs ?? DEFAULT_INTERVAL_MS, 'intervalMs');
    const grace = options.stopGraceMs ?? (process.platform === 'win32' ? 10_000 : 3_000);
    if (!(grace >= 0 && Number.isFinite(grace)))
      throw new InvalidOptionError('stopGraceMs', 'a non-negative number of milliseconds', grace);
    if (options.signal?.aborted) throw new RunnerError('ABORTED', 'the trace was aborted before it started');
    const prepared = await plan.prepare();
    detector = prepared.detector;
    const logFd = options.saveLog !== undefined ? openLog(options.saveLog) : undefined;
    try {
      return await runTracer(prepared.command, prepared.tracerArgs, prepared.detector, logFd, intervalMs, grace);
    } finally {
      if (logFd !== undefined) closeSync(logFd);
    }
  })();

  async function runTracer(
    command: TracerCommand,
    tracerArgs: string[],
    det: LiveDetector,
    logFd: number | undefined,
    intervalMs: number,
    grace: number,
  ): Promise<RunResult> {
    installExitHook();
    // The trace goes to a private file (-out), never through the console the program shares.
    const trace = createTraceFile(options.traceDir);
    try {
      return await traceInto(trace);
    } finally {
      trace.dispose();
    }

    async function traceInto(trace: TraceFile): Promise<RunResult> {
      const seen = { stderr: '', stdoutTail: '', stdoutHead: '', traceHead: '' };
      let killed = false;
      let sentCtrlC = false;
      let ended: 'exited' | 'stopped' = 'exited';

      let sawOutput: () => void = () => {};
      const firstOutput = new Promise<void>((r) => (sawOutput = r));
      // A failure while consuming the output (disk full for saveLog, a detector bug) ends the
      // session: the tracer is killed and the error reported, instead of an uncaught exception.
      // Boxed, so that any thrown value (even `undefined`) counts as a failure and is rethrown as is.
      let internal: { readonly error: unknown } | undefined;
      // Assigned once, below; `let` because `fail` reads it before (a `const` there would put
      // that read in the temporal dead zone).
      // eslint-disable-next-line prefer-const -- see above
      let proc: ChildProcess | undefined;
      const fail = (e: unknown): void => {
        if (internal !== undefined) return;
        internal = { error: e };
        if (proc) killTree(proc);
      };
      // Each chunk is a view of the trace file's one read buffer, valid during this call.
      const consume = (chunk: Buffer): void => {
        sawOutput();
        if (seen.traceHead.length < HEAD_KEEP)
          seen.traceHead += chunk.toString('latin1', 0, Math.min(chunk.length, HEAD_KEEP - seen.traceHead.length));
        if (internal !== undefined) return;
        try {
          if (logFd !== undefined) writeSync(logFd, chunk);
          det.push(det.borrowsChunks === true ? chunk : Buffer.from(chunk));
        } catch (e) {
          fail(e);
        }
      };
      const sink = programSink(options.programOutput);
      started = performance.now();
      proc = spawnTracer(command.file, [...command.prefix, '-out', trace.path, ...tracerArgs], options.cwd, options.env, {
        removeOnDeath: trace.dir,
      });
      child = proc;
      trace.start(consume);
      return await watchTracer(proc);

      async function watchTracer(proc: ChildProcess): Promise<RunResult> {
        // The tracer's standard output is the traced program's console output (and NtTrace's
        // own "Detached"): passed to the caller's sink, never to the detector.
        proc.stdout!.on('data', (chunk: Buffer) => {
          if (seen.stdoutHead.length < HEAD_KEEP)
            seen.stdoutHead += chunk.toString('latin1', 0, Math.min(chunk.length, HEAD_KEEP - seen.stdoutHead.length));
          seen.stdoutTail = (seen.stdoutTail + chunk.toString('latin1', Math.max(0, chunk.length - TAIL_KEEP))).slice(-TAIL_KEEP);
          sink?.(chunk, proc.stdout!);
        });
        proc.stderr!.on('data', (chunk: Buffer) => {
          seen.stderr = (seen.stderr + chunk.toString('utf8')).slice(-STDERR_KEEP);
        });

        const exited = new Promise<{ code: number | null; signal: string | null }>((resolve, reject) => {
          proc.once('error', (e) => reject(new TracerStartError(command.tracer, e)));
          proc.once('exit', (code, signal) => resolve({ code, signal }));
        });
        const streamsDone = Promise.all([
          new Promise<void>((r) => proc.stdout!.once('close', () => r())),
          new Promise<void>((r) => proc.stderr!.once('close', () => r())),
        ]);
        const timer = setInterval(() => {
          if (internal !== undefined) return;
          try {
            emitVerdict();
          } catch (e) {
            fail(e);
          }
        }, intervalMs);
        const onAbort = (): void => void stop();
        options.signal?.addEventListener('abort', onAbort, { once: true });
        if (options.signal?.aborted) void stop();

        async function stopTracer(): Promise<void> {
          await stopPromise;
          if (proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
          ended = 'stopped';
          // NtTrace installs its Ctrl+C handler just before its debug loop, which writes the
          // first line: a Ctrl+C before that would terminate it (and kill its debuggee).
          const gone = exited.then(
            () => true,
            () => true,
          );
          const ready = await Promise.race([firstOutput.then(() => true), gone.then(() => false), delay(grace).then(() => false)]);
          if (proc.exitCode !== null || proc.signalCode !== null) return;
          const interrupt: Interrupter = options.interrupt ?? interruptTracer;
          const sent = ready && proc.pid !== undefined ? await interrupt(proc.pid).catch(() => false) : false;
          sentCtrlC = sent;
          const exitedInTime = sent && (await Promise.race([gone, delay(grace).then(() => false)]));
          if (exitedInTime || proc.exitCode !== null || proc.signalCode !== null) return;
          killed = true;
          killTree(proc);
          const who = plan.mode === 'attach' ? `; Windows kills the process it was attached to (PID ${plan.target}) with it` : '';
          queue.push({
            type: 'warning',
            code: sent ? 'KILLED_AFTER_GRACE' : ready ? 'KILLED_NOT_DETACHED' : 'KILLED_NOT_READY',
            message: sent
              ? `NtTrace did not exit within ${grace} ms of Ctrl+C and was killed${who}`
              : ready
                ? `Ctrl+C could not be delivered to NtTrace, so it was killed instead of detaching${who}`
                : `NtTrace wrote nothing within ${grace} ms (its Ctrl+C handler is not ready before its first line), so it was killed${who}`,
          });
        }
        const stopping_ = stopTracer();

        let status: { code: number | null; signal: string | null };
        try {
          status = await exited;
        } catch (e) {
          clearInterval(timer);
          options.signal?.removeEventListener('abort', onAbort);
          throw e;
        } finally {
          stopRequested?.();
        }
        clearInterval(timer);
        options.signal?.removeEventListener('abort', onAbort);
        reapGroup(proc);
        // Everything NtTrace wrote is in the file now: read it to its end.
        await trace.finish().catch(fail);
        await Promise.race([streamsDone, delay(2000)]);
        proc.stdout!.destroy();
        proc.stderr!.destroy();
        await stopping_;
        if (internal !== undefined) throw internal.error;
        const end = det.end();
        // NtTrace prints "Detached" on its standard output (not into the -out file) from its
        // Ctrl+C handler; only believed after a Ctrl+C was sent (the program shares that stream).
        const detached = sentCtrlC && status.code === 0 && /(^|\n)Detached\r?\n?$/.test(seen.stdoutTail);
        queue.push({ type: 'exit', code: status.code, signal: status.signal });
        const verdict = det.verdict();
        const base = { verdict, calls: end.calls, elapsedMs: elapsed() };

        const failure = classifyFailure(status, seen, trace, end, ended);
        if (failure) {
          failure.verdict = verdict;
          failure.calls = end.calls;
          throw failure;
        }
        return { ...base, exitCode: status.code, signal: status.signal, ended, detached, killed };
      }
    }
  }

  function classifyFailure(
    status: { code: number | null; signal: string | null },
    seen: { stderr: string; stdoutHead: string; traceHead: string },
    trace: TraceFile,
    end: { calls: number; lines: number; detail?: string },
    ended: 'exited' | 'stopped',
  ): RunnerError | undefined {
    const stderr = seen.stderr;
    const message = stderrTail(stderr);
    if (ended === 'stopped') return undefined;
    if (status.code !== 0 || status.signal !== null) {
      if (plan.mode === 'attach' && /OpenProcess failed|DebugActiveProcess failed|Bad pid|Duplicate processes match/.test(stderr)) {
        const line = /^.*(OpenProcess failed|DebugActiveProcess failed|Bad pid|Duplicate processes match).*$/m.exec(stderr)![0].trim();
        return new AttachError(Number(plan.target), line);
      }
      if (plan.mode === 'run' && /CreateProcess failed/.test(stderr)) {
        const line = /^.*CreateProcess failed.*$/m.exec(stderr)![0].trim();
        return new ProgramStartError(plan.target, line);
      }
      if (/^Cannot open: /m.test(stderr)) {
        return new RunnerError(
          'TRACE_FILE_FAILED',
          `NtTrace cannot open its trace file ${trace.path} (${/^Cannot open: .*$/m.exec(stderr)![0].trim()}); ` +
            'give a folder with a plain ASCII path for it (traceDir, --trace-dir)',
        );
      }
      return new TracerFailedError(status.code, status.signal, message);
    }
    if (end.calls === 0) {
      return new NoCallsTracedError({
        lines: end.lines,
        traceBytes: trace.bytesRead,
        firstLines: firstLines(seen.traceHead),
        stderr: message,
        stdoutFirstLines: firstLines(seen.stdoutHead),
        ...(end.detail !== undefined ? { readerDetail: end.detail } : {}),
      });
    }
    return undefined;
  }

  function stop(): Promise<RunResult> {
    if (!stopping) {
      stopping = true;
      stopRequested?.();
    }
    return result;
  }

  // Deliver the outcome as the last events; mark the promise handled so that a caller who
  // only iterates never sees an unhandled rejection.
  result.then(
    (r) => {
      queue.push({ type: 'final', verdict: r.verdict, calls: r.calls, elapsedMs: r.elapsedMs });
      finished = true;
      queue.close();
    },
    (e: unknown) => {
      if (e instanceof RunnerError && e.verdict !== undefined) {
        queue.push({
          type: 'final',
          verdict: e.verdict,
          calls: e.calls,
          elapsedMs: elapsed(),
          error: { code: e.code, message: e.message },
        });
      }
      finished = true;
      queue.close(e instanceof Error ? e : new NtmdError('INTERNAL', String(e)));
    },
  );

  return {
    result,
    get tracerPid() {
      return child?.pid;
    },
    verdictNow: () => (child ? emitVerdict() : undefined),
    stop,
    [Symbol.asyncIterator]() {
      return queue.iterator(() => void stop());
    },
  };
}

/** The last few lines of the tracer's stderr, joined with " / ". */
function stderrTail(stderr: string): string {
  return stderr.trim().split(/\r?\n/).slice(-4).join(' / ');
}

/** The first non-blank lines of a head of output (at most three, each cut at 160 characters). */
function firstLines(head: string): string[] {
  return head
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .slice(0, 3)
    .map((l) => (l.length > 160 ? `${l.slice(0, 160)}...` : l));
}

/**
 * Where the traced program's console output goes: a function given each chunk, a writable
 * stream (written with back-pressure: the tracer's output is paused while it drains; its
 * errors are ignored), or nowhere.
 */
function programSink(out: SessionOptions['programOutput']): ((chunk: Buffer, from: NodeJS.ReadableStream) => void) | undefined {
  if (out === undefined || out === 'ignore') return undefined;
  if (typeof out === 'function') return (chunk) => out(chunk);
  out.on('error', () => {});
  return (chunk, from) => {
    if (!out.write(chunk)) {
      from.pause();
      out.once('drain', () => from.resume());
    }
  };
}

function openLog(path: string): number {
  try {
    return openSync(path, 'w');
  } catch (e) {
    throw new RunnerError(
      'SAVE_LOG_FAILED',
      `cannot write the log to ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      { cause: e },
    );
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
