/**
 * Warnings the commands print about how a trace was read.
 */
import type { LineStats } from '../tokenize/types.js';

/**
 * What a reader saw that a user should know: a last call cut by the end of the log, lines
 * that start like a call but end in an unknown spelling.
 */
export function readWarnings(read: { stats: LineStats; firstUnparseable?: { line: number; text: string } }): string[] {
  const out: string[] = [];
  if (read.stats.cutCalls > 0) out.push('the log ends inside its last call line (truncated, or its tracer was stopped): that call is read');
  const bad = read.firstUnparseable;
  if (bad !== undefined) {
    const n = read.stats.unparseable;
    out.push(
      `${n} line${n === 1 ? ' starts' : 's start'} like a call but end in an unknown spelling (not read); the first, line ${bad.line}: ${JSON.stringify(bad.text)}`,
    );
  }
  return out;
}
