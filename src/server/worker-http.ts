/**
 * The worker's HTTP transport: `node:http`/`node:https` with an optional private CA (the
 * global `fetch` cannot take one), a bound on every response body, and the rule that plain
 * HTTP goes only to this machine unless the operator says otherwise.
 *
 * @packageDocumentation
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { WorkerConfigError } from './worker-errors.js';
import { WorkerProtocolError } from './errors.js';

/** Is `host` (a URL's hostname) this machine: `localhost`, 127.0.0.0/8 or `::1`? */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h);
  return false;
}

/**
 * Checks the server's URL: `https://`, or `http://` to a loopback address; plain HTTP to
 * another host only with `insecureHttp` (a token and programs would cross the network in
 * clear, and anyone on the path could answer as the server).
 *
 * @throws {@link WorkerConfigError} for another scheme, a malformed URL or plain HTTP off this machine
 */
export function checkServerUrl(server: string, insecureHttp = false): URL {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new WorkerConfigError(`--server ${JSON.stringify(server)} is not a URL (e.g. https://10.0.0.5:8735)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new WorkerConfigError(`--server ${server}: only http:// and https:// are supported`);
  if (url.username || url.password || url.search || url.hash)
    throw new WorkerConfigError(`--server ${server}: give only scheme, host, port and path`);
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && !insecureHttp) {
    throw new WorkerConfigError(
      `--server ${server}: plain http:// to another machine sends the worker token and the programs in clear, and anyone on the path can answer as the server; ` +
        'use https:// (with --ca FILE for a private CA), or --insecure-http on an isolated network',
    );
  }
  return url;
}

/** A response read to its end. */
export interface SmallResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** Options of {@link request}. */
export interface RequestOptions {
  method: string;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  /** PEM certificates trusted for https (in addition to none: a private CA replaces the system's). */
  ca?: string | Buffer;
  /** The largest body read; a longer one is a {@link WorkerProtocolError}. */
  maxBytes: number;
  /** Gives up after this long without an answer (default 120 s). */
  timeoutMs?: number;
}

/**
 * One request. Never follows redirects. A body longer than `maxBytes` is cut off and refused.
 *
 * @throws {@link WorkerProtocolError} when the server cannot be reached or the body is too long
 */
export function request(url: URL, options: RequestOptions): Promise<SmallResponse> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const body = typeof options.body === 'string' ? Buffer.from(options.body) : options.body;
    const req = send(
      url,
      {
        method: options.method,
        headers: { ...options.headers, ...(body !== undefined ? { 'content-length': String(body.length) } : {}) },
        ...(url.protocol === 'https:' && options.ca !== undefined ? { ca: options.ca } : {}),
        timeout: options.timeoutMs ?? 120_000,
      },
      (res) => {
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > options.maxBytes) {
          res.destroy();
          return reject(
            new WorkerProtocolError(
              `${options.method} ${url.pathname}: the response of ${declared} bytes exceeds the limit of ${options.maxBytes}`,
              res.statusCode,
            ),
          );
        }
        const parts: Buffer[] = [];
        let n = 0;
        res.on('data', (chunk: Buffer) => {
          n += chunk.length;
          if (n > options.maxBytes) {
            res.destroy();
            reject(
              new WorkerProtocolError(
                `${options.method} ${url.pathname}: the response exceeds the limit of ${options.maxBytes} bytes`,
                res.statusCode,
              ),
            );
            return;
          }
          parts.push(chunk);
        });
        res.once('error', (e) => reject(new WorkerProtocolError(`${options.method} ${url.pathname}: ${e.message}`)));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts, n) }));
      },
    );
    req.once('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs ?? 120_000} ms`)));
    req.once('error', (e) => reject(new WorkerProtocolError(`cannot reach ${url.origin}: ${e.message}`)));
    req.end(body);
  });
}
