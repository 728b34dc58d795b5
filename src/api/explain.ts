/**
 * Why a model says what it says: `explain()` breaks each member's decision value into the
 * contributions of the trace's n-grams (plus the intercept or prior term), and
 * `topFeatures()` lists the n-grams that weigh most towards each class.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { InvalidOptionError } from '../errors.js';
import { CallTable } from '../tokenize/call-table.js';
import { TraceReader } from '../tokenize/reader.js';
import { readTraceSync } from '../tokenize/read.js';
import { decodeText } from '../tokenize/encoding.js';
import type { TraceFormat } from '../tokenize/types.js';
import type { MemberKind } from '../model/linear.js';
import { biasLabel, memberProbability, memberScore } from '../model/linear.js';
import type { Model } from '../model/model.js';
import type { DetectOptions, ModelSource } from './detect.js';
import { callsOfSync } from './detect.js';
import { resolveModel, resolveModelSync } from './resolve-model.js';
import { inputOf } from '../model/config.js';
import type { Verdict } from './verdict.js';
import { verdictOfRow } from './verdict.js';
import { unreadable } from './errors.js';
import { assertTrace } from './familiarity.js';

/** One n-gram's share of a member's decision value. */
export interface Contribution {
  /** The feature as scikit-learn names it: lower-cased call names joined by one space. */
  readonly ngram: string;
  /** Its column in the model's vocabulary. */
  readonly column: number;
  /** Occurrences in the trace. */
  readonly count: number;
  /** Its TF-IDF value in the trace's row. */
  readonly tfidf: number;
  /** The member's weight for it. */
  readonly weight: number;
  /** `tfidf × weight`: > 0 pushes towards malicious. */
  readonly contribution: number;
  /**
   * Where it occurs: 1-based inclusive line ranges `[first, last]` of the input (overlapping
   * occurrences merged). For call-name arrays and `{ calls }` input, call positions instead.
   */
  readonly lines: readonly (readonly [number, number])[];
}

/** One member's decision value, broken down. */
export interface MemberExplanation {
  readonly name: string;
  readonly kind: MemberKind;
  /** The decision value (= Σ contributions + bias). */
  readonly score: number;
  readonly malicious: boolean;
  readonly probability?: number;
  /** The intercept (linear models) or the prior log-odds term (naive Bayes). */
  readonly bias: { readonly label: 'prior' | 'intercept'; readonly value: number };
  /** Every non-zero contribution (or the `top` largest by magnitude), largest magnitude first. */
  readonly contributions: readonly Contribution[];
  /** How many contributions are non-zero in all. */
  readonly total: number;
  /** Sum of the contributions left out by `top` (0 when none is). */
  readonly rest: number;
}

/** What {@link explain} returns. */
export interface Explanation {
  readonly verdict: Verdict;
  /** Whether `lines` are line numbers of the input (true) or call positions (false). */
  readonly lineNumbers: boolean;
  readonly members: readonly MemberExplanation[];
}

/** Options of {@link explain}. */
export interface ExplainOptions extends DetectOptions {
  /** Keep only the `top` contributions of largest magnitude per member (the rest is summed in `rest`). */
  readonly top?: number;
}

/** An explained input: text, bytes, a file, call names, or call ids with their table. */
export type ExplainInput =
  string | Uint8Array | readonly string[] | { readonly path: string } | { readonly calls: Int32Array; readonly table: CallTable };

/**
 * The line (1-based) of each call of `text`, read exactly as the reader reads the whole
 * text (checked: the same calls in the same order), or null if that cannot be established.
 */
function callLines(text: string, format: TraceFormat, expected: Int32Array, table: CallTable): Int32Array | null {
  const out = new Int32Array(expected.length);
  let n = 0;
  let line = 0;
  let ok = true;
  const reader = new TraceReader({
    format,
    table,
    onCalls: (ids, k) => {
      for (let i = 0; i < k; i++) {
        if (n >= out.length || ids[i] !== expected[n]) ok = false;
        else out[n++] = line;
      }
    },
  });
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl + 1;
    line++;
    reader.push(text.slice(start, end));
    start = end;
  }
  try {
    reader.end();
  } catch {
    return null;
  }
  return ok && n === expected.length ? out : null;
}

function mergeRanges(ranges: [number, number][]): [number, number][] {
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

async function materialize(
  input: ExplainInput,
  source: string | undefined,
): Promise<string | Uint8Array | readonly string[] | { calls: Int32Array; table: CallTable }> {
  if (typeof input === 'object' && input !== null && !(input instanceof Uint8Array) && !Array.isArray(input) && 'path' in input) {
    const p = (input as { path: unknown }).path;
    if (typeof p !== 'string') throw new InvalidOptionError('input.path', 'a file path', p);
    try {
      return await readFile(p);
    } catch (e) {
      return unreadable(source ?? p, e);
    }
  }
  return input as string | Uint8Array | readonly string[] | { calls: Int32Array; table: CallTable };
}

/**
 * Explains a model's verdict on one trace: per member, every n-gram's contribution
 * `tfidf × weight`, where it occurs, and the intercept or prior term. The contributions
 * and the bias sum to the member's decision value.
 */
export async function explain(input: ExplainInput, options: ExplainOptions = {}): Promise<Explanation> {
  const { model } = await resolveModel({ model: options.model, trustKey: options.trustKey });
  const src =
    typeof input === 'object' && input !== null && 'path' in input && typeof input.path === 'string' && !options.source
      ? { ...options, source: input.path }
      : options;
  return explainWith(model, await materialize(input, src.source), src);
}

/** {@link explain} for a trace in memory, synchronously. */
export function explainSync(
  input: string | Uint8Array | readonly string[] | { calls: Int32Array; table: CallTable },
  options: ExplainOptions = {},
): Explanation {
  return explainWith(resolveModelSync({ model: options.model, trustKey: options.trustKey }).model, input, options);
}

function explainWith(
  model: Model,
  input: string | Uint8Array | readonly string[] | { calls: Int32Array; table: CallTable },
  options: ExplainOptions,
): Explanation {
  const top = options.top;
  if (top !== undefined && !(Number.isInteger(top) && top >= 0)) throw new InvalidOptionError('top', 'an integer >= 0', top);
  let calls: Int32Array;
  let table: CallTable;
  let lineOf: Int32Array | null = null;
  const words = options.input === 'words' || (options.input === undefined && inputOf(model.config) !== 'nttrace');
  if ((typeof input === 'string' || input instanceof Uint8Array) && words) {
    // A model of a dataset layout reads text as whitespace-separated call names (no line map).
    ({ calls, table } = callsOfSync(input, { ...options, input: 'words' }));
  } else if (typeof input === 'string' || input instanceof Uint8Array) {
    let text = input;
    if (text instanceof Uint8Array && text[0] === 0x1f && text[1] === 0x8b) text = gunzipSync(text);
    table = new CallTable();
    const read = readTraceSync(text, {
      table,
      ...(options.format ? { format: options.format } : {}),
      ...(options.source ? { source: options.source } : {}),
    });
    calls = read.calls;
    lineOf = callLines(typeof text === 'string' ? text : decodeText(text).text, read.format, calls, table);
  } else {
    ({ calls, table } = callsOfSync(input, options));
  }
  assertTrace(model, calls, table, { source: options.source });
  const { X, ngrams, unknown } = model.tfidf.transformOne(calls, table);
  const verdict = verdictOfRow(model, X, { calls: calls.length, ngrams, unknown }, options);
  // Where each column occurs: scan every window once (only columns of the row matter).
  const [lo, hi] = model.config.tfidf.ngramRange;
  const names = calls.length ? Array.from(calls, (id) => table.nameOf(id)) : [];
  const where = new Map<number, [number, number][]>();
  for (let n = lo; n <= hi; n++) {
    for (let i = 0; i + n <= calls.length; i++) {
      const col = model.tfidf.columnOf(names.slice(i, i + n));
      if (col < 0) continue;
      const first = lineOf ? lineOf[i] : i + 1;
      const last = lineOf ? lineOf[i + n - 1] : i + n;
      let list = where.get(col);
      if (!list) where.set(col, (list = []));
      list.push([first, last]);
    }
  }
  const members = model.members.map((m): MemberExplanation => {
    const all: Contribution[] = [];
    for (let p = 0; p < X.indptr[1]; p++) {
      const j = X.indices[p];
      const w = m.weights[j];
      if (w === 0) continue;
      const occ = where.get(j) ?? [];
      all.push({
        ngram: model.tfidf.featureName(j),
        column: j,
        count: occ.length,
        tfidf: X.data[p],
        weight: w,
        contribution: X.data[p] * w,
        lines: mergeRanges(occ.map((r) => [r[0], r[1]])),
      });
    }
    const sorted = all.slice().sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || a.column - b.column);
    const kept = top === undefined ? sorted : sorted.slice(0, top);
    let rest = 0;
    for (let k = kept.length; k < sorted.length; k++) rest += sorted[k].contribution;
    // The member's own score, also when the verdict is undecided (and carries no votes).
    const score = memberScore(m, X, 0);
    const probability = memberProbability(m, score);
    return {
      name: m.name,
      kind: m.kind,
      score,
      malicious: score > 0,
      ...(probability !== undefined ? { probability } : {}),
      bias: { label: biasLabel(m.kind), value: m.bias },
      contributions: kept,
      total: all.length,
      rest,
    };
  });
  return { verdict, lineNumbers: lineOf !== null, members };
}

/** One n-gram with its weight, for {@link topFeatures}. */
export interface WeightedFeature {
  readonly ngram: string;
  readonly column: number;
  readonly weight: number;
}

/** The most informative features of one member. */
export interface MemberFeatures {
  readonly name: string;
  readonly kind: MemberKind;
  /** Non-zero weights in all. */
  readonly features: number;
  /** Largest positive weights first (towards malicious). */
  readonly malicious: readonly WeightedFeature[];
  /** Most negative weights first (towards benign). */
  readonly benign: readonly WeightedFeature[];
  readonly bias: { readonly label: 'prior' | 'intercept'; readonly value: number };
}

/**
 * The `top` n-grams of largest weight towards each class, per member (NtMalDetect printed
 * these as the "most informative features"). For naive Bayes the weight is the per-unit
 * log-odds `ln P(f|malicious) − ln P(f|benign)`; for the linear models, the coefficient.
 */
export async function topFeatures(model: ModelSource | undefined, options: { top?: number } = {}): Promise<MemberFeatures[]> {
  return topFeaturesSync((await resolveModel({ model })).model, options);
}

/** {@link topFeatures} for a loaded model. */
export function topFeaturesSync(model: Model, options: { top?: number } = {}): MemberFeatures[] {
  const top = options.top ?? 20;
  if (!(Number.isInteger(top) && top >= 0)) throw new InvalidOptionError('top', 'an integer >= 0', top);
  return model.members.map((m) => {
    const pos: number[] = [];
    const neg: number[] = [];
    for (let j = 0; j < m.weights.length; j++) {
      if (m.weights[j] > 0) pos.push(j);
      else if (m.weights[j] < 0) neg.push(j);
    }
    const pick = (cols: number[], sign: number) =>
      cols
        .sort((a, b) => sign * (m.weights[b] - m.weights[a]) || a - b)
        .slice(0, top)
        .map((j) => ({ ngram: model.tfidf.featureName(j), column: j, weight: m.weights[j] }));
    return {
      name: m.name,
      kind: m.kind,
      features: pos.length + neg.length,
      malicious: pick(pos, 1),
      benign: pick(neg, -1),
      bias: { label: biasLabel(m.kind), value: m.bias },
    };
  });
}
