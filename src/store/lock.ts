/**
 * The owner lock of an embedded (PGlite) store folder: one process at a time, taken
 * atomically, and a lock left by a dead process taken over by exactly one of the processes
 * that find it.
 *
 * The lock is a series of numbered files `lock.1`, `lock.2`, ... in the folder; the highest
 * number is the current lock. Each file holds its owner as one JSON line: pid, host, the
 * process's start time (so that a recycled pid is not mistaken for the owner) and whether the
 * lock was released. A process takes the lock by creating the file one above the highest it
 * found, with an exclusive create (`link()` of a complete temporary file, which fails when
 * the name exists, so a reader never sees a half-written owner): of several processes that
 * found the same free or stale lock `lock.N`, exactly one creates `lock.N+1`. The creator
 * then lists the folder again and owns the lock only if its file is still the highest (a
 * process that read an old listing can only create a lower number, which it then gives up).
 * The highest file is never deleted, so numbers only grow; the owner removes the lower ones.
 * Releasing rewrites the owner's file as released instead of deleting it.
 *
 * A `lock` file of ntmaldetect 0.1 (`pid@host`) counts as generation 0.
 *
 * @packageDocumentation
 */
import {
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { StoreLockedError, StorePathError } from './errors.js';

/** The owner recorded in a lock file. */
export interface LockOwner {
  pid: number;
  host: string;
  /** Start time of the owner process, as the OS reports it (Linux: clock ticks after boot), when known. */
  start?: string;
  /** True once the owner released the lock. */
  released?: boolean;
}

const GENERATION = /^lock\.(\d{1,15})$/;
const LEGACY = 'lock';

/** Start time of process `pid` as Linux reports it (field 22 of /proc/pid/stat), or undefined elsewhere. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count after its end.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the process recorded in `owner` (on this host) no longer runs. */
function ownerGone(owner: LockOwner): boolean {
  if (owner.host !== hostname() || !Number.isInteger(owner.pid) || owner.pid <= 0) return false;
  if (!pidAlive(owner.pid)) return true;
  // Alive: the same process, unless the pid was recycled (a different start time).
  if (owner.start === undefined) return false;
  const now = processStart(owner.pid);
  return now !== undefined && now !== owner.start;
}

/** Reads a lock file: the owner, `'partial'` when it cannot be parsed, undefined when it is gone. */
function readOwner(path: string, legacy: boolean): LockOwner | 'partial' | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  if (legacy) {
    const [pidText, host] = text.split('@');
    const pid = Number(pidText);
    return Number.isInteger(pid) && host !== undefined ? { pid, host } : 'partial';
  }
  try {
    const o = JSON.parse(text) as LockOwner;
    return typeof o.pid === 'number' && typeof o.host === 'string' ? o : 'partial';
  } catch {
    return 'partial';
  }
}

/** The lock generations present in `dir`, highest first (0 = the legacy `lock` file). */
function generations(dir: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync(dir)) {
    if (name === LEGACY) out.push(0);
    else {
      const m = GENERATION.exec(name);
      if (m) out.push(Number(m[1]));
    }
  }
  return out.sort((a, b) => b - a);
}

const fileOf = (dir: string, gen: number): string => join(dir, gen === 0 ? LEGACY : `lock.${gen}`);

/**
 * Creates `path` holding `text`, atomically and only if it does not exist: the text is
 * written to a temporary file first and hard-linked to `path` (so no reader sees it half
 * written); where hard links are not supported, an exclusive create. False if it exists.
 */
function createExclusive(dir: string, path: string, text: string): boolean {
  const tmp = join(dir, `.lock-tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  writeFileSync(tmp, text, { flag: 'wx' });
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
  }
  try {
    const fd = openSync(path, 'wx');
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/** Options of {@link lockFolder} (tests). */
export interface LockOptions {
  /** How many times a lock being written by another process (unreadable yet) is read again. Default 20 (about 1 s). */
  retries?: number;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Takes the owner lock of an embedded store folder (creating the folder), or throws
 * {@link StoreLockedError} naming the owner. A lock released, or left by a process that no
 * longer runs on this host, is taken over by exactly one of the processes that find it.
 * Returns the release function (also run when the process exits).
 */
export function lockFolder(dir: string, options: LockOptions = {}): () => void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'EEXIST' || code === 'ENOTDIR'
        ? 'the path is a file (or under one), not a folder: an embedded store is a folder'
        : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
          ? 'the folder cannot be created here (permission denied)'
          : `the folder cannot be created (${code ?? (e as Error).message})`;
    throw new StorePathError(dir, why);
  }
  const me: LockOwner = { pid: process.pid, host: hostname(), start: processStart(process.pid) };
  const retries = options.retries ?? 20;
  let mine: number | undefined;
  for (let attempt = 0; mine === undefined; attempt++) {
    const gens = generations(dir);
    const top = gens[0];
    if (top !== undefined) {
      const owner = readOwner(fileOf(dir, top), top === 0);
      if (owner === undefined) continue; // a legacy lock released meanwhile: list again
      if (owner === 'partial' || !(owner.released === true || ownerGone(owner))) {
        if (owner === 'partial' && attempt < retries) {
          sleepSync(50);
          continue;
        }
        throw new StoreLockedError(dir, owner === 'partial' ? undefined : owner.pid);
      }
    }
    const gen = (top ?? 0) + 1;
    if (!createExclusive(dir, fileOf(dir, gen), JSON.stringify(me) + '\n')) {
      // Another process took generation `gen` first: see who owns it now.
      if (attempt < retries) continue;
      throw new StoreLockedError(dir, undefined);
    }
    // Ours only if still the highest: a process that listed the folder before a takeover
    // can only have created a lower generation.
    if (generations(dir)[0] === gen) mine = gen;
    else {
      try {
        unlinkSync(fileOf(dir, gen));
      } catch {
        // removed by the owner's clean-up already
      }
      if (attempt >= retries) throw new StoreLockedError(dir, undefined);
    }
  }
  // Lower generations are history: remove them (never the current one).
  for (const g of generations(dir)) {
    if (g < mine) {
      try {
        unlinkSync(fileOf(dir, g));
      } catch {
        // gone already
      }
    }
  }
  const path = fileOf(dir, mine);
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.off('exit', release);
    try {
      const owner = readOwner(path, false);
      if (owner === undefined || owner === 'partial' || owner.pid !== me.pid || owner.start !== me.start || owner.released) return;
      // Marked released in place (the highest file is never deleted): the next opener takes
      // the generation above it. Written through a rename so that no reader sees half a line.
      const tmp = join(dir, `.lock-tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
      writeFileSync(tmp, JSON.stringify({ ...me, released: true }) + '\n');
      renameSync(tmp, path);
    } catch {
      // The folder is gone.
    }
  };
  process.on('exit', release);
  return release;
}
