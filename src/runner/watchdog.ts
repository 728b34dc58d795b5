/**
 * Nothing the runner starts outlives it: on POSIX, a watchdog process per tracer kills the
 * tracer's process group when the runner goes away, even when the runner is killed with
 * `SIGKILL` and no exit handler of its can run.
 *
 * The watchdog is a `/bin/sh` of a few lines (about a megabyte of memory, started in a
 * millisecond), in a session of its own (so that a signal to the runner's process group, or
 * the terminal's, does not reach it), whose standard input is a pipe from the runner. It
 * blocks reading that pipe:
 *
 * - the runner writes `disarm` once the tracer has exited and its group was reaped: the
 *   watchdog exits and kills nothing (so a process group id reused later is never hit);
 * - end of file without `disarm`: the runner closed the pipe or died (the kernel closes a
 *   dead process's descriptors): the watchdog sends `SIGKILL` to the tracer's process group
 *   and to every process of the tracer's session (which catches one that changed its group),
 *   which holds the tracer and what it started (the fake tracer's program; under Wine the
 *   `wine64` processes of the traced Windows program, which stay in that group), removes
 *   the session's private trace folder if it was given one, then exits.
 *
 * The runner's end of the pipe is close-on-exec (libuv opens every descriptor so), so no
 * other child (another tracer, the traced program) holds it open and keeps the watchdog
 * waiting.
 *
 * Limits: a process that leaves the session on purpose (`setsid`) is not followed; nor is anything if the watchdog itself is killed first (by
 * the same user: a program running as the runner's user can do that, see docs/security.md).
 * Between the tracer's start and the watchdog's (one synchronous step of the runner) a
 * `SIGKILL` of the runner would leave the tracer unguarded.
 *
 * @packageDocumentation
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { isAbsolute } from 'node:path';

/**
 * The watchdog's script: `$1` is the process group to kill, and the session of the same id
 * (the tracer leads both: `detached` makes it call `setsid`), `$2` (may be empty) a folder to
 * remove after it (the session's private trace folder). `pkill -s` (procps on Linux, BSD on
 * macOS) catches a process that moved to another group of the session (`setpgid`); where
 * `pkill` is missing, only the group is killed. `read` returns on a line or at end
 * of file (then with `$line` holding what came before it, normally nothing).
 */
export const WATCHDOG_SCRIPT =
  'IFS= read -r line; [ "$line" = disarm ] && exit 0; kill -s KILL -- "-$1" 2>/dev/null; pkill -KILL -s "$1" 2>/dev/null; [ -n "$2" ] && rm -rf -- "$2"; exit 0';

/** A running watchdog guarding one process group. */
export interface Watchdog {
  /** The watchdog's own pid (undefined if it could not be started). */
  readonly pid: number | undefined;
  /** The process group it guards. */
  readonly pgid: number;
  /** The folder it removes after killing the group, if any. */
  readonly removes: string | undefined;
  /**
   * Tells the watchdog that the group was reaped: it exits without killing anything.
   * Call only after the group is gone. Idempotent.
   */
  disarm(): void;
  /** Resolves when the watchdog process has exited (at once if it never started). */
  readonly exited: Promise<void>;
}

/**
 * Starts a watchdog that sends `SIGKILL` to process group `pgid` as soon as this process
 * dies or drops the watchdog's pipe, unless {@link Watchdog.disarm} was called first, and
 * then removes the folder `remove` (an absolute path this process made, e.g. the private
 * trace folder, which a killed runner cannot remove itself). POSIX only. The watchdog holds
 * neither this process's event loop nor its exit.
 */
export function startWatchdog(pgid: number, remove?: string): Watchdog {
  if (!Number.isInteger(pgid) || pgid <= 1) throw new RangeError(`watchdog: not a process group id: ${pgid}`);
  if (remove !== undefined && !isAbsolute(remove)) throw new RangeError(`watchdog: not an absolute path: ${remove}`);
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  try {
    child = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'ntmd-watchdog', String(pgid), remove ?? ''], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      shell: false,
    });
    const c = child;
    exited = new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.once('error', () => resolve());
    });
    // A watchdog that failed to start, or died, must not crash the host through an
    // unhandled 'error' (EPIPE on its pipe included).
    c.on('error', () => {});
    c.stdin!.on('error', () => {});
    c.unref();
    (c.stdin as unknown as { unref?: () => void }).unref?.();
  } catch {
    child = undefined;
  }
  let disarmed = false;
  return {
    pid: child?.pid,
    pgid,
    removes: remove,
    exited,
    disarm() {
      if (disarmed || child === undefined) return;
      disarmed = true;
      if (child.stdin && !child.stdin.destroyed) child.stdin.end('disarm\n');
    },
  };
}
