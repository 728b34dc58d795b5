/**
 * Starting and stopping the tracer process: never through a shell, always with an
 * argument array, and with no process left behind.
 *
 * - On POSIX (tests, the fake tracer, NtTrace under Wine) the tracer leads a new process
 *   group, so that whatever it started can be killed with it; a watchdog process
 *   ({@link startWatchdog}) kills that group if the runner dies, `SIGKILL` included.
 * - On Windows the tracer is started through `jobkill.exe` (native/jobkill) when it is
 *   found: a Job object with kill-on-close holds the tracer and everything it starts, and
 *   dies with the helper, which dies with the runner.
 * - On Windows the tracer is started with all standard streams redirected and
 *   `windowsHide`, which makes libuv pass `CREATE_NO_WINDOW`: the tracer gets a console of
 *   its own (without a window). A Ctrl+C can then be sent to that console alone, by a
 *   helper that attaches to it (see {@link interruptTracer}); NtTrace detaches on Ctrl+C.
 *
 * @packageDocumentation
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidOptionError } from '../errors.js';
import { disposeAllTraceFiles } from './trace-file.js';
import { startWatchdog, type Watchdog } from './watchdog.js';

/**
 * Where the Windows lifetime helper `jobkill.exe` is looked for: `NTMD_JOBKILL` (an absolute
 * path), else `native/jobkill/jobkill.exe` in the package (built by
 * `node scripts/build-jobkill.mjs`, never committed). Undefined when neither is a file.
 */
export function findJobKill(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const given = env.NTMD_JOBKILL;
  const packaged = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'native', 'jobkill', 'jobkill.exe');
  for (const path of [given !== undefined && given !== '' && isAbsolute(given) ? given : undefined, packaged]) {
    if (path === undefined) continue;
    try {
      accessSync(path, constants.R_OK);
      if (statSync(path).isFile()) return path;
    } catch {
      /* not there */
    }
  }
  return undefined;
}

/** What {@link spawnTracer}'s guard does besides killing the tracer's process group. */
export interface SpawnGuard {
  /** A folder the watchdog removes when it had to kill (POSIX): the session's trace folder. */
  removeOnDeath?: string;
}

/**
 * Starts the tracer: the executable with an argument array, no shell. Its stdout and stderr
 * are pipes (`child.stdout` carries the traced program's console output; the trace itself
 * goes to NtTrace's `-out` file).
 *
 * The tracer and what it starts cannot outlive this process:
 * - POSIX: the tracer leads a process group of its own, guarded by a watchdog
 *   ({@link startWatchdog}) that kills the group when this process dies or is killed; when
 *   the tracer exits, the group is reaped and the watchdog disarmed. The watchdog also
 *   removes `guard.removeOnDeath` (the private trace folder) when it fires.
 * - Windows: with `jobkill.exe` found ({@link findJobKill}), the child is that helper, which
 *   runs the tracer in a Job object with kill-on-close and ends when its standard input (a
 *   pipe from this process) closes. `child.pid` is then the helper's, which shares the
 *   tracer's console (a Ctrl+C sent there reaches the tracer; the helper ignores it) and
 *   exits with the tracer's exit code. Without the helper the tracer is started directly and
 *   nothing guards it against a killed runner (docs/runner.md, "Process lifetime").
 */
export function spawnTracer(
  file: string,
  args: readonly string[],
  cwd?: string,
  env?: Record<string, string | undefined>,
  guard: SpawnGuard = {},
): ChildProcess {
  const windows = process.platform === 'win32';
  const helper = windows ? findJobKill() : undefined;
  const child = spawn(helper ?? file, helper !== undefined ? [file, ...args] : args, {
    cwd,
    ...(env !== undefined ? { env } : {}),
    shell: false,
    windowsHide: true,
    windowsVerbatimArguments: false,
    detached: !windows,
    // The helper's standard input is its lifeline: kept open, never written, closed by the
    // OS when this process dies.
    stdio: [helper !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  if (child.pid !== undefined) {
    liveTracers.add(child);
    if (!windows) watchdogs.set(child, startWatchdog(child.pid, guard.removeOnDeath));
    if (child.stdin) {
      child.stdin.on('error', () => {});
      (child.stdin as unknown as { unref?: () => void }).unref?.();
    }
  }
  child.once('exit', () => {
    liveTracers.delete(child);
    // The tracer is gone: kill what is left of its group, then stand the watchdog down.
    reapGroup(child);
    watchdogs.get(child)?.disarm();
    watchdogs.delete(child);
  });
  child.once('error', () => liveTracers.delete(child));
  return child;
}

/** The watchdog guarding a tracer started by {@link spawnTracer} (POSIX; for tests). */
export function watchdogOf(child: ChildProcess): Watchdog | undefined {
  return watchdogs.get(child);
}

const watchdogs = new WeakMap<ChildProcess, Watchdog>();

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
    const helper = spawn(
      powershell,
      ['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand', encoded],
      {
        shell: false,
        windowsHide: true,
        stdio: 'ignore',
      },
    );
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
 * Windows NtTrace's debuggees end with it, and `jobkill.exe` kills what is left in its job
 * when the tracer exits). Called when the tracer exits (by {@link spawnTracer} itself, and
 * again by the session: harmless), so that a program the tracer started cannot outlive the
 * session.
 */
export function reapGroup(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined || process.platform === 'win32') return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* nothing left */
  }
  killSession(pid);
}

/** The session id of process `pid` (Linux `/proc`), or undefined. */
function sessionOf(pid: number | 'self'): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
  } catch {
    return undefined;
  }
}

/**
 * Linux: `SIGKILL` to every process of session `sid` — the tracer's session (it leads it:
 * `detached` makes it call `setsid`), which holds a program that moved to a process group of
 * its own with `setpgid` and so escaped {@link reapGroup}'s group kill. Never this process's
 * own session. (A session id is not reused while any process is in it.) Elsewhere a no-op:
 * the watchdog's `pkill -s` covers a killed runner on macOS.
 */
export function killSession(sid: number): void {
  if (process.platform !== 'linux' || !Number.isInteger(sid) || sid <= 1 || sid === sessionOf('self')) return;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e) || sessionOf(Number(e)) !== sid) continue;
    try {
      process.kill(Number(e), 'SIGKILL');
    } catch {
      /* gone, or not ours */
    }
  }
}

const liveTracers = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Makes sure tracers still running when the host process exits are killed with it, and their
 * private trace folders removed. (An exit handler does not run when the host is killed with
 * `SIGKILL` or `TerminateProcess`: the watchdog and the Job object of {@link spawnTracer}
 * cover that case.)
 */
export function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of liveTracers) killTree(child);
    disposeAllTraceFiles();
  });
}
