/**
 * A trained model: the fitted pipeline plus what it was trained on, and its `.ntmd` file
 * form ({@link Model.toBytes}, {@link Model.save}, {@link loadModel}).
 *
 * What the file stores is only what prediction needs: the call-name table, the vocabulary
 * (n-grams as call-id sequences), idf (a table of distinct values plus an
 * index per feature), and per member its bias, its non-zero weights and an optional Platt
 * scaler. See docs/model-format.md.
 */
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FittedTfidf } from '../tfidf/vectorizer.js';
import { isNtmdError } from '../errors.js';
import { writeFileAtomic } from '../atomic-write.js';
import type { ResolvedConfig } from './config.js';
import { resolveConfig } from './config.js';
import { FittedPipeline } from './fitted.js';
import type { LinearMember, MemberKind, PlattParams } from './linear.js';
import { nonZeroWeights } from './linear.js';
import type { ReadOptions, SectionArray, WriteOptions } from './container.js';
import { FORMAT_VERSION, readContainer, writeContainer } from './container.js';
import { InvalidModelError, UnreadableModelError } from './errors.js';

/** What a model was trained on (no paths, no dates: the file stays byte-identical). */
export interface CorpusSummary {
  /** Traces used (non-empty files). */
  readonly documents: number;
  readonly benign: number;
  readonly malicious: number;
  /** Empty files met and skipped. */
  readonly skippedEmpty: number;
  /** Calls over all traces. */
  readonly calls: number;
  /** Traces whose bytes equal an earlier trace's (kept, as upstream). */
  readonly duplicates: number;
  /** SHA-256 over the sorted "label sha256" lines of the traces: identifies the training set. */
  readonly sha256: string;
}

/** Summary of one member for {@link ModelInfo}. */
export interface MemberInfo {
  readonly name: string;
  readonly kind: MemberKind;
  /** Columns with a non-zero weight (for the L1-selected SVC, the kept features). */
  readonly features: number;
  readonly calibrated: boolean;
}

/** What {@link Model.info} reports. */
export interface ModelInfo {
  readonly format: { readonly name: 'ntmaldetect-model'; readonly version: number };
  /** The ntmaldetect version that wrote the model. */
  readonly library: string;
  readonly config: ResolvedConfig;
  readonly vocabularySize: number;
  readonly callNames: number;
  readonly members: readonly MemberInfo[];
  readonly corpus: CorpusSummary | null;
  /** Evaluation figures stored with the model (e.g. cross-validation), if any. */
  readonly metrics: Record<string, unknown> | null;
  /** SHA-256 of the file's content (when read from a file or serialised). */
  readonly sha256: string | null;
  /** Raw Ed25519 public key (hex) of the signer, when the file was signed. */
  readonly signer: string | null;
}

const here = dirname(fileURLToPath(import.meta.url));
let cachedVersion: string | undefined;
/** This library's version (from package.json). */
export function libraryVersion(): string {
  cachedVersion ??= (JSON.parse(readFileSync(join(here, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  return cachedVersion;
}

/** A trained model: score traces with it, inspect it, save it. */
export class Model extends FittedPipeline {
  readonly corpus: CorpusSummary | null;
  readonly metrics: Record<string, unknown> | null;
  /** Version of ntmaldetect that wrote it (this library's for a model trained now). */
  readonly library: string;
  /** SHA-256 of the file content it was read from, or null for a model trained in this process. */
  readonly sha256: string | null;
  /** Hex public key of the signer of the file it was read from, if signed. */
  readonly signer: string | null;
  /** Format version of the file it was read from ({@link FORMAT_VERSION} for a model trained in this process). */
  readonly formatVersion: number;

  constructor(
    pipeline: FittedPipeline,
    meta: {
      corpus?: CorpusSummary | null;
      metrics?: Record<string, unknown> | null;
      library?: string;
      sha256?: string | null;
      signer?: string | null;
      formatVersion?: number;
    } = {},
  ) {
    super(pipeline.config, pipeline.tfidf, pipeline.members);
    this.corpus = meta.corpus ?? null;
    this.metrics = meta.metrics ?? null;
    this.library = meta.library ?? libraryVersion();
    this.sha256 = meta.sha256 ?? null;
    this.signer = meta.signer ?? null;
    this.formatVersion = meta.formatVersion ?? FORMAT_VERSION;
  }

  /** A copy of this model with evaluation figures attached (stored in the file's header). */
  withMetrics(metrics: Record<string, unknown> | null): Model {
    return new Model(this, { corpus: this.corpus, metrics, library: this.library });
  }

  /** Configuration, corpus summary, members and metrics. */
  info(): ModelInfo {
    return {
      format: { name: 'ntmaldetect-model', version: this.formatVersion },
      library: this.library,
      config: this.config,
      vocabularySize: this.tfidf.vocabularySize,
      callNames: this.tfidf.names.length,
      members: this.members.map((m) => ({ name: m.name, kind: m.kind, features: nonZeroWeights(m), calibrated: m.platt !== null })),
      corpus: this.corpus,
      metrics: this.metrics,
      sha256: this.sha256,
      signer: this.signer,
    };
  }

  /**
   * The `.ntmd` file bytes, in the current format version ({@link FORMAT_VERSION}) whatever
   * the version it was read from. Deterministic: the same model gives the same bytes
   * (unless signed with a different key).
   */
  toBytes(options: WriteOptions = {}): Uint8Array {
    return writeContainer(encodeModel(this), options);
  }

  /** Writes the model file (atomically: a temporary file renamed over `path`). */
  async save(path: string, options: WriteOptions = {}): Promise<void> {
    await writeFileAtomic(path, this.toBytes(options));
  }
}

/** Options of {@link loadModel}. */
export interface LoadOptions extends ReadOptions {
  /** Name used in error messages when the model is given as bytes. Default `<bytes>`. */
  readonly source?: string;
}

/**
 * Reads a model file (a path, or the file's bytes). Validates the whole file first; never
 * executes anything from it. Throws a `ModelFileError` subclass (`MODEL_UNREADABLE`, `MODEL_TRUNCATED`,
 * `MODEL_TAMPERED`, `MODEL_FOREIGN`, `MODEL_NEWER_VERSION`, `MODEL_INVALID`,
 * `MODEL_BAD_SIGNATURE`, `MODEL_UNTRUSTED`) naming the file and the problem.
 */
export async function loadModel(pathOrBytes: string | Uint8Array, options: LoadOptions = {}): Promise<Model> {
  if (typeof pathOrBytes !== 'string') return loadModelSync(pathOrBytes, options);
  const source = options.source ?? pathOrBytes;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(pathOrBytes);
  } catch (e) {
    throw new UnreadableModelError(source, (e as NodeJS.ErrnoException).code ?? (e as Error).message);
  }
  return fromBytes(bytes, source, options, typeof pathOrBytes === 'string');
}

/**
 * Synchronous {@link loadModel} (a path or bytes). Given bytes, the model does not keep a
 * reference to them (it reads a copy): changing them afterwards does not change the model.
 */
export function loadModelSync(pathOrBytes: string | Uint8Array, options: LoadOptions = {}): Model {
  const source = options.source ?? (typeof pathOrBytes === 'string' ? pathOrBytes : '<bytes>');
  let bytes: Uint8Array;
  try {
    bytes = typeof pathOrBytes === 'string' ? readFileSync(pathOrBytes) : pathOrBytes;
  } catch (e) {
    throw new UnreadableModelError(source, (e as NodeJS.ErrnoException).code ?? (e as Error).message);
  }
  return fromBytes(bytes, source, options, typeof pathOrBytes === 'string');
}

/** Reads a model file's bytes; `owned`: the bytes were just read from disk, the model may keep views of them. */
function fromBytes(bytes: Uint8Array, source: string, options: ReadOptions, owned: boolean): Model {
  const c = readContainer(bytes, source, options, owned);
  return decodeModel(c.header, c.sections, source, c.version, { sha256: c.sha256, signer: c.signer, formatVersion: c.version });
}

const MAX_U16 = 0xffff;

function encodeModel(model: Model): { header: Record<string, unknown>; sections: Map<string, SectionArray> } {
  const st = model.tfidf.state();
  const V = st.lengths.length;
  const sections = new Map<string, SectionArray>();
  // Vocabulary: each feature's length, and all features' call ids back to back in the
  // narrowest type, the type the n-gram index keeps them in (loading adopts the file's
  // bytes as they are).
  // (Typed-array constructors convert natively; TypedArray.from goes through an iterator.)
  const lengths = new Uint8Array(st.lengths);
  const n = st.names.length;
  sections.set('vocab.lengths', lengths);
  sections.set('vocab.ids', n <= 256 ? new Uint8Array(st.grams) : n <= MAX_U16 + 1 ? new Uint16Array(st.grams) : st.grams);
  // idf as a table of its distinct values (one per document frequency) and an index.
  const distinct = [...new Set(st.idf)].sort((a, b) => a - b);
  if (distinct.length <= MAX_U16 + 1) {
    const at = new Map(distinct.map((v, i) => [v, i]));
    sections.set('idf.values', Float64Array.from(distinct));
    const index = distinct.length <= 256 ? new Uint8Array(V) : new Uint16Array(V);
    for (let j = 0; j < V; j++) index[j] = at.get(st.idf[j])!;
    sections.set('idf.index', index);
  } else {
    sections.set('idf', st.idf);
  }
  const members = model.members.map((m, i) => {
    const nz = nonZeroWeights(m);
    // Dense (every column's weight, zeros too: 8 bytes a column) when that is no larger
    // than the non-zero weights with their columns (12 bytes each): naive Bayes (no zero
    // weight at all), and any member with at least two thirds of its weights non-zero.
    if (3 * nz >= 2 * V) {
      // -0 is written as 0: a zero weight is absent from the sparse form, which reads as 0.
      const weights = new Float64Array(m.weights);
      for (let j = 0; j < V; j++) if (weights[j] === 0) weights[j] = 0;
      sections.set(`members[${i}].weight`, weights);
      return { name: m.name, kind: m.kind, bias: m.bias, platt: m.platt, features: nz };
    }
    const index = new Int32Array(nz);
    const weight = new Float64Array(nz);
    for (let j = 0, k = 0, last = 0; j < m.weights.length; j++) {
      if (m.weights[j] === 0) continue;
      index[k] = j - last; // delta-coded column
      weight[k++] = m.weights[j];
      last = j;
    }
    sections.set(`members[${i}].index`, index);
    sections.set(`members[${i}].weight`, weight);
    return { name: m.name, kind: m.kind, bias: m.bias, platt: m.platt, features: nz };
  });
  const header: Record<string, unknown> = {
    format: 'ntmaldetect-model',
    library: libraryVersion(),
    config: model.config,
    names: st.names,
    vocabulary: { size: V, ids: st.grams.length },
    members,
    corpus: model.corpus,
    metrics: model.metrics,
  };
  return { header, sections };
}

function decodeModel(
  header: Record<string, unknown>,
  sections: ReadonlyMap<string, SectionArray>,
  source: string,
  version: number,
  meta: { sha256: string; signer: string | null; formatVersion: number },
): Model {
  const bad = (detail: string): never => {
    throw new InvalidModelError(source, detail);
  };
  if (header.format !== 'ntmaldetect-model') bad(`header.format is ${JSON.stringify(header.format)}, expected "ntmaldetect-model"`);
  if (typeof header.library !== 'string') bad('header.library is not a version string');
  let config: ResolvedConfig;
  try {
    config = resolveConfig(header.config as ResolvedConfig);
  } catch (e) {
    return bad(`header.config: ${(e as Error).message}`);
  }
  const names = header.names;
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string' || n === '')) return bad('header.names is not a list of call names');
  const voc = header.vocabulary as { size?: unknown; ids?: unknown } | null;
  if (typeof voc !== 'object' || voc === null || !Number.isSafeInteger(voc.size) || !Number.isSafeInteger(voc.ids)) {
    return bad('header.vocabulary is not { size, ids }');
  }
  const V = voc.size as number;
  const section = <T extends SectionArray>(name: string, ctor: abstract new (...a: never[]) => T, length?: number): T => {
    const s = sections.get(name);
    if (!(s instanceof ctor)) return bad(`section ${name} is missing or has the wrong type`);
    if (length !== undefined && s.length !== length) return bad(`section ${name} has ${s.length} values, expected ${length}`);
    return s;
  };
  const lengths = section('vocab.lengths', Uint8Array, V);
  const grams = sections.has('vocab.ids')
    ? plainIds(sections, voc.ids as number, version, bad)
    : prefixCodedIds(sections, lengths, voc.ids as number, bad);
  const positive = (x: number) => x > 0 && x !== Infinity;
  let idf: Float64Array;
  if (sections.has('idf')) {
    idf = section('idf', Float64Array, V);
    for (let j = 0; j < V; j++) if (!positive(idf[j])) bad(`idf[${j}] = ${idf[j]} is not a positive number`);
  } else {
    // Each feature's idf is one of the table's values: checking the table checks them all.
    const values = section('idf.values', Float64Array);
    for (let k = 0; k < values.length; k++) if (!positive(values[k])) bad(`idf.values[${k}] = ${values[k]} is not a positive number`);
    const index = sections.get('idf.index');
    if (!(index instanceof Uint8Array || index instanceof Uint16Array) || index.length !== V)
      return bad(`section idf.index is missing, has the wrong type or is not ${V} long`);
    idf = new Float64Array(V);
    const m = values.length;
    for (let j = 0; j < V; j++) {
      const k = index[j];
      if (k >= m) bad(`idf.index[${j}] = ${k} is outside the ${m} idf values`);
      idf[j] = values[k];
    }
  }
  let tfidf: FittedTfidf;
  try {
    // The decoded arrays are fresh, copies out of a version-1 body, or views of a version-2
    // file that nothing else holds: adopt them, no copies.
    tfidf = FittedTfidf.restore(config.tfidf, names as string[], grams, lengths, idf);
  } catch (e) {
    if (isNtmdError(e)) return bad(e.message);
    throw e;
  }
  const list = header.members;
  if (!Array.isArray(list) || list.length !== config.members.length)
    return bad(`header.members does not list the ${config.members.length} configured members`);
  const members: LinearMember[] = list.map((raw: unknown, i: number) => {
    const h = raw as { name?: unknown; kind?: unknown; bias?: unknown; platt?: unknown; features?: unknown };
    const c = config.members[i];
    if (typeof h !== 'object' || h === null || h.name !== c.name || h.kind !== c.kind)
      bad(`header.members[${i}] does not match config member ${c.name}`);
    if (typeof h.bias !== 'number' || !Number.isFinite(h.bias)) bad(`header.members[${i}].bias is not a finite number`);
    let platt: PlattParams | null = null;
    if (h.platt !== null) {
      const pl = h.platt as { a?: unknown; b?: unknown };
      if (
        typeof pl !== 'object' ||
        typeof pl.a !== 'number' ||
        typeof pl.b !== 'number' ||
        !Number.isFinite(pl.a) ||
        !Number.isFinite(pl.b)
      ) {
        bad(`header.members[${i}].platt is not null or { a, b } finite numbers`);
      }
      platt = { a: pl.a as number, b: pl.b as number };
    }
    const nz = h.features as number;
    if (!Number.isSafeInteger(nz) || nz < 0 || nz > V) bad(`header.members[${i}].features is not a count <= ${V}`);
    // Version 2: a member without an index section is dense, every column's weight with its
    // zeros; version 1 stored only members without a zero weight densely.
    if (version >= 2 && !sections.has(`members[${i}].index`)) {
      const weights = section(`members[${i}].weight`, Float64Array, V);
      let nonZero = 0;
      for (let j = 0; j < V; j++) {
        const w = weights[j];
        if (!Number.isFinite(w) || Object.is(w, -0))
          bad(`members[${i}].weight[${j}] = ${Object.is(w, -0) ? '-0' : w} is not a finite number (or is -0)`);
        if (w !== 0) nonZero++;
      }
      if (nonZero !== nz) bad(`members[${i}].weight has ${nonZero} non-zero weights, header.members[${i}].features says ${nz}`);
      return { name: c.name, kind: c.kind, bias: h.bias as number, weights, platt };
    }
    const weight = section(`members[${i}].weight`, Float64Array, nz);
    for (let k = 0; k < nz; k++) {
      if (!Number.isFinite(weight[k]) || weight[k] === 0) bad(`members[${i}].weight[${k}] = ${weight[k]} is not a finite non-zero number`);
    }
    if (version < 2 && nz === V) {
      if (sections.has(`members[${i}].index`)) bad(`members[${i}] is dense but has an index section`);
      return { name: c.name, kind: c.kind, bias: h.bias as number, weights: weight, platt };
    }
    const index = section(`members[${i}].index`, Int32Array, nz);
    const weights = new Float64Array(V);
    let col = 0;
    for (let k = 0; k < nz; k++) {
      const next = col + index[k];
      if ((k === 0 ? index[k] < 0 : index[k] <= 0) || next >= V)
        bad(`members[${i}].index[${k}] gives column ${next}, not increasing within 0..${V - 1}`);
      col = next;
      weights[col] = weight[k];
    }
    return { name: c.name, kind: c.kind, bias: h.bias as number, weights, platt };
  });
  const expected =
    (sections.has('vocab.ids') ? 2 : 3) +
    (sections.has('idf') ? 1 : 2) +
    members.reduce((n, _m, i) => n + (sections.has(`members[${i}].index`) ? 2 : 1), 0);
  if (sections.size !== expected) bad(`the file has ${sections.size} sections, expected ${expected}`);
  const corpus = header.corpus === null ? null : checkCorpus(header.corpus, bad);
  const metrics = header.metrics;
  if (metrics !== null && (typeof metrics !== 'object' || Array.isArray(metrics))) bad('header.metrics is not an object or null');
  return new Model(new FittedPipeline(config, tfidf, members), {
    corpus,
    metrics: metrics as Record<string, unknown> | null,
    library: header.library as string,
    ...meta,
  });
}

type Bad = (detail: string) => never;

/**
 * The vocabulary's ids as written by this version: all ids back to back (`vocab.ids`).
 * That the features' lengths add up to them is checked with their range (FittedTfidf.restore).
 */
function plainIds(
  sections: ReadonlyMap<string, SectionArray>,
  declared: number,
  version: number,
  bad: Bad,
): Uint8Array | Uint16Array | Int32Array {
  const ids = sections.get('vocab.ids');
  if (!(ids instanceof Uint8Array || ids instanceof Uint16Array || ids instanceof Int32Array) || ids.length !== declared) {
    return bad(`section vocab.ids is missing, has the wrong type or does not hold the ${declared} ids the header declares`);
  }
  // Version 2: the ids are a view of the file (or a copy of a misaligned part), held by
  // nothing else. Version 1: a copy of the ids alone, so that the decompressed body can be
  // freed once loaded.
  return version >= 2 ? ids : ids.slice();
}

/**
 * The vocabulary's ids in the earlier version-1 layout, still read: per feature the number
 * of leading ids shared with the previous feature (`vocab.shared`) and the rest (`vocab.tail`).
 */
function prefixCodedIds(sections: ReadonlyMap<string, SectionArray>, lengths: Uint8Array, declared: number, bad: Bad): Int32Array {
  const shared = sections.get('vocab.shared');
  const tail = sections.get('vocab.tail');
  if (!(shared instanceof Uint8Array) || shared.length !== lengths.length)
    return bad('section vocab.ids (or vocab.shared) is missing or has the wrong length');
  if (!(tail instanceof Uint8Array || tail instanceof Uint16Array || tail instanceof Int32Array))
    return bad('section vocab.tail is missing or has the wrong type');
  const grams = new Int32Array(declared);
  let p = 0;
  let t = 0;
  let prev = 0;
  for (let j = 0; j < lengths.length; j++) {
    const n = lengths[j];
    const s = shared[j];
    if (n === 0 || s > n || (j === 0 ? s !== 0 : s > lengths[j - 1])) bad(`vocabulary feature ${j}: length ${n}, shared prefix ${s}`);
    if (p + n > grams.length || t + n - s > tail.length) bad(`vocabulary feature ${j} runs past the declared ${grams.length} ids`);
    for (let k = 0; k < s; k++) grams[p + k] = grams[prev + k];
    for (let k = s; k < n; k++) grams[p + k] = tail[t++];
    prev = p;
    p += n;
  }
  if (p !== grams.length || t !== tail.length)
    bad(`the vocabulary uses ${p} ids and ${t} tail ids, the header declares ${grams.length} and the section holds ${tail.length}`);
  return grams;
}

function checkCorpus(raw: unknown, bad: Bad): CorpusSummary {
  const c = raw as Record<string, unknown>;
  if (typeof c !== 'object' || c === null) return bad('header.corpus is not an object or null');
  for (const k of ['documents', 'benign', 'malicious', 'skippedEmpty', 'calls', 'duplicates']) {
    if (!Number.isSafeInteger(c[k]) || (c[k] as number) < 0) bad(`header.corpus.${k} is not a count`);
  }
  if (typeof c.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(c.sha256)) bad('header.corpus.sha256 is not a SHA-256');
  return c as unknown as CorpusSummary;
}
