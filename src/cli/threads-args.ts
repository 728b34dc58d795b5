/**
 * `--threads N|auto` of the commands that read many traces (`scan`, `train`, `bench`,
 * `store import`).
 */
import type { ParsedValues } from './command.js';
import { UsageError, stringOption } from './command.js';

/** The option's `parseArgs` entry. */
export const threadsOption = { threads: { type: 'string' } } as const;

/**
 * Its help lines, the description starting at column `col` (as the command's other options)
 * and saying what the threads do.
 */
export function threadsHelp(col = 24, what = 'read and featurise traces'): string {
  const head = '  --threads N|auto'.padEnd(col);
  return `${head}threads that ${what} (default auto:\n${' '.repeat(col)}more than one only for large inputs, on idle cores; 1: one thread)`;
}

/** `--threads`: an integer from 1 to 256, `auto` (undefined), or absent (undefined). */
export function threadsFromArgs(values: ParsedValues): number | undefined {
  const s = stringOption(values, 'threads');
  if (s === undefined || s === 'auto') return undefined;
  const n = Number(s);
  if (!/^\d+$/.test(s.trim()) || !Number.isInteger(n) || n < 1 || n > 256) {
    throw new UsageError(`--threads must be an integer from 1 to 256 or auto, got ${JSON.stringify(s)}`);
  }
  return n;
}
