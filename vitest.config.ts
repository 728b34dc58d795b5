import { defineConfig } from 'vitest/config';

/**
 * The test files that run programs under Wine: each boots a private prefix, and Wine under
 * load (two prefixes starting programs at once on a 2-core machine, with the rest of the
 * suite beside them) stalls for a minute at times. They run one at a time, after the rest.
 */
const WINE_FILES = ['src/runner/wine.test.ts', 'src/runner/process-lifetime.test.ts', 'src/server/worker-adversarial.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Fails the run when a process started by the tests is still running at the end.
    globalSetup: ['test/global-setup.ts'],
    // Bounded runs and a time limit for every fast-check property (test/fc.ts).
    setupFiles: ['test/fc-setup.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'main', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: WINE_FILES, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'wine', include: WINE_FILES, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
