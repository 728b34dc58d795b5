/**
 * The runner on the real NtTrace, run under Wine (the shared MinGW builds: master and v1.0).
 * One private Wine prefix for the whole file (made in beforeAll, about 10 s; ended with
 * `wineserver -k` and removed in afterAll). Skipped, with the reason in the suite's name,
 * where Wine is missing; the v1.0 cases skip themselves where MinGW-w64 is missing.
 *
 * Only the prefix's own benign programs are traced: Wine is no sandbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCliWith } from '../../test/cli.js';
import { readTraceFileSync } from '../tokenize/index.js';
import { traceProgram } from './index.js';
import { RunnerError } from './errors.js';
import type { RunResult, TraceProgramOptions } from './types.js';
import { countingDetector, tempDir } from './test-helpers/fake.js';
import { findWine, headBuild, processesInPrefix, v10Build, WinePrefix, type WineTools } from './test-helpers/wine.js';
import { projectRoot } from '../../test/shared.js';
import { isAlive } from './process.js';

const wine = findWine();
const MODEL = join(projectRoot, 'models', 'default.ntmd');

/**
 * The calls of a raw NtTrace log, read independently of src/tokenize: every line
 * `Name(args) => status` (current grammar) or `Name( args ) => status` (v1.0), as a name list.
 */
function independentCalls(log: string): string[] {
  const names: string[] = [];
  for (const line of log.split(/\r?\n/)) {
    const m = /^(Nt[A-Za-z0-9_]+)\(.*\) => \S/.exec(line);
    if (m) names.push(m[1]);
  }
  return names;
}

/** Our reader's call names for a log file. */
function readerCalls(path: string): string[] {
  const read = readTraceFileSync(path);
  return Array.from(read.calls, (id) => read.table.nameOf(id));
}

describe.skipIf(!wine.ok)(`the runner on the real NtTrace under Wine${wine.ok ? '' : ` (skipped: ${wine.reason})`}`, () => {
  const tools = (wine as { tools: WineTools }).tools;
  let prefix: WinePrefix;
  const head = headBuild();
  let v10: ReturnType<typeof v10Build> = { ok: false, reason: 'not built yet' };
  const work = tempDir();

  beforeAll(async () => {
    v10 = v10Build();
    if (v10.ok && v10.builtMs > 0) console.log(`NtTrace v1.0 built in ${(v10.builtMs / 1000).toFixed(1)} s into ${v10.exe}`);
    prefix = await WinePrefix.create(tools);
    console.log(`Wine prefix made in ${(prefix.bootMs / 1000).toFixed(1)} s`);
    // A batch file that prints lines like NtTrace's calls, in both grammars, and text without a newline.
    mkdirSync(prefix.driveC('ntmd'), { recursive: true });
    writeFileSync(
      prefix.driveC('ntmd', 'fake.bat'),
      [
        '@echo off',
        'for /L %%i in (1,1,20) do echo NtNtmdInjected( Handle=0x%%i ) =^> 0',
        'for /L %%i in (1,1,20) do echo NtNtmdInjected(Handle=0x%%i) =^> 0',
        '<nul set /p x=NtmdGlued',
        'echo NtNtmdInjected(Handle=0x99) =^> 0',
        '',
      ].join('\r\n'),
    );
  }, 300_000);

  afterAll(() => {
    if (prefix) expect(prefix.disposeAndList()).toEqual([]);
  }, 60_000);

  /** traceProgram under Wine, retried once on Wine's rare "CreateProcess failed with no error". */
  async function traceUnderWine(exe: string, options: Omit<TraceProgramOptions, 'nttrace' | 'env'>): Promise<RunResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await traceProgram({ ...options, nttrace: tools.wrapper, env: prefix.env(exe) }).result;
      } catch (e) {
        if (attempt === 1 && e instanceof RunnerError && e.code === 'PROGRAM_START_FAILED' && /no error/i.test(e.message)) continue;
        throw e;
      }
    }
  }

  /** The CLI in this process, with its own streams, in the prefix's environment. */
  function cli(args: string[], exe: string, onOut?: (stdoutSoFar: string) => void) {
    return runCliWith(args, { env: prefix.env(exe), cwd: work, onOut: onOut && ((_, soFar) => onOut(soFar)) });
  }

  const builds = [
    { name: 'master', get: () => head },
    { name: 'v1.0', get: () => v10 },
  ];
  for (const build of builds) {
    // The reason is known only once beforeAll ran: checked in each test (a skip with its reason).
    describe(`run, NtTrace ${build.name} build`, () => {
      it(`reg.exe query HKLM\\Software: counts exactly the calls NtTrace wrote to its -out file; the program's console output apart`, async (ctx) => {
        const b = build.get();
        if (!b.ok) return ctx.skip(`NtTrace ${build.name} build unavailable: ${b.reason}`);
        const saved = join(work, `reg-${build.name}.log`);
        const printed: Buffer[] = [];
        const det = countingDetector();
        const r = await traceUnderWine(b.exe, {
          program: prefix.system32('reg.exe'),
          args: ['query', 'HKLM\\Software'],
          detector: det,
          saveLog: saved,
          programOutput: (c) => printed.push(Buffer.from(c)),
          intervalMs: '10m',
        });
        const log = readFileSync(saved, 'latin1');
        const independent = independentCalls(log);
        expect(independent.length).toBeGreaterThan(100);
        expect(readerCalls(saved)).toEqual(independent);
        expect(r).toMatchObject({ calls: independent.length, exitCode: 0, signal: null, ended: 'exited', killed: false });
        // The trace file is NtTrace's alone: it starts with the process and ends with its exit.
        expect(log).toMatch(/^Process \d+ starting at /);
        expect(log).toMatch(/\nProcess \d+ exit code: 0\r?\n$/);
        const console_ = Buffer.concat(printed).toString('latin1');
        expect(console_).toContain('HKEY_LOCAL_MACHINE\\Software\\Wine');
        expect(log).not.toContain('HKEY_LOCAL_MACHINE\\Software\\Wine');
      });

      it('a program that prints lines looking like calls (and text without a newline) gets none of them counted', async (ctx) => {
        const b = build.get();
        if (!b.ok) return ctx.skip(`NtTrace ${build.name} build unavailable: ${b.reason}`);
        const saved = join(work, `fake-${build.name}.log`);
        const printed: Buffer[] = [];
        const r = await traceUnderWine(b.exe, {
          program: prefix.system32('cmd.exe'),
          args: ['/c', 'C:\\ntmd\\fake.bat'],
          detector: countingDetector(),
          saveLog: saved,
          programOutput: (c) => printed.push(Buffer.from(c)),
          intervalMs: '10m',
        });
        const console_ = Buffer.concat(printed).toString('latin1');
        expect(console_.match(/NtNtmdInjected/g)).toHaveLength(41);
        expect(console_).toContain('NtmdGluedNtNtmdInjected(Handle=0x99) => 0');
        const log = readFileSync(saved, 'latin1');
        expect(log).not.toContain('NtNtmdInjected');
        const independent = independentCalls(log);
        expect(independent.length).toBeGreaterThan(100);
        expect(r.calls).toBe(independent.length);
        expect(readerCalls(saved)).toEqual(independent);
      });
    });
  }

  describe('attach, stop, faults (master build)', () => {
    it('attach by Windows pid to a running ping.exe; SIGINT makes NtTrace detach and the program lives on', async (ctx) => {
      if (!head.ok) return ctx.skip(head.reason);
      const target = prefix.start(prefix.system32('ping.exe'), ['-n', '120', '127.0.0.1']);
      try {
        const pid = await prefix.windowsPid('ping.exe');
        if (process.env.NTMD_WINE_VERBOSE) console.log(`ping.exe has Windows pid ${pid}`);
        let signalled = false;
        // Stop at the first verdict with calls in it (or after 20 s, which the assertions then report).
        const stopAnyway = setTimeout(() => {
          if (!signalled) process.emit('SIGINT');
        }, 20_000);
        const res = await cli(
          ['attach', '--model', MODEL, '--json', '--interval', '300ms', '--nttrace', tools.wrapper, String(pid)],
          head.exe,
          (text) => {
            if (process.env.NTMD_WINE_VERBOSE) console.log(text.split('\n').at(-2));
            if (!signalled && /"type":"verdict","calls":[1-9]/.test(text)) {
              signalled = true;
              process.emit('SIGINT');
            }
          },
        );
        clearTimeout(stopAnyway);
        expect(signalled).toBe(true);
        const events = res.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { type: string; calls?: number; code?: number; verdict?: { malicious: boolean; verdict: string } });
        expect(events.at(-2)).toEqual({ type: 'exit', code: 0, signal: null });
        const final = events.at(-1)!;
        expect(final.type).toBe('final');
        expect(final.calls).toBeGreaterThan(0);
        // The exit code follows the final verdict (a quiet ping gives few calls: no decision, 3).
        expect(res.code).toBe({ malicious: 1, benign: 0, unfamiliar: 3, insufficient: 3 }[final.verdict!.verdict]);
        // NtTrace's "Detached" arrives on its stdout, passed through to stderr.
        // (Wine's console writes it with CRLF.)
        expect(res.stderr).toMatch(
          new RegExp(`^ntmaldetect: stopping: sending Ctrl\\+C to NtTrace so that it detaches from ${pid}\\.\\.\\.\\nDetached\\r?\\n$`),
        );
        expect(await prefix.isRunning(pid)).toBe(true);
        expect(isAlive(target.pid!)).toBe(true);
      } finally {
        try {
          process.kill(-target.pid!, 'SIGKILL');
        } catch {
          /* already gone: the assertions above say why */
        }
        // Wine lists a killed process for a moment longer: let the next tests start clean.
        for (let i = 0; i < 50 && (await prefix.processes()).some((p) => p.name === 'ping.exe'); i++)
          await new Promise((r) => setTimeout(r, 200));
      }
    });

    for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
      it(`the tracer killed mid-run by ${signal}: a final verdict on what was read, TRACER_FAILED, exit code 2`, async (ctx) => {
        if (!head.ok) return ctx.skip(head.reason);
        let killed = 0;
        const before = new Set((await prefix.processes()).map((p) => p.pid));
        const res = await cli(
          [
            'run',
            '--model',
            MODEL,
            '--json',
            '--interval',
            '300ms',
            '--nttrace',
            tools.wrapper,
            '--',
            prefix.system32('ping.exe'),
            '-n',
            '120',
            '127.0.0.1',
          ],
          head.exe,
          (text) => {
            if (killed === 0 && /"type":"verdict","calls":[1-9]/.test(text)) {
              const tracer = processesInPrefix(prefix.path).filter((p) =>
                readFileSync(`/proc/${p}/cmdline`, 'latin1').includes('NtTrace.exe'),
              );
              expect(tracer).toHaveLength(1);
              killed = tracer[0];
              process.kill(killed, signal);
            }
          },
        );
        expect(killed).toBeGreaterThan(0);
        const events = res.stdout
          .trim()
          .split('\n')
          .map(
            (l) =>
              JSON.parse(l) as {
                type: string;
                calls?: number;
                code?: number | null;
                signal?: string | null;
                error?: { code: string };
                verdict?: { malicious: boolean };
              },
          );
        const final = events.at(-1)!;
        expect(final).toMatchObject({ type: 'final', error: { code: 'TRACER_FAILED' } });
        expect(final.calls).toBeGreaterThan(0);
        const verdicts = events.filter((e) => e.type === 'verdict');
        expect(final.calls).toBeGreaterThanOrEqual(verdicts.at(-1)!.calls!);
        const exit = events.at(-2)!;
        expect(exit.type).toBe('exit');
        if (process.env.NTMD_WINE_VERBOSE) console.log(`${signal}: exit event ${JSON.stringify(exit)}; ${res.stderr.trim()}`);
        if (signal === 'SIGKILL') expect(exit).toEqual({ type: 'exit', code: null, signal: 'SIGKILL' });
        else expect(exit.code !== 0 || exit.signal !== null).toBe(true);
        expect(res.code).toBe(final.verdict!.malicious ? 1 : 2);
        expect(res.stderr).toMatch(/^ntmaldetect: NtTrace (was killed by SIG\w+|exited with code \d+)/m);
        // The traced program went with its tracer.
        await new Promise((r) => setTimeout(r, 500));
        // (Wine's own services come and go as the prefix's server starts and stops: not counted.)
        expect((await prefix.processes()).filter((p) => !before.has(p.pid) && /^(ping|NtTrace)\.exe$/i.test(p.name))).toEqual([]);
      });
    }

    it('a missing program, a file that is no program, and a bad pid: typed errors, exit code 2', async (ctx) => {
      if (!head.ok) return ctx.skip(head.reason);
      const missing = await cli(
        ['run', '--model', MODEL, '--nttrace', tools.wrapper, '--', prefix.system32('no-such-program.exe')],
        head.exe,
      );
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/program not found: ".*no-such-program\.exe"/);
      await expect(
        traceProgram({ program: prefix.system32('no-such-program.exe'), nttrace: tools.wrapper, env: prefix.env(head.exe) }).result,
      ).rejects.toMatchObject({ code: 'PROGRAM_NOT_FOUND' });

      const notExe = prefix.driveC('ntmd', 'not-a-program.exe');
      writeFileSync(notExe, 'this is text, not a Windows executable\r\n');
      const bad = await cli(['run', '--model', MODEL, '--nttrace', tools.wrapper, '--', notExe], head.exe);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/NtTrace could not start ".*not-a-program\.exe": CreateProcess failed with/);

      const pid = 0x7ffc; // Wine's pids are small multiples of 4: this one is not in use
      expect((await prefix.processes()).some((p) => p.pid === pid)).toBe(false);
      const attach = await cli(['attach', '--model', MODEL, '--nttrace', tools.wrapper, String(pid)], head.exe);
      expect(attach.code).toBe(2);
      expect(attach.stderr).toMatch(new RegExp(`cannot attach to process ${pid}: OpenProcess failed`));
    });
  });
});
