/**
 * Prettier's formatting (.prettierrc.json) over the TypeScript of src/ and test/ and the config
 * files, run by `npm test` so that CI fails on formatting drift. `npm run format` rewrites the
 * files; `npm run format:check` runs the same check alone.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { glob } from 'tinyglobby';
import { describe, expect, it } from 'vitest';
import { projectRoot } from './shared.js';

/** What `npm run format` formats (the same list as package.json's script). */
export const FORMATTED = ['src/**/*.ts', 'test/**/*.ts', 'vitest.config.ts', 'eslint.config.js'];

describe('prettier', () => {
  it('finds every file formatted', async () => {
    const files = await glob(FORMATTED, { cwd: projectRoot });
    expect(files.length).toBeGreaterThan(200);
    const drift: string[] = [];
    for (const f of files.sort()) {
      const filepath = join(projectRoot, f);
      const options = await prettier.resolveConfig(filepath);
      expect(options, `${f}: no prettier configuration found`).not.toBeNull();
      if (!(await prettier.check(readFileSync(filepath, 'utf8'), { ...options, filepath }))) drift.push(f);
    }
    expect(drift, 'run `npm run format`').toEqual([]);
  }, 120_000);

  it('notices drift (a file with its lines re-indented is not formatted)', async () => {
    const filepath = join(projectRoot, 'src/stats/metrics.ts');
    const options = await prettier.resolveConfig(filepath);
    const text = readFileSync(filepath, 'utf8');
    expect(await prettier.check(text, { ...options, filepath })).toBe(true);
    expect(await prettier.check(text.replace(/\n {2}(\S)/, '\n      $1'), { ...options, filepath })).toBe(false);
  });
});
