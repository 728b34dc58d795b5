/**
 * The fast-check settings every property test runs with, so that a pathological case (a bug
 * that makes a run slow, or shrinking that goes on and on) fails within seconds instead of
 * hanging the suite.
 *
 * `test/fc-setup.ts` (a vitest setup file) installs them with `fc.configureGlobal`, so every
 * `fc.assert` / `fc.check` gets them; a call's own options (`{ numRuns: 300 }`) are merged over
 * them key by key, and keep the time bound. test/project.test.ts checks both.
 *
 * - `numRuns`: 100 unless a call asks for more (at most {@link MAX_NUM_RUNS}).
 * - `interruptAfterTimeLimit`: generation, runs and shrinking together stop after
 *   {@link FC_TIME_LIMIT_MS}; with `markInterruptAsFailure` an interrupted property FAILS, with
 *   fast-check's report (the counterexample shrunk so far, its seed and path to replay it).
 *   It is checked between runs: a synchronous infinite loop inside one run is not stopped
 *   (nothing in the same thread can stop it), a run that is merely slow is.
 * - `timeout`: one run of an async property may take at most {@link FC_RUN_TIMEOUT_MS}.
 *
 * The time limit is below vitest's test timeout (60 s, vitest.config.ts) so that fast-check,
 * not vitest, reports a slow property (vitest cannot stop a synchronous test anyway), and
 * well above the slowest property's time on a loaded machine.
 */
import fc from 'fast-check';

/** Time bound of one `fc.assert`, runs and shrinking together. */
export const FC_TIME_LIMIT_MS = 30_000;

/** Time bound of one run of an async property. */
export const FC_RUN_TIMEOUT_MS = 10_000;

/** The most runs a property test may ask for (test/project.test.ts checks the sources). */
export const MAX_NUM_RUNS = 5_000;

/** The global settings (see the module comment). */
export const FC_DEFAULTS = {
  numRuns: 100,
  interruptAfterTimeLimit: FC_TIME_LIMIT_MS,
  markInterruptAsFailure: true,
  timeout: FC_RUN_TIMEOUT_MS,
} as const satisfies fc.GlobalParameters;

/** Installs {@link FC_DEFAULTS} as fast-check's global settings (test/fc-setup.ts calls it). */
export function configureFastCheck(): void {
  fc.configureGlobal({ ...fc.readConfigureGlobal(), ...FC_DEFAULTS });
}
