/**
 * ESLint over src/ and test/ with typescript-eslint's type-checked rules (eslint.config.js),
 * run by `npm test` so that CI fails on a lint error. `npm run lint` runs the same check alone.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { projectRoot } from './shared.js';

/** Type-checked lint of the whole tree: about 25 s alone on 2 cores, longer beside the other tests. */
const LINT_TIMEOUT_MS = 300_000;

/** The problems ESLint reports, one `file:line rule message` line each. */
function problems(results: ESLint.LintResult[]): string[] {
  return results.flatMap((r) =>
    r.messages.map((m) => `${relative(projectRoot, r.filePath)}:${m.line} ${m.ruleId ?? '(eslint)'} ${m.message.split('\n')[0]}`),
  );
}

describe('eslint', () => {
  const eslint = new ESLint({ cwd: projectRoot });

  it(
    'reports no problem in src/ and test/',
    async () => {
      const results = await eslint.lintFiles(['src', 'test']);
      // Guards against a config that matches nothing: every source file is linted.
      expect(results.length).toBeGreaterThan(200);
      expect(problems(results)).toEqual([]);
    },
    LINT_TIMEOUT_MS,
  );

  it(
    'applies the type-checked rules (a planted floating promise and needless async are reported)',
    async () => {
      // The text of a real file of src/ (the project service knows it) with a probe appended;
      // nothing is written to disk.
      const filePath = join(projectRoot, 'src/stats/metrics.ts');
      const probe =
        '\nexport async function lintProbe(): Promise<number> {\n  return 1;\n}\nexport function lintProbe2(): void {\n  lintProbe();\n}\n';
      const [result] = await eslint.lintText(readFileSync(filePath, 'utf8') + probe, { filePath });
      const rules = result.messages.map((m) => m.ruleId);
      expect(rules).toEqual(expect.arrayContaining(['@typescript-eslint/require-await', '@typescript-eslint/no-floating-promises']));
    },
    LINT_TIMEOUT_MS,
  );
});
