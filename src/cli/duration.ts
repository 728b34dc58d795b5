/**
 * Duration options (`--interval`, `--lease`, `--time-limit`, `--poll`) of `run`, `attach`,
 * `serve` and `worker`, in milliseconds. (Not a command: commands are listed in `commands.ts`.)
 *
 * @packageDocumentation
 */
import type { ParsedValues } from './command.js';
import { UsageError, stringOption } from './command.js';
import { parseInterval } from '../runner/interval.js';

/** Reads a duration option (`500ms`, `10s`, `2m`, bare number = seconds) in milliseconds. */
export function durationOption(values: ParsedValues, name: string): number | undefined {
  const s = stringOption(values, name);
  if (s === undefined) return undefined;
  try {
    return parseInterval(s, `--${name}`);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
