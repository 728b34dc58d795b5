#!/usr/bin/env node
// Runs the whole test suite with vitest and ends with the plain line
// "N passed, N failed" (", N skipped" when any were skipped) that CI reads.
// Exits non-zero when any test failed or the run itself broke.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, '.vitest-results.json');
rmSync(out, { force: true });
rmSync(join(root, '.vitest-leftovers.json'), { force: true });
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const res = spawnSync(
  process.execPath,
  [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } },
);
if (!existsSync(out)) {
  console.log('0 passed, 1 failed');
  console.error(`vitest produced no results (exit ${res.status ?? res.signal})`);
  process.exit(1);
}
const r = JSON.parse(readFileSync(out, 'utf8'));
const passed = r.numPassedTests ?? 0;
// A test file that failed without any failed test (it did not load, or a hook threw)
// counts as one failure too; vitest's numFailedTestSuites counts describe blocks, so it
// would count one failed test once per enclosing describe.
const brokenFiles = (r.testResults ?? []).filter(
  (f) => f.status !== 'passed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
).length;
// The global teardown (test/global-setup.ts) records processes the tests left running: the
// run failed then, even though every test passed.
const leftoversFile = join(root, '.vitest-leftovers.json');
const leftoverRecord = existsSync(leftoversFile) ? JSON.parse(readFileSync(leftoversFile, 'utf8')) : {};
const leftovers = leftoverRecord.left ?? [];
const tmpLeftovers = leftoverRecord.tmp ?? [];
if (leftovers.length > 0) console.error(`the tests left ${leftovers.length} process(es) running (listed above; killed): counted as one failure`);
if (tmpLeftovers.length > 0) console.error(`the tests left ${tmpLeftovers.length} temporary file(s) or folder(s) (listed above; removed): counted as one failure`);
const failed = (r.numFailedTests ?? 0) + brokenFiles + (leftovers.length > 0 ? 1 : 0) + (tmpLeftovers.length > 0 ? 1 : 0);
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || res.status !== 0 || passed === 0 ? 1 : 0);
