/**
 * API tokens in `ntmd_api_tokens`: finding, creating, listing, revoking, binding to a
 * worker, renewing and rotating. Plain functions on the connection; `ServerDb`
 * (`server-db.ts`) is their facade.
 */
import type { Queryable, SqlDriver } from '../store/driver.js';
import type { RevokeReport } from './backend.js';
import { DEFAULT_WORKER_TOKEN_TTL_MS, generateToken } from './tokens.js';
import type { NewToken, Scope, TokenOptions, TokenRecord } from './tokens.js';

interface TokenRow {
  id: string;
  name: string;
  scopes: string[];
  hash: string;
  created_at: Date | string;
  revoked_at: Date | string | null;
  worker_name: string | null;
  expires_at: Date | string | null;
  legacy: boolean;
  rotated_to: string | null;
}

const TOKEN_COLUMNS = 'id, name, scopes, hash, created_at, revoked_at, worker_name, expires_at, legacy, rotated_to';

function tokenRecord(r: TokenRow): TokenRecord {
  return {
    id: r.id,
    name: r.name,
    scopes: r.scopes as Scope[],
    hash: r.hash,
    createdAt: new Date(r.created_at),
    revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at),
    workerName: r.worker_name,
    expiresAt: r.expires_at === null ? null : new Date(r.expires_at),
    legacy: r.legacy,
    rotatedTo: r.rotated_to,
  };
}

/** The lifetime a new token gets: the one asked for, else 30 days for worker tokens, else none. */
function tokenTtl(scopes: readonly Scope[], options: TokenOptions): number | null {
  return options.ttlMs ?? (scopes.includes('worker') ? DEFAULT_WORKER_TOKEN_TTL_MS : null);
}

/** The token of that id, revoked or not; undefined when there is none. */
export async function findToken(q: Queryable, id: string): Promise<TokenRecord | undefined> {
  const rows = await q.query<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM ntmd_api_tokens WHERE id = $1`, [id]);
  return rows.length ? tokenRecord(rows[0]) : undefined;
}

/**
 * Creates a token (in `q`, which may be the caller's transaction). A token with the
 * `worker` scope is bound to `options.worker` (default: its name) and expires after
 * `options.ttlMs` (default 30 days).
 */
export async function createToken(
  q: Queryable,
  name: string,
  scopes: Scope[],
  options: TokenOptions,
): Promise<NewToken & { record: TokenRecord }> {
  const t = generateToken();
  const worker = scopes.includes('worker') ? (options.worker ?? name) : null;
  const rows = await q.query<TokenRow>(
    `INSERT INTO ntmd_api_tokens (id, name, scopes, hash, worker_name, expires_at)
       VALUES ($1, $2, $3, $4, $5, CASE WHEN $6::double precision IS NULL THEN NULL ELSE clock_timestamp() + make_interval(secs => $6::double precision / 1000) END)
       RETURNING ${TOKEN_COLUMNS}`,
    [t.id, name, scopes, t.hash, worker, tokenTtl(scopes, options)],
  );
  return { ...t, record: tokenRecord(rows[0]) };
}

/** Every token, oldest first. */
export async function listTokens(q: Queryable): Promise<TokenRecord[]> {
  const rows = await q.query<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM ntmd_api_tokens ORDER BY created_at, id`);
  return rows.map(tokenRecord);
}

/**
 * Revokes a token in one transaction: refuses it, marks the traces it produced suspect and
 * puts its claims back in the queue. Undefined when there is no such unrevoked token.
 */
export async function revokeToken(db: SqlDriver, id: string): Promise<RevokeReport | undefined> {
  return db.transaction(async (tx) => {
    const rows = await tx.query<{ name: string }>(
      'UPDATE ntmd_api_tokens SET revoked_at = clock_timestamp() WHERE id = $1 AND revoked_at IS NULL RETURNING name',
      [id],
    );
    if (rows.length === 0) return undefined;
    const marked = await tx.query(
      `UPDATE ntmd_api_trace_producers SET suspect_at = clock_timestamp(), suspect_reason = $2
         WHERE token_id = $1 AND suspect_at IS NULL RETURNING id`,
      [id, `produced by token ${id} (${rows[0].name}), revoked`],
    );
    const released = await tx.query(
      `UPDATE ntmd_jobs SET status = 'queued', lease = NULL, expires_at = NULL, token_id = NULL, updated_at = clock_timestamp()
         WHERE token_id = $1 AND status = 'running' RETURNING program_sha256`,
      [id],
    );
    return { id, marked: marked.length, released: released.length };
  });
}

/**
 * Binds an unbound (legacy) worker token to a worker name, with an expiry `ttlMs` from now
 * if it had none. Undefined when there is no such active worker token; `bound: false` when
 * it is already bound.
 */
export async function bindToken(
  q: Queryable,
  id: string,
  worker: string,
  ttlMs: number,
): Promise<{ bound: boolean; record: TokenRecord } | undefined> {
  const rows = await q.query<TokenRow>(
    `UPDATE ntmd_api_tokens
          SET worker_name = $2, legacy = false,
              expires_at = coalesce(expires_at, clock_timestamp() + make_interval(secs => $3::double precision / 1000))
        WHERE id = $1 AND revoked_at IS NULL AND worker_name IS NULL AND 'worker' = ANY (scopes)
        RETURNING ${TOKEN_COLUMNS}`,
    [id, worker, ttlMs],
  );
  if (rows.length) return { bound: true, record: tokenRecord(rows[0]) };
  const t = await findToken(q, id);
  if (!t || t.revokedAt !== null || !t.scopes.includes('worker')) return undefined;
  return { bound: false, record: t };
}

/** Sets an active token's expiry to now + `ttlMs`. Undefined when there is no such active token. */
export async function renewToken(q: Queryable, id: string, ttlMs: number): Promise<TokenRecord | undefined> {
  const rows = await q.query<TokenRow>(
    `UPDATE ntmd_api_tokens SET expires_at = clock_timestamp() + make_interval(secs => $2::double precision / 1000)
        WHERE id = $1 AND revoked_at IS NULL AND rotated_to IS NULL
        RETURNING ${TOKEN_COLUMNS}`,
    [id, ttlMs],
  );
  return rows.length ? tokenRecord(rows[0]) : undefined;
}

/**
 * Replaces an active token by a new one with the same name, scopes and worker binding, in
 * one transaction; the old one expires after `graceMs`. Undefined when there is no such
 * active token.
 */
export async function rotateToken(
  db: SqlDriver,
  id: string,
  graceMs: number,
  options: TokenOptions,
): Promise<(NewToken & { record: TokenRecord; old: TokenRecord }) | undefined> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query<TokenRow>(
      `SELECT ${TOKEN_COLUMNS} FROM ntmd_api_tokens
          WHERE id = $1 AND revoked_at IS NULL AND rotated_to IS NULL AND (expires_at IS NULL OR expires_at > clock_timestamp())
          FOR UPDATE`,
      [id],
    );
    if (!row) return undefined;
    const old = tokenRecord(row);
    const fresh = await createToken(tx, old.name, old.scopes, {
      worker: options.worker ?? old.workerName ?? undefined,
      ttlMs: options.ttlMs,
    });
    const [updated] = await tx.query<TokenRow>(
      `UPDATE ntmd_api_tokens
            SET rotated_to = $2,
                expires_at = least(coalesce(expires_at, 'infinity'::timestamptz), clock_timestamp() + make_interval(secs => $3::double precision / 1000))
          WHERE id = $1 RETURNING ${TOKEN_COLUMNS}`,
      [id, fresh.id, graceMs],
    );
    return { ...fresh, old: tokenRecord(updated) };
  });
}
