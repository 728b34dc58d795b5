/**
 * The worker's pre-flight: faults on the worker's own side are found before a program runs,
 * so that they are not blamed on the program (a missing NtTrace used to fail every queued
 * program in turn).
 *
 * - At start: the tracer is resolved once, against the worker's working folder and
 *   environment (never the job's folder), and started once without arguments to show that
 *   it runs at all.
 * - Before each program: the tracer is still there and executable, and the job folder can
 *   be written.
 *
 * @packageDocumentation
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, openSync, closeSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { extname, join } from 'node:path';
import { findNtTrace, type TracerCommand } from '../runner/locate.js';
import { WorkerPreflightError } from './worker-errors.js';

/**
 * Finds the tracer as the worker starts: `nttrace` (relative to `cwd`), else `NTTRACE`, else
 * the PATH of `env`. The result is absolute, so a job's working folder cannot change it.
 *
 * @throws {@link WorkerPreflightError} (`tracer`) listing the places tried
 */
export function resolveTracer(nttrace: string | undefined, env: Record<string, string | undefined>, cwd: string): TracerCommand {
  try {
    return findNtTrace(nttrace, { env, cwd });
  } catch (e) {
    throw new WorkerPreflightError('tracer', `the worker cannot use its tracer: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Starts the tracer once with no arguments (NtTrace then prints its usage and exits) to show
 * that it runs: refused when it cannot be started, is killed, does not end within
 * `timeoutMs`, or exits 126/127 (a wrapper script that cannot find its interpreter or Wine).
 *
 * @throws {@link WorkerPreflightError} (`tracer`)
 */
export function checkTracerStarts(command: TracerCommand, env: Record<string, string>, timeoutMs = 120_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (why: string, cause?: unknown) =>
      reject(
        new WorkerPreflightError(
          'tracer',
          `the tracer ${command.tracer} does not run: ${why}`,
          cause !== undefined ? { cause } : undefined,
        ),
      );
    let child;
    try {
      child = spawn(command.file, [...command.prefix], { env, stdio: ['ignore', 'ignore', 'pipe'], shell: false, windowsHide: true });
    } catch (e) {
      return fail((e as Error).message, e);
    }
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-500)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(`it did not end within ${timeoutMs} ms when started without arguments`);
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      fail((e as NodeJS.ErrnoException).code ?? e.message, e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (signal !== null) return fail(`it was ended by ${signal}`);
      if (code === 126 || code === 127)
        return fail(`exit code ${code}${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-2).join(' / ')}` : ''}`);
      resolve();
    });
  });
}

/**
 * The checks before each program: the tracer file is still there and executable, and the
 * job folder takes a file (written, read back, removed).
 *
 * @throws {@link WorkerPreflightError} naming the check that failed
 */
export function checkBeforeJob(command: TracerCommand, jobDir: string, platform: NodeJS.Platform = process.platform): void {
  try {
    if (!statSync(command.tracer).isFile()) throw new Error('not a file');
    if (platform !== 'win32' && !/^\.[cm]?js$/i.test(extname(command.tracer))) accessSync(command.tracer, constants.X_OK);
  } catch (e) {
    throw new WorkerPreflightError(
      'tracer',
      `the tracer ${command.tracer} is gone or no longer executable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      { cause: e },
    );
  }
  const probe = join(jobDir, '.ntmd-preflight');
  try {
    const fd = openSync(probe, 'wx', 0o600);
    try {
      writeSync(fd, 'ntmd');
    } finally {
      closeSync(fd);
    }
    if (readFileSync(probe, 'utf8') !== 'ntmd') throw new Error('the probe file read back differs');
    unlinkSync(probe);
  } catch (e) {
    throw new WorkerPreflightError(
      'folder',
      `the job folder ${jobDir} cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      { cause: e },
    );
  }
}
