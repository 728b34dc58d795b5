import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkProgramArgs, findNtTrace, isBatchScript, resolveProgram } from './locate.js';
import { NtTraceNotFoundError, ProgramNotFoundError, UnsafeTargetError } from './errors.js';
import { FAKE, tempDir } from './test-helpers/fake.js';

function exe(dir: string, name: string): string {
  const p = join(dir, name);
  writeFileSync(p, '#!/bin/sh\n');
  chmodSync(p, 0o755);
  return p;
}

describe('findNtTrace', () => {
  it('prefers the option, then NTTRACE, then the PATH', () => {
    const d = tempDir();
    const a = exe(d, 'a-tracer');
    const b = exe(d, 'b-tracer');
    mkdirSync(join(d, 'bin'));
    const onPath = exe(join(d, 'bin'), 'NtTrace');
    const env = { NTTRACE: b, PATH: join(d, 'bin') };
    expect(findNtTrace(a, { env, platform: 'linux' })).toEqual({ file: a, prefix: [], tracer: a });
    expect(findNtTrace(undefined, { env, platform: 'linux' }).file).toBe(b);
    expect(findNtTrace(undefined, { env: { PATH: join(d, 'bin') }, platform: 'linux' }).file).toBe(onPath);
  });

  it('splits a Windows PATH on semicolons', () => {
    const d = tempDir();
    mkdirSync(join(d, 'a'));
    mkdirSync(join(d, 'b'));
    const p = exe(join(d, 'b'), 'NtTrace.exe');
    expect(findNtTrace(undefined, { env: { Path: `${join(d, 'a')};${join(d, 'b')}` }, platform: 'win32' }).file).toBe(p);
  });

  it('runs a script tracer with Node', () => {
    const found = findNtTrace(FAKE, { env: {} });
    expect(found.file).toBe(process.execPath);
    expect(found.prefix).toEqual([FAKE]);
  });

  it('explains where to get NtTrace and what was tried', () => {
    const d = tempDir();
    let err: unknown;
    try {
      findNtTrace(undefined, { env: { PATH: d }, platform: 'linux' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NtTraceNotFoundError);
    const e = err as NtTraceNotFoundError;
    expect(e.code).toBe('NTTRACE_NOT_FOUND');
    expect(e.tried).toEqual([join(d, 'NtTrace.exe'), join(d, 'NtTrace')]);
    expect(e.message).toMatch(/github\.com\/rogerorr\/NtTrace/);
    expect(e.message).toMatch(/--nttrace/);
    expect(() => findNtTrace(join(d, 'missing.exe'), { env: {} })).toThrow(/the nttrace option names no file/);
  });

  it('refuses a file that is not executable (POSIX)', () => {
    const d = tempDir();
    const p = join(d, 'NtTrace');
    writeFileSync(p, 'x');
    chmodSync(p, 0o644);
    expect(() => findNtTrace(undefined, { env: { NTTRACE: p }, platform: 'linux' })).toThrow(/NTTRACE names a file that is not executable/);
  });
});

describe('resolveProgram', () => {
  it('resolves relative paths and PATH names to absolute paths', () => {
    const d = tempDir();
    mkdirSync(join(d, 'sub'));
    const p = exe(join(d, 'sub'), 'prog');
    expect(resolveProgram('sub/prog', { cwd: d, env: {} })).toBe(p);
    expect(resolveProgram('prog', { cwd: d, env: { PATH: join(d, 'sub') } })).toBe(p);
  });

  it('adds .exe on Windows when no extension is given', () => {
    const d = tempDir();
    const p = exe(d, 'tool.exe');
    expect(resolveProgram('tool', { cwd: d, env: {}, platform: 'win32' })).toBe(p);
    expect(() => resolveProgram('tool', { cwd: d, env: {}, platform: 'linux' })).toThrow(ProgramNotFoundError);
  });

  it('reports a missing program before anything starts', () => {
    const d = tempDir();
    expect(() => resolveProgram('nope.exe', { cwd: d, env: { PATH: '' } })).toThrow(/program not found: "nope.exe"/);
    expect(() => resolveProgram('', { cwd: d })).toThrow(ProgramNotFoundError);
  });

  it('refuses .bat and .cmd scripts, whatever the case or trailing dots and spaces', () => {
    for (const name of ['x.bat', 'X.CMD', 'run.Bat', 'a.bat.', 'a.cmd . .', 'dir\\evil.bat']) expect(isBatchScript(name)).toBe(true);
    for (const name of ['x.exe', 'bat', 'x.bat.exe', 'cmd.exe', 'x.batch']) expect(isBatchScript(name)).toBe(false);
    const d = tempDir();
    exe(d, 'x.bat');
    expect(() => resolveProgram('x.bat', { cwd: d })).toThrow(UnsafeTargetError);
    expect(() => resolveProgram('x.bat', { cwd: d })).toThrow(/cmd\.exe/);
  });
});

describe('checkProgramArgs', () => {
  it('accepts what NtTrace passes through unchanged', () => {
    expect(() => checkProgramArgs(['-x', 'a b', 'c:\\dir\\', '&', ';', '$(id)', '%PATH%', "it's"])).not.toThrow();
  });

  it('refuses what NtTrace would split or alter', () => {
    for (const bad of ['', 'say "hi"', 'a\tb', 'two\nlines', 'c:\\my dir\\']) {
      expect(() => checkProgramArgs(['ok', bad])).toThrow(UnsafeTargetError);
    }
    expect(() => checkProgramArgs(['ok', 'a"b'])).toThrow(/argument 2/);
  });

  it('accepts exactly the arguments that round-trip through NtTrace-style joining and MSVC splitting (property)', () => {
    // NtTrace: join with spaces, wrap in quotes those with a space. MSVC CRT: split on
    // unquoted spaces/tabs; backslashes before a quote escape it.
    const ntJoin = (args: string[]) => args.map((a) => (a.includes(' ') ? `"${a}"` : a)).join(' ');
    const msvcSplit = (s: string): string[] => {
      const out: string[] = [];
      let i = 0;
      while (i < s.length) {
        while (s[i] === ' ' || s[i] === '\t') i++;
        if (i >= s.length) break;
        let cur = '';
        let inQ = false;
        for (; i < s.length; i++) {
          const ch = s[i];
          if (ch === '\\') {
            let n = 0;
            while (s[i] === '\\') {
              n++;
              i++;
            }
            if (s[i] === '"') {
              cur += '\\'.repeat(n >> 1);
              if (n % 2 === 1) cur += '"';
              else inQ = !inQ;
            } else {
              cur += '\\'.repeat(n);
              i--;
            }
            continue;
          }
          if (ch === '"') inQ = !inQ;
          else if (!inQ && (ch === ' ' || ch === '\t')) break;
          else cur += ch;
        }
        out.push(cur);
      }
      return out;
    };
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z \\"\t&;$()]{0,6}$/), { minLength: 1, maxLength: 4 }), (args) => {
        let accepted = true;
        try {
          checkProgramArgs(args);
        } catch {
          accepted = false;
        }
        if (accepted) expect(msvcSplit(ntJoin(args))).toEqual(args);
      }),
    );
  });
});
