import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { attachProcess, traceProgram } from './index.js';
import {
  AttachError,
  NoCallsTracedError,
  NtTraceNotFoundError,
  ProgramNotFoundError,
  TracerFailedError,
  UnsafeTargetError,
} from './errors.js';
import type { AttachOptions, RunEvent, VerdictEvent } from './types.js';
import { isAlive } from './process.js';
import { collect, countingDetector, FAKE, RAW_BENIGN, sleeper, tempDir, waitGone } from './test-helpers/fake.js';
import { requireShared } from '../../test/shared.js';

requireShared();
const rawLines = readFileSync(RAW_BENIGN, 'latin1')
  .split('\n')
  .filter((l) => /^Nt\w+\(.*\) => /.test(l)).length;
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

/** A program file to "trace" (the fake tracer does not run it unless asked). */
function programFile(dir: string, name = 'prog.exe'): string {
  const p = join(dir, name);
  writeFileSync(p, '#!/bin/sh\nexit 0\n');
  chmodSync(p, 0o755);
  return p;
}

describe('traceProgram with the fake tracer', () => {
  it('replays a raw log: periodic verdicts with growing call counts, then exit, then final', async () => {
    const d = tempDir();
    const det = countingDetector();
    const session = traceProgram({
      program: programFile(d),
      nttrace: FAKE,
      nttraceArgs: ['-fake-replay', RAW_BENIGN, '-fake-batch', '40', '-fake-pause-ms', '40'],
      intervalMs: '150ms',
      detector: det,
      saveLog: join(d, 'saved.log'),
    });
    const { events, error } = await collect(session);
    expect(error).toBeUndefined();
    const verdicts = events.filter((e): e is VerdictEvent => e.type === 'verdict');
    expect(verdicts.length).toBeGreaterThanOrEqual(2);
    const counts = verdicts.map((v) => v.calls);
    expect(counts.some((c, i) => i > 0 && c > counts[i - 1])).toBe(true);
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1]);
    expect(verdicts[0].verdict.calls).toBe(verdicts[0].calls);
    const types = events.map((e) => e.type);
    expect(types.slice(-2)).toEqual(['exit', 'final']);
    const final = events.at(-1) as Extract<RunEvent, { type: 'final' }>;
    expect(final.calls).toBe(rawLines);
    expect(final.error).toBeUndefined();
    const result = await session.result;
    expect(result).toMatchObject({ calls: rawLines, exitCode: 0, signal: null, ended: 'exited', detached: false, killed: false });
    expect(readFileSync(join(d, 'saved.log'))).toEqual(readFileSync(RAW_BENIGN));
    expect(await waitGone(session.tracerPid!)).toBe(true);
  });

  it('passes a path with spaces, quotes, &, ; and $() to the tracer as one unchanged argument, with no shell', async () => {
    const d = tempDir();
    const dir = join(d, 'dir with spaces & more');
    mkdirSync(dir);
    const name = `it's "quoted" & echo hi; $(touch pwned) \`touch pwned2\` x.exe`;
    const program = programFile(dir, name);
    const argvFile = join(d, 'argv.json');
    const args = ['--flag', 'a b', '&', ';', '$(touch pwned3)', '|', '>out'];
    const session = traceProgram({
      program,
      args,
      nttrace: FAKE,
      nttraceArgs: ['-fake-replay', RAW_BENIGN, '-fake-argv', argvFile],
      cwd: d,
      detector: countingDetector(),
    });
    await session.result;
    const argv = JSON.parse(readFileSync(argvFile, 'utf8')) as string[];
    // -out first: the runner's private trace file (a fresh folder under the temporary folder).
    expect(argv[0]).toBe('-out');
    expect(argv[1].startsWith(join(tmpdir(), 'ntmd-trace-'))).toBe(true);
    expect(argv[1].endsWith('/trace.log')).toBe(true);
    expect(argv.slice(2)).toEqual(['-fake-replay', RAW_BENIGN, '-fake-argv', argvFile, '--', program, ...args]);
    expect(existsSync(argv[1])).toBe(false); // removed with its folder at the end
    for (const f of ['pwned', 'pwned2', 'pwned3', 'out']) expect(existsSync(join(d, f))).toBe(false);
  });

  it('gives NtTraceNotFoundError through the result and the events when NtTrace is nowhere', async () => {
    const d = tempDir();
    const session = traceProgram({ program: programFile(d), env: { PATH: d }, detector: countingDetector() });
    const { events, error } = await collect(session);
    expect(events).toEqual([]);
    expect(error).toBeInstanceOf(NtTraceNotFoundError);
    await expect(session.result).rejects.toMatchObject({ code: 'NTTRACE_NOT_FOUND' });
    expect(session.tracerPid).toBeUndefined();
  });

  it('gives TracerStartError when the tracer executable cannot be started', async () => {
    const d = tempDir();
    const tracer = join(d, 'NtTrace');
    writeFileSync(tracer, '#!/no/such/interpreter\n');
    chmodSync(tracer, 0o755);
    const session = traceProgram({ program: programFile(d), nttrace: tracer, detector: countingDetector() });
    const { events, error } = await collect(session);
    expect(error).toMatchObject({
      code: 'TRACER_START_FAILED',
      message: new RegExp(`cannot start the tracer ${JSON.stringify(tracer)}: spawn .*ENOENT`),
    });
    expect(events).toEqual([]);
  });

  it('gives ProgramNotFoundError before starting NtTrace', async () => {
    const d = tempDir();
    const session = traceProgram({ program: join(d, 'missing.exe'), nttrace: FAKE, detector: countingDetector() });
    await expect(session.result).rejects.toBeInstanceOf(ProgramNotFoundError);
    expect(session.tracerPid).toBeUndefined();
  });

  it('refuses batch scripts and arguments NtTrace would mangle', async () => {
    const d = tempDir();
    const bat = programFile(d, 'x.cmd');
    await expect(traceProgram({ program: bat, nttrace: FAKE, detector: countingDetector() }).result).rejects.toBeInstanceOf(
      UnsafeTargetError,
    );
    const s = traceProgram({ program: programFile(d), args: ['say "hi"'], nttrace: FAKE, detector: countingDetector() });
    await expect(s.result).rejects.toMatchObject({ code: 'UNSAFE_TARGET' });
    expect(s.tracerPid).toBeUndefined();
  });

  it("passes on NtTrace's CreateProcess message when it cannot start the program", async () => {
    const d = tempDir();
    // Exists for our check, but the fake's -fake-spawn cannot execute it (no exec bit).
    const p = join(d, 'noexec.exe');
    writeFileSync(p, 'MZ');
    const session = traceProgram({ program: p, nttrace: FAKE, nttraceArgs: ['-fake-spawn'], detector: countingDetector() });
    await expect(session.result).rejects.toMatchObject({
      code: 'PROGRAM_START_FAILED',
      tracerMessage: 'CreateProcess failed with The system cannot find the file specified.',
    });
    expect(await waitGone(session.tracerPid!)).toBe(true);
  });

  it('reports NtTrace exiting non-zero after some verdicts, with the verdict so far', async () => {
    const d = tempDir();
    const session = traceProgram({
      program: programFile(d),
      nttrace: FAKE,
      nttraceArgs: [
        '-fake-replay',
        RAW_BENIGN,
        '-fake-mode',
        'fail',
        '-fake-after',
        '300',
        '-fake-exit-code',
        '3',
        '-fake-batch',
        '50',
        '-fake-pause-ms',
        '30',
      ],
      intervalMs: '60ms',
      detector: countingDetector(),
    });
    const { events, error } = await collect(session);
    expect(error).toBeInstanceOf(TracerFailedError);
    const e = error as TracerFailedError;
    expect(e.exitCode).toBe(3);
    expect(e.signal).toBeNull();
    expect(e.stderr).toBe('Unable to read configuration from NtTrace.cfg / Failed to initialise');
    expect(e.calls).toBeGreaterThan(0);
    expect(e.verdict?.calls).toBe(e.calls);
    expect(events.some((ev) => ev.type === 'verdict')).toBe(true);
    const final = events.at(-1) as Extract<RunEvent, { type: 'final' }>;
    expect(final.type).toBe('final');
    expect(final.error).toEqual({ code: 'TRACER_FAILED', message: e.message });
    expect(events.at(-2)).toEqual({ type: 'exit', code: 3, signal: null });
    expect(await waitGone(session.tracerPid!)).toBe(true);
  });

  it('reports NtTrace being killed from outside', async () => {
    const d = tempDir();
    const session = traceProgram({
      program: programFile(d),
      nttrace: FAKE,
      nttraceArgs: ['-fake-replay', RAW_BENIGN, '-fake-mode', 'hang'],
      intervalMs: '50ms',
      detector: countingDetector(),
    });
    const it = session[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.value.type).toBe('verdict');
    process.kill(session.tracerPid!, 'SIGKILL');
    await expect(session.result).rejects.toMatchObject({ code: 'TRACER_FAILED', signal: 'SIGKILL', exitCode: null });
    expect(await waitGone(session.tracerPid!)).toBe(true);
  });

  it('reports output that never holds a call', async () => {
    const d = tempDir();
    for (const args of [
      ['-fake-mode', 'garbage'],
      ['-fake-replay', RAW_BENIGN, '-fake-mode', 'early-exit', '-fake-after', '3'],
    ]) {
      const session = traceProgram({ program: programFile(d), nttrace: FAKE, nttraceArgs: args, detector: countingDetector() });
      const { events, error } = await collect(session);
      expect(error).toBeInstanceOf(NoCallsTracedError);
      expect((error as NoCallsTracedError).lines).toBe(args[1] === 'garbage' ? 200 : 3);
      expect((error as Error).message).toMatch(/held no system call/);
      expect(events.at(-1)).toMatchObject({ type: 'final', error: { code: 'NO_CALLS_TRACED' } });
      expect(await waitGone(session.tracerPid!)).toBe(true);
    }
  });

  it('ends normally when NtTrace exits early after some calls', async () => {
    const d = tempDir();
    const session = traceProgram({
      program: programFile(d),
      nttrace: FAKE,
      nttraceArgs: ['-fake-replay', RAW_BENIGN, '-fake-mode', 'early-exit', '-fake-after', '100'],
      detector: countingDetector(),
    });
    const r = await session.result;
    expect(await waitGone(session.tracerPid!)).toBe(true);
    expect(r.exitCode).toBe(0);
    expect(r.calls).toBe(
      readFileSync(RAW_BENIGN, 'latin1')
        .split('\n')
        .slice(0, 100)
        .filter((l) => /^Nt\w+\(.*\) => /.test(l)).length,
    );
  });

  it('stops a program that never exits on abort: Ctrl+C, final verdict, nothing left running', async () => {
    const d = tempDir();
    const pidFile = join(d, 'pid');
    const ac = new AbortController();
    const session = traceProgram({
      program: process.execPath,
      args: ['-e', 'setInterval(()=>{},1000)'],
      nttrace: FAKE,
      nttraceArgs: ['-fake-spawn', '-fake-pidfile', pidFile, '-fake-replay', RAW_BENIGN],
      intervalMs: '50ms',
      signal: ac.signal,
      detector: countingDetector(),
    });
    const events: RunEvent[] = [];
    for await (const ev of session) {
      events.push(ev);
      if (ev.type === 'verdict' && ev.calls === rawLines) ac.abort();
    }
    const r = await session.result;
    expect(r).toMatchObject({ ended: 'stopped', detached: true, killed: false, exitCode: 0, calls: rawLines });
    expect(events.at(-1)).toMatchObject({ type: 'final', calls: rawLines });
    const programPid = Number(readFileSync(pidFile, 'utf8'));
    expect(await waitGone(programPid)).toBe(true);
    expect(await waitGone(session.tracerPid!)).toBe(true);
  });

  it('kills a tracer that ignores Ctrl+C after the grace period, and says so', async () => {
    const d = tempDir();
    const pidFile = join(d, 'pid');
    const session = traceProgram({
      program: process.execPath,
      args: ['-e', 'setInterval(()=>{},1000)'],
      nttrace: FAKE,
      nttraceArgs: ['-fake-spawn', '-fake-pidfile', pidFile, '-fake-replay', RAW_BENIGN, '-fake-mode', 'stubborn'],
      intervalMs: '50ms',
      stopGraceMs: 300,
      detector: countingDetector(),
    });
    const it = session[Symbol.asyncIterator]();
    for (let n = await it.next(); n.value.type !== 'verdict' || n.value.calls === 0;) n = await it.next();
    const r = await session.stop();
    expect(r).toMatchObject({ ended: 'stopped', detached: false, killed: true, signal: 'SIGKILL' });
    const rest: RunEvent[] = [];
    for (let n = await it.next(); !n.done; n = await it.next()) rest.push(n.value);
    expect(rest.find((e) => e.type === 'warning')).toMatchObject({ code: 'KILLED_AFTER_GRACE', message: /did not exit within 300 ms/ });
    expect(await waitGone(Number(readFileSync(pidFile, 'utf8')))).toBe(true);
    expect(await waitGone(session.tracerPid!)).toBe(true);
  });

  it('gives a verdict on request, and stops when the consumer leaves the loop', async () => {
    const d = tempDir();
    const det = countingDetector();
    const session = traceProgram({
      program: programFile(d),
      nttrace: FAKE,
      nttraceArgs: ['-fake-replay', RAW_BENIGN, '-fake-mode', 'hang'],
      intervalMs: '10m',
      detector: det,
    });
    expect(session.verdictNow()).toBeUndefined();
    for (let tries = 0; tries < 200 && det.calls < rawLines; tries++) await new Promise((r) => setTimeout(r, 20));
    const v = session.verdictNow();
    expect(v).toMatchObject({ calls: rawLines, insufficient: false });
    for await (const ev of session) {
      expect(ev).toMatchObject({ type: 'verdict', calls: rawLines });
      break;
    }
    const r = await session.result;
    expect(r).toMatchObject({ ended: 'stopped', detached: true });
    expect(await waitGone(session.tracerPid!)).toBe(true);
    expect(() => session[Symbol.asyncIterator]()).toThrow(/only once/);
  });
});

/** A process to attach to, killed after the test. */
async function runningTarget() {
  const target = sleeper();
  cleanup.push(() => target.kill('SIGKILL'));
  await new Promise((r) => target.once('spawn', r));
  return target;
}

function attachToTarget(pid: number, fakeArgs: string[], extra: Partial<AttachOptions> = {}) {
  return attachProcess({
    pid,
    nttrace: FAKE,
    nttraceArgs: ['-fake-replay', RAW_BENIGN, ...fakeArgs],
    intervalMs: '50ms',
    detector: countingDetector(),
    ...extra,
  });
}

describe('failures of the consumer side', () => {
  it('refuses a log path that cannot be written, before starting NtTrace', async () => {
    const d = tempDir();
    const s = traceProgram({
      program: programFile(d),
      nttrace: FAKE,
      saveLog: join(d, 'no', 'such', 'dir', 'x.log'),
      detector: countingDetector(),
    });
    await expect(s.result).rejects.toMatchObject({ code: 'SAVE_LOG_FAILED', message: /ENOENT/ });
    expect(s.tracerPid).toBeUndefined();
  });

  it('ends the session and kills the tracer when the detector throws', async () => {
    const d = tempDir();
    const det = countingDetector();
    const boom = new Error('detector failed');
    det.push = () => {
      throw boom;
    };
    const s = traceProgram({
      program: programFile(d),
      nttrace: FAKE,
      nttraceArgs: ['-fake-replay', RAW_BENIGN, '-fake-mode', 'hang'],
      detector: det,
    });
    await expect(s.result).rejects.toBe(boom);
    expect(await waitGone(s.tracerPid!)).toBe(true);
  });
});

describe('attachProcess with the fake tracer', () => {
  it('detaches on stop and leaves the target running', async () => {
    const target = await runningTarget();
    const session = attachToTarget(target.pid!, []);
    const it = session[Symbol.asyncIterator]();
    expect((await it.next()).value.type).toBe('verdict');
    const r = await session.stop();
    expect(r).toMatchObject({ ended: 'stopped', detached: true, killed: false, exitCode: 0 });
    expect(await waitGone(session.tracerPid!)).toBe(true);
    expect(isAlive(target.pid!)).toBe(true);
  });

  it("passes on NtTrace's message for a PID that does not exist", async () => {
    const gone = sleeper();
    await new Promise((r) => gone.once('spawn', r));
    const pid = gone.pid!;
    gone.kill('SIGKILL');
    await waitGone(pid);
    const session = attachProcess({ pid, nttrace: FAKE, detector: countingDetector() });
    const { events, error } = await collect(session);
    expect(error).toBeInstanceOf(AttachError);
    expect(error).toMatchObject({ code: 'ATTACH_FAILED', pid, tracerMessage: `OpenProcess failed to find pid ${pid}` });
    expect(events.map((e) => e.type)).toEqual(['exit', 'final']);
    expect(await waitGone(session.tracerPid!)).toBe(true);
  });

  it('refuses a PID that is not a positive integer', async () => {
    for (const pid of [0, -5, 1.5, Number.NaN]) {
      await expect(attachProcess({ pid, nttrace: FAKE, detector: countingDetector() }).result).rejects.toMatchObject({
        code: 'INVALID_OPTION',
      });
    }
  });

  it('warns loudly when Ctrl+C cannot be delivered and NtTrace must be killed', async () => {
    const target = await runningTarget();
    const session = attachToTarget(target.pid!, ['-fake-mode', 'hang'], { interrupt: () => Promise.resolve(false) });
    const { events } = await (async () => {
      const it = session[Symbol.asyncIterator]();
      await it.next();
      void session.stop();
      const out: RunEvent[] = [];
      for (let n = await it.next(); !n.done; n = await it.next()) out.push(n.value);
      return { events: out };
    })();
    const warning = events.find((e) => e.type === 'warning');
    expect(warning).toMatchObject({ code: 'KILLED_NOT_DETACHED', message: new RegExp(`PID ${target.pid}`) });
    expect((await session.result).killed).toBe(true);
  });
});
