/**
 * Starting and stopping the tracer process: never through a shell, always with an
 * argument array, and with no process left behind.
 *
 * - On POSIX (tests, the fake tracer) the tracer leads a new process group, so that
 *   whatever it started can be killed with it.
 * - On Windows the tracer is started with all standard streams redirected and
 *   `windowsHide`, which makes libuv pass `CREATE_NO_WINDOW`: the tracer gets a console of
 *   its own (without a window). A Ctrl+C can then be sent to that console alone, by a
 *   helper that attaches to it (see {@link interruptTracer}); NtTrace detaches on Ctrl+C.
 *
 * @packageDocumentation
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { InvalidOptionError } from '../errors.js';
import { disposeAllTraceFiles } from './trace-file.js';

/**
 * Starts the tracer: the executable with an argument array, no shell. Its stdout and stderr
 * are pipes (`child.stdout` carries the traced program's console output; the trace itself
 * goes to NtTrace's `-out` file).
 */
export function spawnTracer(file: string, args: readonly string[], cwd?: string, env?: Record<string, string | undefined>): ChildProcess {
  const child = spawn(file, args, {
    cwd,
    ...(env !== undefined ? { env } : {}),
    shell: false,
    windowsHide: true,
    windowsVerbatimArguments: false,
    detached: process.platform !== 'win32',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid !== undefined) liveTracers.add(child);
  child.once('exit', () => liveTracers.delete(child));
  child.once('error', () => liveTracers.delete(child));
  return child;
}

/** Is the process (or process group, with a negative id) still there? */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const systemRoot = (): string => process.env.SystemRoot ?? process.env.SYSTEMROOT ?? 'C:\\Windows';

/**
 * The PowerShell script that delivers a Ctrl+C to the console of process `pid`: leave
 * its own console, attach to the tracer's, ignore Ctrl+C itself, and raise CTRL_C_EVENT for
 * every process on that console (the tracer, and any console program it started).
 * Exit codes: 0 sent, 3 cannot attach, 4 cannot generate the event.
 */
export function ctrlCScript(pid: number): string {
  if (!Number.isInteger(pid) || pid <= 0 || pid > 0xffffffff) throw new InvalidOptionError('pid', 'a positive integer process id', pid);
  return [
    "$ErrorActionPreference = 'Stop'",
    "Add-Type -Namespace Ntmd -Name Console -MemberDefinition '",
    '[DllImport("kernel32.dll", SetLastError = true)] public static extern bool FreeConsole();',
    '[DllImport("kernel32.dll", SetLastError = true)] public static extern bool AttachConsole(uint pid);',
    '[DllImport("kernel32.dll", SetLastError = true)] public static extern bool SetConsoleCtrlHandler(System.IntPtr handler, bool add);',
    '[DllImport("kernel32.dll", SetLastError = true)] public static extern bool GenerateConsoleCtrlEvent(uint ctrlEvent, uint processGroupId);',
    "'",
    '[void][Ntmd.Console]::FreeConsole()',
    `if (-not [Ntmd.Console]::AttachConsole(${pid})) { exit 3 }`,
    '[void][Ntmd.Console]::SetConsoleCtrlHandler([System.IntPtr]::Zero, $true)',
    'if (-not [Ntmd.Console]::GenerateConsoleCtrlEvent(0, 0)) { exit 4 }',
    'exit 0',
  ].join('\n');
}

/** How a Ctrl+C is delivered to the tracer: resolves true when it was sent. */
export type Interrupter = (tracerPid: number) => Promise<boolean>;

/**
 * Sends Ctrl+C to the tracer, the only way to make NtTrace detach (its console control
 * handler clears its breakpoints and lets the traced process run on).
 *
 * - POSIX: `SIGINT` to the tracer (the fake tracer treats it as NtTrace treats Ctrl+C).
 * - Windows: Node's `kill()` is `TerminateProcess` for every signal, so a helper is
 *   needed: Windows PowerShell (present on every supported Windows) compiles a four-line
 *   P/Invoke shim that attaches to the tracer's console and calls
 *   `GenerateConsoleCtrlEvent(CTRL_C_EVENT, 0)`. It takes about a second or two to start.
 *   Resolves false when PowerShell is missing or the console cannot be reached; the caller
 *   then has to kill, and says so.
 */
export const interruptTracer: Interrupter = (pid) => {
  if (process.platform !== 'win32') {
    try {
      process.kill(pid, 'SIGINT');
      return Promise.resolve(true);
    } catch {
      return Promise.resolve(false);
    }
  }
  const powershell = join(systemRoot(), 'System32', 'WindowsPowerShell', 'v1.0', 'powershell.exe');
  const encoded = Buffer.from(ctrlCScript(pid), 'utf16le').toString('base64');
  return new Promise((done) => {
    const helper = spawn(powershell, ['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand', encoded], {
      shell: false,
      windowsHide: true,
      stdio: 'ignore',
    });
    helper.once('error', () => done(false));
    helper.once('exit', (code) => done(code === 0));
  });
};

/**
 * Kills the tracer and what it started, synchronously.
 * - POSIX: `SIGKILL` to the tracer's whole process group.
 * - Windows: `taskkill /T /F` on the tracer's tree. A process NtTrace had attached to is
 *   not in that tree, but dies anyway: Windows kills a debugged process when its debugger
 *   exits without detaching (NtTrace disables that only after a Ctrl+C detach).
 */
export function killTree(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined) return;
  if (process.platform === 'win32') {
    spawnSync(join(systemRoot(), 'System32', 'taskkill.exe'), ['/PID', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true });
    if (child.exitCode === null && child.signalCode === null) child.kill();
    return;
  }
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* the group is already gone */
  }
}

/**
 * Kills the process group the tracer led, if anything of it is left (POSIX only; on
 * Windows NtTrace's debuggees end with it). Called after the tracer exits, so that a
 * program the tracer started cannot outlive the session.
 */
export function reapGroup(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined || process.platform === 'win32') return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* nothing left */
  }
}

const liveTracers = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Makes sure tracers still running when the host process exits are killed with it, and their
 * private trace folders removed.
 */
export function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of liveTracers) killTree(child);
    disposeAllTraceFiles();
  });
}
