/**
 * Nothing outlives the runner: a runner killed with SIGKILL (no exit handler runs) takes the
 * tracer and the traced program with it.
 *
 * - POSIX: the watchdog of src/runner/watchdog.ts, shown with the fake tracer and with the
 *   real NtTrace under Wine, each run by a child Node process that plays the worker (it
 *   imports the built runner from dist/) and is then killed with SIGKILL.
 * - Windows: the Job-object helper native/jobkill, built with MinGW-w64 and run under Wine:
 *   its command and what that starts die when its pipe closes or when it is killed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { processesWith } from '../../test/processes.js';
import { projectRoot } from '../../test/shared.js';
import { traceProgram } from './index.js';
import { isAlive } from './process.js';
import { startWatchdog } from './watchdog.js';
import { countingDetector, FAKE, RAW_BENIGN, tempDir } from './test-helpers/fake.js';
import { buildJobKill } from './test-helpers/jobkill.js';
import { findWine, headBuild, processesInPrefix, WinePrefix, type WindowsProcess } from './test-helpers/wine.js';

const linux = process.platform === 'linux';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The parent pid of a process (Linux), or undefined when it is gone. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Polls until `gone()` holds, for up to `ms`; gives whether it did. */
async function eventually(gone: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await gone()) return true;
    await sleep(100);
  }
  return gone();
}

/** Processes a test started, killed (by process group) after it whatever happened. */
const toKill = new Set<number>();
afterEach(() => {
  for (const pid of toKill) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  toKill.clear();
});

/** The built runner (dist/), which the child "worker" imports: it must be current. */
function builtRunner(): string {
  const built = join(projectRoot, 'dist', 'runner', 'process.js');
  const src = join(projectRoot, 'src', 'runner', 'process.ts');
  if (!existsSync(built) || statSync(built).mtimeMs < statSync(src).mtimeMs) {
    throw new Error(`dist/ is missing or older than src/runner/process.ts: run npm run build first`);
  }
  return pathToFileURL(join(projectRoot, 'dist', 'runner', 'index.js')).href;
}

/**
 * A child Node process that plays the worker: it starts one trace with the built runner and
 * waits for ever (until the test kills it). Options go as JSON; the detector is a stub.
 */
const WORKER_SCRIPT = `
const o = JSON.parse(process.argv[1]);
const { traceProgram } = await import(o.runner);
const verdict = { verdict: 'insufficient', malicious: false, unfamiliar: false, insufficient: true, policy: 'any', members: [], calls: 0, ngrams: 0, knownNgrams: 0, unknownNgramFraction: 0 };
const detector = { push() {}, get calls() { return 0; }, verdict() { return verdict; }, end() { return { calls: 0, lines: 0 }; } };
const session = traceProgram({ program: o.program, args: o.args, nttrace: o.nttrace, nttraceArgs: o.nttraceArgs, env: o.env, traceDir: o.traceDir, detector, intervalMs: 3600000 });
session.result.catch((e) => console.error('session failed:', e.code, e.message));
console.log('started');
setInterval(() => {}, 1000);
`;

interface WorkerOpts {
  program: string;
  args?: string[];
  nttrace: string;
  nttraceArgs?: string[];
  env?: Record<string, string | undefined>;
  traceDir: string;
}

function startWorker(opts: WorkerOpts): ChildProcess {
  const child = spawn(process.execPath, ['--input-type=module', '-e', WORKER_SCRIPT, JSON.stringify({ runner: builtRunner(), ...opts })], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  toKill.add(child.pid!);
  return child;
}

const traceFolders = (dir: string): string[] => readdirSync(dir).filter((n) => n.startsWith('ntmd-trace-'));

describe.skipIf(!linux)('the watchdog (POSIX)', () => {
  it('kills the tracer, its program and removes the trace folder when the worker is killed with SIGKILL', async () => {
    const dir = tempDir();
    const pidFile = join(dir, 'program.pid');
    const traceDir = join(dir, 'traces');
    mkdirSync(traceDir);
    const worker = startWorker({
      program: process.execPath,
      args: ['-e', 'setInterval(()=>{},1000)'],
      nttrace: FAKE,
      nttraceArgs: ['-fake-replay', RAW_BENIGN, '-fake-mode', 'hang', '-fake-spawn', '-fake-pidfile', pidFile],
      traceDir,
    });
    expect(await eventually(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '', 20_000)).toBe(true);
    const program = Number(readFileSync(pidFile, 'utf8'));
    const tracer = parentOf(program)!;
    toKill.add(tracer);
    toKill.add(program);
    expect(processesWith(FAKE, '-fake-mode hang')).toContain(tracer);
    expect(parentOf(tracer)).toBe(worker.pid);
    expect(isAlive(program)).toBe(true);
    expect(traceFolders(traceDir)).toHaveLength(1);
    // The tracer leads a group of its own (so a kill of the worker's group misses it): only
    // the watchdog can end it.
    expect(isAlive(-tracer)).toBe(true);
    const watchdogs = processesWith('ntmd-watchdog', ` ${tracer} `);

    worker.kill('SIGKILL');
    await new Promise((r) => worker.once('exit', r));
    expect(await eventually(() => !isAlive(tracer) && !isAlive(program), 5000)).toBe(true);
    expect(isAlive(-tracer)).toBe(false);
    expect(watchdogs).toHaveLength(1);
    // The watchdog exits after its work, and removes the trace folder the dead worker left.
    expect(await eventually(() => !isAlive(watchdogs[0]), 5000)).toBe(true);
    expect(traceFolders(traceDir)).toEqual([]);
  });

  it('kills a program that moved to a process group of its own (same session)', async (ctx) => {
    const perl = ['/usr/bin/perl', '/bin/perl'].find((p) => existsSync(p));
    if (perl === undefined) return ctx.skip('perl not installed (the stand-in program calls setpgrp through it)');
    const dir = tempDir();
    const pidFile = join(dir, 'program.pid');
    const worker = startWorker({
      program: perl,
      args: ['-e', 'setpgrp(0,0);sleep(600)'],
      nttrace: FAKE,
      nttraceArgs: ['-fake-replay', RAW_BENIGN, '-fake-mode', 'hang', '-fake-spawn', '-fake-pidfile', pidFile],
      traceDir: dir,
    });
    expect(await eventually(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '', 20_000)).toBe(true);
    const program = Number(readFileSync(pidFile, 'utf8'));
    const tracer = parentOf(program)!;
    toKill.add(tracer);
    toKill.add(program);
    // The program left the tracer's group: a kill of that group misses it.
    expect(await eventually(() => isAlive(-program), 5000)).toBe(true);
    worker.kill('SIGKILL');
    await new Promise((r) => worker.once('exit', r));
    expect(await eventually(() => !isAlive(tracer) && !isAlive(program), 5000)).toBe(true);
  });

  it('after a normal end too, a program that moved to a group of its own is killed', async (ctx) => {
    const perl = ['/usr/bin/perl', '/bin/perl'].find((p) => existsSync(p));
    if (perl === undefined) return ctx.skip('perl not installed (the stand-in program calls setpgrp through it)');
    const pidFile = join(tempDir(), 'program.pid');
    // early-exit: the tracer replays 50 lines and exits 0, leaving its program running.
    const session = traceProgram({
      program: perl,
      args: ['-e', 'setpgrp(0,0);sleep(600)'],
      nttrace: FAKE,
      nttraceArgs: ['-fake-replay', RAW_BENIGN, '-fake-mode', 'early-exit', '-fake-after', '50', '-fake-spawn', '-fake-pidfile', pidFile],
      detector: countingDetector(),
    });
    await session.result;
    const program = Number(readFileSync(pidFile, 'utf8'));
    toKill.add(program);
    expect(await eventually(() => !isAlive(program), 3000)).toBe(true);
  });

  it('stands down after a normal session: nothing killed, no watchdog left', async () => {
    const mine = (): number[] => processesWith('ntmd-watchdog').filter((p) => parentOf(p) === process.pid);
    // Slow enough (about 2 s) for the watchdog to be seen while the tracer runs.
    const session = traceProgram({
      program: process.execPath,
      nttrace: FAKE,
      nttraceArgs: [
        '-fake-replay',
        RAW_BENIGN,
        '-fake-mode',
        'early-exit',
        '-fake-after',
        '400',
        '-fake-batch',
        '20',
        '-fake-pause-ms',
        '100',
      ],
      detector: countingDetector(),
    });
    await eventually(() => mine().length > 0, 5000);
    const seen = mine();
    expect(seen).toHaveLength(1);
    const r = await session.result;
    expect(r.calls).toBeGreaterThan(0);
    expect(await eventually(() => mine().length === 0 && !isAlive(seen[0]), 5000)).toBe(true);
  });

  it('a disarmed watchdog kills nothing', async () => {
    const group = spawn(process.execPath, ['-e', 'setInterval(()=>{},1000)'], { detached: true, stdio: 'ignore' });
    toKill.add(group.pid!);
    const wd = startWatchdog(group.pid!);
    expect(wd.pid).toBeGreaterThan(0);
    wd.disarm();
    await wd.exited;
    await sleep(200);
    expect(isAlive(-group.pid!)).toBe(true);
  });

  it('refuses what is not a process group or an absolute folder', () => {
    for (const bad of [0, 1, -5, 1.5, Number.NaN]) expect(() => startWatchdog(bad)).toThrow(RangeError);
    expect(() => startWatchdog(12345, 'relative/dir')).toThrow(/absolute/);
  });
});

// ---------------------------------------------------------------------------------------
// Under Wine: the real NtTrace in a killed worker, and the Windows helper.

const wine = findWine();
const head = headBuild();
const helper = wine.ok ? buildJobKill() : ({ ok: false, reason: 'needs Wine' } as const);

// Wine itself stalls for a minute at times when programs start while winedbg lists the
// processes (seen once or twice in a full run, never in the file alone): a test that timed
// out runs again (its processes are killed after each attempt).
describe.skipIf(!wine.ok)(`under Wine${wine.ok ? '' : ` (skipped: ${wine.reason})`}`, { retry: 2 }, () => {
  let prefix: WinePrefix;
  beforeAll(async () => {
    if (!wine.ok) return;
    prefix = await WinePrefix.create(wine.tools);
    // The first Wine program after the boot starts the prefix's services (explorer, plugplay,
    // ...) and can stall a minute; start them once here, outside the timed tests.
    const warm = await prefix.wine(['cmd', '/c', 'exit 0'], { timeoutMs: 180_000 });
    if (warm.code !== 0) throw new Error(`cmd /c exit 0 failed in the new prefix (${warm.code ?? warm.signal})`);
    await prefix.processes();
  }, 300_000);
  afterAll(() => {
    if (prefix) expect(prefix.disposeAndList()).toEqual([]);
  }, 60_000);

  const named = (ps: WindowsProcess[], ...names: string[]) => ps.filter((p) => names.includes(p.name.toLowerCase()));
  /** Waits until none of `names` runs in the prefix (Wine lists a killed process a moment longer). */
  const windowsGone = (names: string[], ms = 15_000) => eventually(async () => named(await prefix.processes(), ...names).length === 0, ms);
  const windowsSeen = (names: string[], ms = 20_000) =>
    eventually(async () => named(await prefix.processes(), ...names).length === names.length, ms);

  it('the real NtTrace and its program die with a worker killed by SIGKILL', async (ctx) => {
    if (!head.ok) return ctx.skip(head.reason);
    expect(named(await prefix.processes(), 'ping.exe', 'nttrace.exe')).toEqual([]);
    const traceDir = tempDir();
    const worker = startWorker({
      program: prefix.system32('ping.exe'),
      args: ['-n', '120', '127.0.0.1'],
      nttrace: wine.ok ? wine.tools.wrapper : '',
      env: prefix.env(head.exe),
      traceDir,
    });
    let err = '';
    worker.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    // Wait on the Linux side for NtTrace's first trace line (winedbg run while nttrace-wine's
    // winepath starts can stall both for a minute), then look at the Windows side once.
    const traced = () =>
      traceFolders(traceDir).some((d) => existsSync(join(traceDir, d, 'trace.log')) && statSync(join(traceDir, d, 'trace.log')).size > 0);
    expect(await eventually(traced, 40_000)).toBe(true);
    expect(await windowsSeen(['ping.exe', 'nttrace.exe'])).toBe(true);
    const linuxTracer = processesInPrefix(prefix.path).filter((p) => processesWith('NtTrace.exe').includes(p));
    expect(linuxTracer.length).toBeGreaterThan(0);
    worker.kill('SIGKILL');
    await new Promise((r) => worker.once('exit', r));
    expect(await windowsGone(['ping.exe', 'nttrace.exe'])).toBe(true);
    const left = () => linuxTracer.filter((p) => isAlive(p));
    // (A killed process lingers until init reaps it, which takes a moment.)
    expect(await eventually(() => left().length === 0, 5000)).toBe(true);
    expect(traceFolders(traceDir)).toEqual([]);
    expect(err).toBe('');
  });

  describe.skipIf(!helper.ok)(`jobkill.exe (Job object, kill on close)${helper.ok ? '' : ` (skipped: ${helper.reason})`}`, () => {
    const exe = helper.ok ? helper.exe : '';
    /** Starts `wine64 jobkill.exe args...` with a pipe as its standard input. */
    const startHelper = (args: string[]): ChildProcess => {
      const child = spawn(wine.ok ? wine.tools.wine64 : '', [exe, ...args], {
        env: prefix.env(),
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
      });
      toKill.add(child.pid!);
      return child;
    };
    const exitOf = (child: ChildProcess) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        let out = '';
        let err = '';
        child.stdout!.on('data', (b: Buffer) => (out += b.toString('latin1')));
        child.stderr!.on('data', (b: Buffer) => (err += b.toString('latin1')));
        child.once('close', (code) => resolve({ code, out, err }));
      });
    const CMD = 'C:\\windows\\system32\\cmd.exe';

    it('runs the command with its output, and exits with its exit code', async () => {
      const child = startHelper([CMD, '/c', 'echo hello from the job& exit 7']);
      const r = await exitOf(child);
      expect(r.out.replace(/\r/g, '')).toBe('hello from the job\n');
      expect(r.code).toBe(7);
    });

    it('refuses to run without a command, or without a pipe on its standard input; says why a command cannot start', async () => {
      const none = startHelper([]);
      expect((await exitOf(none)).code).toBe(120);
      const missing = await exitOf(startHelper(['C:\\ntmd\\no-such-program.exe']));
      expect(missing.code).toBe(122);
      expect(missing.err).toMatch(/^jobkill: CreateProcess failed with error \d+: \S.*\r?\n$/);
      const noPipe = spawnSync(wine.ok ? wine.tools.wine64 : '', [exe, CMD, '/c', 'exit 0'], {
        env: prefix.env(),
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 30_000,
      });
      expect(noPipe.status).toBe(120);
      expect(noPipe.stderr.toString()).toMatch(/standard input must be a pipe/);
    });

    it('kills the command and what it started when its pipe from the parent closes', async () => {
      const child = startHelper([CMD, '/c', 'ping -n 120 127.0.0.1 >NUL']);
      const done = exitOf(child);
      expect(await windowsSeen(['cmd.exe', 'ping.exe'])).toBe(true);
      child.stdin!.end();
      expect((await done).code).toBe(125);
      expect(await windowsGone(['cmd.exe', 'ping.exe'])).toBe(true);
    });

    it('kills them when the helper itself is killed (Wine implements JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE)', async () => {
      // The control: without the helper, killing cmd.exe's process leaves its ping.exe running.
      const bare = spawn(wine.ok ? wine.tools.wine64 : '', [CMD, '/c', 'ping -n 120 127.0.0.1 >NUL'], {
        env: prefix.env(),
        stdio: 'ignore',
        detached: true,
      });
      toKill.add(bare.pid!);
      expect(await windowsSeen(['cmd.exe', 'ping.exe'])).toBe(true);
      process.kill(bare.pid!, 'SIGKILL');
      await sleep(3000);
      expect(named(await prefix.processes(), 'ping.exe')).toHaveLength(1);
      process.kill(-bare.pid!, 'SIGKILL'); // ping's wine process is in the same Linux group
      expect(await windowsGone(['cmd.exe', 'ping.exe'])).toBe(true);

      const child = startHelper([CMD, '/c', 'ping -n 120 127.0.0.1 >NUL']);
      expect(await windowsSeen(['cmd.exe', 'ping.exe'])).toBe(true);
      process.kill(child.pid!, 'SIGKILL'); // only the helper's process: no handler of it runs
      expect(await windowsGone(['cmd.exe', 'ping.exe'])).toBe(true);
    });

    it('takes the real NtTrace and its traced program with it when killed', async (ctx) => {
      if (!head.ok) return ctx.skip(head.reason);
      const dir = prefix.driveC('ntmd-jobkill');
      mkdirSync(dir, { recursive: true });
      const child = startHelper([
        `Z:${head.exe.replace(/\//g, '\\')}`,
        '-out',
        'C:\\ntmd-jobkill\\trace.log',
        '--',
        'C:\\windows\\system32\\ping.exe',
        '-n',
        '120',
        '127.0.0.1',
      ]);
      expect(await windowsSeen(['nttrace.exe', 'ping.exe'])).toBe(true);
      expect(await eventually(() => existsSync(join(dir, 'trace.log')) && statSync(join(dir, 'trace.log')).size > 0, 20_000)).toBe(true);
      process.kill(child.pid!, 'SIGKILL');
      expect(await windowsGone(['nttrace.exe', 'ping.exe'])).toBe(true);
    });
  });
});
