/**
 * The server's persistence on the trace store (`ntmaldetect/store`): PGlite owned by the
 * server process, or PostgreSQL shared with other processes.
 *
 * Labelled traces go into the store through its own API (`Store.import`, `label`,
 * `delete`), so they join the training corpus with their provenance. Traces without a label
 * (an unlabelled contribution, or a program traced by a worker) wait in the server's
 * `ntmd_api_pending` table until someone with the `label` scope labels them, which moves
 * them into the store: a model's verdict is never written as a label. Reads of a stored
 * trace's details use the store's tables directly (read-only).
 *
 * @packageDocumentation
 */
import { VERDICT_SCHEMA_VERSION } from '../api/verdict-json.js';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzipSync, gzip } from 'node:zlib';
import type { SqlDriver } from '../store/driver.js';
import { decodeSequence, renderReduced } from '../store/codec.js';
import type { PreparedTrace } from '../store/parse.js';
import { openStore } from '../store/store.js';
import type { Store } from '../store/store.js';
import type {
  ClaimRequest,
  JobClaim,
  LabelName,
  ProgramRecord,
  RequeueResult,
  RevokeReport,
  ServerBackend,
  StatsJson,
  TraceDetails,
  TraceInput,
  TraceStored,
  VerdictJson,
} from './backend.js';
import { ConflictError, MalformedTraceError } from './errors.js';
import { migrateServer } from './migrations.js';
import { ServerDb } from './server-db.js';
import { ParsePool } from './parse-pool.js';
import type { NewToken, Scope, TokenOptions, TokenRecord } from './tokens.js';

/** How to open the server's database. */
export interface OpenBackendOptions {
  /** As `openStore`: a folder (PGlite), `memory://`, or `postgres://...`; default `$NTMD_DATABASE_URL` or the default store folder. */
  db?: string;
  env?: Record<string, string | undefined>;
  /** PostgreSQL pool size (default 8). */
  poolSize?: number;
}

/** Source tag of submissions made through the API. */
export const API_SOURCE = 'api';

const LABELS: readonly LabelName[] = ['benign', 'malicious'];

const gzipAsync = promisify(gzip);

/** An intake row older than this is a crashed submission's, taken over. */
const INTAKE_STALE_SECONDS = 60;
/** How long a submission waits for another one of the same trace to finish. */
const INTAKE_WAIT_MS = 30_000;

/**
 * Reads a trace the way the store will, refusing what it would not store. A large body is
 * read in the parse thread ({@link ParsePool}), not on the HTTP thread.
 */
async function prepare(pool: ParsePool, body: Uint8Array, name: string): Promise<PreparedTrace> {
  let file;
  try {
    file = await pool.prepare(body, name);
  } catch (e) {
    throw new MalformedTraceError((e as Error).message, (e as { code?: string }).code ?? 'MALFORMED_TRACE');
  }
  if (file.format === 'empty') throw new MalformedTraceError('the trace is empty', 'EMPTY_TRACE');
  return file;
}

/** The {@link ServerBackend} on a trace store database. */
/**
 * A verdict stored by an earlier version is served in today's verdict JSON: one stored
 * before verdicts had a `verdict` state (ntmaldetect 0.1) gets it from its booleans, and
 * every record of schema version 1 gets `schemaVersion` 2 and no member votes when it is
 * undecided. (`knownNgrams` cannot be recomputed without the model and stays absent.)
 */
function withVerdictState(v: VerdictJson): VerdictJson {
  if ((v as { schemaVersion?: number }).schemaVersion === VERDICT_SCHEMA_VERSION) return v;
  const verdict = typeof v.verdict === 'string' ? v.verdict : v.insufficient ? 'insufficient' : v.malicious ? 'malicious' : 'benign';
  const undecided = verdict === 'insufficient' || verdict === 'unfamiliar';
  const { schemaVersion: _old, ...rest } = v;
  return {
    schemaVersion: VERDICT_SCHEMA_VERSION,
    ...rest,
    verdict,
    unfamiliar: verdict === 'unfamiliar',
    ...(undecided ? { members: [] } : {}),
  };
}

export class StoreBackend implements ServerBackend {
  readonly sql: ServerDb;

  constructor(
    private readonly driver: SqlDriver,
    /** The trace store sharing the connection. */
    readonly store: Store,
  ) {
    this.sql = new ServerDb(driver);
  }

  /** `pglite` or `postgres`. */
  get kind(): 'pglite' | 'postgres' {
    return this.driver.kind;
  }

  async ping(): Promise<void> {
    await this.driver.query('SELECT 1');
  }

  /** Reads large trace bodies off the HTTP thread (its `onParse` hook tells where each was read). */
  readonly parsePool = new ParsePool();

  async close(): Promise<void> {
    try {
      await this.store.close();
    } finally {
      await this.parsePool.close();
    }
  }

  findToken(id: string): Promise<TokenRecord | undefined> {
    return this.sql.findToken(id);
  }
  createToken(name: string, scopes: Scope[], options?: TokenOptions): Promise<NewToken & { record: TokenRecord }> {
    return this.sql.createToken(name, scopes, options);
  }
  listTokens(): Promise<TokenRecord[]> {
    return this.sql.listTokens();
  }
  revokeToken(id: string): Promise<RevokeReport | undefined> {
    return this.sql.revokeToken(id);
  }
  bindToken(id: string, worker: string, ttlMs?: number): Promise<{ bound: boolean; record: TokenRecord } | undefined> {
    return this.sql.bindToken(id, worker, ttlMs);
  }
  renewToken(id: string, ttlMs: number): Promise<TokenRecord | undefined> {
    return this.sql.renewToken(id, ttlMs);
  }
  rotateToken(
    id: string,
    graceMs: number,
    options?: TokenOptions,
  ): Promise<(NewToken & { record: TokenRecord; old: TokenRecord }) | undefined> {
    return this.sql.rotateToken(id, graceMs, options);
  }

  private async inStore(sha: string): Promise<boolean> {
    return (await this.driver.query('SELECT 1 FROM ntmd_traces WHERE sha256 = $1', [sha])).length === 1;
  }

  /**
   * Runs `fn` as the only submission of trace `id` in progress, across processes: the
   * primary key of `ntmd_api_intake` admits one row per trace, so another submission of the
   * same trace waits until this one is over (and then finds it stored: a duplicate). A row
   * left by a crashed process is taken over after {@link INTAKE_STALE_SECONDS}.
   */
  private async withIntake<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const owner = randomBytes(8).toString('hex');
    const deadline = Date.now() + INTAKE_WAIT_MS;
    for (let wait = 5; ; wait = Math.min(2 * wait, 100)) {
      const got = await this.driver.query(
        `INSERT INTO ntmd_api_intake (trace_sha256, owner) VALUES ($1, $2)
         ON CONFLICT (trace_sha256) DO UPDATE SET owner = excluded.owner, started_at = clock_timestamp()
           WHERE ntmd_api_intake.started_at < clock_timestamp() - make_interval(secs => $3)
         RETURNING trace_sha256`,
        [id, owner, INTAKE_STALE_SECONDS],
      );
      if (got.length === 1) break;
      if (Date.now() > deadline)
        throw new ConflictError('SUBMISSION_IN_PROGRESS', `trace ${id} is being stored by another submission: retry later`, { id });
      await new Promise((r) => setTimeout(r, wait));
    }
    try {
      return await fn();
    } finally {
      await this.driver.query('DELETE FROM ntmd_api_intake WHERE trace_sha256 = $1 AND owner = $2', [id, owner]).catch(() => undefined);
    }
  }

  async addTrace(input: TraceInput): Promise<TraceStored> {
    const file = await prepare(this.parsePool, input.body, input.provenance.name ?? 'request body');
    return this.withIntake(file.traceSha256, () => this.addPrepared(file, input));
  }

  private async addPrepared(file: PreparedTrace, input: TraceInput): Promise<TraceStored> {
    const id = file.traceSha256;
    const name = input.provenance.name ?? `api-${id.slice(0, 16)}.txt`;
    const stored = (duplicate: boolean, label: LabelName | null): TraceStored => ({ id, duplicate, calls: file.calls, label });
    const pending = await this.driver.query('SELECT 1 FROM ntmd_api_pending WHERE trace_sha256 = $1', [id]);
    if (pending.length || (await this.inStore(id))) return stored(true, null);
    let duplicate: boolean;
    if (input.label !== undefined) {
      const report = await this.store.import(
        [
          {
            name,
            label: input.label,
            bytes: input.body,
            prepared: file,
            source: API_SOURCE,
            provenance: {
              programSha256: input.provenance.programSha256,
              programName: input.provenance.programName,
              submitter: input.provenance.submitter,
              tracerOptions: input.provenance.tracer,
            },
          },
        ],
        { source: API_SOURCE, submitter: input.provenance.submitter },
      );
      if (report.failed.length) throw new MalformedTraceError(report.failed[0].message, report.failed[0].code);
      duplicate = report.traces === 0;
    } else {
      duplicate = !(await this.insertPending(this.driver, file, name, input));
    }
    if (!duplicate && input.tokenId !== undefined)
      await this.sql.recordProducer(this.driver, id, input.tokenId, 'contribute', input.provenance.programSha256 ?? null);
    await this.saveVerdict(id, input.modelSha256, input.verdict);
    return stored(duplicate, duplicate ? null : (input.label ?? null));
  }

  private async insertPending(q: Pick<SqlDriver, 'query'>, file: PreparedTrace, name: string, input: TraceInput): Promise<boolean> {
    const p = input.provenance;
    const rows = await q.query(
      `INSERT INTO ntmd_api_pending (trace_sha256, name, calls, body, body_bytes, submitter, program_sha256, program_name, tracer_options)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (trace_sha256) DO NOTHING RETURNING trace_sha256`,
      [
        file.traceSha256,
        name,
        file.calls,
        await gzipAsync(input.body),
        input.body.length,
        p.submitter,
        p.programSha256 ?? null,
        p.programName ?? null,
        JSON.stringify(p.tracer ?? {}),
      ],
    );
    return rows.length === 1;
  }

  async getTrace(id: string, modelSha256: string): Promise<TraceDetails | undefined> {
    const q = this.driver;
    const verdictRows = await q.query<{ verdict: VerdictJson }>(
      'SELECT verdict FROM ntmd_api_verdicts WHERE trace_sha256 = $1 AND model_sha256 = $2',
      [id, modelSha256],
    );
    const verdict = verdictRows.length ? withVerdictState(verdictRows[0].verdict) : undefined;
    const iso = (d: Date | string): string => new Date(d).toISOString();
    const [t] = await q.query<{ calls: number; label: number | null }>(
      `SELECT t.calls, cl.label::int AS label FROM ntmd_traces t LEFT JOIN ntmd_current_labels cl ON cl.trace_id = t.id WHERE t.sha256 = $1`,
      [id],
    );
    if (t) {
      const labels = await q.query<{ label: number; source: string; created_at: Date }>(
        `SELECT l.label::int AS label, l.source, l.created_at FROM ntmd_labels l JOIN ntmd_traces t ON t.id = l.trace_id WHERE t.sha256 = $1 ORDER BY l.id`,
        [id],
      );
      const subs = await q.query<{
        name: string;
        submitter: string | null;
        program_sha256: string | null;
        program_name: string | null;
        submitted_at: Date;
      }>(
        `SELECT s.name, p.submitter, p.program_sha256, p.program_name, s.submitted_at
           FROM ntmd_submissions s JOIN ntmd_traces t ON t.id = s.trace_id LEFT JOIN ntmd_provenance p ON p.id = s.provenance_id
          WHERE t.sha256 = $1 ORDER BY s.id`,
        [id],
      );
      return {
        id,
        calls: t.calls,
        label: t.label === null ? null : LABELS[t.label],
        labels: labels.map((l) => ({ label: LABELS[l.label], source: l.source, at: iso(l.created_at) })),
        submissions: subs.map((s) => ({
          name: s.name,
          submitter: s.submitter,
          programSha256: s.program_sha256,
          programName: s.program_name,
          at: iso(s.submitted_at),
        })),
        verdict,
        producers: await this.sql.producers(id),
        content: async () => {
          const [row] = await q.query<{ sequence: Uint8Array }>('SELECT sequence FROM ntmd_traces WHERE sha256 = $1', [id]);
          return renderReduced(decodeSequence(row.sequence, `trace ${id}`));
        },
      };
    }
    const [p] = await q.query<{
      name: string;
      calls: number;
      submitter: string | null;
      program_sha256: string | null;
      program_name: string | null;
      submitted_at: Date;
    }>('SELECT name, calls, submitter, program_sha256, program_name, submitted_at FROM ntmd_api_pending WHERE trace_sha256 = $1', [id]);
    if (!p) return undefined;
    return {
      id,
      calls: p.calls,
      label: null,
      labels: [],
      submissions: [
        { name: p.name, submitter: p.submitter, programSha256: p.program_sha256, programName: p.program_name, at: iso(p.submitted_at) },
      ],
      verdict,
      producers: await this.sql.producers(id),
      content: async () => {
        const [row] = await q.query<{ body: Uint8Array }>('SELECT body FROM ntmd_api_pending WHERE trace_sha256 = $1', [id]);
        return gunzipSync(row.body);
      },
    };
  }

  /**
   * Labels a trace (a person's decision: its suspect marks, if any, are cleared, even when
   * the label does not change).
   */
  async labelTrace(id: string, label: LabelName, source: string): Promise<boolean> {
    const labelled = await this.labelTraceOnly(id, label, source);
    if (labelled) await this.sql.clearSuspect(id, source);
    return labelled;
  }

  private async labelTraceOnly(id: string, label: LabelName, source: string): Promise<boolean> {
    if (await this.inStore(id)) {
      await this.store.label(id, label, { source, reason: 'API' });
      return true;
    }
    const [p] = await this.driver.query<{
      name: string;
      body: Uint8Array;
      submitter: string | null;
      program_sha256: string | null;
      program_name: string | null;
      tracer_options: Record<string, unknown>;
    }>('SELECT name, body, submitter, program_sha256, program_name, tracer_options FROM ntmd_api_pending WHERE trace_sha256 = $1', [id]);
    if (!p) return false;
    // Into the store first, then out of the waiting room: a crash in between leaves a
    // pending row whose trace is already stored, which reads and labels as the stored one.
    const report = await this.store.import(
      [
        {
          name: p.name,
          label,
          bytes: gunzipSync(p.body),
          source: API_SOURCE,
          provenance: {
            programSha256: p.program_sha256 ?? undefined,
            programName: p.program_name ?? undefined,
            submitter: p.submitter ?? undefined,
            tracerOptions: p.tracer_options,
          },
        },
      ],
      { source: API_SOURCE },
    );
    if (report.failed.length) throw new MalformedTraceError(report.failed[0].message, report.failed[0].code);
    if (report.traces === 0) await this.store.label(id, label, { source, reason: 'API' });
    await this.driver.query('DELETE FROM ntmd_api_pending WHERE trace_sha256 = $1', [id]);
    return true;
  }

  async deleteTrace(id: string): Promise<boolean> {
    let found = false;
    if (await this.inStore(id)) {
      await this.store.delete(id);
      found = true;
    }
    const gone = await this.driver.query('DELETE FROM ntmd_api_pending WHERE trace_sha256 = $1 RETURNING trace_sha256', [id]);
    await this.driver.query('DELETE FROM ntmd_api_verdicts WHERE trace_sha256 = $1', [id]);
    await this.driver.query('DELETE FROM ntmd_api_trace_producers WHERE trace_sha256 = $1', [id]);
    return found || gone.length === 1;
  }

  async saveVerdict(traceId: string, modelSha256: string, verdict: VerdictJson): Promise<void> {
    await this.driver.query(
      'INSERT INTO ntmd_api_verdicts (trace_sha256, model_sha256, verdict) VALUES ($1, $2, $3) ON CONFLICT (trace_sha256, model_sha256) DO NOTHING',
      [traceId, modelSha256, JSON.stringify(verdict)],
    );
  }

  async stats(): Promise<StatsJson> {
    const [c] = await this.driver.query<{
      traces: number;
      submissions: number;
      benign: number;
      malicious: number;
      pending: number;
      pending_new: number;
    }>(
      `SELECT (SELECT count(*)::int FROM ntmd_traces) AS traces,
              (SELECT count(*)::int FROM ntmd_submissions) AS submissions,
              (SELECT count(*)::int FROM ntmd_current_labels WHERE label = 0) AS benign,
              (SELECT count(*)::int FROM ntmd_current_labels WHERE label = 1) AS malicious,
              (SELECT count(*)::int FROM ntmd_api_pending) AS pending,
              (SELECT count(*)::int FROM ntmd_api_pending p WHERE NOT EXISTS (SELECT 1 FROM ntmd_traces t WHERE t.sha256 = p.trace_sha256)) AS pending_new`,
    );
    return {
      traces: c.traces + c.pending_new,
      submissions: c.submissions + c.pending_new,
      byLabel: { benign: c.benign, malicious: c.malicious, unlabelled: c.pending_new },
      programs: await this.sql.programCounts(),
    };
  }

  addProgram(sha256: string, name: string, bytes: Uint8Array, submitter: string): Promise<{ program: ProgramRecord; duplicate: boolean }> {
    return this.sql.addProgram(sha256, name, bytes, submitter);
  }
  getProgram(sha256: string): Promise<ProgramRecord | undefined> {
    return this.sql.getProgram(sha256);
  }
  programBytes(sha256: string): Promise<Uint8Array | undefined> {
    return this.sql.programBytes(sha256);
  }
  leaseValid(sha256: string, lease: string, tokenId: string): Promise<boolean> {
    return this.sql.leaseValid(sha256, lease, tokenId);
  }
  claimJob(request: ClaimRequest): Promise<JobClaim | undefined> {
    return this.sql.claimJob(request);
  }
  failJob(sha256: string, lease: string, tokenId: string, error: string, maxAttempts: number): Promise<ProgramRecord | undefined> {
    return this.sql.failJob(sha256, lease, tokenId, error, maxAttempts);
  }
  releaseJob(sha256: string, lease: string, tokenId: string, reason: string | undefined): Promise<ProgramRecord | undefined> {
    return this.sql.releaseJob(sha256, lease, tokenId, reason);
  }
  requeueProgram(sha256: string): Promise<RequeueResult | undefined> {
    return this.sql.requeueProgram(sha256);
  }

  /**
   * One transaction: lock the job row, check the lease and that `tokenId` made the claim,
   * keep the trace (unless an identical one is already stored), record the token as its
   * producer, cache the verdict, mark the program done. A lost lease stores nothing, so a
   * program is never traced twice into the store.
   */
  async completeJob(
    sha256: string,
    lease: string,
    tokenId: string,
    input: TraceInput,
  ): Promise<{ program: ProgramRecord; trace: TraceStored } | undefined> {
    const name = input.provenance.name ?? `${sha256}.trace.txt`;
    const file = await prepare(this.parsePool, input.body, name);
    return this.withIntake(file.traceSha256, () => this.completePrepared(sha256, lease, tokenId, input, file, name));
  }

  private completePrepared(
    sha256: string,
    lease: string,
    tokenId: string,
    input: TraceInput,
    file: PreparedTrace,
    name: string,
  ): Promise<{ program: ProgramRecord; trace: TraceStored } | undefined> {
    return this.driver.transaction(async (tx) => {
      if (!(await this.sql.holdLease(tx, sha256, lease, tokenId))) return undefined;
      const known = (await tx.query('SELECT 1 FROM ntmd_traces WHERE sha256 = $1', [file.traceSha256])).length === 1;
      const added = known ? false : await this.insertPending(tx, file, name, input);
      await tx.query(
        'INSERT INTO ntmd_api_verdicts (trace_sha256, model_sha256, verdict) VALUES ($1, $2, $3) ON CONFLICT (trace_sha256, model_sha256) DO NOTHING',
        [file.traceSha256, input.modelSha256, JSON.stringify(input.verdict)],
      );
      await this.sql.recordProducer(tx, file.traceSha256, tokenId, 'worker', sha256);
      const program = await this.sql.finishJob(tx, sha256, file.traceSha256);
      return { program, trace: { id: file.traceSha256, duplicate: !added, calls: file.calls, label: null } };
    });
  }
}

/**
 * Opens the server's database: the trace store's schema and the server's tables, migrated
 * to the current versions, on PGlite (owned by this process) or PostgreSQL.
 */
export async function openServerBackend(options: OpenBackendOptions = {}): Promise<StoreBackend> {
  const store = await openStore({ db: options.db, env: options.env, poolSize: options.poolSize ?? 8, migrations: [migrateServer] });
  return new StoreBackend(store.driver, store);
}
