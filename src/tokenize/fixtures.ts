/**
 * The synthetic trace fixtures of `fixtures/traces/` (written by
 * `scripts/make-trace-fixtures.mjs` with {@link synthTrace}).
 *
 * @packageDocumentation
 */
import type { SynthOptions } from './synth.js';

/** One fixture: a log, the options that made it, and its reduced trace. */
export interface TraceFixture {
  /** Log file name in `fixtures/traces/`. */
  file: string;
  /** Expected reduced trace (one call name per line) in `fixtures/traces/`. */
  reduced: string;
  /** What the log holds. */
  options: SynthOptions;
  /** The reduced trace counts embedded calls (read with `recoverEmbedded`). */
  recoverEmbedded?: boolean;
}

/** Every trace fixture. */
export const TRACE_FIXTURES: readonly TraceFixture[] = [
  // The shape of the corpus's raw logs: CRLF, events, program output, no prefixes.
  { file: 'demo-raw.log', reduced: 'demo-raw.reduced.txt', options: { seed: 11, calls: 400, crlf: true, output: 0.05, events: 0.03 } },
  // Every NtTrace prefix and -pre, two processes with two threads each.
  {
    file: 'prefixed-raw.log',
    reduced: 'prefixed-raw.reduced.txt',
    options: {
      seed: 12,
      calls: 300,
      time: true,
      delta: true,
      pid: true,
      tid: true,
      pre: true,
      processes: 2,
      threads: 2,
      output: 0.05,
      events: 0.05,
    },
  },
  // -stack frames and program text written without a newline in front of calls.
  {
    file: 'embedded-raw.log',
    reduced: 'embedded-raw.reduced.txt',
    options: { seed: 13, calls: 200, stack: true, embedded: 0.1, output: 0.05 },
    recoverEmbedded: true,
  },
  // A gzip'd log.
  { file: 'demo-raw.log.gz', reduced: 'demo-raw.log.gz.reduced.txt', options: { seed: 14, calls: 250, crlf: true, tid: true, threads: 3 } },
];
