/**
 * Finding NtTrace and the program to trace, and refusing targets that cannot be started
 * safely. Nothing here starts a process.
 *
 * @packageDocumentation
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter as pathDelimiter, extname, isAbsolute, resolve } from 'node:path';
import { NtTraceNotFoundError, ProgramNotFoundError, UnsafeTargetError } from './errors.js';

/** How to start the tracer: an executable and the arguments that precede NtTrace's own. */
export interface TracerCommand {
  /** Absolute path of the executable started (NtTrace, or `node` for a script tracer). */
  readonly file: string;
  /** Arguments placed before NtTrace's arguments (the script path for a `.js`/`.mjs` tracer). */
  readonly prefix: readonly string[];
  /** The tracer as found (the NtTrace executable or the script). */
  readonly tracer: string;
}

/** Where to look: the environment, the working directory and the platform. */
export interface LocateContext {
  env?: Record<string, string | undefined>;
  cwd?: string;
  platform?: NodeJS.Platform;
}

/** Names looked for on the PATH, in order. */
export const NTTRACE_NAMES: readonly string[] = ['NtTrace.exe', 'NtTrace'];

const SCRIPT_EXT = new Set(['.js', '.mjs', '.cjs']);

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isRunnable(path: string, platform: NodeJS.Platform): boolean {
  if (!isFile(path)) return false;
  if (platform === 'win32' || SCRIPT_EXT.has(extname(path).toLowerCase())) return true;
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function pathDirs(env: Record<string, string | undefined>, platform: NodeJS.Platform): string[] {
  const raw = env.PATH ?? env.Path ?? env.path ?? '';
  const sep = platform === 'win32' ? ';' : pathDelimiter;
  return raw.split(sep).filter((d) => d.length > 0);
}

function commandFor(tracer: string): TracerCommand {
  return SCRIPT_EXT.has(extname(tracer).toLowerCase())
    ? { file: process.execPath, prefix: [tracer], tracer }
    : { file: tracer, prefix: [], tracer };
}

/**
 * Finds NtTrace: the `nttrace` option, else the `NTTRACE` environment variable, else the
 * first `NtTrace.exe` / `NtTrace` on the PATH. A `.js`/`.mjs`/`.cjs` tracer (such as the
 * fake tracer used in tests) is run with the current Node executable.
 *
 * @throws {@link NtTraceNotFoundError} listing every place tried.
 */
export function findNtTrace(nttrace: string | undefined, ctx: LocateContext = {}): TracerCommand {
  const env = ctx.env ?? process.env;
  const cwd = ctx.cwd ?? process.cwd();
  const platform = ctx.platform ?? process.platform;
  const given = nttrace ?? env.NTTRACE;
  if (given !== undefined && given !== '') {
    const path = resolve(cwd, given);
    if (!isRunnable(path, platform)) {
      const from = nttrace !== undefined ? 'the nttrace option' : 'NTTRACE';
      throw new NtTraceNotFoundError([path], `${from} names ${isFile(path) ? 'a file that is not executable' : 'no file'}`);
    }
    return commandFor(path);
  }
  const tried: string[] = [];
  for (const dir of pathDirs(env, platform)) {
    for (const name of NTTRACE_NAMES) {
      const path = resolve(cwd, dir, name);
      tried.push(path);
      if (isRunnable(path, platform)) return commandFor(path);
    }
  }
  throw new NtTraceNotFoundError(tried, 'not given, NTTRACE unset, nothing on the PATH');
}

/** File name with Windows' silent trimming of trailing dots and spaces applied. */
function windowsEffectiveName(path: string): string {
  return path.replace(/[. ]+$/, '');
}

/** Is this a batch script that Windows would run through `cmd.exe`? */
export function isBatchScript(path: string): boolean {
  return /\.(bat|cmd)$/i.test(windowsEffectiveName(path));
}

/**
 * Resolves the program to an absolute path, as Windows' `SearchPath` would for NtTrace:
 * a name with a directory part is taken relative to `cwd`; a bare name is looked for in
 * `cwd`, then on the PATH. On Windows a name without extension also tries `.exe` and `.com`.
 * The absolute path also keeps NtTrace from mistaking a program named like a number for a
 * PID, or one starting with `-` or `/` for an option.
 *
 * @throws {@link ProgramNotFoundError} when nothing matches
 * @throws {@link UnsafeTargetError} for a `.bat`/`.cmd` script
 */
export function resolveProgram(program: string, ctx: LocateContext = {}): string {
  const env = ctx.env ?? process.env;
  const cwd = ctx.cwd ?? process.cwd();
  const platform = ctx.platform ?? process.platform;
  if (program.length === 0) throw new ProgramNotFoundError(program, ['(empty name)']);
  if (isBatchScript(program)) {
    throw new UnsafeTargetError(
      `refusing to trace the batch script ${JSON.stringify(program)}: Windows runs .bat/.cmd files through cmd.exe, ` +
        'which re-parses the arguments (metacharacters such as & | % would run commands); trace cmd.exe /c explicitly if that is really wanted',
    );
  }
  const hasDir = isAbsolute(program) || /[\\/]/.test(program);
  const dirs = hasDir ? [cwd] : [cwd, ...pathDirs(env, platform)];
  const exts = platform === 'win32' && extname(program) === '' ? ['', '.exe', '.com'] : [''];
  const tried: string[] = [];
  for (const dir of dirs) {
    for (const ext of exts) {
      const path = resolve(dir, program + ext);
      tried.push(path);
      if (isFile(path)) {
        if (isBatchScript(path)) break;
        return path;
      }
    }
  }
  throw new ProgramNotFoundError(program, tried.length > 6 ? [...tried.slice(0, 6), `and ${tried.length - 6} more`] : tried);
}

/**
 * Checks that NtTrace can pass each program argument on unchanged. NtTrace rebuilds the
 * program's command line by joining its arguments with spaces and wrapping in double quotes
 * only those that contain a space, without escaping; so an argument that is empty, holds a
 * double quote or a tab/newline, or holds a space and ends with a backslash would reach the
 * program split or altered. Such arguments are refused rather than silently changed.
 *
 * @throws {@link UnsafeTargetError} naming the argument and why
 */
export function checkProgramArgs(args: readonly string[]): void {
  args.forEach((arg, i) => {
    let why: string | undefined;
    if (arg.length === 0) why = 'it is empty (NtTrace would drop it)';
    else if (arg.includes('"')) why = 'it holds a double quote (NtTrace does not escape quotes)';
    else if (/[\t\n\r\v\f]/.test(arg)) why = 'it holds a tab or line break (NtTrace quotes only arguments with spaces)';
    else if (arg.includes(' ') && arg.endsWith('\\'))
      why = 'it holds a space and ends with a backslash (the quote NtTrace adds would be escaped)';
    if (why !== undefined) {
      throw new UnsafeTargetError(`program argument ${i + 1} (${JSON.stringify(arg)}) cannot be passed through NtTrace unchanged: ${why}`);
    }
  });
}
