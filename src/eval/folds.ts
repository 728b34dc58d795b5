/**
 * Cross-validation splits: seeded stratified k-fold (the same folds as scikit-learn's
 * `StratifiedKFold(shuffle=True, random_state=seed)`), the same on unique traces only,
 * grouped k-fold where near-duplicate traces never straddle folds, and replay of a folds
 * file such as `../shared/reference/cv-folds.json`. The fold assignment they build on
 * (`stratifiedFoldOf`, `foldsFromAssignment`) is in `src/stats/folds.ts`.
 */
import type { Csr } from '../tfidf/csr.js';
import { Mt19937 } from '../stats/random.js';
import { checkFoldCount, foldsFromAssignment, stratifiedFoldOf, type Fold } from '../stats/folds.js';
import { FoldsFileError, SplitError } from './errors.js';

// The fold assignment itself is shared with the core (Platt calibration, the `auto` preset).
export { stratifiedFoldOf, foldsFromAssignment };
export type { Fold };

/** The kinds of split `bench` offers. */
export type SplitKind = 'stratified' | 'unique' | 'grouped' | 'file';

/** A k-fold split of (part of) a corpus. */
export interface Split {
  readonly kind: SplitKind;
  /** The folds; every used document is in exactly one test part. */
  readonly folds: Fold[];
  /** Documents taking part (ascending). Duplicates dropped by `unique` are not in it. */
  readonly used: Int32Array;
  /** One line saying how the split was made, for reports. */
  readonly description: string;
}

/** Result of dropping byte-identical copies. */
export interface UniqueDocs {
  /** Kept documents (the first of each identical group, in document order). */
  readonly keep: Int32Array;
  /** Kept index -> the indices of its dropped copies. */
  readonly dropped: Map<number, number[]>;
}

/**
 * Drops byte-identical duplicates, keeping the first of each group in document order
 * (as the reference folds file's `unique` setting does).
 * @param keys - one identity key per document, e.g. the SHA-256 of its file bytes.
 */
export function uniqueDocs(keys: readonly string[]): UniqueDocs {
  const first = new Map<string, number>();
  const keep: number[] = [];
  const dropped = new Map<number, number[]>();
  keys.forEach((key, i) => {
    const f = first.get(key);
    if (f === undefined) {
      first.set(key, i);
      keep.push(i);
    } else {
      const list = dropped.get(f);
      if (list) list.push(i);
      else dropped.set(f, [i]);
    }
  });
  return { keep: Int32Array.from(keep), dropped };
}

/** Seeded stratified k-fold of all documents (scikit-learn's folds for the same seed). */
export function stratifiedSplit(labels: ArrayLike<number>, k: number, seed: number): Split {
  const used = Int32Array.from({ length: labels.length }, (_, i) => i);
  return {
    kind: 'stratified',
    folds: foldsFromAssignment(stratifiedFoldOf(labels, k, seed), k, used),
    used,
    description: `stratified ${k}-fold, seed ${seed} (scikit-learn StratifiedKFold(shuffle=True, random_state=${seed}))`,
  };
}

/** Seeded stratified k-fold after byte-identical duplicates are dropped (first copy kept). */
export function uniqueSplit(labels: ArrayLike<number>, keys: readonly string[], k: number, seed: number): Split {
  const { keep } = uniqueDocs(keys);
  const sub = Array.from(keep, (i) => labels[i]);
  return {
    kind: 'unique',
    folds: foldsFromAssignment(stratifiedFoldOf(sub, k, seed), k, keep),
    used: keep,
    description: `stratified ${k}-fold on ${keep.length} unique traces (${labels.length - keep.length} identical copies dropped), seed ${seed}`,
  };
}

/**
 * Connected components of the graph linking documents whose rows have cosine similarity
 * >= `threshold`, or the same identity key (so that identical traces too short to have a
 * row are still grouped). Labels are not used.
 *
 * @param X - one row per document (any non-negative weights; rows are normalised here).
 * @returns a group number per document, numbered by first appearance.
 */
export function similarityGroups(X: Csr, threshold: number, keys?: readonly string[]): Int32Array {
  const n = X.rows;
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  const union = (a: number, b: number): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  if (keys) {
    const first = new Map<string, number>();
    keys.forEach((key, i) => {
      const f = first.get(key);
      if (f === undefined) first.set(key, i);
      else union(f, i);
    });
  }
  // Row norms, then a column-major copy (CSC) so X·Xᵀ is a sum over shared columns.
  const norm = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let p = X.indptr[r]; p < X.indptr[r + 1]; p++) s += X.data[p] * X.data[p];
    norm[r] = Math.sqrt(s);
  }
  const colPtr = new Int32Array(X.cols + 1);
  const nz = X.indptr[n];
  for (let p = 0; p < nz; p++) colPtr[X.indices[p] + 1]++;
  for (let c = 0; c < X.cols; c++) colPtr[c + 1] += colPtr[c];
  const rowOf = new Int32Array(nz);
  const valOf = new Float64Array(nz);
  const fill = colPtr.slice(0, X.cols);
  for (let r = 0; r < n; r++) {
    for (let p = X.indptr[r]; p < X.indptr[r + 1]; p++) {
      const q = fill[X.indices[p]]++;
      rowOf[q] = r;
      valOf[q] = X.data[p] / norm[r];
    }
  }
  const acc = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    if (norm[r] === 0) continue;
    for (let p = X.indptr[r]; p < X.indptr[r + 1]; p++) {
      const c = X.indices[p];
      const v = X.data[p] / norm[r];
      // Rows within a column are ascending: only rows after r matter.
      for (let q = colPtr[c + 1] - 1; q >= colPtr[c] && rowOf[q] > r; q--) acc[rowOf[q]] += v * valOf[q];
    }
    for (let s = r + 1; s < n; s++) {
      if (acc[s] >= threshold - 1e-12) union(r, s);
      acc[s] = 0;
    }
  }
  const id = new Map<number, number>();
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const root = find(i);
    let g = id.get(root);
    if (g === undefined) id.set(root, (g = id.size));
    out[i] = g;
  }
  return out;
}

/**
 * Assigns whole groups to k folds, keeping each class's share per fold as even as it can
 * (the criterion of scikit-learn's `StratifiedGroupKFold`): groups are shuffled with the
 * seed, taken largest first, and each goes to the fold that minimises the mean over classes
 * of the standard deviation of the class's per-fold fraction (ties: the fold with fewer
 * documents, then the lower fold number).
 *
 * @returns the test-fold number of each document.
 */
export function groupedFoldOf(groups: ArrayLike<number>, labels: ArrayLike<number>, k: number, seed: number): Int32Array {
  const n = labels.length;
  checkFoldCount(k, n);
  let nGroups = 0;
  let nClasses = 0;
  for (let i = 0; i < n; i++) {
    nGroups = Math.max(nGroups, groups[i] + 1);
    nClasses = Math.max(nClasses, labels[i] + 1);
  }
  if (k > nGroups) throw new SplitError(`cannot make ${k} grouped folds of ${nGroups} groups`);
  const perGroup = new Float64Array(nGroups * nClasses);
  const size = new Int32Array(nGroups);
  const classTotal = new Float64Array(nClasses);
  for (let i = 0; i < n; i++) {
    perGroup[groups[i] * nClasses + labels[i]]++;
    size[groups[i]]++;
    classTotal[labels[i]]++;
  }
  const order = new Mt19937(seed).shuffle(Int32Array.from({ length: nGroups }, (_, g) => g));
  const byGroup = Array.from(order).sort((a, b) => size[b] - size[a]); // stable: shuffled order within a size
  const perFold = new Float64Array(k * nClasses);
  const foldSize = new Int32Array(k);
  const foldOfGroup = new Int32Array(nGroups);
  for (const g of byGroup) {
    let best = -1;
    let bestEval = Infinity;
    for (let f = 0; f < k; f++) {
      for (let c = 0; c < nClasses; c++) perFold[f * nClasses + c] += perGroup[g * nClasses + c];
      let evalSum = 0;
      for (let c = 0; c < nClasses; c++) {
        if (classTotal[c] === 0) continue;
        let mean = 0;
        for (let h = 0; h < k; h++) mean += perFold[h * nClasses + c] / classTotal[c];
        mean /= k;
        let v = 0;
        for (let h = 0; h < k; h++) v += (perFold[h * nClasses + c] / classTotal[c] - mean) ** 2;
        evalSum += Math.sqrt(v / k);
      }
      for (let c = 0; c < nClasses; c++) perFold[f * nClasses + c] -= perGroup[g * nClasses + c];
      const e = evalSum / nClasses;
      if (e < bestEval - 1e-12 || (Math.abs(e - bestEval) <= 1e-12 && foldSize[f] < foldSize[best])) {
        best = f;
        bestEval = e;
      }
    }
    for (let c = 0; c < nClasses; c++) perFold[best * nClasses + c] += perGroup[g * nClasses + c];
    foldSize[best] += size[g];
    foldOfGroup[g] = best;
  }
  return Int32Array.from({ length: n }, (_, i) => foldOfGroup[groups[i]]);
}

/** Grouped k-fold: no group (see {@link similarityGroups}) straddles a train/test boundary. */
export function groupedSplit(groups: ArrayLike<number>, labels: ArrayLike<number>, k: number, seed: number, threshold = 0.99): Split {
  const used = Int32Array.from({ length: labels.length }, (_, i) => i);
  let nGroups = 0;
  for (let i = 0; i < groups.length; i++) nGroups = Math.max(nGroups, groups[i] + 1);
  return {
    kind: 'grouped',
    folds: foldsFromAssignment(groupedFoldOf(groups, labels, k, seed), k, used),
    used,
    description: `grouped ${k}-fold, seed ${seed}: ${nGroups} groups of identical or near-duplicate traces (cosine >= ${threshold} on l2 ten-gram TF-IDF of the whole corpus)`,
  };
}

/** The JSON shape of a folds file (`../shared/reference/cv-folds.json`). */
export interface FoldsFile {
  splitter?: string;
  settings: Record<string, { document_order?: string[]; test_folds: string[][] }>;
}

/**
 * Replays the folds of a folds file by document name.
 *
 * @param file - the parsed JSON.
 * @param names - the corpus' document names (e.g. `sysBEN/LOG_epo.exe.txt`).
 * @param setting - which setting to replay (`all` or `unique`).
 * @param source - the file's path, for error messages.
 */
export function replayFolds(file: FoldsFile, names: readonly string[], setting: string, source = 'folds file'): Split {
  const s = file?.settings?.[setting];
  if (!s || !Array.isArray(s.test_folds)) {
    const have = file?.settings ? Object.keys(file.settings).join(', ') : 'none';
    throw new FoldsFileError(source, `no setting ${JSON.stringify(setting)} with test_folds (settings: ${have})`);
  }
  const index = new Map<string, number>();
  names.forEach((name, i) => index.set(name, i));
  const k = s.test_folds.length;
  if (k < 2) throw new FoldsFileError(source, `setting ${setting} has ${k} folds; at least 2 are needed`);
  const foldOfDoc = new Int32Array(names.length).fill(-1);
  s.test_folds.forEach((fold, f) => {
    for (const name of fold) {
      const i = index.get(name);
      if (i === undefined) throw new FoldsFileError(source, `fold ${f} names ${JSON.stringify(name)}, which is not in the corpus`);
      if (foldOfDoc[i] >= 0) throw new FoldsFileError(source, `${JSON.stringify(name)} is in folds ${foldOfDoc[i]} and ${f}`);
      foldOfDoc[i] = f;
    }
  });
  const usedList: number[] = [];
  for (let i = 0; i < names.length; i++) if (foldOfDoc[i] >= 0) usedList.push(i);
  const used = Int32Array.from(usedList);
  return {
    kind: 'file',
    folds: foldsFromAssignment(
      Array.from(used, (i) => foldOfDoc[i]),
      k,
      used,
    ),
    used,
    description: `${k} folds replayed from ${source} (setting ${setting}${file.splitter ? `: ${file.splitter}` : ''})`,
  };
}
