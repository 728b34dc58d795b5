/**
 * The environment the worker gives the tracer and, through it, the traced program: an
 * allow-list per platform plus the names the operator passes with `--pass-env`. Nothing
 * else of the worker's environment reaches a child; in particular not its token.
 *
 * @packageDocumentation
 */
import { WorkerConfigError } from './worker-errors.js';

/**
 * What a Windows program expects to find (compared without regard to case, as Windows
 * does). Enough for programs to start and behave as usual; no credentials.
 */
export const WINDOWS_ENV_ALLOW: readonly string[] = [
  'SystemRoot',
  'windir',
  'SystemDrive',
  'ComSpec',
  'PATH',
  'PATHEXT',
  'TEMP',
  'TMP',
  'ProgramData',
  'ProgramFiles',
  'ProgramFiles(x86)',
  'ProgramW6432',
  'CommonProgramFiles',
  'CommonProgramFiles(x86)',
  'CommonProgramW6432',
  'ALLUSERSPROFILE',
  'PUBLIC',
  'APPDATA',
  'LOCALAPPDATA',
  'USERPROFILE',
  'HOMEDRIVE',
  'HOMEPATH',
  'USERNAME',
  'USERDOMAIN',
  'COMPUTERNAME',
  'OS',
  'NUMBER_OF_PROCESSORS',
  'PROCESSOR_ARCHITECTURE',
  'PROCESSOR_IDENTIFIER',
  'PROCESSOR_LEVEL',
  'PROCESSOR_REVISION',
];

/**
 * What NtTrace under Wine needs on Linux (Wine turns the Unix environment into the Windows
 * program's, and adds SystemRoot, TEMP and the rest from the prefix), and what the
 * `nttrace-wine` wrapper reads (`NTTRACE_EXE`, `NTTRACE_WINE_MAP`).
 */
export const POSIX_ENV_ALLOW: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'TMPDIR',
  'XDG_CACHE_HOME',
  'XDG_RUNTIME_DIR',
  'DISPLAY',
  'WINEPREFIX',
  'WINEDEBUG',
  'WINEARCH',
  'WINEDLLOVERRIDES',
  'WINELOADER',
  'WINESERVER',
  'WINE64',
  'NTTRACE_EXE',
  'NTTRACE_WINE_MAP',
];

/**
 * Refuses `--pass-env` names that could carry a secret of ours (`NTMD_*`) or are not
 * environment variable names at all.
 *
 * @throws {@link WorkerConfigError} naming the option and the name
 */
export function checkPassEnvName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_().]{0,127}$/.test(name)) {
    throw new WorkerConfigError(`--pass-env ${JSON.stringify(name)}: not an environment variable name`);
  }
  if (/^NTMD_/i.test(name)) {
    throw new WorkerConfigError(`--pass-env ${name}: NTMD_* variables are the worker's own (its token) and never reach the traced program`);
  }
  return name;
}

/**
 * The environment of the tracer and the traced program: the variables of `source` whose
 * names are on the platform's allow-list or in `passEnv` (compared without case on Windows),
 * with their original spelling. `NTMD_*` never passes, whatever the lists say.
 */
export function childEnv(
  source: Record<string, string | undefined>,
  options: { passEnv?: readonly string[]; platform?: NodeJS.Platform } = {},
): Record<string, string> {
  const platform = options.platform ?? process.platform;
  const passEnv = (options.passEnv ?? []).map(checkPassEnvName);
  const fold = platform === 'win32' ? (s: string) => s.toUpperCase() : (s: string) => s;
  const allowed = new Set([...(platform === 'win32' ? WINDOWS_ENV_ALLOW : POSIX_ENV_ALLOW), ...passEnv].map(fold));
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined || /^NTMD_/i.test(key)) continue;
    if (allowed.has(fold(key))) out[key] = value;
  }
  return out;
}
