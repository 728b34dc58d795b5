/**
 * Option handling shared by the model commands (`scan`, `train`, `explain`, `features`):
 * `--model`, `--trust-key`, `--sign-key`, `--policy` / `--harsh`, `--top`, and the number
 * formats of their tables. (Not a command: the commands are listed in `commands.ts`.)
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ParsedValues } from './command.js';
import { UsageError, numberOption, stringOption } from './command.js';
import type { Policy } from '../model/config.js';
import { POLICIES } from '../model/config.js';
import type { Model } from '../model/model.js';
import { resolveModel } from '../api/resolve-model.js';
import type { ResolvedModel } from '../api/resolve-model.js';
import { KeyError } from '../model/errors.js';
import { readFailure } from './paths.js';

/** parseArgs definitions of `--model F` and `--trust-key K`. */
export const modelOptions = {
  model: { type: 'string' },
  'trust-key': { type: 'string' },
} as const;

/** Help lines of {@link modelOptions}. */
export const modelHelp = `  --model F            model file (default: the shipped models/default.ntmd)
  --trust-key K        refuse a model not signed by this Ed25519 key (PEM, public or private)`;

/** Reads a key file (PEM text). */
export async function readKey(path: string, cwd: string, what: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, path), 'utf8');
  } catch (e) {
    throw new KeyError(`cannot read the ${what} ${path}: ${readFailure(e)}`);
  }
  if (!text.includes('-----BEGIN'))
    throw new KeyError(`the ${what} ${path} is not a PEM key file (no -----BEGIN line): give an Ed25519 key in PEM form`);
  return text;
}

/**
 * The model named by `--model` (or the default model), checked against `--trust-key`: the
 * options mapped to a model choice, resolved by `resolveModel` (src/api/resolve-model.ts)
 * as every command and the server do.
 */
export async function modelFromArgs(values: ParsedValues, cwd: string): Promise<Model> {
  return (await resolvedModelFromArgs(values, cwd)).model;
}

/** {@link modelFromArgs} with where the model came from (its file's bytes or path, for worker threads). */
export async function resolvedModelFromArgs(values: ParsedValues, cwd: string): Promise<ResolvedModel> {
  const path = stringOption(values, 'model');
  const trust = stringOption(values, 'trust-key');
  const trustKey = trust === undefined ? undefined : await readKey(trust, cwd, 'trust key');
  return resolveModel({ model: path, trustKey, cwd });
}

/** `--policy P` / `--harsh` (NtMalDetect's `-h`, = `--policy all`); both is a usage error. */
export function policyFromArgs(values: ParsedValues): Policy | undefined {
  const p = stringOption(values, 'policy');
  if (p !== undefined && values.harsh === true) throw new UsageError('--harsh means --policy all: give one or the other');
  if (values.harsh === true) return 'all';
  if (p === undefined) return undefined;
  if (!(POLICIES as readonly string[]).includes(p))
    throw new UsageError(`--policy must be one of ${POLICIES.join(', ')}, got ${JSON.stringify(p)}`);
  return p as Policy;
}

/** `--top N` (an integer >= 0), or the default. */
export function topFromArgs(values: ParsedValues, dflt: number): number {
  return numberOption(values, 'top', { min: 0, integer: true }) ?? dflt;
}

/** A signed number with 4 decimals (or exponent form when tiny/huge), e.g. `+12.3456`. */
export function signed(x: number): string {
  const a = Math.abs(x);
  const s = a !== 0 && (a < 1e-3 || a >= 1e6) ? a.toExponential(3) : a.toFixed(4);
  return (x < 0 ? '-' : '+') + s;
}

/** Pads `s` to `n` columns (left-aligned). */
export function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** A count with thousands separators (`242,694`), locale-independent. */
export function count(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** An n-gram for display: runs of the same call collapsed, `ntclose ntclose ntclose` -> `ntclose x3`. */
export function compactNgram(ngram: string): string {
  const names = ngram.split(' ');
  const out: string[] = [];
  for (let i = 0; i < names.length;) {
    let j = i + 1;
    while (j < names.length && names[j] === names[i]) j++;
    out.push(j - i > 1 ? `${names[i]} x${j - i}` : names[i]);
    i = j;
  }
  return out.join(' ');
}
