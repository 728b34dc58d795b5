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

  return new Promise<Buffer>((resolve, reject) => {
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
      reject(err);
    };
    const keep = (chunk: Buffer, cap: number, what: 'body' | 'inflated body'): void => {
      kept += chunk.length;
      if (kept > cap) return fail(new BodyTooLargeError(cap, what));
      chunks.push(chunk);
    };
    const finish = (): void => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, kept));
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
