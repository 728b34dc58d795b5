/**
 * Test helpers of src/reassess: synthetic traces as store import items, and the store
 * back-ends (PGlite always, PostgreSQL when NTMD_DATABASE_URL is set). Not part of the build.
 */
import { syntheticCorpus, type SyntheticOptions } from '../../eval/synthetic.js';
import type { ImportItem } from '../../store/sources.js';
import { Mt19937 } from '../../stats/random.js';

/**
 * Synthetic traces as import items named `<prefix>NNNN.txt`. `randomLabels` replaces every
 * label by a coin flip (seeded): traces whose labels carry no information.
 */
export function syntheticItems(prefix: string, options: SyntheticOptions & { randomLabels?: boolean }): ImportItem[] {
  const c = syntheticCorpus(options);
  const rng = new Mt19937((options.seed ?? 0) + 1000);
  return c.traces.map((calls, i) => ({
    name: `${prefix}${String(i).padStart(4, '0')}.txt`,
    label: options.randomLabels ? (rng.random() < 0.5 ? 0 : 1) : (c.labels[i] as 0 | 1),
    bytes: new TextEncoder().encode(calls.join('\n') + '\n'),
    source: prefix,
  }));
}

export { backends, pgliteBackend, removeScratch } from '../../store/test-helpers/backends.js';
