/**
 * Reading request bodies with limits enforced while the bytes arrive.
 *
 * A body is refused as soon as its declared `Content-Length` exceeds the limit (nothing is
 * read), or as soon as the bytes received so far exceed it (chunked uploads): a 1 GB upload
 * is never buffered. A gzip body (`Content-Encoding: gzip`) is inflated as it streams in and
 * its inflated size has its own cap, so a small "zip bomb" is refused too.
 *
 * Every byte a body holds in memory (as received, and once inflated) is also counted against
 * one {@link BodyBudget} shared by all requests of a server: when the bodies in flight hold
 * the whole budget, the next byte is refused with 503 and `Retry-After`
 * ({@link ServerBusyError}) instead of growing the process. Inflating runs on zlib's thread
 * pool, chunk by chunk, never as one synchronous call on the HTTP thread.
 *
 * @packageDocumentation
 */
import { createGunzip } from 'node:zlib';
import { BodyTooLargeError, UnsupportedMediaError, BadRequestError, ServerBusyError } from './errors.js';

/**
 * The memory all request bodies in flight may hold together, in bytes. Each request takes a
 * {@link BodyReservation}; its bytes are given back when the request ends.
 */
export class BodyBudget {
  private used = 0;
  private peakUsed = 0;
  private refusedCount = 0;

  constructor(
    /** The most bytes all bodies in flight may hold together. */
    readonly limit: number,
    /** Seconds a client refused for want of budget is told to wait (`Retry-After`). */
    readonly retryAfter = 2,
  ) {}

  /** Bytes held now. */
  get inUse(): number {
    return this.used;
  }
  /** The most bytes held at once since the start. */
  get peak(): number {
    return this.peakUsed;
  }
  /** Bodies refused for want of budget since the start. */
  get refused(): number {
    return this.refusedCount;
  }

  /** A reservation for one request's body, empty until bytes arrive. */
  reserve(): BodyReservation {
    return new BodyReservation(this);
  }

  /** @internal */
  take(n: number): boolean {
    if (this.used + n > this.limit) {
      this.refusedCount++;
      return false;
    }
    this.used += n;
    if (this.used > this.peakUsed) this.peakUsed = this.used;
    return true;
  }

  /** @internal */
  give(n: number): void {
    this.used = Math.max(0, this.used - n);
  }
}

/** The bytes one request holds of a {@link BodyBudget}; {@link release} gives them all back. */
export class BodyReservation {
  private held = 0;
  private closed = false;

  constructor(private readonly budget: BodyBudget) {}

  /** Bytes held by this reservation. */
  get bytes(): number {
    return this.held;
  }

  /** Counts `n` more bytes, or throws {@link ServerBusyError} when the budget is spent. */
  take(n: number): void {
    if (this.closed) return;
    if (!this.budget.take(n)) {
      throw new ServerBusyError(
        this.budget.retryAfter,
        `the server holds as many request bytes as it may (${this.budget.limit} bytes across requests in flight): retry in ${this.budget.retryAfter} s`,
      );
    }
    this.held += n;
  }

  /** Gives `n` bytes back (a buffer that was dropped). */
  give(n: number): void {
    const k = Math.min(n, this.held);
    this.held -= k;
    this.budget.give(k);
  }

  /** Gives every byte back; later takes are not counted. Idempotent. */
  release(): void {
    this.budget.give(this.held);
    this.held = 0;
    this.closed = true;
  }
}

/** Limits of one body. */
export interface BodyLimits {
  /** Maximum bytes on the wire. */
  limit: number;
  /** Maximum bytes after inflating a gzip body (defaults to `limit`). */
  inflatedLimit?: number;
  /** Whether `Content-Encoding: gzip` is accepted (default true). */
  allowGzip?: boolean;
  /**
   * Also inflate a body that *is* a gzip file (starts with the gzip magic bytes) though sent
   * without `Content-Encoding`, under the same inflated cap: trace readers unwrap such
   * bodies, so they must not escape the cap. Default false.
   */
  unwrapGzipFile?: boolean;
  /**
   * Keep a body of {@link SHARED_MIN} bytes or more in a `SharedArrayBuffer`, so that the
   * detection and parse threads read it without a copy (a 64 MiB structured clone on the
   * HTTP thread is a stall of 100-300 ms). Default false.
   */
  shareLarge?: boolean;
}

/** Output chunk of the inflaters: 4x zlib's default, a quarter of the callbacks on the HTTP thread. */
const INFLATE_CHUNK = 64 * 1024;

/** Bodies of this many bytes or more are kept in shared memory when `shareLarge` is set. */
export const SHARED_MIN = 1024 * 1024;

/** The headers {@link readBody} looks at. */
export interface BodyHeaders {
  'content-length'?: string | undefined;
  'content-encoding'?: string | undefined;
}

/**
 * Reads a whole request body into one Buffer, inflating gzip, enforcing both limits while
 * streaming. Rejects with {@link BodyTooLargeError} (413), {@link UnsupportedMediaError}
 * (415, unknown encoding) or {@link BadRequestError} (400, corrupt gzip).
 */
export async function readBody(
  stream: NodeJS.ReadableStream,
  headers: BodyHeaders,
  limits: BodyLimits,
  reservation?: BodyReservation,
): Promise<Buffer> {
  let body = await readWire(stream, headers, limits, reservation);
  if (limits.unwrapGzipFile) {
    const cap = limits.inflatedLimit ?? limits.limit;
    for (let depth = 0; body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b; depth++) {
      if (depth === 2) throw new BadRequestError('BAD_GZIP', 'the body is gzip nested more than twice');
      const inflated = await inflate(body, cap, reservation, limits.shareLarge === true);
      reservation?.give(body.length);
      body = inflated;
    }
  }
  return body;
}

/**
 * Inflates a gzip buffer chunk by chunk on zlib's thread pool, refusing it once the output
 * passes `cap` (413) or the budget (503).
 */
function inflate(gz: Buffer, cap: number, reservation: BodyReservation | undefined, share: boolean): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const gunzip = createGunzip({ chunkSize: INFLATE_CHUNK });
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (e: Error): void => {
      if (settled) return;
      settled = true;
      gunzip.destroy();
      chunks.length = 0;
      reservation?.give(size);
      reject(e);
    };
    gunzip.on('data', (c: Buffer) => {
      if (settled) return;
      size += c.length;
      if (size > cap) return fail(new BodyTooLargeError(cap, 'inflated body'));
      try {
        reservation?.take(c.length);
      } catch (e) {
        size -= c.length;
        return fail(e as Error);
      }
      chunks.push(c);
    });
    gunzip.on('error', (e) => fail(new BadRequestError('BAD_GZIP', `the gzip body is corrupt: ${e.message}`)));
    gunzip.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(ownCopy(chunks, size, share));
    });
    gunzip.end(gz);
  });
}

/**
 * Allocates `n` bytes not touched yet (shared memory for a large body when `share`), or
 * undefined when the allocation fails.
 */
function reserveBuffer(n: number, share = false): Buffer | undefined {
  try {
    return share && n >= SHARED_MIN ? Buffer.from(new SharedArrayBuffer(n), 0, n) : Buffer.allocUnsafeSlow(n);
  } catch {
    return undefined;
  }
}

/**
 * The bytes of `chunks` in a new Buffer that owns its whole ArrayBuffer (not pooled), or
 * that is a whole `SharedArrayBuffer` when `share` and large.
 */
function ownCopy(chunks: readonly Buffer[], length: number, share = false): Buffer {
  if (chunks.length === 1 && chunks[0].length === length && ownsBuffer(chunks[0]) && !(share && length >= SHARED_MIN)) return chunks[0];
  const out = reserveBuffer(length, share) ?? Buffer.allocUnsafeSlow(length);
  let at = 0;
  for (const c of chunks) {
    c.copy(out, at);
    at += c.length;
  }
  return out;
}

/** Whether `b` is the only view of its whole ArrayBuffer (so it can be transferred). */
export function ownsBuffer(b: Uint8Array): boolean {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && !(b.buffer instanceof SharedArrayBuffer);
}

function readWire(
  stream: NodeJS.ReadableStream,
  headers: BodyHeaders,
  limits: BodyLimits,
  reservation: BodyReservation | undefined,
): Promise<Buffer> {
  const limit = limits.limit;
  const inflatedLimit = limits.inflatedLimit ?? limit;
  const encoding = (headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const gzip = encoding === 'gzip' || encoding === 'x-gzip';
  if (!gzip && encoding !== 'identity' && encoding !== '') {
    return Promise.reject(
      new UnsupportedMediaError(`Content-Encoding ${JSON.stringify(encoding)} is not supported: send identity or gzip`),
    );
  }
  if (gzip && limits.allowGzip === false) {
    return Promise.reject(new UnsupportedMediaError('this endpoint takes the body as sent, without Content-Encoding'));
  }
  const declared = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
  if (declared !== undefined && Number.isFinite(declared) && declared > limit) {
    return Promise.reject(new BodyTooLargeError(limit, 'body'));
  }

  // A plain body whose length is declared (and within the limit) is copied into one buffer
  // of exactly that size as it arrives: no chunk list, and no concatenation at the end, a
  // copy of the whole body on the HTTP thread (64 MiB: a stall of 100-250 ms). The buffer is
  // allocated uninitialised, so the OS gives it memory page by page as the bytes are
  // written: memory follows the bytes received (and the budget counts those). Any other body
  // is kept as chunks and joined at the end. Either way the result owns its whole
  // ArrayBuffer (never a view into a socket read buffer or the shared Buffer pool), so that a
  // thread can take it by transfer instead of a copy.
  const preallocate = !gzip && declared !== undefined && Number.isInteger(declared) && declared >= 0;
  return new Promise<Buffer>((resolve, reject) => {
    const share = limits.shareLarge === true;
    let whole = preallocate ? reserveBuffer(declared, share) : undefined;
    const chunks: Buffer[] = [];
    let received = 0;
    let kept = 0;
    let settled = false;
    const gunzip = gzip ? createGunzip({ chunkSize: INFLATE_CHUNK }) : undefined;

    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      stream.removeListener('data', onWire);
      stream.pause();
      if (gunzip) gunzip.destroy();
      chunks.length = 0;
      whole = undefined;
      reservation?.give(reservation.bytes);
      reject(err);
    };
    const keep = (chunk: Buffer, cap: number, what: 'body' | 'inflated body'): void => {
      if (settled) return;
      // Counted as kept: the copy into one buffer at the end is transient.
      try {
        reservation?.take(chunk.length);
      } catch (e) {
        return fail(e as Error);
      }
      if (whole !== undefined) {
        if (kept + chunk.length <= whole.length) {
          chunk.copy(whole, kept);
          kept += chunk.length;
          return;
        }
        // More bytes than declared (not possible through Node's HTTP parser): chunks from here on.
        chunks.push(whole.subarray(0, kept));
        whole = undefined;
      }
      kept += chunk.length;
      if (kept > cap) return fail(new BodyTooLargeError(cap, what));
      chunks.push(chunk);
    };
    const finish = (): void => {
      if (settled) return;
      settled = true;
      if (whole !== undefined) resolve(kept === whole.length ? whole : ownCopy([whole.subarray(0, kept)], kept, share));
      else resolve(ownCopy(chunks, kept, share));
    };
    const onWire = (chunk: Buffer | string): void => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      received += buf.length;
      if (received > limit) return fail(new BodyTooLargeError(limit, 'body'));
      if (gunzip) {
        // Compressed bytes wait in zlib's queue: counted until zlib took them.
        try {
          reservation?.take(buf.length);
        } catch (e) {
          return fail(e as Error);
        }
        gunzip.write(buf, () => reservation?.give(buf.length));
      } else keep(buf, limit, 'body');
    };

    if (gunzip) {
      gunzip.on('data', (c: Buffer) => keep(c, inflatedLimit, 'inflated body'));
      gunzip.on('end', finish);
      gunzip.on('error', (e) => fail(new BadRequestError('BAD_GZIP', `the gzip body is corrupt: ${e.message}`)));
    }
    stream.on('data', onWire);
    stream.on('error', (e: Error) => fail(e));
    let ended = false;
    stream.on('close', () => {
      if (!ended) fail(new BadRequestError('BODY_ABORTED', 'the client closed the connection before the body was complete'));
    });
    stream.on('end', () => {
      ended = true;
      if (settled) return;
      if (gunzip) gunzip.end();
      else finish();
    });
  });
}
