/**
 * Finding processes by their command line and environment (Linux `/proc`), for tests that
 * check nothing they started is left running, and for the run's global teardown.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** A process as seen in /proc. */
export interface ProcInfo {
  pid: number;
  /** The command line, arguments joined with spaces. */
  cmdline: string;
}

/** Every process of this machine that we may read (Linux; empty elsewhere), but this one. */
export function listProcesses(): ProcInfo[] {
  if (process.platform !== 'linux') return [];
  const out: ProcInfo[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'latin1');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue; // a zombie waits to be reaped: not running
      out.push({ pid: Number(e), cmdline: readFileSync(`/proc/${e}/cmdline`, 'latin1').replace(/\0/g, ' ').trimEnd() });
    } catch {
      /* gone, or not ours */
    }
  }
  return out;
}

/** The pids of the processes whose command line contains every one of `parts` (Linux). */
export function processesWith(...parts: string[]): number[] {
  return listProcesses()
    .filter((p) => parts.every((part) => p.cmdline.includes(part)))
    .map((p) => p.pid);
}

/** The value of variable `name` in the environment process `pid` started with, if readable. */
export function environOf(pid: number, name: string): string | undefined {
  try {
    const env = readFileSync(`/proc/${pid}/environ`, 'latin1');
    const key = `${name}=`;
    for (const entry of env.split('\0')) if (entry.startsWith(key)) return entry.slice(key.length);
  } catch {
    /* gone, or not ours */
  }
  return undefined;
}
