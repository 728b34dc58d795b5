/**
 * The corpus summary a model stores: counts and a content hash, no names or paths. One
 * function for both training paths (a corpus in memory, and the first pass of training in
 * passes), so the two write the same summary.
 *
 * @packageDocumentation
 */
import { sha256Hex } from '../hash.js';
import type { CorpusSummary } from '../model/model.js';

/** `docs`' label and file hash; `callsOf` gives each one's number of calls. */
export function summarizeDocs<D extends { readonly label: number; readonly sha256: string }>(
  docs: readonly D[],
  callsOf: (doc: D) => number,
  skippedEmpty: number,
): CorpusSummary {
  let benign = 0;
  let calls = 0;
  let duplicates = 0;
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const d of docs) {
    if (d.label === 0) benign++;
    calls += callsOf(d);
    if (seen.has(d.sha256)) duplicates++;
    seen.add(d.sha256);
    lines.push(`${d.label} ${d.sha256}`);
  }
  lines.sort();
  return {
    documents: docs.length,
    benign,
    malicious: docs.length - benign,
    skippedEmpty,
    calls,
    duplicates,
    sha256: sha256Hex(lines.join('\n')),
  };
}
