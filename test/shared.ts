/**
 * Where the read-only shared material lives (corpus, reference numbers, docs).
 * Third-party data is never copied into the repo: tests and benchmarks read it from
 * `../shared` next to the project root, or from `$NTMD_SHARED`.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (the folder holding package.json). */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Absolute path of the shared folder. */
export const sharedDir = resolve(process.env.NTMD_SHARED ?? resolve(projectRoot, '..', 'shared'));

/** `../shared/corpus`. */
export const corpusDir = resolve(sharedDir, 'corpus');

/** `../shared/reference`. */
export const referenceDir = resolve(sharedDir, 'reference');

/**
 * Fails loudly when the shared material is missing: a test that needs the corpus must not
 * silently pass (or skip) on a machine without it.
 */
export function requireShared(): void {
  if (!existsSync(resolve(corpusDir, 'sysBEN'))) {
    throw new Error(`shared corpus not found at ${corpusDir}: set NTMD_SHARED to the shared folder`);
  }
}
