/**
 * How much of an input a model knows, and what follows from it: one rule with two measures,
 * chosen on one measurement (`bench/unfamiliar.mjs`; docs/benchmarks.md, "Familiarity").
 *
 * 1. **Is it a trace?** The share of the input's calls that are *known calls*: for a model
 *    of NT calls (`alphabet: 'nt'`, every preset), a call NtTrace can trace
 *    ({@link isNtTraceCall}) or one of the model's own call names; for a custom alphabet, one
 *    of the model's own call names. Below {@link MIN_KNOWN_CALL_SHARE} the input is
 *    *refused* ({@link NotATraceError}, exit status 2): `seq 1 2000`, a word list, a column
 *    of numbers is not a trace, and judging it would only report the model's intercept.
 * 2. **Does the model know its behaviour?** The number of distinct n-grams of the trace in
 *    the model's vocabulary (the features it activates): below {@link MIN_KNOWN_NGRAMS} the
 *    verdict is *unfamiliar* (no decision, exit status 3).
 * 3. **How much of it?** When the model decides but more than
 *    {@link UNKNOWN_WARNING_FRACTION} of the trace's n-gram occurrences are unknown to it,
 *    the verdict carries a *warning*: held-out traces above that share are misjudged several
 *    times as often as the rest.
 *
 * "Insufficient" is not part of this rule: it is a real trace too short for one n-gram.
 */
import type { FittedTfidf } from '../tfidf/vectorizer.js';
import type { CallTable } from '../tokenize/call-table.js';
import { NTTRACE_CALLS, isNtTraceCall } from '../tokenize/nt-calls.js';
import type { FittedPipeline } from '../model/fitted.js';
import { alphabetOf } from '../model/config.js';
import { NotATraceError } from './errors.js';

/**
 * Share of an input's calls that must be known calls for the input to be judged as a
 * trace. Every corpus trace and every real NtTrace log measured has a share of 1; the
 * non-traces measured (numbers, words, API names, a column of one table) have at most 0.07 (see
 * docs/benchmarks.md, "Familiarity"): any cut between leaves both sides untouched, and one
 * half keeps a trace with a minority of foreign lines readable.
 */
export const MIN_KNOWN_CALL_SHARE = 0.5;

/**
 * Default number of distinct known n-grams below which a trace is `unfamiliar`. Chosen on
 * the accuracy-coverage curve of the grouped near-duplicate split and on real NtTrace logs
 * of benign Wine tools: held-out corpus traces of real length activate 230 or more of their
 * model's ten-grams, Wine's tools at most 13.
 */
export const MIN_KNOWN_NGRAMS = 50;

/**
 * Share of a decided trace's n-gram occurrences unknown to the model above which its
 * verdict carries a warning. Measured on the grouped near-duplicate split (docs/benchmarks.md,
 * "Familiarity"): held-out traces above 0.75 were misjudged at 20% against 3.4% for the
 * rest, and the shipped model's own training traces cross it in 4 of 211 cases (0.5, the
 * earlier value, flagged 11 of them for a smaller gain).
 */
export const UNKNOWN_WARNING_FRACTION = 0.75;

/**
 * Per model and name table, what each id is known to be: 0 not looked up yet, 1 a known call,
 * 2 not. A table only grows and never renames an id, so an entry stays true; a lookup is done
 * once per id, for the ids a trace uses, not for the whole (shared, growing) table per trace.
 */
const knownMemo = new WeakMap<FittedPipeline, WeakMap<CallTable, Uint8Array>>();

/** Counts the calls of a sequence that are known calls of `model` (see the rule above). */
export function countKnownCalls(model: FittedPipeline, calls: Int32Array, table: CallTable): number {
  let perTable = knownMemo.get(model);
  if (perTable === undefined) knownMemo.set(model, (perTable = new WeakMap()));
  let flags = perTable.get(table);
  if (flags === undefined || flags.length < table.size) {
    const grown = new Uint8Array(Math.max(table.size, 64));
    if (flags !== undefined) grown.set(flags);
    perTable.set(table, (flags = grown));
  }
  const nt = alphabetOf(model.config) === 'nt';
  let n = 0;
  for (let i = 0; i < calls.length; i++) {
    const id = calls[i];
    if (id < 0 || id >= flags.length) continue;
    let f = flags[id];
    if (f === 0) flags[id] = f = isKnownCall(model.tfidf, nt, table.nameOf(id)) ? 1 : 2;
    if (f === 1) n++;
  }
  return n;
}

/** Whether `name` is a known call of a model (see the rule above). */
function isKnownCall(tfidf: FittedTfidf, nt: boolean, name: string): boolean {
  return tfidf.knowsName(name) || (nt && isNtTraceCall(name, tfidf.options.lowercase));
}

/** Where an input came from, for the refusal's message. */
export interface InputContext {
  /** File name (or `'-'`, `'request body'`). */
  readonly source?: string | undefined;
  /** Lines of the input, when read from text. */
  readonly lines?: number | undefined;
}

/**
 * Throws {@link NotATraceError} when fewer than {@link MIN_KNOWN_CALL_SHARE} of the calls
 * are known calls of `model`. An empty sequence passes (the reader refuses empty inputs; a
 * caller's empty call list is `insufficient`).
 */
export function assertTrace(model: FittedPipeline, calls: Int32Array, table: CallTable, context: InputContext = {}): void {
  if (calls.length === 0) return;
  const known = countKnownCalls(model, calls, table);
  if (known >= MIN_KNOWN_CALL_SHARE * calls.length) return;
  const expected =
    alphabetOf(model.config) === 'nt'
      ? NT_EXPECTED
      : `calls of the model's own alphabet (${model.tfidf.names.length} names, such as ${model.tfidf.names.slice(0, 3).join(', ')})`;
  refuse(calls, table, known, expected, context);
}

/**
 * The same rule without a model (`reduce` meeting files in a folder): a known call is one of
 * the calls NtTrace traces, by exact name.
 */
export function assertNtCalls(calls: Int32Array, table: CallTable, context: InputContext = {}): void {
  let known = 0;
  for (let i = 0; i < calls.length; i++) if (isNtTraceCall(table.nameOf(calls[i]))) known++;
  if (known >= MIN_KNOWN_CALL_SHARE * calls.length) return;
  refuse(calls, table, known, NT_EXPECTED, context);
}

const NT_EXPECTED = `NT system calls (the ${NTTRACE_CALLS.length} calls NtTrace traces, such as NtOpenFile)`;

/** Throws the refusal of an input with `known` known calls, naming its first distinct names. */
function refuse(calls: Int32Array, table: CallTable, known: number, expected: string, context: InputContext): never {
  const sample: string[] = [];
  for (let i = 0; i < calls.length && sample.length < 3; i++) {
    const name = table.nameOf(calls[i]);
    if (!sample.includes(name)) sample.push(name);
  }
  throw new NotATraceError({
    source: context.source,
    lines: context.lines,
    calls: calls.length,
    knownCalls: known,
    expected,
    sample,
    minShare: MIN_KNOWN_CALL_SHARE,
  });
}
