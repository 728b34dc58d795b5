/**
 * `worker --run-as USER` (POSIX): the tracer, and the program it starts, run as another,
 * unprivileged account, so that the program cannot read the worker's memory, its
 * `/proc/<pid>/environ`, its token file or anything else only the worker's account may read.
 *
 * The runner starts its tracer itself; the worker hands it a small launcher script instead
 * of NtTrace. The launcher runs as the worker (root, or with CAP_SETUID and CAP_SETGID),
 * gives the runner's private trace file to the account (NtTrace must write it), and starts
 * the real tracer with that account's uid and gid (Node drops the supplementary groups),
 * passing Ctrl+C (SIGINT) on and exiting with the tracer's code. On Windows, see
 * docs/security.md: a separate account is set up outside the worker.
 *
 * @packageDocumentation
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TracerCommand } from '../runner/locate.js';
import { WorkerConfigError } from './worker-errors.js';

/** The account the tracer runs as. */
export interface RunAsAccount {
  user: string;
  uid: number;
  gid: number;
  /** Its home folder (the tracer's `HOME`). */
  home: string;
}

/** The environment variable that carries the launcher's settings (removed before the tracer starts). */
export const RUN_AS_VARIABLE = 'NTMD_RUN_AS';

function passwdLine(user: string): string | undefined {
  // A child of the worker: only PATH, nothing of the worker's environment.
  const got = spawnSync('getent', ['passwd', user], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  if (got.status === 0 && got.stdout.trim() !== '') return got.stdout.trim().split('\n')[0];
  try {
    return readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.split(':')[0] === user);
  } catch {
    return undefined;
  }
}

/**
 * Finds the account and checks that the worker can switch to it.
 *
 * @throws {@link WorkerConfigError} on Windows, when the worker is not root, for an unknown
 *   account, or for root itself
 */
export function resolveRunAs(user: string, platform: NodeJS.Platform = process.platform, uid = process.getuid?.()): RunAsAccount {
  if (platform === 'win32') {
    throw new WorkerConfigError(
      '--run-as is not available on Windows: run the worker itself under a separate, unprivileged local account (docs/security.md)',
    );
  }
  if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/.test(user))
    throw new WorkerConfigError(`--run-as ${JSON.stringify(user)}: not an account name`);
  if (uid !== 0) {
    throw new WorkerConfigError(
      `--run-as ${user}: the worker must run as root (or with CAP_SETUID and CAP_SETGID) to start the tracer as another account`,
    );
  }
  const line = passwdLine(user);
  const f = line?.split(':');
  if (!f || f.length < 7 || !/^\d+$/.test(f[2]) || !/^\d+$/.test(f[3])) throw new WorkerConfigError(`--run-as ${user}: no such account`);
  const account = { user, uid: Number(f[2]), gid: Number(f[3]), home: f[5] };
  if (account.uid === 0) throw new WorkerConfigError(`--run-as ${user}: that account is root (uid 0); choose an unprivileged one`);
  return account;
}

const LAUNCHER = `// ntmaldetect worker --run-as launcher (written by the worker; see src/server/worker-run-as.ts)
import { spawn } from 'node:child_process';
import { chownSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname } from 'node:path';
const cfg = JSON.parse(process.env.${RUN_AS_VARIABLE} ?? 'null');
delete process.env.${RUN_AS_VARIABLE};
if (!cfg) { process.stderr.write('run-as launcher: no settings\\n'); process.exit(127); }
const args = process.argv.slice(2);
const out = args.indexOf('-out');
if (out >= 0 && args[out + 1]) {
  chownSync(dirname(args[out + 1]), cfg.uid, cfg.gid);
  chownSync(args[out + 1], cfg.uid, cfg.gid);
}
const env = { ...process.env, HOME: cfg.home, USER: cfg.user, LOGNAME: cfg.user };
const child = spawn(cfg.file, [...cfg.prefix, ...args], { uid: cfg.uid, gid: cfg.gid, env, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => { try { child.kill(sig); } catch {} });
child.once('error', (e) => { process.stderr.write('run-as launcher: cannot start ' + cfg.file + ' as ' + cfg.user + ': ' + e.message + '\\n'); process.exit(127); });
child.once('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 9)));
`;

/**
 * Writes the launcher into `dir` (a private folder of the worker) and gives the command the
 * runner starts in place of NtTrace, with the environment that tells the launcher what to do.
 */
export function runAsLauncher(
  dir: string,
  account: RunAsAccount,
  tracer: TracerCommand,
  env: Record<string, string>,
): { command: TracerCommand; env: Record<string, string> } {
  const script = join(dir, 'run-as.mjs');
  writeFileSync(script, LAUNCHER, { mode: 0o700 });
  return {
    command: { file: process.execPath, prefix: [script], tracer: script },
    env: { ...env, [RUN_AS_VARIABLE]: JSON.stringify({ ...account, file: tracer.file, prefix: tracer.prefix }) },
  };
}
