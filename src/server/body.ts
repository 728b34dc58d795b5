/**
 * Reading request bodies with limits enforced while the bytes arrive.
 *
 * A body is refused as soon as its declared `Content-Length` exceeds the limit (nothing is
 * read), or as soon as the bytes received so far exceed it (chunked uploads): a 1 GB upload
 * is never buffered. A gzip body (`Content-Encoding: gzip`) is inflated as it streams in and
 * its inflated size has its own cap, so a small "zip bomb" is refused too.
 *
 * @packageDocumentation
 */
import { createGunzip, gunzipSync } from 'node:zlib';
import { BodyTooLargeError, UnsupportedMediaError, BadRequestError } from './errors.js';

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
}

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
export async function readBody(stream: NodeJS.ReadableStream, headers: BodyHeaders, limits: BodyLimits): Promise<Buffer> {
  let body = await readWire(stream, headers, limits);
  if (limits.unwrapGzipFile) {
    const cap = limits.inflatedLimit ?? limits.limit;
    for (let depth = 0; body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b; depth++) {
      if (depth === 2) throw new BadRequestError('BAD_GZIP', 'the body is gzip nested more than twice');
      try {
        body = gunzipSync(body, { maxOutputLength: cap });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) throw new BodyTooLargeError(cap, 'inflated body');
        throw new BadRequestError('BAD_GZIP', `the gzip body is corrupt: ${(e as Error).message}`);
      }
    }
  }
  return body;
}

/** Declared body lengths up to this are allocated in one piece before the bytes arrive. */
const PREALLOCATE_MAX = 1024 * 1024;

/** The bytes of `chunks` in a new Buffer that owns its whole ArrayBuffer (not pooled). */
function ownCopy(chunks: readonly Buffer[], length: number): Buffer {
  if (chunks.length === 1 && chunks[0].length === length && ownsBuffer(chunks[0])) return chunks[0];
  const out = Buffer.allocUnsafeSlow(length);
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

function readWire(stream: NodeJS.ReadableStream, headers: BodyHeaders, limits: BodyLimits): Promise<Buffer> {
  const limit = limits.limit;
  const inflatedLimit = limits.inflatedLimit ?? limit;
  const encoding = (headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const gzip = encoding === 'gzip' || encoding === 'x-gzip';
  if (!gzip && encoding !== 'identity' && encoding !== '') {
    return Promise.reject(new UnsupportedMediaError(`Content-Encoding ${JSON.stringify(encoding)} is not supported: send identity or gzip`));
  }
  if (gzip && limits.allowGzip === false) {
    return Promise.reject(new UnsupportedMediaError('this endpoint takes the body as sent, without Content-Encoding'));
  }
  const declared = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
  if (declared !== undefined && Number.isFinite(declared) && declared > limit) {
    return Promise.reject(new BodyTooLargeError(limit, 'body'));
  }

  // A plain body whose length is declared and small is copied into one buffer of exactly
  // that size as it arrives (no chunk list, no concatenation); any other body is kept as
  // chunks and joined at the end. Either way the result owns its whole ArrayBuffer (never a
  // view into a socket read buffer or the shared Buffer pool), so that a detection thread
  // can take it by transfer instead of a copy. Larger declared lengths are not allocated up
  // front: memory follows the bytes actually received.
  const preallocate = !gzip && declared !== undefined && Number.isInteger(declared) && declared >= 0 && declared <= PREALLOCATE_MAX;
  return new Promise<Buffer>((resolve, reject) => {
    let whole = preallocate ? Buffer.allocUnsafeSlow(declared) : undefined;
    const chunks: Buffer[] = [];
    let received = 0;
    let kept = 0;
    let settled = false;
    const gunzip = gzip ? createGunzip() : undefined;

    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      stream.removeListener('data', onWire);
      stream.pause();
      if (gunzip) gunzip.destroy();
      chunks.length = 0;
      whole = undefined;
      reject(err);
    };
    const keep = (chunk: Buffer, cap: number, what: 'body' | 'inflated body'): void => {
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
      if (whole !== undefined) resolve(kept === whole.length ? whole : ownCopy([whole.subarray(0, kept)], kept));
      else resolve(ownCopy(chunks, kept));
    };
    const onWire = (chunk: Buffer | string): void => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      received += buf.length;
      if (received > limit) return fail(new BodyTooLargeError(limit, 'body'));
      if (gunzip) gunzip.write(buf);
      else keep(buf, limit, 'body');
    };

    if (gunzip) {
      gunzip.on('data', (c: Buffer) => keep(c, inflatedLimit, 'inflated body'));
      gunzip.on('end', finish);
      gunzip.on('error', (e) => fail(new BadRequestError('BAD_GZIP', `the gzip body is corrupt: ${e.message}`)));
    }
    stream.on('data', onWire);
    stream.on('error', (e) => fail(e));
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
