/**
 * Builds the Windows lifetime helper `native/jobkill/jobkill.c` with MinGW-w64 for the tests
 * that run it under Wine. The executable is cached outside the repository, under
 * `${XDG_CACHE_HOME:-~/.cache}/ntmaldetect/jobkill/<first 16 hex digits of the source's
 * SHA-256>/jobkill.exe`, so a changed source is rebuilt and nothing binary is committed.
 * (Not part of the build: only imported by *.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../../test/shared.js';
import type { Found } from './wine.js';

/** The helper's C source. */
export const JOBKILL_SOURCE = join(projectRoot, 'native', 'jobkill', 'jobkill.c');

/** The MinGW-w64 C compiler's name. */
export const MINGW_GCC = 'x86_64-w64-mingw32-gcc';

/** The command line that builds the helper (also in native/jobkill/README.md). */
export function jobKillBuildArgs(out: string): string[] {
  return ['-O2', '-s', '-Wall', '-Wextra', '-Werror', '-municode', '-o', out, JOBKILL_SOURCE];
}

/** Builds (or finds in the cache) jobkill.exe; says why not when MinGW-w64 is missing. */
export function buildJobKill(): Found<{ exe: string; builtMs: number }> {
  const hash = createHash('sha256').update(readFileSync(JOBKILL_SOURCE)).digest('hex').slice(0, 16);
  const dir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'ntmaldetect', 'jobkill', hash);
  const exe = join(dir, 'jobkill.exe');
  if (existsSync(exe)) return { ok: true, exe, builtMs: 0 };
  mkdirSync(dir, { recursive: true });
  // Built under a name of its own, then renamed: test files building at once never see half a file.
  const tmp = join(dir, `jobkill.${process.pid}.${Date.now()}.exe`);
  const started = Date.now();
  const r = spawnSync(MINGW_GCC, jobKillBuildArgs(tmp), { stdio: 'pipe', timeout: 120_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    return {
      ok: false,
      reason: `${MINGW_GCC} not installed, so jobkill.exe cannot be built (apt-get install gcc-mingw-w64-x86-64; .ci/run installs it)`,
    };
  }
  if (r.status !== 0 || !existsSync(tmp)) {
    rmSync(tmp, { force: true });
    return { ok: false, reason: `building jobkill.exe failed (${r.status ?? r.signal}): ${r.stderr.toString().trim().slice(-800)}` };
  }
  renameSync(tmp, exe);
  return { ok: true, exe, builtMs: Date.now() - started };
}
