import { readdirSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli, packageVersion } from './main.js';
import type { CliIO } from './command.js';
import { COMMANDS, commandEntry } from './commands.js';

function io(): { io: CliIO; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (d) => (o += d));
  stderr.on('data', (d) => (e += d));
  return { io: { stdout, stderr, stdin: new PassThrough(), env: {}, cwd: process.cwd() }, out: () => o, err: () => e };
}

describe('cli frame', () => {
  it('prints the version from package.json', async () => {
    const t = io();
    expect(await runCli(['--version'], t.io)).toBe(0);
    expect(t.out().trim()).toBe(packageVersion());
    expect(packageVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('lists every command in the general help', async () => {
    const t = io();
    expect(await runCli(['--help'], t.io)).toBe(0);
    for (const c of ['reduce', 'scan', 'train', 'explain', 'features', 'bench', 'run', 'attach']) {
      expect(t.out()).toMatch(new RegExp(`^  ${c} +\\S`, 'm'));
    }
  });

  it('reports an unknown command in one line with exit code 2', async () => {
    const t = io();
    expect(await runCli(['frobnicate'], t.io)).toBe(2);
    expect(t.err()).toBe('ntmaldetect: unknown command "frobnicate"; run \'ntmaldetect --help\' for the list\n');
  });

  it('reports an unknown option as a usage error naming the command', async () => {
    const t = io();
    expect(await runCli(['reduce', '--no-such-option', 'x'], t.io)).toBe(2);
    expect(t.err()).toMatch(/^ntmaldetect: reduce: Unknown option '--no-such-option'/);
    expect(t.err().trim().split('\n')).toHaveLength(1);
  });

  it('shows command help only for options before --', async () => {
    const t = io();
    expect(await runCli(['reduce', '--help'], t.io)).toBe(0);
    expect(t.out()).toMatch(/reduce/);
    // After `--`, -h belongs to the traced program, not to ntmaldetect: no help is printed.
    const u = io();
    const code = await runCli(['reduce', '--', '-h'], u.io);
    expect(u.out()).not.toMatch(/Usage/i);
    expect(code).toBe(2);
  });

  it('prints a stack only with --debug', async () => {
    const t = io();
    expect(await runCli(['scan', '--model', '/nonexistent/model.ntmd', '--debug', '/nonexistent/trace'], t.io)).toBe(2);
    expect(t.err()).toMatch(/\n\s+at /);
  });

  it('lists in its command table exactly the modules of commands/, each under its own name', async () => {
    const files = readdirSync(new URL('./commands/', import.meta.url))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => f.slice(0, -3))
      .sort();
    expect(Object.keys(COMMANDS)).toEqual(files);
    for (const [name, entry] of Object.entries(COMMANDS)) {
      const cmd = (await entry.load()).default;
      expect(cmd.name).toBe(name);
      expect(entry.summary).toMatch(/^[a-z].{10,90}[^.]$/);
    }
  });

  it('finds no command for names outside the table', () => {
    for (const name of ['toString', '__proto__', 'constructor', 'Scan', 'scan.ts', '../main', ''])
      expect(commandEntry(name)).toBeUndefined();
    expect(commandEntry('scan')).toBe(COMMANDS.scan);
  });

  it('prints the general help from the table, without importing a command', async () => {
    const loads: string[] = [];
    const saved = Object.entries(COMMANDS).map(([name, entry]) => [name, entry.load] as const);
    for (const [name, entry] of Object.entries(COMMANDS)) {
      (entry as { load: () => Promise<unknown> }).load = () => {
        loads.push(name);
        return Promise.reject(new Error('imported'));
      };
    }
    try {
      const t = io();
      expect(await runCli(['--help'], t.io)).toBe(0);
      expect(t.out()).toContain(`  scan       ${COMMANDS.scan.summary}\n`);
      expect(loads).toEqual([]);
    } finally {
      for (const [name, load] of saved) (COMMANDS[name] as { load: unknown }).load = load;
    }
  });
});
