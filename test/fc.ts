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
 * - Shrinking: once a property has failed, its predicate runs for at most
 *   {@link FC_SHRINK_BUDGET_MS} more ({@link shrinkBudget}); then shrinking stops and the
 *   smallest counterexample found so far is reported. (Shrinking a chained arbitrary of
 *   doubles took the whole 30 s time limit on a planted naive Bayes bug; the first failure
 *   came after one run.)
 *
 * The time limit is below vitest's test timeout (60 s, vitest.config.ts) so that fast-check,
 * not vitest, reports a slow property (vitest cannot stop a synchronous test anyway), and
 * well above the slowest property's time on a loaded machine (3.2 s, encoding.test.ts, with
 * the 2 shared cores busy; 321 tests of the 25 property files, none near the limit).
 *
 * Planted bugs, each failing within seconds with these settings: naive Bayes smoothing off by
 * one (its total misses the last feature): 3.0 s (more than 300 s, no end, without them); a
 * reduced-trace fast path that does not advance (an endless loop cut by a counter): 10.3 s;
 * idf computed with df + 2: 0.24 s.
 */
import fc from 'fast-check';

/** Time bound of one `fc.assert`, runs and shrinking together. */
export const FC_TIME_LIMIT_MS = 30_000;

/** Time bound of one run of an async property. */
export const FC_RUN_TIMEOUT_MS = 10_000;

/** The most runs a property test may ask for (test/project.test.ts checks the sources). */
export const MAX_NUM_RUNS = 5_000;

/** Time the predicate may still run once a property has failed (shrinking). */
export const FC_SHRINK_BUDGET_MS = 3_000;

/** The global settings (see the module comment). */
export const FC_DEFAULTS = {
  numRuns: 100,
  interruptAfterTimeLimit: FC_TIME_LIMIT_MS,
  markInterruptAsFailure: true,
  timeout: FC_RUN_TIMEOUT_MS,
} as const satisfies fc.GlobalParameters;

type RunResult = fc.PreconditionFailure | { error: unknown } | null;

/**
 * A fast-check plugin that bounds shrinking by time: after the first failing run, the
 * predicate is run for `ms` more; past that every further shrink candidate counts as passing
 * without being run, so the shrinker stops at once on the smallest failure found so far.
 */
export function shrinkBudget(ms = FC_SHRINK_BUDGET_MS): fc.Plugin<unknown> {
  return () => {
    let failedAt: number | undefined;
    const note = (out: RunResult): RunResult => {
      if (failedAt === undefined && out !== null && !fc.PreconditionFailure.isFailure(out)) failedAt = performance.now();
      return out;
    };
    return {
      decorateRun: (nested) => (value) => {
        if (failedAt !== undefined && performance.now() - failedAt > ms) return null;
        const out = nested(value);
        return out instanceof Promise ? out.then(note) : note(out);
      },
    };
  };
}

const INSTALLED = Symbol.for('ntmaldetect.fast-check-bounds');

/**
 * Installs {@link FC_DEFAULTS} as fast-check's global settings and {@link shrinkBudget} as a
 * global plugin (test/fc-setup.ts calls it; once per fast-check instance).
 */
export function configureFastCheck(): void {
  fc.configureGlobal({ ...fc.readConfigureGlobal(), ...FC_DEFAULTS });
  // One fast-check module may serve several test files of a worker: install the plugin once
  // per module instance (known by its installGlobalPlugin function).
  const g = globalThis as unknown as Record<symbol, WeakSet<object> | undefined>;
  const seen = (g[INSTALLED] ??= new WeakSet<object>());
  if (!seen.has(fc.installGlobalPlugin)) {
    fc.installGlobalPlugin(shrinkBudget());
    seen.add(fc.installGlobalPlugin);
  }
}
