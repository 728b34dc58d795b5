/**
 * `ntmaldetect run [options] -- program [args...]`: trace a program under NtTrace and
 * classify it live; with {@link runnerCommand}, also `ntmaldetect attach` (`attach.ts` only
 * picks the mode): options, the live output, Ctrl+C, exit codes. The runner's typed API
 * (`traceProgram`, `attachProcess`) does the work.
 *
 * @packageDocumentation
 */
import { verdictJson } from '../../api/verdict-json.js';
import { closeSync, openSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CliIO, Command, ParsedValues } from '../command.js';
import { UsageError, numberOption, println, stringOption, warn } from '../command.js';
import { count, modelFromArgs, modelHelp, modelOptions, policyFromArgs } from '../model-args.js';
import { checkInputDir, checkOutputFile } from '../paths.js';
import { durationOption } from '../duration.js';
import { attachProcess, traceProgram } from '../../runner/index.js';
import type { RunEvent, SessionOptions, TraceSession, Verdict } from '../../runner/types.js';
import { RunnerError } from '../../runner/errors.js';
import { verdictExitCode, verdictLabel } from '../../api/verdict.js';

/** The exit code of a session's final verdict, as `scan`'s for one trace. */
function exitCodeOf(v: Verdict | undefined, failed: boolean, unfamiliarOk: boolean): number {
  const undecided = v !== undefined && (v.unfamiliar || v.insufficient);
  return verdictExitCode({ malicious: v?.malicious ? 1 : 0, failed: failed ? 1 : 0, undecided: undecided ? 1 : 0 }, unfamiliarOk);
}

const sharedOptions = {
  ...modelOptions,
  nttrace: { type: 'string' },
  'nttrace-arg': { type: 'string', multiple: true },
  interval: { type: 'string' },
  policy: { type: 'string' },
  harsh: { type: 'boolean' },
  'min-known': { type: 'string' },
  'unfamiliar-ok': { type: 'boolean' },
  'save-log': { type: 'string' },
  'program-output': { type: 'string' },
  'no-program-output': { type: 'boolean' },
  'trace-dir': { type: 'string' },
  json: { type: 'boolean' },
} as const;

const sharedHelp = `${modelHelp}
  --nttrace PATH       NtTrace executable (default: $NTTRACE, then NtTrace.exe / NtTrace on the PATH).
                       Its bitness must match the program's: the x86 build for 32-bit programs
                       (those under SysWOW64), the x64 build for 64-bit ones
  --nttrace-arg ARG    pass ARG to NtTrace before the target (repeatable), e.g. --nttrace-arg=-only
  --interval T         time between verdicts: 500ms, 10s, 2m (a bare number is seconds; default 10s)
  --policy P           ensemble policy: any, all, majority, mean (default: the model's)
  --harsh              all members must agree (= --policy all; NtMalDetect's -h)
  --min-known N        distinct n-grams the model must know to judge (default 50): below
                       it a verdict is 'unfamiliar' (no decision)
  --unfamiliar-ok      exit 0, not 3, when the final verdict is unfamiliar or insufficient
  --save-log F         also write NtTrace's trace to F (as it is read)
  --program-output F   write the traced program's console output to F (default: to this
                       command's stderr; it never enters the trace: NtTrace writes the trace
                       to a private file with -out)
  --no-program-output  discard the traced program's console output
  --trace-dir D        make the private trace folder under D (default: the temporary folder)
  --json               one JSON event per line (verdict, warning, exit), ending with the final event

Exit code: 1 malicious; else 2 error (NtTrace failing after some verdicts is an error: the
verdict so far is still printed, and if it is malicious the exit code stays 1, as scan); else
3 (unfamiliar or insufficient: no decision; 0 with --unfamiliar-ok); else 0 (benign). Ctrl+C stops the trace: NtTrace gets Ctrl+C and detaches.
NtTrace sees only calls made through ntdll (not direct syscalls, not win32k graphics calls).`;

/** Builds the `run` or `attach` command. */
export function runnerCommand(mode: 'run' | 'attach'): Command {
  const run = mode === 'run';
  return {
    name: mode,
    help: run
      ? `Usage: ntmaldetect run [options] -- program [args...]

Starts the program under NtTrace (directly, never through a shell; .bat/.cmd are refused)
and prints a verdict every interval and a final verdict when it exits or on Ctrl+C.

Options:
${sharedHelp}

Examples:
  ntmaldetect run -- C:\\samples\\setup.exe /S
  ntmaldetect run --interval 2s --json --save-log app.log -- app.exe`
      : `Usage: ntmaldetect attach [options] PID

Attaches NtTrace to process PID (NtTrace's own "NtTrace PID" form) and prints a verdict
every interval; Ctrl+C makes NtTrace detach and the process runs on.

WARNING: NtTrace detaches only on Ctrl+C. On Windows this is delivered through a helper
(Windows PowerShell attaching to NtTrace's console). If it cannot be delivered, or NtTrace
does not exit in time, NtTrace is killed AND WINDOWS KILLS THE ATTACHED PROCESS WITH IT;
a warning is printed when that happens.

Options:
${sharedHelp}

Example:
  ntmaldetect attach --interval 5s 4242`,
    options: sharedOptions,
    allowPositionals: true,
    run: (values, positionals, io) => runCommand(mode, values, positionals, io),
  };
}

function verdictLine(ev: { calls: number; elapsedMs: number; verdict: Verdict }): string {
  const v = ev.verdict;
  const prob = v.probability !== undefined ? `  p=${v.probability.toFixed(3)}` : '';
  const members = v.members.map((m) => `${m.name}:${m.malicious ? 'mal' : 'ben'}`).join(' ');
  const secs = (ev.elapsedMs / 1000).toFixed(1).padStart(7);
  return `${secs}s  ${count(ev.calls).padStart(11)} calls  ${verdictLabel(v).padEnd(12)}${prob}${members ? `  [${members}]` : ''}`;
}

function finalLines(ev: Extract<RunEvent, { type: 'final' }>): string[] {
  const v = ev.verdict;
  const lines = [`final: ${verdictLabel(v)} (policy ${v.policy}) after ${count(ev.calls)} calls in ${(ev.elapsedMs / 1000).toFixed(1)}s`];
  if (v.reason) lines.push(`  reason: ${v.reason}`);
  if (v.warning) lines.push(`  warning: ${v.warning}`);
  for (const m of v.members) {
    const p = m.probability !== undefined ? `  p=${m.probability.toFixed(3)}` : '';
    lines.push(`  ${m.name.padEnd(16)} ${m.malicious ? 'malicious' : 'benign   '}  score ${m.score.toFixed(4)}${p}`);
  }
  return lines;
}

function parsePid(text: string | undefined): number {
  if (text === undefined || !/^\d+$/.test(text) || Number(text) === 0 || Number(text) > 0xffffffff) {
    throw new UsageError(`attach needs one PID (a positive integer), got ${text === undefined ? 'nothing' : JSON.stringify(text)}`);
  }
  return Number(text);
}

async function runCommand(mode: 'run' | 'attach', values: ParsedValues, positionals: string[], io: CliIO): Promise<number> {
  if (mode === 'run' && positionals.length === 0)
    throw new UsageError('run needs a program: ntmaldetect run [options] -- program [args...]');
  if (mode === 'attach' && positionals.length !== 1)
    throw new UsageError(`attach takes exactly one PID, got ${positionals.length} arguments`);
  const intervalMs = durationOption(values, 'interval');
  const policy = policyFromArgs(values);
  const minKnownNgrams = numberOption(values, 'min-known', { min: 0, integer: true });
  const unfamiliarOk = values['unfamiliar-ok'] === true;
  const json = values.json === true;
  const saveLog = stringOption(values, 'save-log');
  const programOutputFile = stringOption(values, 'program-output');
  const traceDir = stringOption(values, 'trace-dir');
  if (programOutputFile !== undefined && values['no-program-output'] === true) {
    throw new UsageError('--program-output and --no-program-output exclude each other');
  }
  const nttrace = stringOption(values, 'nttrace');
  const nttraceArgs = (values['nttrace-arg'] as string[] | undefined) ?? [];
  const pid = mode === 'attach' ? parsePid(positionals[0]) : 0;
  // Before NtTrace starts: the files and folder this run writes.
  if (saveLog !== undefined) checkOutputFile(saveLog, io.cwd, '--save-log');
  if (programOutputFile !== undefined) checkOutputFile(programOutputFile, io.cwd, '--program-output');
  if (traceDir !== undefined) checkInputDir(traceDir, io.cwd, '--trace-dir');
  const model = await modelFromArgs(values, io.cwd);
  const programOutput =
    values['no-program-output'] === true
      ? 'ignore'
      : programOutputFile !== undefined
        ? openProgramOutput(resolve(io.cwd, programOutputFile))
        : io.stderr;

  const ac = new AbortController();
  const onSignal = (): void => {
    if (ac.signal.aborted) return;
    println(io.stderr, `ntmaldetect: stopping: sending Ctrl+C to NtTrace${mode === 'attach' ? ` so that it detaches from ${pid}` : ''}...`);
    ac.abort();
  };
  const signals: NodeJS.Signals[] = process.platform === 'win32' ? ['SIGINT', 'SIGBREAK'] : ['SIGINT', 'SIGTERM'];
  for (const s of signals) process.on(s, onSignal);

  const common: SessionOptions = {
    model,
    env: io.env,
    cwd: io.cwd,
    signal: ac.signal,
    nttraceArgs,
    ...(nttrace !== undefined ? { nttrace: resolve(io.cwd, nttrace) } : {}),
    ...(intervalMs !== undefined ? { intervalMs } : {}),
    ...(policy !== undefined ? { policy } : {}),
    ...(minKnownNgrams !== undefined ? { minKnownNgrams } : {}),
    ...(saveLog !== undefined ? { saveLog: resolve(io.cwd, saveLog) } : {}),
    ...(traceDir !== undefined ? { traceDir: resolve(io.cwd, traceDir) } : {}),
    programOutput: typeof programOutput === 'object' && 'fd' in programOutput ? programOutput.write : programOutput,
  };
  const session: TraceSession =
    mode === 'run' ? traceProgram({ ...common, program: positionals[0], args: positionals.slice(1) }) : attachProcess({ ...common, pid });

  let final: Extract<RunEvent, { type: 'final' }> | undefined;
  try {
    for await (const ev of session) {
      // The verdicts inside the events in the one verdict JSON (docs/cli.md, "Verdict JSON").
      if (json) println(io.stdout, JSON.stringify('verdict' in ev ? { ...ev, verdict: verdictJson(ev.verdict) } : ev));
      if (ev.type === 'warning') warn(io, `ntmaldetect: WARNING: ${ev.message}`);
      if (json) {
        if (ev.type === 'final') final = ev;
        continue;
      }
      if (ev.type === 'verdict') println(io.stdout, verdictLine(ev));
      else if (ev.type === 'final') {
        final = ev;
        for (const line of finalLines(ev)) println(io.stdout, line);
      }
    }
    return exitCodeOf(final?.verdict, false, unfamiliarOk);
  } catch (e) {
    // Errors after the start already gave their final event; name the error and exit 2.
    if (e instanceof RunnerError && final !== undefined) {
      println(io.stderr, `ntmaldetect: ${e.message}`);
      // As scan: malicious wins over an error (malware may well kill its tracer).
      return exitCodeOf(final.verdict, true, unfamiliarOk);
    }
    throw e;
  } finally {
    for (const s of signals) process.off(s, onSignal);
    if (typeof programOutput === 'object' && 'fd' in programOutput) closeSync(programOutput.fd);
  }
}

/** Opens the --program-output file before anything starts (a typed error if it cannot be). */
function openProgramOutput(path: string): { fd: number; write: (chunk: Buffer) => void } {
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (e) {
    throw new RunnerError(
      'PROGRAM_OUTPUT_FAILED',
      `cannot write the program output to ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      { cause: e },
    );
  }
  let failed = false;
  return {
    fd,
    write: (chunk) => {
      if (failed) return;
      try {
        writeSync(fd, chunk);
      } catch {
        failed = true; // the program's output is best effort: a full disk must not end the trace
      }
    },
  };
}

export default runnerCommand('run');
