/**
 * Which model to use: the one function every caller resolves a model with — `detect()`,
 * `explain()`, the runner's live verdicts, every CLI command's `--model F` / `--trust-key K`
 * (through `src/cli/model-args.ts`, which only maps argv to a {@link ModelChoice}) and the
 * server's `serve --model F`.
 *
 * The rules, in order: a loaded model is used as it is; a path is read relative to
 * {@link ModelChoice.cwd} and named as given in errors; bytes are read as a model file;
 * nothing means the shipped default model (`models/default.ntmd`, loaded once and cached;
 * {@link NoDefaultModelError} when it is missing). With a trust key, a file, bytes or the
 * default model must be signed by that key (`MODEL_UNTRUSTED` otherwise; the default model
 * is then read again from its file, named "the default model").
 *
 * @packageDocumentation
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NoDefaultModelError, UnreadableModelError } from '../model/errors.js';
import type { LoadOptions, Model } from '../model/model.js';
import { loadModelSync } from '../model/model.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Path of the model shipped with the package (`models/default.ntmd`). */
export const DEFAULT_MODEL_PATH = join(here, '..', '..', 'models', 'default.ntmd');

/** Which model to use: a loaded one, a file path, or the file's bytes. */
export type ModelSource = Model | string | Uint8Array;

/** What picks a model: the API's `model` and `trustKey`, the CLI's `--model F` and `--trust-key K`. */
export interface ModelChoice {
  /** A loaded model, a `.ntmd` file path or a file's bytes; default: the shipped default model. */
  readonly model?: ModelSource;
  /** Refuse a model file (or the default model) not signed by this Ed25519 key (see `loadModel`). A loaded model is taken as it is. */
  readonly trustKey?: LoadOptions['trustKey'];
  /** Folder a relative path is read from (default: the process's working folder); errors name the path as given. */
  readonly cwd?: string;
}

/** A resolved {@link ModelChoice}: the model and where it came from. */
export interface ResolvedModel {
  readonly model: Model;
  /** `default`: the shipped model; `file`: a path; `bytes`: a file's bytes; `loaded`: a model object. */
  readonly origin: 'default' | 'file' | 'bytes' | 'loaded';
  /** The file read (absolute), for `default` and `file`. */
  readonly path?: string;
  /** The model file's bytes when they were read for this call (not for a cached default model). */
  readonly bytes?: Uint8Array;
}

let defaultModel: Model | undefined;

function isModel(m: unknown): m is Model {
  return typeof m === 'object' && m !== null && !(m instanceof Uint8Array) && 'tfidf' in m && 'members' in m;
}

/**
 * Loads (and caches) the shipped default model; throws {@link NoDefaultModelError} when it
 * is missing. `path` replaces the default location (not cached).
 */
export function defaultModelSync(path?: string): Model {
  if (path !== undefined) {
    if (!existsSync(path)) throw new NoDefaultModelError(path);
    return loadModelSync(path);
  }
  if (defaultModel) return defaultModel;
  if (!existsSync(DEFAULT_MODEL_PATH)) throw new NoDefaultModelError(DEFAULT_MODEL_PATH);
  defaultModel = loadModelSync(DEFAULT_MODEL_PATH);
  return defaultModel;
}

/** What {@link resolveModel} reads: a file (path, name in errors), or nothing more to read. */
type Plan = { readonly done: ResolvedModel } | { readonly read: string; readonly source: string; readonly origin: 'default' | 'file' };

function plan(choice: ModelChoice): Plan {
  const { model, trustKey } = choice;
  if (model === undefined) {
    if (trustKey === undefined) return { done: { model: defaultModelSync(), origin: 'default', path: DEFAULT_MODEL_PATH } };
    if (!existsSync(DEFAULT_MODEL_PATH)) throw new NoDefaultModelError(DEFAULT_MODEL_PATH);
    return { read: DEFAULT_MODEL_PATH, source: 'the default model', origin: 'default' };
  }
  if (isModel(model)) return { done: { model, origin: 'loaded' } };
  if (typeof model === 'string') return { read: resolve(choice.cwd ?? '.', model), source: model, origin: 'file' };
  return { done: { model: loadModelSync(model, trustKey === undefined ? {} : { trustKey }), origin: 'bytes', bytes: model } };
}

function fromBytes(p: Extract<Plan, { read: string }>, bytes: Uint8Array, trustKey: ModelChoice['trustKey']): ResolvedModel {
  const model = loadModelSync(bytes, { source: p.source, ...(trustKey !== undefined ? { trustKey } : {}) });
  return { model, origin: p.origin, path: p.read, bytes };
}

function unreadable(source: string, e: unknown): UnreadableModelError {
  return new UnreadableModelError(source, (e as NodeJS.ErrnoException).code ?? (e as Error).message);
}

/**
 * Resolves a {@link ModelChoice}: the model, and where it came from. Throws
 * {@link NoDefaultModelError} without a model when the default one is missing, and a
 * `ModelFileError` subclass (`MODEL_UNREADABLE`, `MODEL_UNTRUSTED`, ...) for a bad file.
 */
export async function resolveModel(choice: ModelChoice = {}): Promise<ResolvedModel> {
  const p = plan(choice);
  if ('done' in p) return p.done;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(p.read);
  } catch (e) {
    throw unreadable(p.source, e);
  }
  return fromBytes(p, bytes, choice.trustKey);
}

/** Synchronous {@link resolveModel} (for `detectSync`, `explainSync`). */
export function resolveModelSync(choice: ModelChoice = {}): ResolvedModel {
  const p = plan(choice);
  if ('done' in p) return p.done;
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(p.read);
  } catch (e) {
    throw unreadable(p.source, e);
  }
  return fromBytes(p, bytes, choice.trustKey);
}
