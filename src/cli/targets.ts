/**
 * The inputs of commands that read traces (`scan`, `reduce`): files, folders (walked
 * recursively), quoted glob patterns (expanded here, so `scan 'traces/*.log'` works in every
 * shell, Windows' included) and `-` for standard input.
 *
 * The content rule for files met in a folder or through a pattern: a file that is empty,
 * that holds no call line (a `NOTES.md`, a `.json`, a binary: the reader's `EMPTY_TRACE` or
 * `NO_CALLS` with no line starting like a call) or whose calls are not calls
 * (`NOT_A_TRACE`) is *skipped*, listed on standard error and counted. A file named on the
 * command line is always judged: the same findings are errors there.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { isNtmdError } from '../errors.js';
import type { NoCallsError } from '../tokenize/errors.js';
import type { DatasetError } from '../corpus/errors.js';

/** One input to read. */
export interface Target {
  /** As shown: the argument, or the path relative to it for files found in a folder. */
  readonly name: string;
  /** Absolute path, or null for standard input. */
  readonly path: string | null;
  /** Found in a folder or by a pattern (not named): skipped, not failed, when not a trace. */
  readonly found: boolean;
  /** Path relative to the folder or pattern base it was found under (`--out-dir` layouts). */
  readonly relative: string;
  /** Why it cannot be read, when known before reading. */
  readonly error?: string;
}

/** What {@link collectTargets} found. */
export interface Targets {
  /** Files to read and arguments that failed, in argument order. */
  readonly targets: Target[];
  /** Empty files found in folders (skipped before reading). */
  readonly emptySkipped: string[];
}

const GLOB_CHARS = /[*?[\]{}]/;

/** Sorts names by code unit, as `ls` in the C locale: the same order on every machine. */
const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Expands the arguments of a command into files to read. */
export async function collectTargets(args: readonly string[], cwd: string): Promise<Targets> {
  const targets: Target[] = [];
  const emptySkipped: string[] = [];
  const fail = (name: string, error: string): void => {
    targets.push({ name, path: null, found: false, relative: name, error });
  };
  const walk = async (dir: string, shownRoot: string, root: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => byName(a.name, b.name));
    for (const e of entries) {
      const full = join(dir, e.name);
      const rel = relative(root, full);
      const name = join(shownRoot, rel);
      const info = await stat(full).catch(() => undefined);
      if (info?.isDirectory()) await walk(full, shownRoot, root);
      else if (info?.isFile()) {
        if (info.size === 0) emptySkipped.push(name);
        else targets.push({ name, path: full, found: true, relative: rel });
      }
    }
  };
  for (const arg of args) {
    if (arg === '-') {
      targets.push({ name: '-', path: null, found: false, relative: '-' });
      continue;
    }
    const full = resolve(cwd, arg);
    const info = await stat(full).catch((e: NodeJS.ErrnoException) => e);
    if (info instanceof Error) {
      if (info.code === 'ENOENT' && GLOB_CHARS.test(arg)) {
        await expandPattern(arg, cwd, targets, emptySkipped, fail);
        continue;
      }
      fail(arg, info.code === 'ENOENT' ? 'no such file or directory' : `cannot read (${info.code ?? info.message})`);
    } else if (info.isDirectory()) {
      const before = targets.length + emptySkipped.length;
      try {
        await walk(full, arg, full);
      } catch (e) {
        fail(arg, `cannot read the folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        continue;
      }
      if (targets.length + emptySkipped.length === before) fail(arg, 'the folder holds no file');
    } else targets.push({ name: arg, path: full, found: false, relative: arg });
  }
  return { targets, emptySkipped };
}

/** Expands a glob pattern (relative to `cwd`) into files, in name order. */
async function expandPattern(
  pattern: string,
  cwd: string,
  targets: Target[],
  emptySkipped: string[],
  fail: (name: string, error: string) => void,
): Promise<void> {
  // tinyglobby (fdir + picomatch, already in the tree through vitest): Node 20 has no fs.glob.
  const { glob } = await import('tinyglobby');
  let matches: string[];
  try {
    matches = await glob(pattern.replace(/\\/g, '/'), { cwd, onlyFiles: true, dot: false, expandDirectories: false, absolute: false });
  } catch (e) {
    fail(pattern, `not a valid pattern (${(e as Error).message})`);
    return;
  }
  if (matches.length === 0) {
    fail(pattern, 'no file matches this pattern');
    return;
  }
  for (const m of matches.sort(byName)) {
    const full = resolve(cwd, m);
    const info = await stat(full).catch(() => undefined);
    if (!info?.isFile()) continue;
    if (info.size === 0) emptySkipped.push(m);
    else targets.push({ name: m, path: full, found: true, relative: m });
  }
}

/**
 * Why a file found in a folder is not a trace, from the error reading or judging it threw;
 * `undefined` when the error is a real failure to report (an unreadable file, a corrupt
 * gzip, a log whose call lines are in an unknown spelling).
 */
export function notATraceReason(e: unknown): string | undefined {
  if (!isNtmdError(e)) return undefined;
  if (e.code === 'EMPTY_TRACE') return 'empty';
  if (e.code === 'NO_CALLS') {
    const stats = (e as NoCallsError).stats;
    if (stats.unparseable > 0 || stats.cutCalls > 0) return undefined;
    return (e as NoCallsError).binary ? 'a binary file' : 'no call lines';
  }
  if (e.code === 'NOT_A_TRACE') return 'its lines are not system calls';
  // --format words|csv|tsv: a binary file met in a folder.
  if (e.code === 'BAD_DATASET' && (e as DatasetError).binary) return 'a binary file';
  return undefined;
}
