/**
 * A harness for running the real NtTrace under Wine in tests (and, later, in the sandboxed
 * worker's tests): find Wine and the NtTrace builds, make a private Wine prefix, start
 * Windows programs in it, find their Windows pids, and clean up every process and folder.
 * (Not part of the build: only imported by *.test.ts.)
 *
 * Wine is no sandbox: its `Z:` drive maps the whole Linux file system. Only benign programs
 * of the prefix itself are ever run here.
 *
 * @packageDocumentation
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { sharedDir } from '../../../test/shared.js';

/** The NtTrace-under-Wine tools of the shared folder (`../shared/tools/nttrace-wine`). */
export const NTTRACE_WINE_DIR = join(sharedDir, 'tools', 'nttrace-wine');

/** Wine's programs, as found. */
export interface WineTools {
  /** The 64-bit loader (`/usr/lib/wine/wine64` on Debian). */
  readonly wine64: string;
  /** `wineserver` (to wait for and kill a prefix's processes). */
  readonly wineserver: string;
  /** `nttrace-wine`: an executable that behaves like NtTrace.exe for a caller that spawns it. */
  readonly wrapper: string;
}

/** Either what was found, or why not (the reason a skipped test gives). */
export type Found<T> = ({ ok: true } & T) | { ok: false; reason: string };

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** Finds wine64, wineserver and the nttrace-wine wrapper; says what is missing otherwise. */
export function findWine(): Found<{ tools: WineTools }> {
  if (process.platform !== 'linux') return { ok: false, reason: `Wine tests run on Linux only (this is ${process.platform})` };
  const wine64 = [process.env.WINE64, '/usr/lib/wine/wine64', onPath('wine64')].find((p): p is string => p !== undefined && executable(p));
  if (wine64 === undefined) return { ok: false, reason: 'wine64 not installed (apt-get install wine64; .ci/run installs it)' };
  const wineserver = [join(dirname(wine64), 'wineserver'), onPath('wineserver')].find((p): p is string => p !== undefined && executable(p));
  if (wineserver === undefined) return { ok: false, reason: `wineserver not found next to ${wine64} nor on the PATH` };
  const wrapper = join(NTTRACE_WINE_DIR, 'nttrace-wine');
  if (!executable(wrapper)) return { ok: false, reason: `${wrapper} not found (the shared NtTrace-under-Wine tools)` };
  return { ok: true, tools: { wine64, wineserver, wrapper } };
}

/** The prebuilt master build of NtTrace (current grammar: `NtClose(Handle=0x24) => 0`). */
export function headBuild(): Found<{ exe: string }> {
  const exe = join(NTTRACE_WINE_DIR, 'bin', 'head', 'NtTrace.exe');
  return existsSync(exe) ? { ok: true, exe } : { ok: false, reason: `${exe} not found` };
}

/** Where the v1.0 build is cached, outside the repository. */
export function v10CacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'ntmaldetect', 'nttrace-v1.0');
}

/**
 * The v1.0 build of NtTrace (the corpus's grammar: `NtClose( Handle=0x24 ) => 0`), built with
 * MinGW-w64 from the shared source into {@link v10CacheDir} on first use (about 10 s; later
 * calls find it there). Not available when MinGW-w64 or libwine-dev is missing.
 */
export function v10Build(): Found<{ exe: string; builtMs: number }> {
  const out = v10CacheDir();
  const exe = join(out, 'NtTrace.exe');
  if (existsSync(exe) && existsSync(join(out, 'NtTrace.cfg'))) return { ok: true, exe, builtMs: 0 };
  if (onPath('x86_64-w64-mingw32-g++') === undefined) {
    return {
      ok: false,
      reason: 'x86_64-w64-mingw32-g++ not installed, so NtTrace v1.0 cannot be built (apt-get install g++-mingw-w64-x86-64 libwine-dev)',
    };
  }
  const tarball = join(NTTRACE_WINE_DIR, 'src', 'NtTrace-v1.0.tar.gz');
  if (!existsSync(tarball)) return { ok: false, reason: `${tarball} not found` };
  const src = mkdtempSync(join(tmpdir(), 'ntmd-nttrace-src-'));
  const started = Date.now();
  try {
    const untar = spawnSync('tar', ['xzf', tarball, '-C', src], { stdio: 'pipe' });
    if (untar.status !== 0) return { ok: false, reason: `cannot extract ${tarball}: ${untar.stderr.toString().trim()}` };
    mkdirSync(dirname(out), { recursive: true });
    const build = spawnSync(join(NTTRACE_WINE_DIR, 'build.sh'), ['--v1.0', join(src, 'NtTrace-v1.0'), out], {
      stdio: 'pipe',
      timeout: 300_000,
    });
    if (build.status !== 0 || !existsSync(exe)) {
      return { ok: false, reason: `building NtTrace v1.0 failed: ${build.stderr.toString().trim().split('\n').slice(-3).join(' / ')}` };
    }
    return { ok: true, exe, builtMs: Date.now() - started };
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
}

/** A Windows process of the prefix, as `winedbg` lists it. */
export interface WindowsProcess {
  /** The Windows pid (decimal; winedbg prints it in hex). */
  pid: number;
  /** The image name, e.g. `ping.exe`. */
  name: string;
}

/** Parses `winedbg --command "info proc"` (pids in hex, children indented under `\_ `). */
export function parseInfoProc(text: string): WindowsProcess[] {
  const out: WindowsProcess[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*[=>]?\s*([0-9a-fA-F]{8})\s+\d+\s+(?:\\_\s+)*'([^']+)'/.exec(line);
    if (m) out.push({ pid: parseInt(m[1], 16), name: m[2] });
  }
  return out;
}

/** Result of a finished Wine command. */
export interface WineRun {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/**
 * A private Wine prefix for one test run: made fresh in a temporary folder (about 10 s),
 * ended with `wineserver -k` and removed by {@link WinePrefix.dispose}.
 */
export class WinePrefix {
  /** The temporary folder holding the prefix (removed by dispose). */
  readonly root: string;
  /** `WINEPREFIX`. */
  readonly path: string;
  /** `TMPDIR` of everything run in the prefix (in {@link root}). */
  readonly tmp: string;
  /** How long making the prefix took. */
  bootMs = 0;
  private readonly started = new Set<ChildProcess>();

  private constructor(
    readonly tools: WineTools,
    root: string,
  ) {
    this.root = root;
    this.path = join(root, 'prefix');
    this.tmp = join(root, 'tmp');
    mkdirSync(this.tmp);
  }

  /** Makes and boots a fresh prefix (`wineboot -i`, no Mono/Gecko prompts). */
  static async create(tools: WineTools): Promise<WinePrefix> {
    const prefix = new WinePrefix(tools, mkdtempSync(join(tmpdir(), 'ntmd-wine-')));
    const t0 = Date.now();
    try {
      const boot = await prefix.wine(['wineboot', '-i'], { env: { WINEDLLOVERRIDES: 'mscoree,mshtml=' }, timeoutMs: 120_000 });
      if (boot.code !== 0) throw new Error(`wineboot -i failed (${boot.code ?? boot.signal}): ${boot.stderr.trim().slice(-500)}`);
      if (!existsSync(join(prefix.path, 'system.reg'))) throw new Error(`wineboot made no prefix in ${prefix.path}`);
      // wineboot returns before the prefix has settled: a Wine process started meanwhile can
      // hang (seen: winepath, in nttrace-wine, for ever). Wait until the server has exited.
      const settled = spawnSync(tools.wineserver, ['-w'], { env: prefix.env(), stdio: 'ignore', timeout: 60_000 });
      if (settled.status !== 0) throw new Error(`wineserver -w after wineboot failed (${settled.status ?? settled.signal})`);
    } catch (e) {
      prefix.dispose();
      throw e;
    }
    prefix.bootMs = Date.now() - t0;
    return prefix;
  }

  /**
   * The environment for anything run in this prefix: headless, quiet, this prefix; with
   * `nttraceExe`, the NtTrace build the `nttrace-wine` wrapper runs.
   */
  env(nttraceExe?: string): Record<string, string | undefined> {
    return {
      ...process.env,
      // wineserver makes its socket folder (wine-XXXXXX) under TMPDIR and leaves it behind
      // when it is killed: under the prefix's root, dispose removes it with the rest.
      TMPDIR: this.tmp,
      WINEPREFIX: this.path,
      WINEDEBUG: '-all',
      DISPLAY: '',
      WINELOADER: this.tools.wine64,
      WINE64: this.tools.wine64,
      ...(nttraceExe !== undefined ? { NTTRACE_EXE: nttraceExe } : {}),
    };
  }

  /** Unix path of a file in the prefix's `C:\windows\system32`. */
  system32(name: string): string {
    return join(this.path, 'drive_c', 'windows', 'system32', name);
  }

  /** Unix path of `C:\<rel>` in the prefix. */
  driveC(...rel: string[]): string {
    return join(this.path, 'drive_c', ...rel);
  }

  /** Runs `wine64 args...` to the end and collects its output. */
  wine(args: readonly string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<WineRun> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.tools.wine64, args, { env: { ...this.env(), ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout: Buffer.concat(out).toString('latin1'), stderr: Buffer.concat(err).toString('latin1') });
      });
    });
  }

  /**
   * Starts a Windows program in the prefix and leaves it running (in a process group of its
   * own, so that nothing sent to the tracer's group reaches it). Killed by dispose at the latest.
   */
  start(program: string, args: readonly string[] = []): ChildProcess {
    const child = spawn(this.tools.wine64, [program, ...args], { env: this.env(), stdio: 'ignore', detached: true });
    this.started.add(child);
    child.once('exit', () => this.started.delete(child));
    return child;
  }

  /** The prefix's Windows processes (`winedbg --command "info proc"`). */
  async processes(): Promise<WindowsProcess[]> {
    const r = await this.wine(['winedbg', '--command', 'info proc'], { timeoutMs: 10_000 });
    return parseInfoProc(r.stdout);
  }

  /** Waits until exactly one process named `name` runs, and gives its Windows pid. */
  async windowsPid(name: string, timeoutMs = 20_000): Promise<number> {
    const until = Date.now() + timeoutMs;
    let seen: WindowsProcess[] = [];
    while (Date.now() < until) {
      seen = (await this.processes()).filter((p) => p.name.toLowerCase() === name.toLowerCase());
      if (seen.length === 1) return seen[0].pid;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`no single Windows process ${name} within ${timeoutMs} ms (found ${seen.length})`);
  }

  /** Is the Windows process `pid` still there? */
  async isRunning(pid: number): Promise<boolean> {
    return (await this.processes()).some((p) => p.pid === pid);
  }

  /** {@link dispose}, then the Linux pids of this prefix's processes still running (none when all went). */
  disposeAndList(): number[] {
    const root = this.path;
    this.dispose();
    return processesInPrefix(root);
  }

  /**
   * Ends everything: the programs started here (their process groups), every process of the
   * prefix (`wineserver -k`), then removes the prefix's folder. Synchronous, idempotent.
   */
  dispose(): void {
    for (const child of this.started) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    this.started.clear();
    if (existsSync(this.path)) {
      spawnSync(this.tools.wineserver, ['-k'], { env: this.env(), stdio: 'ignore', timeout: 30_000 });
      // wineserver -k returns once the kill is sent: wait for the server to go.
      spawnSync(this.tools.wineserver, ['-w'], { env: this.env(), stdio: 'ignore', timeout: 30_000 });
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * Does any process of this user still run in `prefixPath` (its wineserver or a Windows
 * program)? Reads `/proc/<pid>/environ` for `WINEPREFIX=prefixPath`.
 */
export function processesInPrefix(prefixPath: string): number[] {
  const found: number[] = [];
  const needle = Buffer.from(`WINEPREFIX=${prefixPath}\0`);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`).includes(needle)) found.push(Number(entry));
    } catch {
      /* gone, or not ours */
    }
  }
  return found;
}
