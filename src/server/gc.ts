/**
 * The garbage-collector setting of the `ntmaldetect serve` process.
 *
 * Two V8 heuristics make the tail latency of `/v1/detect` under load on the HTTP thread
 * (docs/benchmarks.md, "HTTP API"):
 *
 * - **The young generation.** V8 grows it up to 16 MiB per semi-space; the old generation of
 *   a server is small (about 20 MB live), and once its headroom is below the young
 *   generation's capacity V8 keeps incremental marking running. Fixed at 2 MiB per
 *   semi-space, the median reduced trace's run went from 21–22 full mark-compacts in 10 s
 *   (pauses of 5–14 ms, marking steps of up to 16 ms) and p99 24–26 ms to 3–5 and 12–15 ms.
 *   (1 MiB, V8's start-up size, promotes the objects of in-flight requests and fills the old
 *   generation again.)
 * - **The old generation's limit**, which V8 sets to 1.1–1.2 times the live size after each
 *   full collection and which also counts the bytes of new ArrayBuffers (request bodies,
 *   Node's socket reads): with the 100 KB raw log, ~10 MB of slack lasted ~60 ms, so 40–90
 *   mark-compacts in 10 s and p99 21–32 ms. With a growing factor of 4
 *   (`--heap-growing-percent=300`), 4–5 mark-compacts and p99 7–12 ms; the cost is memory:
 *   the old generation may reach 4 times its live size (about 80 MB) between collections.
 *
 * V8 reads these flags when the process starts (a run-time `v8.setFlagsFromString` does not
 * resize the young generation, and creating a worker thread resets flags set at run time).
 * So `serve` runs the server in a child Node process started with {@link SERVER_V8_FLAGS}
 * ({@link runWithServerFlags}): it passes its options on, forwards SIGINT, SIGTERM and
 * SIGHUP, and exits with the child's code; the child stops when the parent dies (its IPC
 * channel closes). `serve --v8-gc-defaults` runs in the process itself with V8's defaults,
 * and so does a process whose command line or `NODE_OPTIONS` already sets one of these
 * flags (the user's own choice); it is also the way to attach a debugger to the server (with
 * `node --inspect`, the inspector belongs to the parent). An application that embeds
 * `startServer` chooses its own flags.
 *
 * @packageDocumentation
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/**
 * The V8 flags of the `serve` process: a young generation of 2 MiB per semi-space, fixed,
 * and an old generation allowed to grow to 4 times its live size between full collections.
 */
export const SERVER_V8_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--min-semi-space-size=2', '--heap-growing-percent=300'];

/** The flags {@link SERVER_V8_FLAGS} sets, however spelt (`-` or `_`, with or without `=`). */
const GC_FLAG = /^--(?:(?:max|min)[-_]semi[-_]space[-_]size|heap[-_]growing[-_]percent)(?:=|$)/;

/** Those flags among `execArgv` and `NODE_OPTIONS` (in that order). */
function gcFlags(execArgv: readonly string[], nodeOptions: string): string[] {
  return [...execArgv, ...nodeOptions.split(/\s+/)].filter((a) => GC_FLAG.test(a));
}

/**
 * Whether the young generation's size or the heap's growing factor is set on this
 * process's command line (`execArgv`) or in `NODE_OPTIONS`: by `serve` itself, or by the user.
 */
export function gcFlagsSetAtStart(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): boolean {
  return gcFlags(execArgv, nodeOptions).length > 0;
}

/** The garbage collector's setting, for the server's start-up line. */
export function gcSetting(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): string {
  const flags = gcFlags(execArgv, nodeOptions);
  return flags.length === 0 ? 'V8 defaults' : flags.join(' ');
}

/** Where the child's output goes, and what it runs. */
export interface ServerChildOptions {
  /** The CLI's entry script (`dist/bin/main.js`). */
  script: string;
  /** Its arguments (`serve` and the options). */
  args: readonly string[];
  env: Record<string, string | undefined>;
  cwd: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * Runs `node <this process's flags> SERVER_V8_FLAGS script args` as a child process until it
 * exits; resolves to its exit code (128 + the signal's number when a signal ended it). Output
 * is inherited when `stdout`/`stderr` are this process's own, else copied to them. On POSIX,
 * SIGINT, SIGTERM and SIGHUP are passed on to the child; on Windows a console Ctrl+C reaches
 * both processes, so this one only waits for the child.
 */
export function runWithServerFlags(o: ServerChildOptions): Promise<number> {
  const own = (s: NodeJS.WritableStream, p: NodeJS.WritableStream) => s === p;
  const child = spawn(process.execPath, [...process.execArgv, ...SERVER_V8_FLAGS, o.script, ...o.args], {
    cwd: o.cwd,
    env: o.env,
    stdio: ['ignore', own(o.stdout, process.stdout) ? 'inherit' : 'pipe', own(o.stderr, process.stderr) ? 'inherit' : 'pipe', 'ipc'],
  });
  child.stdout?.pipe(o.stdout, { end: false });
  child.stderr?.pipe(o.stderr, { end: false });
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const pass = (sig: NodeJS.Signals) => {
    if (process.platform !== 'win32' && child.exitCode === null && child.signalCode === null) child.kill(sig);
  };
  for (const s of signals) process.on(s, pass);
  return new Promise((resolve, reject) => {
    child.once('error', (e) => {
      for (const s of signals) process.off(s, pass);
      reject(e);
    });
    child.once('close', (code, signal) => {
      for (const s of signals) process.off(s, pass);
      resolve(code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0)));
    });
  });
}

/**
 * In the child of {@link runWithServerFlags}: calls `stop` once the parent is gone (the IPC
 * channel closes), without keeping the process alive by itself. Returns whether this
 * process has such a parent.
 */
export function stopWithParent(stop: () => void): boolean {
  if (process.send === undefined || !process.connected) return false;
  process.once('disconnect', stop);
  process.channel?.unref();
  return true;
}
