/**
 * Parsing of verdict intervals: `500ms`, `10s`, `2m`, `1h`, or a bare number of seconds.
 *
 * @packageDocumentation
 */
import { InvalidOptionError } from '../errors.js';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Longest interval accepted: 24 hours (longer ones are almost surely a typo). */
export const MAX_INTERVAL_MS = 86_400_000;

/**
 * Parses an interval into whole milliseconds.
 *
 * Accepted: a non-negative decimal number followed by `ms`, `s`, `m` or `h` (`500ms`,
 * `10s`, `1.5s`, `2m`), or a bare number, read as seconds (`10` = 10 s). A number is taken
 * as milliseconds. The result is rounded to the nearest millisecond and must lie in
 * [1 ms, 24 h].
 *
 * @param value the text (or a number of milliseconds)
 * @param option the option name used in the error message
 * @throws {@link InvalidOptionError} for anything else
 */
export function parseInterval(value: string | number, option = 'interval'): number {
  let ms: number;
  if (typeof value === 'number') {
    ms = value;
  } else {
    const m = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m|h)?\s*$/i.exec(value);
    if (!m) throw new InvalidOptionError(option, 'a duration such as 500ms, 10s, 2m (a bare number is seconds)', value);
    ms = Number(m[1]) * UNIT_MS[(m[2] ?? 's').toLowerCase()];
  }
  const rounded = Math.round(ms);
  if (!Number.isFinite(ms) || rounded < 1 || rounded > MAX_INTERVAL_MS) {
    throw new InvalidOptionError(option, 'a duration between 1ms and 24h', value);
  }
  return rounded;
}

/** Formats milliseconds back into the shortest exact form `parseInterval` reads (`1500ms`, `10s`, `2m`). */
export function formatInterval(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
