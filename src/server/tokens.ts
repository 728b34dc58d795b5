/**
 * API tokens: creation, parsing and verification.
 *
 * A token is `ntmd_<id>_<secret>`: `id` is 12 hex digits (public, the row key), `secret` is
 * 32 random bytes in base64url. Only SHA-256 of the secret is stored. A slow password hash
 * is not needed: the secret has 256 bits of entropy, so it cannot be guessed from its hash,
 * and a fast hash keeps authentication off the request's critical path. Verification
 * compares hashes in constant time.
 *
 * @packageDocumentation
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { TokenFormatError } from './errors.js';
import { sha256Hex } from '../hash.js';

/** What a token may do. `admin` implies every other scope. */
export type Scope = 'detect' | 'contribute' | 'label' | 'worker' | 'admin';

/** Every scope, in a stable order. */
export const SCOPES: readonly Scope[] = ['detect', 'contribute', 'label', 'worker', 'admin'];

/** A stored token (never holds the secret). */
export interface TokenRecord {
  /** Public id: 12 lower-case hex digits. */
  id: string;
  /** Free-text name given at creation ("ci", "analyst-alice"). */
  name: string;
  scopes: Scope[];
  /** Hex SHA-256 of the secret part. */
  hash: string;
  createdAt: Date;
  /** Set when revoked; a revoked token is refused. */
  revokedAt: Date | null;
  /**
   * The one worker name this token may claim under (tokens with the `worker` scope are
   * bound at creation); null for other tokens and for legacy worker tokens.
   */
  workerName: string | null;
  /** When the token stops being accepted; null: no expiry (never for a bound worker token). */
  expiresAt: Date | null;
  /**
   * A worker token made before worker identity existed (server schema 1): unbound and
   * without expiry. It keeps working, with a warning, until an administrator binds or
   * replaces it.
   */
  legacy: boolean;
  /** Id of the token that replaced this one by rotation, if any. */
  rotatedTo: string | null;
}

/** Default lifetime of a worker token (30 days); renewable by an administrator. */
export const DEFAULT_WORKER_TOKEN_TTL_MS = 30 * 86_400_000;
/** Longest lifetime a token may be given (366 days). */
export const MAX_TOKEN_TTL_MS = 366 * 86_400_000;

/** Options of a new token. */
export interface TokenOptions {
  /**
   * Worker name a `worker`-scope token is bound to. Default: the token's name. Refused for
   * a token without the `worker` scope.
   */
  worker?: string | undefined;
  /**
   * Lifetime in milliseconds. Default: {@link DEFAULT_WORKER_TOKEN_TTL_MS} for a token with
   * the `worker` scope, no expiry for the others.
   */
  ttlMs?: number | undefined;
}

/** Is the token past its expiry at `now` (epoch ms)? */
export function tokenExpired(t: Pick<TokenRecord, 'expiresAt'>, now = Date.now()): boolean {
  return t.expiresAt !== null && t.expiresAt.getTime() <= now;
}

const LIFETIME_UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a token lifetime: a whole number followed by `m`, `h` or `d` (`90m`, `12h`,
 * `30d`), between 1 minute and 366 days. Returns milliseconds.
 */
export function parseLifetime(text: string, option = '--ttl'): number {
  const m = /^\s*(\d+)\s*([mhd])\s*$/i.exec(text);
  if (!m) throw new TokenFormatError(`${option}: expected a lifetime such as 90m, 12h or 30d, got ${JSON.stringify(text)}`);
  const ms = Number(m[1]) * LIFETIME_UNIT_MS[m[2].toLowerCase()];
  if (ms < 60_000 || ms > MAX_TOKEN_TTL_MS)
    throw new TokenFormatError(`${option}: a lifetime must lie between 1m and 366d, got ${JSON.stringify(text)}`);
  return ms;
}

/** A freshly created token: the full secret string is shown once and never stored. */
export interface NewToken {
  /** The whole token to give to the client: `ntmd_<id>_<secret>`. */
  token: string;
  id: string;
  hash: string;
}

const TOKEN_RE = /^ntmd_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
/** Pattern of a token id (12 hex digits). */
export const TOKEN_ID_RE = /^[0-9a-f]{12}$/;

/** Creates a new random token. */
export function generateToken(): NewToken {
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { token: `ntmd_${id}_${secret}`, id, hash: hashSecret(secret) };
}

/** Hex SHA-256 of a token secret. */
export function hashSecret(secret: string): string {
  return sha256Hex(secret);
}

/** Splits a token string into id and secret, or returns `undefined` if it is not a token. */
export function parseToken(token: string): { id: string; secret: string } | undefined {
  const m = TOKEN_RE.exec(token);
  return m ? { id: m[1], secret: m[2] } : undefined;
}

/** Does `secret` match the stored hash? Constant-time in the hash comparison. */
export function secretMatches(secret: string, hash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Does a token with `scopes` grant `needed`? (`admin` grants everything.) */
export function hasScope(scopes: readonly Scope[], needed: Scope): boolean {
  return scopes.includes(needed) || scopes.includes('admin');
}

/**
 * Parses a comma-separated scope list ("detect,contribute"), rejecting unknown names and
 * an empty list.
 */
export function parseScopes(text: string): Scope[] {
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0) throw new TokenFormatError(`no scope given: choose from ${SCOPES.join(', ')}`);
  const out: Scope[] = [];
  for (const p of parts) {
    if (!(SCOPES as readonly string[]).includes(p))
      throw new TokenFormatError(`unknown scope ${JSON.stringify(p)}: choose from ${SCOPES.join(', ')}`);
    if (!out.includes(p as Scope)) out.push(p as Scope);
  }
  return out.sort((x, y) => SCOPES.indexOf(x) - SCOPES.indexOf(y));
}
