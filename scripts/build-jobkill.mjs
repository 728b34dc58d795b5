#!/usr/bin/env node
// Builds the Windows lifetime helper native/jobkill/jobkill.exe from native/jobkill/jobkill.c
// (see native/jobkill/README.md): with MinGW-w64 (x86_64-w64-mingw32-gcc, on Linux or on
// Windows), or `gcc` when it is a MinGW-w64 gcc on Windows. The runner finds the result there
// (or wherever NTMD_JOBKILL points). The .exe is never committed (.gitignore).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'native', 'jobkill');
const out = join(dir, 'jobkill.exe');
const args = ['-O2', '-s', '-Wall', '-Wextra', '-Werror', '-municode', '-o', out, join(dir, 'jobkill.c')];
for (const cc of ['x86_64-w64-mingw32-gcc', ...(process.platform === 'win32' ? ['gcc'] : [])]) {
  const r = spawnSync(cc, args, { stdio: 'inherit' });
  if (r.error && r.error.code === 'ENOENT') continue;
  if (r.status !== 0) {
    console.error(`build-jobkill: ${cc} failed (${r.status ?? r.signal})`);
    process.exit(1);
  }
  console.log(`built ${out}`);
  process.exit(0);
}
console.error('build-jobkill: no MinGW-w64 C compiler found (apt-get install gcc-mingw-w64-x86-64; on Windows, MSYS2 mingw-w64-x86_64-gcc, or MSVC: cl /O2 jobkill.c shell32.lib)');
process.exit(2);
