import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ownsBuffer, readBody } from './body.js';
import { defaultServeThreads } from './detector.js';
import { RateLimiter } from './rate-limit.js';
import { generateToken, hasScope, parseScopes, parseToken, secretMatches } from './tokens.js';
import { buildOpenApi } from './openapi.js';
import { ROUTES } from './routes.js';

describe('tokens', () => {
  it('generates tokens that parse back and match their hash only', () => {
    const a = generateToken();
    const b = generateToken();
    expect(a.token).toMatch(/^ntmd_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const pa = parseToken(a.token)!;
    expect(pa.id).toBe(a.id);
    expect(secretMatches(pa.secret, a.hash)).toBe(true);
    expect(secretMatches(pa.secret, b.hash)).toBe(false);
    expect(a.hash).not.toContain(pa.secret);
  });

  it('rejects anything that is not a token', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const p = parseToken(s);
        if (p) expect(s).toBe(`ntmd_${p.id}_${p.secret}`);
      }),
    );
    expect(parseToken('ntmd_0123456789ab_short')).toBeUndefined();
    expect(parseToken('ntmd_0123456789AB_' + 'a'.repeat(43))).toBeUndefined();
  });

  it('parses scope lists strictly; admin implies every scope', () => {
    expect(parseScopes('worker, detect,detect')).toEqual(['detect', 'worker']);
    expect(() => parseScopes('detect,root')).toThrow(/unknown scope "root"/);
    expect(() => parseScopes(' , ')).toThrow(/no scope/);
    expect(hasScope(['admin'], 'worker')).toBe(true);
    expect(hasScope(['detect'], 'contribute')).toBe(false);
  });
});

describe('RateLimiter', () => {
  it('allows the burst, then one request per 1/rate seconds', () => {
    let t = 0;
    const rl = new RateLimiter({ perSecond: 2, burst: 3 }, () => t);
    expect([rl.take('a'), rl.take('a'), rl.take('a')]).toEqual([0, 0, 0]);
    expect(rl.take('a')).toBe(1);
    expect(rl.take('b')).toBe(0);
    t = 499;
    expect(rl.take('a')).toBe(1);
    t = 1000;
    expect(rl.take('a')).toBe(0);
  });

  it('is off with a rate of 0', () => {
    const rl = new RateLimiter({ perSecond: 0 });
    for (let i = 0; i < 1000; i++) expect(rl.take('x')).toBe(0);
  });
});

function chunked(bytes: Uint8Array, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(Buffer.from(bytes.subarray(i, i + size)));
  return Readable.from(parts);
}

describe('readBody', () => {
  it('returns the body whatever the chunking (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 700 }), fc.boolean(), async (bytes, size, gz) => {
        const wire = gz ? gzipSync(bytes) : bytes;
        const out = await readBody(chunked(wire, size), { 'content-encoding': gz ? 'gzip' : undefined }, { limit: 10_000 });
        expect(Buffer.compare(out, Buffer.from(bytes))).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a declared Content-Length over the limit without reading', async () => {
    const s = new PassThrough();
    await expect(readBody(s, { 'content-length': String(2 ** 30) }, { limit: 1024 })).rejects.toMatchObject({
      status: 413,
      code: 'BODY_TOO_LARGE',
    });
    expect(s.readableFlowing).toBeNull();
  });

  it('stops reading a chunked body as soon as it passes the limit', async () => {
    let produced = 0;
    // eslint-disable-next-line @typescript-eslint/require-await -- an async source, as a socket is
    const gen = async function* () {
      for (;;) {
        produced += 65536;
        yield Buffer.alloc(65536, 65);
      }
    };
    await expect(readBody(Readable.from(gen()), {}, { limit: 1_000_000 })).rejects.toMatchObject({ status: 413 });
    expect(produced).toBeLessThan(2_000_000);
  });

  it('caps the inflated size of a gzip body (zip bomb)', async () => {
    const bomb = gzipSync(Buffer.alloc(50_000_000));
    expect(bomb.length).toBeLessThan(100_000);
    await expect(
      readBody(chunked(bomb, 4096), { 'content-encoding': 'gzip' }, { limit: 1_000_000, inflatedLimit: 2_000_000 }),
    ).rejects.toMatchObject({
      status: 413,
      message: 'the request inflated body exceeds the limit of 2000000 bytes',
    });
  });

  it('refuses corrupt gzip, unknown encodings and gzip where not allowed', async () => {
    await expect(
      readBody(Readable.from([Buffer.from('not gzip at all')]), { 'content-encoding': 'gzip' }, { limit: 100 }),
    ).rejects.toMatchObject({ status: 400, code: 'BAD_GZIP' });
    await expect(readBody(Readable.from([Buffer.from('x')]), { 'content-encoding': 'br' }, { limit: 100 })).rejects.toMatchObject({
      status: 415,
    });
    await expect(
      readBody(Readable.from([Buffer.from('x')]), { 'content-encoding': 'gzip' }, { limit: 100, allowGzip: false }),
    ).rejects.toMatchObject({ status: 415 });
  });
});

describe('readBody: the body in one buffer of its own', () => {
  const bytes = Buffer.from('NtOpenFile\nNtReadFile\nNtClose\n'.repeat(1000));
  // A socket read hands out views into a larger buffer (headers before, the next request after).
  const inSocketBuffer = (b: Buffer): Buffer =>
    Buffer.concat([Buffer.from('POST / HTTP/1.1\r\n\r\n'), b, Buffer.from('POST /next')]).subarray(19, 19 + b.length);

  it('owns its whole ArrayBuffer (transferable), with or without a declared length, whatever the chunking', async () => {
    expect(ownsBuffer(inSocketBuffer(bytes))).toBe(false);
    for (const headers of [{ 'content-length': String(bytes.length) }, {}]) {
      for (const stream of [() => Readable.from([inSocketBuffer(bytes)]), () => chunked(bytes, 1000), () => chunked(bytes, bytes.length)]) {
        const out = await readBody(stream(), headers, { limit: 1_000_000 });
        expect(Buffer.compare(out, bytes)).toBe(0);
        expect(ownsBuffer(out)).toBe(true);
      }
    }
    const gz = await readBody(chunked(gzipSync(bytes), 700), { 'content-encoding': 'gzip' }, { limit: 1_000_000 });
    expect(Buffer.compare(gz, bytes)).toBe(0);
    expect(ownsBuffer(gz)).toBe(true);
    expect(ownsBuffer(await readBody(Readable.from([]), { 'content-length': '0' }, { limit: 10 }))).toBe(true);
  });

  it('returns the bytes received when they differ from the declared length, under the same limit', async () => {
    const short = await readBody(chunked(bytes, 999), { 'content-length': String(bytes.length + 10) }, { limit: 1_000_000 });
    expect(Buffer.compare(short, bytes)).toBe(0);
    expect(ownsBuffer(short)).toBe(true);
    const long = await readBody(chunked(bytes, 999), { 'content-length': '100' }, { limit: 1_000_000 });
    expect(Buffer.compare(long, bytes)).toBe(0);
    expect(ownsBuffer(long)).toBe(true);
    await expect(readBody(chunked(bytes, 999), { 'content-length': '100' }, { limit: 5000 })).rejects.toMatchObject({ status: 413 });
  });
});

describe('defaultServeThreads', () => {
  it('leaves one core to the HTTP thread, at most 4 threads, none on one core', () => {
    expect([1, 2, 3, 4, 5, 8, 64].map((c) => defaultServeThreads(c))).toEqual([0, 1, 2, 3, 4, 4, 4]);
    expect(defaultServeThreads()).toBeGreaterThanOrEqual(0);
  });
});

describe('OpenAPI document', () => {
  it('documents every route with its scope and problem responses, resolving every $ref', () => {
    const doc = buildOpenApi(ROUTES) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown>; 'x-scope'?: string }>>;
      components: { schemas: Record<string, unknown> };
    };
    let ops = 0;
    for (const r of ROUTES) {
      const op = doc.paths[r.path][r.method.toLowerCase()];
      expect(op).toBeDefined();
      ops++;
      if (r.scope !== 'none') {
        expect(op.responses['401']).toBeDefined();
        expect(op['x-scope']).toBe(r.scope);
      }
      if (r.body === 'trace') expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['413', '415', '422']));
    }
    expect(ops).toBe(ROUTES.length);
    const text = JSON.stringify(doc);
    for (const m of text.matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)) expect(doc.components.schemas[m[1]]).toBeDefined();
    expect(text).not.toMatch(/"\$ref":"\w+#"/);
    expect(text).not.toContain('nullable');
  });
});

describe('readBody with unwrapGzipFile', () => {
  it('inflates a gzip file sent without Content-Encoding, under the inflated cap', async () => {
    const text = Buffer.from('NtOpenFile\nNtClose\n'.repeat(100));
    const out = await readBody(Readable.from([gzipSync(gzipSync(text))]), {}, { limit: 10_000, unwrapGzipFile: true });
    expect(out.toString()).toBe(text.toString());
    const bomb = gzipSync(Buffer.alloc(10_000_000));
    await expect(
      readBody(Readable.from([bomb]), {}, { limit: 100_000, inflatedLimit: 1_000_000, unwrapGzipFile: true }),
    ).rejects.toMatchObject({ status: 413 });
    const raw = await readBody(Readable.from([bomb]), {}, { limit: 100_000 });
    expect(raw.length).toBe(bomb.length);
  });
});
