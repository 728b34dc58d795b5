/**
 * Test-only: the shared corpus and reference files, loaded once per test file.
 * Documents follow ../shared/reference's order (sysBEN sorted, then sysMAL sorted; empty
 * files skipped). Reduced traces are one call name per line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CallTable } from '../../tokenize/call-table.js';
import { corpusDir, referenceDir, requireShared } from '../../../test/shared.js';

export interface TestCorpus {
  names: string[];
  docs: Int32Array[];
  labels: Uint8Array;
  table: CallTable;
}

let cached: TestCorpus | undefined;

/** The 215 non-empty traces of ../shared/corpus with their labels (0 benign, 1 malicious). */
export function loadTestCorpus(): TestCorpus {
  if (cached) return cached;
  requireShared();
  const table = new CallTable();
  const names: string[] = [];
  const docs: Int32Array[] = [];
  const labels: number[] = [];
  for (const [folder, label] of [['sysBEN', 0], ['sysMAL', 1]] as const) {
    const files = readdirSync(join(corpusDir, folder)).sort();
    for (const f of files) {
      const text = readFileSync(join(corpusDir, folder, f), 'latin1');
      const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
      if (lines.length === 0) continue;
      names.push(`${folder}/${f}`);
      docs.push(Int32Array.from(lines, (l) => table.intern(l)));
      labels.push(label);
    }
  }
  cached = { names, docs, labels: Uint8Array.from(labels), table };
  return cached;
}

/** A parsed JSON file of ../shared/reference. */
export function readReference<T = any>(file: string): T {
  return JSON.parse(readFileSync(join(referenceDir, file), 'utf8')) as T;
}
