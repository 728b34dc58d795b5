/**
 * Checking a claim before the worker uses any of it. The server (or whoever answers in its
 * place) is not trusted: every field that reaches a path, a URL or a limit is checked here,
 * and only the checked copy is used afterwards.
 *
 * @packageDocumentation
 */
import { ClaimRejectedError } from './worker-errors.js';

/** A claim as the worker uses it, every field checked. */
export interface CheckedClaim {
  /** Lower-case hex SHA-256 of the program (exactly 64 characters). */
  sha256: string;
  /** The submitted name: 1-255 characters, no control character, no `/` or `\`, not `.` or `..`. */
  name: string;
  /** Size in bytes: a positive integer within the worker's limit. */
  size: number;
  /** Proof of the claim (32 lower-case hex characters). */
  lease: string;
  /** When the claim expires (ISO date). */
  expiresAt: string;
  /** How long the program may be traced: 1 ms to {@link MAX_TIME_LIMIT_MS}. */
  timeLimitMs: number;
}

/** The longest time limit a claim may ask for: one day. */
export const MAX_TIME_LIMIT_MS = 24 * 3600_000;

/** Default largest program the worker downloads: 128 MiB, the server's default limit. */
export const DEFAULT_MAX_PROGRAM_BYTES = 128 * 1024 * 1024;

const SHA256 = /^[0-9a-f]{64}$/;
const LEASE = /^[0-9a-f]{32}$/;
const NAME = /^[^\u0000-\u001f\u007f/\\]{1,255}$/;

/**
 * Checks every field of a claim the server sent.
 *
 * @param raw the parsed JSON body of `POST /v1/jobs/claim`
 * @param maxProgramBytes the largest program accepted
 * @throws {@link ClaimRejectedError} naming the first field that fails
 */
export function checkClaim(raw: unknown, maxProgramBytes = DEFAULT_MAX_PROGRAM_BYTES): CheckedClaim {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ClaimRejectedError('body', 'is not a JSON object');
  const c = raw as Record<string, unknown>;
  const str = (field: string, re: RegExp, what: string): string => {
    const v = c[field];
    if (typeof v !== 'string' || !re.test(v)) throw new ClaimRejectedError(field, `${describe(v)} is not ${what}`);
    return v;
  };
  const sha256 = str('sha256', SHA256, '64 lower-case hex characters');
  const name = str('name', NAME, '1-255 printable characters without / or \\');
  if (name === '.' || name === '..') throw new ClaimRejectedError('name', `${describe(name)} is not a file name`);
  const lease = str('lease', LEASE, '32 lower-case hex characters');
  const expiresAt = c.expiresAt;
  if (typeof expiresAt !== 'string' || expiresAt.length > 64 || Number.isNaN(Date.parse(expiresAt))) {
    throw new ClaimRejectedError('expiresAt', `${describe(expiresAt)} is not a date`);
  }
  const size = c.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0 || size > maxProgramBytes) {
    throw new ClaimRejectedError('size', `${describe(size)} is not a whole number of bytes from 1 to ${maxProgramBytes}`);
  }
  const timeLimitMs = c.timeLimitMs;
  if (typeof timeLimitMs !== 'number' || !Number.isSafeInteger(timeLimitMs) || timeLimitMs <= 0 || timeLimitMs > MAX_TIME_LIMIT_MS) {
    throw new ClaimRejectedError(
      'timeLimitMs',
      `${describe(timeLimitMs)} is not a whole number of milliseconds from 1 to ${MAX_TIME_LIMIT_MS}`,
    );
  }
  // Only the checked fields are kept: anything else the server sent is dropped unread.
  return { sha256, name, size, lease, expiresAt, timeLimitMs };
}

function describe(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 80)}...` : s;
}
