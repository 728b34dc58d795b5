/**
 * Test-only: the shared corpus (through the library's own loader) and reference files,
 * loaded once per test file. Documents follow ../shared/reference's order (sysBEN sorted,
 * then sysMAL sorted; empty files skipped).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCorpus } from '../../corpus/index.js';
import type { CallTable } from '../../tokenize/call-table.js';
import { corpusDir, referenceDir, requireShared } from '../../../test/shared.js';

export interface TestCorpus {
  names: string[];
  docs: Int32Array[];
  labels: Uint8Array;
  table: CallTable;
}

let cached: Promise<TestCorpus> | undefined;

/** The 215 non-empty traces of ../shared/corpus with their labels (0 benign, 1 malicious). */
export function loadTestCorpus(): Promise<TestCorpus> {
  cached ??= (async () => {
    requireShared();
    const corpus = await loadCorpus(corpusDir);
    return {
      names: corpus.docs.map((d) => d.name),
      docs: corpus.docs.map((d) => d.calls),
      labels: Uint8Array.from(corpus.docs, (d) => d.label),
      table: corpus.table,
    };
  })();
  return cached;
}

/** A parsed JSON file of ../shared/reference. */
export function readReference<T = unknown>(file: string): T {
  return JSON.parse(readFileSync(join(referenceDir, file), 'utf8')) as T;
}
