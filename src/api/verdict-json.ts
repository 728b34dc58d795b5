/**
 * The JSON form of a verdict, one schema for every producer: `scan --json` (one record per
 * line, with `file`), `run`/`attach --json` (inside their `verdict` and `final` events), the
 * HTTP API (`POST /v1/traces`, `GET /v1/traces/{id}`, a program's trace) and what the worker
 * reads back. Versioned by {@link VERDICT_SCHEMA_VERSION}; docs/cli.md, "Verdict JSON",
 * describes it field by field, and {@link VERDICT_JSON_SCHEMA} is its JSON Schema.
 */
import type { Verdict } from './verdict.js';
import { VERDICT_SCHEMA_VERSION } from './verdict.js';

export { VERDICT_SCHEMA_VERSION };

/** Every state a verdict record can have: the four verdicts, and the two ways of having none. */
export type VerdictRecordState = Verdict['verdict'] | 'refused' | 'error';

/** A verdict as JSON: the {@link Verdict} itself (it carries its `schemaVersion`). */
export type VerdictJson = Verdict;

/**
 * An input that got no verdict: `refused` when it is not a trace (empty, no call line,
 * calls that are not calls: codes `EMPTY_TRACE`, `NO_CALLS`, `NOT_A_TRACE`), `error` when it
 * could not be read (a missing or unreadable file, a corrupt gzip...).
 */
export interface NoVerdictJson {
  readonly schemaVersion: typeof VERDICT_SCHEMA_VERSION;
  readonly verdict: 'refused' | 'error';
  readonly error: { readonly code: string; readonly message: string };
}

/** Error codes that mean "this input is not a trace" (a `refused` record; HTTP 422). */
export const REFUSED_CODES: ReadonlySet<string> = new Set(['EMPTY_TRACE', 'NO_CALLS', 'NOT_A_TRACE']);

/**
 * A copy of a verdict with its keys in the documented order and nothing else: the record a
 * surface writes (a verdict built by hand or stored may hold its keys in another order).
 */
export function verdictJson(v: Verdict): VerdictJson {
  return {
    schemaVersion: VERDICT_SCHEMA_VERSION,
    verdict: v.verdict,
    malicious: v.malicious,
    unfamiliar: v.unfamiliar,
    insufficient: v.insufficient,
    ...(v.reason !== undefined ? { reason: v.reason } : {}),
    ...(v.warning !== undefined ? { warning: v.warning } : {}),
    policy: v.policy,
    ...(v.probability !== undefined ? { probability: v.probability } : {}),
    members: v.members.map((m) => ({
      name: m.name,
      malicious: m.malicious,
      score: m.score,
      ...(m.probability !== undefined ? { probability: m.probability } : {}),
    })),
    calls: v.calls,
    ngrams: v.ngrams,
    knownNgrams: v.knownNgrams,
    unknownNgramFraction: v.unknownNgramFraction,
  };
}

/** The record of an input that got no verdict, from the error (`code`, `message`) it gave. */
export function noVerdictJson(error: { code: string; message: string }): NoVerdictJson {
  return {
    schemaVersion: VERDICT_SCHEMA_VERSION,
    verdict: REFUSED_CODES.has(error.code) ? 'refused' : 'error',
    error: { code: error.code, message: error.message },
  };
}

const member = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'malicious', 'score'],
  properties: {
    name: { type: 'string' },
    malicious: { type: 'boolean' },
    score: { type: 'number' },
    probability: { type: 'number', minimum: 0, maximum: 1 },
  },
} as const;

/** JSON Schema (draft 2020-12 subset, as Fastify and Ajv take it) of a verdict record. */
export const VERDICT_JSON_SCHEMA = {
  $id: 'ntmaldetect-verdict-2',
  title: 'ntmaldetect verdict, schema version 2',
  type: 'object',
  required: ['schemaVersion', 'verdict'],
  properties: {
    schemaVersion: { const: VERDICT_SCHEMA_VERSION },
    file: { type: 'string', description: '`scan --json` only: the input as shown' },
    verdict: { enum: ['malicious', 'benign', 'unfamiliar', 'insufficient', 'refused', 'error'] },
    malicious: { type: 'boolean' },
    unfamiliar: { type: 'boolean' },
    insufficient: { type: 'boolean' },
    reason: { type: 'string' },
    warning: { type: 'string' },
    policy: { enum: ['any', 'all', 'majority', 'mean'] },
    probability: { type: 'number', minimum: 0, maximum: 1 },
    members: { type: 'array', items: member },
    calls: { type: 'integer', minimum: 0 },
    ngrams: { type: 'integer', minimum: 0 },
    knownNgrams: { type: 'integer', minimum: 0 },
    unknownNgramFraction: { type: ['number', 'null'], minimum: 0, maximum: 1 },
    error: {
      type: 'object',
      additionalProperties: false,
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
  additionalProperties: false,
  allOf: [
    {
      if: { properties: { verdict: { enum: ['refused', 'error'] } } },
      then: { required: ['error'], not: { required: ['members'] } },
      else: {
        // knownNgrams is absent from verdicts the server stored before 0.2.
        required: ['malicious', 'unfamiliar', 'insufficient', 'policy', 'members', 'calls', 'ngrams', 'unknownNgramFraction'],
        not: { required: ['error'] },
      },
    },
    {
      if: { properties: { verdict: { enum: ['unfamiliar', 'insufficient'] } } },
      then: { required: ['reason'], properties: { members: { maxItems: 0 }, malicious: { const: false } } },
    },
  ],
} as const;
