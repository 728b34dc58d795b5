/**
 * JSON Schemas of the API's parameters and responses. Fastify validates requests and
 * serializes responses with them, and `/v1/openapi.json` publishes the same objects, so the
 * document cannot drift from what the server enforces.
 *
 * @packageDocumentation
 */

/** A JSON Schema object (the subset used here). */
export type JsonSchema = Record<string, unknown>;

/** Lower-case hex SHA-256 (64 digits). */
export const SHA256_PATTERN = '^[0-9a-f]{64}$';
/** A trace id: the SHA-256 of the trace's canonical reduced text. */
export const TRACE_ID_PATTERN = SHA256_PATTERN;
/** A token id: 12 hex digits. */
export const TOKEN_ID_PATTERN = '^[0-9a-f]{12}$';
/**
 * A free-text name (file name, program name, token name): printable, no path separators,
 * and not `.` or `..` (names become file names on `store export`).
 */
export const NAME_PATTERN = '^(?!\\.{1,2}$)[^\\u0000-\\u001f\\u007f/\\\\]{1,255}$';

const label = { type: 'string', enum: ['benign', 'malicious'], description: 'The class of the trace.' } as const;

export const problemSchema: JsonSchema = {
  $id: 'Problem',
  type: 'object',
  description: 'An RFC 9457 problem object: every error response has this shape (never a stack trace).',
  required: ['type', 'title', 'status', 'code', 'detail'],
  properties: {
    type: { type: 'string', description: 'A URI naming the kind of problem (`about:blank` style, stable).' },
    title: { type: 'string', description: 'The HTTP reason phrase.' },
    status: { type: 'integer' },
    code: { type: 'string', description: 'Stable machine-readable code, e.g. `BODY_TOO_LARGE`.' },
    detail: { type: 'string', description: 'What went wrong, for a human.' },
    instance: { type: 'string', description: 'The request path.' },
    retryAfter: { type: 'integer' },
    limit: { type: 'integer' },
    needed: { type: 'string' },
    id: { type: 'string' },
  },
};

export const verdictSchema: JsonSchema = {
  $id: 'Verdict',
  type: 'object',
  description: 'The verdict record of every ntmaldetect surface (docs/cli.md, "Verdict JSON"; `scan --json` adds `file`).',
  required: [
    'schemaVersion',
    'verdict',
    'malicious',
    'unfamiliar',
    'insufficient',
    'policy',
    'members',
    'calls',
    'ngrams',
    'unknownNgramFraction',
  ],
  properties: {
    schemaVersion: { type: 'integer', enum: [2], description: 'Version of the verdict JSON.' },
    verdict: {
      type: 'string',
      enum: ['malicious', 'benign', 'unfamiliar', 'insufficient'],
      description:
        'malicious or benign: the decision; unfamiliar: too little of the trace is known to the model to judge it (no decision); insufficient: too few calls for one n-gram.',
    },
    malicious: { type: 'boolean' },
    unfamiliar: {
      type: 'boolean',
      description: "verdict = 'unfamiliar': too few of the trace's n-grams are known to the model to judge it.",
    },
    insufficient: { type: 'boolean', description: 'True when the trace is too short to decide (fewer calls than the n-gram length).' },
    reason: { type: 'string' },
    warning: { type: 'string' },
    policy: { type: 'string', enum: ['any', 'all', 'majority', 'mean'] },
    probability: { type: 'number' },
    members: {
      type: 'array',
      description: "Every member's vote, in model order; empty when there is no decision (unfamiliar, insufficient).",
      items: {
        type: 'object',
        required: ['name', 'malicious', 'score'],
        properties: {
          name: { type: 'string' },
          malicious: { type: 'boolean' },
          score: { type: 'number' },
          probability: { type: 'number' },
        },
      },
    },
    calls: { type: 'integer' },
    ngrams: { type: 'integer' },
    knownNgrams: {
      type: 'integer',
      description: "Distinct n-grams of the trace in the model's vocabulary (absent in verdicts stored before 0.2).",
    },
    unknownNgramFraction: {
      type: 'number',
      nullable: true,
      description: 'Share of n-gram occurrences the model does not know; null when the trace has none.',
    },
  },
};

export const labelSchema: JsonSchema = label;

export const traceSubmittedSchema: JsonSchema = {
  $id: 'TraceSubmitted',
  type: 'object',
  required: ['id', 'duplicate', 'calls', 'label', 'verdict'],
  properties: {
    id: {
      type: 'string',
      pattern: TRACE_ID_PATTERN,
      description: 'SHA-256 of the canonical reduced call sequence: identical traces (raw or reduced) share it and are stored once.',
    },
    duplicate: { type: 'boolean', description: 'True when this trace was already in the store (nothing new stored but the submission).' },
    calls: { type: 'integer' },
    label: { ...label, nullable: true },
    verdict: { $ref: 'Verdict#' },
  },
};

export const traceInfoSchema: JsonSchema = {
  $id: 'TraceInfo',
  type: 'object',
  required: ['id', 'calls', 'label', 'labels', 'submissions', 'verdict'],
  properties: {
    id: { type: 'string', pattern: TRACE_ID_PATTERN },
    calls: { type: 'integer' },
    label: { ...label, nullable: true },
    labels: {
      type: 'array',
      description: 'Label history, oldest first.',
      items: {
        type: 'object',
        required: ['label', 'source', 'at'],
        properties: { label, source: { type: 'string' }, at: { type: 'string', format: 'date-time' } },
      },
    },
    submissions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'at'],
        properties: {
          name: { type: 'string', nullable: true },
          submitter: { type: 'string', nullable: true },
          programSha256: { type: 'string', nullable: true },
          programName: { type: 'string', nullable: true },
          at: { type: 'string', format: 'date-time' },
        },
      },
    },
    verdict: { $ref: 'Verdict#' },
    producers: {
      type: 'array',
      description:
        "The tokens that produced the trace (a worker's post, a contribution). `suspect`: the token was revoked and no person has labelled the trace since; re-assessment leaves it out.",
      items: {
        type: 'object',
        required: ['tokenId', 'kind', 'at', 'suspect'],
        properties: {
          tokenId: { type: 'string', pattern: TOKEN_ID_PATTERN },
          kind: { type: 'string', enum: ['worker', 'contribute'] },
          programSha256: { type: 'string', nullable: true },
          at: { type: 'string', format: 'date-time' },
          suspect: { type: 'boolean' },
          suspectSince: { type: 'string', format: 'date-time', nullable: true },
          reason: { type: 'string', nullable: true },
          clearedAt: { type: 'string', format: 'date-time', nullable: true },
          clearedBy: { type: 'string', nullable: true },
        },
      },
    },
  },
};

export const statsSchema: JsonSchema = {
  $id: 'Stats',
  type: 'object',
  required: ['traces', 'submissions', 'byLabel', 'programs'],
  properties: {
    traces: { type: 'integer', description: 'Distinct traces stored.' },
    submissions: { type: 'integer' },
    byLabel: {
      type: 'object',
      description:
        'Distinct traces by current label; `unlabelled`: contributed without a label or traced by a worker, waiting for one (not in the training corpus).',
      required: ['benign', 'malicious', 'unlabelled'],
      properties: { benign: { type: 'integer' }, malicious: { type: 'integer' }, unlabelled: { type: 'integer' } },
    },
    programs: {
      type: 'object',
      required: ['queued', 'running', 'done', 'failed'],
      properties: { queued: { type: 'integer' }, running: { type: 'integer' }, done: { type: 'integer' }, failed: { type: 'integer' } },
    },
  },
};

export const modelsSchema: JsonSchema = {
  $id: 'Models',
  type: 'object',
  required: ['current'],
  properties: {
    current: {
      type: 'object',
      required: ['name', 'sha256', 'source'],
      additionalProperties: true,
      properties: {
        name: { type: 'string' },
        sha256: { type: 'string', pattern: SHA256_PATTERN, description: 'SHA-256 of the `.ntmd` bytes.' },
        source: { type: 'string', enum: ['default', 'file'], description: '`default`: the shipped model; `file`: `--model F`.' },
        info: {
          type: 'object',
          additionalProperties: true,
          description: "The model file's own description: configuration, training corpus, metrics.",
        },
      },
    },
  },
};

/** What identifies a submitted program, in both the program and the job objects. */
const programIdentity = {
  sha256: { type: 'string', pattern: SHA256_PATTERN, description: 'SHA-256 of the executable.' },
  name: { type: 'string', description: 'File name given at submission.' },
  size: { type: 'integer', description: 'Bytes.' },
};

export const programSchema: JsonSchema = {
  $id: 'Program',
  type: 'object',
  required: ['sha256', 'name', 'size', 'status', 'submittedAt', 'attempts'],
  properties: {
    ...programIdentity,
    status: { type: 'string', enum: ['queued', 'running', 'done', 'failed'] },
    submittedAt: { type: 'string', format: 'date-time' },
    attempts: { type: 'integer', description: 'How many times a worker claimed it.' },
    error: { type: 'string', nullable: true },
    trace: {
      type: 'object',
      nullable: true,
      required: ['id', 'verdict'],
      properties: { id: { type: 'string', pattern: TRACE_ID_PATTERN }, verdict: { $ref: 'Verdict#' } },
    },
  },
};

export const jobSchema: JsonSchema = {
  $id: 'Job',
  type: 'object',
  required: ['sha256', 'name', 'size', 'lease', 'expiresAt', 'timeLimitMs'],
  properties: {
    ...programIdentity,
    lease: {
      type: 'string',
      pattern: '^[0-9a-f]{32}$',
      description: 'Proof of the claim: required, with the token that made the claim, to download the program and post its trace.',
    },
    worker: { type: 'string', description: "The worker name the claim is recorded under (a bound token's own name)." },
    expiresAt: { type: 'string', format: 'date-time' },
    timeLimitMs: { type: 'integer', description: 'How long the worker may trace the program.' },
  },
};

export const tokenSchema: JsonSchema = {
  $id: 'Token',
  type: 'object',
  required: ['id', 'name', 'scopes', 'createdAt'],
  properties: {
    id: { type: 'string', pattern: TOKEN_ID_PATTERN },
    name: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string', enum: ['detect', 'contribute', 'label', 'worker', 'admin'] } },
    createdAt: { type: 'string', format: 'date-time' },
    revokedAt: { type: 'string', format: 'date-time', nullable: true },
    worker: {
      type: 'string',
      nullable: true,
      description: 'The worker name a `worker` token is bound to (null: not a worker token, or a legacy one).',
    },
    expiresAt: {
      type: 'string',
      format: 'date-time',
      nullable: true,
      description: 'When the token stops being accepted (null: no expiry).',
    },
    legacy: {
      type: 'boolean',
      description: 'A worker token made before worker identity: unbound, no expiry; accepted with a warning until bound or replaced.',
    },
    rotatedTo: { type: 'string', nullable: true, description: 'The token that replaced this one by rotation.' },
    token: { type: 'string', description: 'The secret token: only in the response that creates it.' },
  },
};

/** Every named schema, registered with Fastify (`$ref: 'Name#'`) and listed in the OpenAPI components. */
export const namedSchemas: readonly JsonSchema[] = [
  problemSchema,
  verdictSchema,
  traceSubmittedSchema,
  traceInfoSchema,
  statsSchema,
  modelsSchema,
  programSchema,
  jobSchema,
  tokenSchema,
];
