/**
 * The test run leaves no process behind: vitest's global setup marks the run, and its
 * teardown looks for what is still running once every test file has finished.
 *
 * - The mark: `NTMD_TEST_RUN=<random id>` in the environment, which every process the tests
 *   start inherits unless a test gives it an environment of its own.
 * - Left behind, and a failure of the run: a process (other than vitest's own) started with
 *   that mark, and any process of a Wine prefix (`WINEPREFIX=.../ntmd-wine-*`) whose folder
 *   was removed (the prefix's tests ended without `wineserver -k` taking it down).
 * - Reported as a warning only (another test run of the same checkout may own them): suite
 *   processes without the mark started after this run began (the fake tracer, a watchdog, a
 *   Wine program).
 *
 * What is left is listed on stderr and killed (`SIGKILL`), then the teardown throws:
 * vitest exits non-zero and scripts/test.mjs counts the run as failed. Linux only (it reads
 * /proc); elsewhere it does nothing.
 *
 * Temporary files: the run gets a private temporary folder, `<tmp>/ntmd-run-XXXXXX`, as
 * `TMPDIR` of the test files and of every process they start (`os.tmpdir()` reads it). The
 * teardown lists what the tests left in it (a failure of the run, as a process left running:
 * a test must remove what it makes, see test/tmp.ts) and removes the folder, so that a run
 * leaves nothing in the temporary folder whatever happened. Another run's files never land
 * there, so nothing is mistaken for this run's.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, readdirSync, readFileSync, existsSync, writeFileSync, rmSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environOf, listProcesses, type ProcInfo } from './processes.js';
import { projectRoot } from './shared.js';

/** Where the teardown records what it found, for scripts/test.mjs. */
export const LEFTOVERS_FILE = join(projectRoot, '.vitest-leftovers.json');

const MARK = 'NTMD_TEST_RUN';

/** Clock ticks since boot when process `pid` started (field 22 of /proc/pid/stat). */
function startTicks(pid: number | 'self'): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return undefined;
  }
}

/** Our own process and its ancestors (vitest, npm, the shell): never leftovers. */
function ancestors(): Set<number> {
  const out = new Set<number>([process.pid]);
  let pid = process.pid;
  for (let i = 0; i < 64 && pid > 1; i++) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      out.add(pid);
    } catch {
      break;
    }
  }
  return out;
}

const SUITE_PATTERNS = [join(projectRoot, 'fixtures', 'fake-nttrace.mjs'), 'ntmd-watchdog', 'NtTrace.exe', 'jobkill.exe'];
const isVitest = (p: ProcInfo): boolean => p.cmdline.includes(join('node_modules', 'vitest')) || p.cmdline.includes('vitest/dist');

/** What is left: failures (ours for sure) and warnings (maybe another run's). */
export function findLeftovers(runId: string, since: number | undefined): { left: ProcInfo[]; maybe: ProcInfo[] } {
  const skip = ancestors();
  const left: ProcInfo[] = [];
  const maybe: ProcInfo[] = [];
  for (const p of listProcesses()) {
    if (skip.has(p.pid) || isVitest(p)) continue;
    const prefix = environOf(p.pid, 'WINEPREFIX');
    if (environOf(p.pid, MARK) === runId) left.push(p);
    else if (prefix !== undefined && /(^|\/)ntmd-wine-[^/]+\/prefix$/.test(prefix) && !existsSync(prefix))
      left.push({ ...p, cmdline: `${p.cmdline} (Wine prefix ${prefix}, removed)` });
    else if (since !== undefined && SUITE_PATTERNS.some((s) => p.cmdline.includes(s)) && (startTicks(p.pid) ?? 0) >= since) maybe.push(p);
  }
  return { left, maybe };
}

/** Bytes under `path` (files only; links not followed). */
function sizeOf(path: string): number {
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    if (st === undefined) return 0;
    if (!st.isDirectory()) return st.size;
    return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
  } catch {
    return 0;
  }
}

/** What the tests left in the run's temporary folder: `name (size)` each. */
export function tmpLeftovers(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names.map((n) => `${n} (${sizeOf(join(dir, n)).toLocaleString('en-US')} bytes)`);
}

const STARTED = Symbol.for('ntmaldetect.test-run-started');

export default function setup(): () => Promise<void> {
  // vitest runs a global setup once per project (vitest.config.ts has two): the first one
  // marks the run and checks it at the end; the others must not start a second run (a second
  // mark would hide the first one's processes, a second folder would nest in the first).
  const g = globalThis as { [STARTED]?: boolean };
  if (g[STARTED] === true) return () => Promise.resolve();
  g[STARTED] = true;
  const runId = `${process.pid}-${randomBytes(6).toString('hex')}`;
  process.env[MARK] = runId;
  rmSync(LEFTOVERS_FILE, { force: true });
  const linux = process.platform === 'linux';
  const since = linux ? startTicks('self') : undefined;
  const outerTmp = tmpdir();
  const runTmp = mkdtempSync(join(outerTmp, 'ntmd-run-'));
  // As /tmp: tests run programs as other users (initdb as postgres, a worker's --run-as).
  chmodSync(runTmp, 0o1777);
  process.env.TMPDIR = runTmp;
  const removeRunTmp = (): string[] => {
    const left = tmpLeftovers(runTmp);
    rmSync(runTmp, { recursive: true, force: true });
    process.env.TMPDIR = outerTmp;
    return left;
  };
  return async function teardown(): Promise<void> {
    if (!linux) {
      removeRunTmp();
      return;
    }
    // A process killed at the end of a test lingers until it is reaped: give it a moment.
    let found = findLeftovers(runId, since);
    for (let i = 0; i < 30 && found.left.length + found.maybe.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      found = findLeftovers(runId, since);
    }
    if (found.maybe.length > 0) {
      console.warn(
        `test run: ${found.maybe.length} suite process(es) started during this run are still running (another run's, or left by a test that gave its child a stripped environment):\n${found.maybe.map((p) => `  ${p.pid} ${p.cmdline.slice(0, 200)}`).join('\n')}`,
      );
    }
    for (const p of found.left) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        /* gone meanwhile */
      }
    }
    const tmpLeft = removeRunTmp();
    if (found.left.length === 0 && tmpLeft.length === 0) return;
    writeFileSync(LEFTOVERS_FILE, JSON.stringify({ runId, left: found.left, tmp: tmpLeft }, null, 2));
    const messages: string[] = [];
    if (found.left.length > 0) {
      const list = found.left.map((p) => `  ${p.pid} ${p.cmdline.slice(0, 300)}`).join('\n');
      messages.push(
        `test run: ${found.left.length} process(es) started by the tests were still running after the last test file (now killed):\n${list}`,
      );
    }
    if (tmpLeft.length > 0) {
      messages.push(
        `test run: the tests left ${tmpLeft.length} entr${tmpLeft.length === 1 ? 'y' : 'ies'} in the run's temporary folder ${runTmp} (now removed):\n${tmpLeft.map((e) => `  ${e}`).join('\n')}`,
      );
    }
    const message = messages.join('\n');
    console.error(message);
    // vitest reports an error thrown here but still exits 0: set the exit code as well.
    process.exitCode = 1;
    throw new Error(message);
  };
}
