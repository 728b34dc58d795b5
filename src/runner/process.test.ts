import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ctrlCScript, findJobKill, interruptTracer, isAlive, killTree, spawnTracer } from './process.js';
import { tempDir, waitGone } from './test-helpers/fake.js';

describe('ctrlCScript (the Windows Ctrl+C helper)', () => {
  it('attaches to the given console, ignores the event itself, then raises CTRL_C_EVENT for that console', () => {
    const script = ctrlCScript(4242);
    const lines = script.split('\n');
    const order = [
      'FreeConsole()',
      'AttachConsole(4242)',
      'SetConsoleCtrlHandler([System.IntPtr]::Zero, $true)',
      'GenerateConsoleCtrlEvent(0, 0)',
    ].map((call) => lines.findIndex((l) => l.includes(`[Ntmd.Console]::${call}`)));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(script).toContain('exit 3');
    expect(script).toContain('exit 4');
  });

  it('takes only a positive integer PID (nothing else can reach the script)', () => {
    for (const pid of [0, -1, 1.5, Number.NaN, 2 ** 32]) expect(() => ctrlCScript(pid)).toThrow(/invalid option pid/);
  });
});

describe('tracer processes on POSIX', () => {
  it('starts the tracer as the leader of its own process group, and killTree ends the whole group', async () => {
    // A "tracer" that starts a grandchild and waits: killing the group must end both.
    const child = spawnTracer(process.execPath, [
      '-e',
      "const c = require('child_process').spawn(process.execPath, ['-e', 'setInterval(()=>{},1000)'], { stdio: 'ignore' }); console.log(c.pid); setInterval(()=>{},1000);",
    ]);
    const grandchild = await new Promise<number>((resolve) =>
      child.stdout!.once('data', (b: Buffer) => resolve(Number(b.toString().trim()))),
    );
    expect(isAlive(-child.pid!)).toBe(true);
    expect(isAlive(grandchild)).toBe(true);
    killTree(child);
    expect(await waitGone(grandchild)).toBe(true);
    expect(await waitGone(child.pid!)).toBe(true);
  });

  it('delivers Ctrl+C as SIGINT, and reports a process that is gone', async () => {
    const p = spawn(
      process.execPath,
      ['-e', "process.on('SIGINT', () => { console.log('got it'); process.exit(0); }); console.log('ready'); setInterval(()=>{},1000);"],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    await new Promise((r) => p.stdout.once('data', r));
    const said = new Promise<string>((r) => p.stdout.once('data', (b: Buffer) => r(b.toString().trim())));
    expect(await interruptTracer(p.pid!)).toBe(true);
    expect(await said).toBe('got it');
    await new Promise((r) => p.once('exit', r));
    expect(await interruptTracer(p.pid!)).toBe(false);
  });
});

describe('findJobKill (where the Windows lifetime helper is looked for)', () => {
  it('takes NTMD_JOBKILL when it is an absolute path to a file, else the packaged build or nothing', () => {
    const dir = tempDir();
    const exe = join(dir, 'jobkill.exe');
    writeFileSync(exe, 'MZ');
    expect(findJobKill({ NTMD_JOBKILL: exe })).toBe(exe);
    // Relative, missing, or a folder: not taken (the packaged build is used if it was built).
    const packaged = findJobKill({});
    expect(packaged === undefined || packaged.endsWith(join('native', 'jobkill', 'jobkill.exe'))).toBe(true);
    expect(findJobKill({ NTMD_JOBKILL: 'jobkill.exe' })).toBe(packaged);
    expect(findJobKill({ NTMD_JOBKILL: join(dir, 'missing.exe') })).toBe(packaged);
    expect(findJobKill({ NTMD_JOBKILL: dir })).toBe(packaged);
  });
});
