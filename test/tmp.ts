/**
 * Scratch folders for tests that are removed when the test file ends: a test file that
 * imports this module registers one `afterAll` hook (vitest runs each file in its own module
 * graph), which removes every folder {@link scratchDir} made for it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];

afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder under the system's temporary folder, removed after the test file. */
export function scratchDir(prefix = 'ntmd-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
