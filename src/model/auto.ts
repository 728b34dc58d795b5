/**
 * The `auto` preset: choose the n-gram range, the TF-IDF options and the classifier by an
 * inner cross-validation on the training documents only, so that a model for a corpus
 * unlike NtMalDetect's (Windows API names, Linux syscall names or numbers, short traces)
 * is good without hand-tuning.
 *
 * The vectorizer is fitted once per n-gram setting and inner fold and shared by every
 * classifier of the grid, so the search costs (settings x folds) vectorizer fits plus
 * (settings x classifiers x folds) classifier fits.
 *
 * The selection is here, below `train()` (`src/api/train.ts`), which runs it for
 * `preset: 'auto'`; `trainAuto` and the re-exports are in `src/eval/auto.ts`.
 */
import type { CallTable } from '../tokenize/call-table.js';
import { TfidfVectorizer } from '../tfidf/index.js';
import type { TfidfOptions } from '../tfidf/index.js';
import { foldsFromAssignment, stratifiedFoldOf } from '../stats/folds.js';
import { rocAuc } from '../stats/metrics.js';
import { makeClassifier } from './pipeline.js';
import { resolveConfig, resolveMember } from './config.js';
import type { Alphabet, MemberConfig, ResolvedConfig } from './config.js';

/** One point of the search grid. */
export interface AutoCandidate {
  readonly tfidf: TfidfOptions;
  readonly member: MemberConfig;
}

/** What the inner cross-validation measured for one candidate. */
export interface AutoScore extends AutoCandidate {
  /** Pooled inner out-of-fold accuracy (a trace with no known n-gram counts as benign). */
  readonly accuracy: number;
  /** Pooled inner out-of-fold ROC AUC. */
  readonly rocAuc: number;
}

/** Options of {@link selectAutoConfig}. */
export interface AutoOptions {
  /** Inner folds. Default 3. */
  readonly folds?: number;
  /** Seed of the inner split and of the solvers. Default 0. */
  readonly seed?: number;
  /** The grid; default {@link autoGrid} of the documents. */
  readonly grid?: readonly AutoCandidate[];
  /** Called after each inner fold of each n-gram setting. */
  readonly onProgress?: (done: number, total: number) => void;
  /** The call-name alphabet of the documents (default `'nt'`); the chosen configuration keeps it. */
  readonly alphabet?: Alphabet;
}

/** The chosen configuration and every candidate's inner score (best first). */
export interface AutoSelection {
  readonly config: ResolvedConfig;
  readonly scores: readonly AutoScore[];
}

/** N-gram ranges the grid may try, shortest n first. */
const NGRAM_RANGES: readonly [number, number][] = [
  [1, 2],
  [2, 4],
  [3, 5],
  [5, 5],
  [10, 10],
];

/** The classifiers the grid tries (each on sublinear-tf TF-IDF). */
export const AUTO_MEMBERS: readonly MemberConfig[] = [
  { kind: 'multinomial-nb', alpha: 0.01 },
  { kind: 'linear-svc', C: 1, select: null },
  { kind: 'sgd', loss: 'hinge', penalty: 'l2', alpha: 1e-4 },
];

/**
 * The default grid for a set of documents: n-gram ranges whose largest n is at most the
 * median trace length (at least `[1, 2]`), each with sublinear tf and l2 rows, times
 * {@link AUTO_MEMBERS}.
 */
export function autoGrid(docs: readonly Int32Array[]): AutoCandidate[] {
  const lengths = Float64Array.from(docs, (d) => d.length).sort();
  const median = lengths.length ? lengths[lengths.length >> 1] : 0;
  let ranges = NGRAM_RANGES.filter((r) => r[1] <= median);
  if (ranges.length === 0) ranges = [NGRAM_RANGES[0]];
  // At most four settings: the shortest and the three longest that fit.
  if (ranges.length > 4) ranges = [ranges[0], ...ranges.slice(-3)];
  const out: AutoCandidate[] = [];
  for (const ngramRange of ranges)
    for (const member of AUTO_MEMBERS) out.push({ tfidf: { ngramRange: [ngramRange[0], ngramRange[1]], sublinearTf: true }, member });
  return out;
}

/**
 * Chooses a configuration by stratified inner cross-validation on `docs` (the training part
 * only): the candidate with the best pooled out-of-fold accuracy, ties broken by ROC AUC,
 * then by grid order. The result is a single-member model (policy `any`).
 */
export function selectAutoConfig(
  docs: readonly Int32Array[],
  labels: Uint8Array,
  table: CallTable,
  options: AutoOptions = {},
): AutoSelection {
  const seed = options.seed ?? 0;
  const grid = options.grid ?? autoGrid(docs);
  let minClass = labels.length;
  let pos = 0;
  for (let i = 0; i < labels.length; i++) pos += labels[i];
  minClass = Math.min(pos, labels.length - pos);
  const k = Math.max(2, Math.min(options.folds ?? 3, minClass));
  const all = Int32Array.from({ length: docs.length }, (_, i) => i);
  const folds = foldsFromAssignment(stratifiedFoldOf(labels, k, seed), k, all);
  // Group candidates by TF-IDF setting so each setting is vectorized once per fold.
  const settings = new Map<string, number[]>();
  grid.forEach((c, i) => {
    const key = JSON.stringify(c.tfidf);
    const list = settings.get(key);
    if (list) list.push(i);
    else settings.set(key, [i]);
  });
  const oof = grid.map(() => new Float64Array(docs.length));
  const total = settings.size * k;
  let done = 0;
  for (const idx of settings.values()) {
    const tfidfOptions: TfidfOptions = { ...grid[idx[0]].tfidf, tokenRule: options.alphabet === 'custom' ? 'nonspace' : 'word' };
    for (const fold of folds) {
      const trainDocs = Array.from(fold.train, (i) => docs[i]);
      const trainY = Uint8Array.from(fold.train, (i) => labels[i]);
      const testDocs = Array.from(fold.test, (i) => docs[i]);
      let fitted;
      try {
        fitted = new TfidfVectorizer(tfidfOptions).fitTransform(trainDocs, table);
      } catch {
        // No n-gram of this length in the training part: every test trace is "insufficient".
        for (const c of idx) fold.test.forEach((d) => (oof[c][d] = -Infinity));
        options.onProgress?.(++done, total);
        continue;
      }
      const Xte = fitted.tfidf.transform(testDocs, table);
      for (const c of idx) {
        const clf = makeClassifier(resolveMember(grid[c].member, 'member', seed)).fit(fitted.X, trainY);
        const s = clf.decisionFunction(Xte);
        fold.test.forEach((d, r) => (oof[c][d] = Xte.indptr[r + 1] === Xte.indptr[r] ? -Infinity : s[r]));
      }
      options.onProgress?.(++done, total);
    }
  }
  const scores: AutoScore[] = grid.map((c, i) => {
    let correct = 0;
    for (let d = 0; d < docs.length; d++) if ((oof[i][d] > 0 ? 1 : 0) === labels[d]) correct++;
    return { ...c, accuracy: correct / docs.length, rocAuc: rocAuc(labels, oof[i]) };
  });
  const order = scores
    .map((_, i) => i)
    .sort((a, b) => scores[b].accuracy - scores[a].accuracy || scores[b].rocAuc - scores[a].rocAuc || a - b);
  const best = scores[order[0]];
  return {
    config: resolveConfig({
      tfidf: best.tfidf,
      members: [best.member],
      policy: 'any',
      seed,
      ...(options.alphabet !== undefined ? { alphabet: options.alphabet } : {}),
    }),
    scores: order.map((i) => scores[i]),
  };
}
