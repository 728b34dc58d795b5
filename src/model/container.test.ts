import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gzipSync } from 'fflate';
import { encodeBody, FORMAT_VERSION, MAGIC, readContainer, seal, writeContainer } from './container.js';
import type { SectionArray } from './container.js';
import { errorOf } from './test-helpers/error-of.js';

function content() {
  const sections = new Map<string, SectionArray>([
    ['a', Float64Array.of(1.5, -0, Math.PI, 1e-300, -7)],
    ['b', Int32Array.of(-1, 0, 2147483647)],
    ['c', Uint16Array.of(65535, 1, 2)],
    ['d', Uint8Array.of(9)],
    ['empty', new Float64Array(0)],
  ]);
  return { header: { format: 'test', n: 3, nested: { x: [1, 2] } }, sections };
}

/** Recomputes the checksum after an edit of the prefix or payload, as a forger would. */
function reseal(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const plen = new DataView(out.buffer).getUint32(12, true);
  out.set(
    createHash('sha256')
      .update(out.subarray(0, 16 + plen))
      .digest(),
    16 + plen,
  );
  return out;
}

/** A version-1 file (gzip payload) around `body`, as the version-1 writer sealed it. */
function v1File(body: Uint8Array): Uint8Array {
  return seal(1, gzipSync(body, { level: 6, mtime: 0 }));
}

/** A version-1 file of `content`: f64 sections byte-shuffled, the body gzip'd. */
function v1Content(c: ReturnType<typeof content>): Uint8Array {
  return v1File(encodeBody(c, true));
}

/** A body with a JSON header and `room` zero bytes of sections. */
function rawBody(header: unknown, room: number): Uint8Array {
  const head = new TextEncoder().encode(JSON.stringify(header));
  const body = new Uint8Array(((4 + head.length + 7) & ~7) + room);
  new DataView(body.buffer).setUint32(0, head.length, true);
  body.set(head, 4);
  return body;
}

function expectContent(r: ReturnType<typeof readContainer>): void {
  expect(r.header).toEqual({ format: 'test', n: 3, nested: { x: [1, 2] } });
  for (const [k, v] of content().sections) {
    const got = r.sections.get(k)!;
    expect(got.constructor).toBe(v.constructor);
    expect(Array.from(got)).toEqual(Array.from(v));
  }
  expect(Object.is(r.sections.get('a')![1], -0)).toBe(true);
}

describe('model container', () => {
  it('round-trips the header and every section type exactly', () => {
    const bytes = writeContainer(content());
    expect(Array.from(bytes.subarray(0, 8))).toEqual(Array.from(MAGIC));
    expect(FORMAT_VERSION).toBe(2);
    const r = readContainer(bytes, 'm.ntmd');
    expect(r.version).toBe(2);
    expect(r.signer).toBeNull();
    expect(r.sha256).toBe(
      createHash('sha256')
        .update(bytes.subarray(0, bytes.length - 32))
        .digest('hex'),
    );
    expectContent(r);
  });

  it('writes version 2: the body uncompressed, every section at a multiple of 8 in the file, f64 as stored', () => {
    const c = content();
    const bytes = writeContainer(c);
    const dv = new DataView(bytes.buffer);
    expect(dv.getUint16(8, true)).toBe(2);
    const body = encodeBody(c);
    expect(dv.getUint32(12, true)).toBe(body.length);
    expect(Buffer.from(bytes.subarray(16, 16 + body.length)).equals(Buffer.from(body))).toBe(true);
    const hlen = dv.getUint32(16, true);
    const start = 16 + ((4 + hlen + 7) & ~7);
    const sections = JSON.parse(Buffer.from(bytes.subarray(20, 20 + hlen)).toString()).sections as { name: string; offset: number }[];
    expect(sections.map((e) => e.name)).toEqual(['a', 'b', 'c', 'd', 'empty']);
    for (const e of sections) expect((start + e.offset) % 8).toBe(0);
    const a = sections[0];
    expect(Array.from(new Float64Array(bytes.buffer.slice(start + a.offset, start + a.offset + 40)))).toEqual(
      Array.from(c.sections.get('a')!),
    );
  });

  it('reads version 1 (gzip payload, byte-shuffled f64) exactly', () => {
    const r = readContainer(v1Content(content()), 'old.ntmd');
    expect(r.version).toBe(1);
    expectContent(r);
  });

  it('gives views of an owned, aligned file (no copy); copies what it is lent, and misaligned sections', () => {
    const bytes = writeContainer(content());
    const owned = readContainer(bytes, 'm', {}, true);
    for (const [k, v] of owned.sections) expect(v.buffer, k).toBe(bytes.buffer);
    // Lent bytes: the file is copied first, so that changing them later changes nothing read.
    const lent = readContainer(bytes, 'm');
    for (const [k, v] of lent.sections) expect(v.buffer, k).not.toBe(bytes.buffer);
    // The file at an odd offset of a larger buffer: u8 sections stay views, wider ones are copied.
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const odd = readContainer(shifted.subarray(3), 'odd', {}, true);
    expectContent(odd);
    expect(odd.sections.get('d')!.buffer).toBe(shifted.buffer);
    expect(odd.sections.get('a')!.buffer).not.toBe(shifted.buffer);
    bytes.fill(0xff, 16, bytes.length - 32);
    expectContent(lent);
    expect(Array.from(owned.sections.get('d')!)).toEqual([0xff]);
  });

  it('is deterministic: the same content gives the same bytes', () => {
    expect(Buffer.from(writeContainer(content())).equals(Buffer.from(writeContainer(content())))).toBe(true);
  });

  it('round-trips arbitrary float64 arrays bit for bit (version 2, and version 1 byte-shuffled)', () => {
    fc.assert(
      fc.property(fc.array(fc.double(), { maxLength: 50 }), fc.boolean(), (xs, old) => {
        const a = Float64Array.from(xs);
        const c = { header: {}, sections: new Map([['x', a]]) };
        const r = readContainer(old ? v1File(encodeBody(c, true)) : writeContainer(c), 'x');
        const b = r.sections.get('x') as Float64Array;
        return r.version === (old ? 1 : 2) && Buffer.from(a.buffer).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
      }),
      { numRuns: 100 },
    );
  });

  it('rejects a file truncated at any of several offsets with MODEL_TRUNCATED (both versions)', () => {
    for (const bytes of [writeContainer(content()), v1Content(content())]) {
      for (const n of [0, 3, 8, 12, 15, 16, 40, bytes.length - 33, bytes.length - 1]) {
        expect(errorOf(() => readContainer(bytes.subarray(0, n), 'cut.ntmd'))).toMatch(
          /^MODEL_TRUNCATED: cut\.ntmd: model file is truncated: \d+ bytes/,
        );
      }
    }
  });

  it('rejects one flipped byte anywhere in the payload or checksum with MODEL_TAMPERED (both versions)', () => {
    for (const bytes of [writeContainer(content()), v1Content(content())]) {
      for (const at of [16, 20, Math.floor(bytes.length / 2), bytes.length - 40, bytes.length - 1]) {
        const bad = bytes.slice();
        bad[at] ^= 0x01;
        expect(errorOf(() => readContainer(bad, 'flip.ntmd'))).toMatch(/^MODEL_TAMPERED: flip\.ntmd: model file checksum mismatch/);
      }
    }
  });

  it('rejects foreign files with MODEL_FOREIGN and says what they look like', () => {
    const junk = gzipSync(new TextEncoder().encode('just some text, not a model'));
    expect(errorOf(() => readContainer(junk, 'j.gz'))).toBe('MODEL_FOREIGN: j.gz: not an ntmaldetect model file (it is a gzip file)');
    const pickle = Uint8Array.of(0x80, 0x04, 0x95, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    expect(errorOf(() => readContainer(pickle, 'model.pkl'))).toMatch(/Python pickle, which ntmaldetect never loads/);
    const bytes = writeContainer(content());
    bytes[1] = 0x4f;
    expect(errorOf(() => readContainer(bytes, 'x'))).toBe(
      'MODEL_FOREIGN: x: not an ntmaldetect model file (it starts with 89 4f 54 4d 44 0d 0a 1a)',
    );
  });

  it('rejects a newer format version with MODEL_NEWER_VERSION', () => {
    const bytes = writeContainer(content());
    new DataView(bytes.buffer).setUint16(8, FORMAT_VERSION + 1, true);
    expect(errorOf(() => readContainer(bytes, 'new.ntmd'))).toBe(
      `MODEL_NEWER_VERSION: new.ntmd: model format version ${FORMAT_VERSION + 1} is newer than the supported version ${FORMAT_VERSION}: upgrade ntmaldetect`,
    );
  });

  it('rejects trailing bytes, unknown flags, junk bodies and corrupt gzip with MODEL_INVALID', () => {
    const bytes = writeContainer(content());
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    expect(errorOf(() => readContainer(longer, 'm'))).toMatch(/^MODEL_INVALID: m: invalid model content: 3 unexpected bytes after the end/);
    const flags = bytes.slice();
    new DataView(flags.buffer).setUint16(10, 4, true);
    expect(errorOf(() => readContainer(flags, 'm'))).toBe('MODEL_INVALID: m: invalid model content: unknown flags 0x4 in the file prefix');
    const junk = new TextEncoder().encode('junk junk junk junk');
    for (const file of [v1File(junk), seal(2, junk)]) {
      expect(errorOf(() => readContainer(file, 'j'))).toMatch(
        /^MODEL_INVALID: j: invalid model content: the header length \d+ runs past the end of the body/,
      );
    }
    expect(errorOf(() => readContainer(seal(2, new Uint8Array(3)), 'j'))).toBe(
      'MODEL_INVALID: j: invalid model content: the body has 3 bytes, fewer than its 4-byte header length',
    );
    const notGzip = v1File(new Uint8Array(0));
    notGzip[16] = 0; // break the gzip magic, then reseal the checksum
    expect(errorOf(() => readContainer(reseal(notGzip), 'g'))).toMatch(
      /^MODEL_INVALID: g: invalid model content: the payload is not valid gzip data/,
    );
  });

  it('rejects a version-2 body whose padding is not zero (one file per content)', () => {
    const bytes = writeContainer(content());
    const dv = new DataView(bytes.buffer);
    const hlen = dv.getUint32(16, true);
    const headerPad = 16 + 4 + hlen;
    if ((4 + hlen) % 8 !== 0) {
      const bad = bytes.slice();
      bad[headerPad] = 1;
      expect(errorOf(() => readContainer(reseal(bad), 'p'))).toBe(
        `MODEL_INVALID: p: invalid model content: byte ${headerPad - 16} of the body, padding after the header, is not zero`,
      );
    }
    // Section d (one u8) is followed by 7 bytes of padding.
    const start = (4 + hlen + 7) & ~7;
    const dAt = start + 40 + 16 + 8; // after a (40 bytes), b (12 → 16), c (6 → 8)
    expect(bytes[16 + dAt]).toBe(9);
    const bad = bytes.slice();
    bad[16 + dAt + 3] = 0x80;
    expect(errorOf(() => readContainer(reseal(bad), 'p'))).toBe(
      `MODEL_INVALID: p: invalid model content: byte ${dAt + 3} of the body, padding after section d, is not zero`,
    );
  });

  it('rejects a body whose section table lies about offsets or lengths (both versions)', () => {
    const cases: [unknown, number, RegExp][] = [
      [
        { sections: [{ name: 's', type: 'f64', length: 4, offset: 0, byteLength: 32 }] },
        16,
        /section s \(32 bytes at \d+\) runs past the end of the body/,
      ],
      [
        { sections: [{ name: 's', type: 'f32', length: 1, offset: 0, byteLength: 4 }] },
        8,
        /sections\[0\]\.type "f32" is not one of u8, u16, i32, f64/,
      ],
      [{ sections: [{ name: 's', type: 'u8', length: 1, offset: 8, byteLength: 1 }] }, 16, /sections\[0\]\.offset is 8, expected 0/],
      [{ sections: [{ name: 's', type: 'i32', length: 2, offset: 0, byteLength: 4 }] }, 8, /sections\[0\]\.byteLength is 4, expected 8/],
      [
        { sections: [{ name: 's', type: 'u8', length: 1, offset: 0, byteLength: 1 }] },
        16,
        /the body has \d+ bytes, its sections end at \d+/,
      ],
      [{ sections: 'none' }, 0, /the header has no "sections" array/],
      [[1, 2], 0, /the header is not a JSON object/],
    ];
    for (const [header, room, message] of cases) {
      const body = rawBody(header, room);
      for (const file of [v1File(body), seal(2, body)]) expect(errorOf(() => readContainer(file, 'b'))).toMatch(message);
    }
  });

  describe('Ed25519 signatures', () => {
    const a = generateKeyPairSync('ed25519');
    const b = generateKeyPairSync('ed25519');
    const pemA = a.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const pubA = a.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const pubB = b.publicKey.export({ format: 'pem', type: 'spki' }).toString();

    it('signs, verifies, and accepts the trusted key (public or private PEM)', () => {
      const bytes = writeContainer(content(), { signKey: pemA });
      expect(bytes.length).toBe(writeContainer(content()).length + 96);
      const r = readContainer(bytes, 's', { trustKey: pubA });
      expect(r.signer).toBe(
        Buffer.from(a.publicKey.export({ format: 'der', type: 'spki' }))
          .subarray(12)
          .toString('hex'),
      );
      expect(readContainer(bytes, 's', { trustKey: pemA }).signer).toBe(r.signer);
      // Ed25519 is deterministic, so signed files are byte-identical too.
      expect(Buffer.from(writeContainer(content(), { signKey: pemA })).equals(Buffer.from(bytes))).toBe(true);
    });

    it('rejects a flipped signature byte with MODEL_BAD_SIGNATURE', () => {
      const bytes = writeContainer(content(), { signKey: pemA });
      bytes[bytes.length - 5] ^= 0x80;
      expect(errorOf(() => readContainer(bytes, 's'))).toMatch(/^MODEL_BAD_SIGNATURE: s: model signature does not verify/);
    });

    it('rejects a swapped public key with MODEL_BAD_SIGNATURE (the key travels with the signature)', () => {
      const bytes = writeContainer(content(), { signKey: pemA });
      const rawB = Buffer.from(b.publicKey.export({ format: 'der', type: 'spki' })).subarray(12);
      bytes.set(rawB, bytes.length - 96);
      expect(errorOf(() => readContainer(bytes, 's'))).toMatch(/^MODEL_BAD_SIGNATURE/);
    });

    it('refuses unsigned files and other signers under --trust-key with MODEL_UNTRUSTED', () => {
      expect(errorOf(() => readContainer(writeContainer(content()), 'u', { trustKey: pubA }))).toBe(
        'MODEL_UNTRUSTED: u: model is not signed by the trusted key: the model is not signed',
      );
      const signedA = writeContainer(content(), { signKey: pemA });
      expect(errorOf(() => readContainer(signedA, 'o', { trustKey: pubB }))).toMatch(
        /^MODEL_UNTRUSTED: o: model is not signed by the trusted key: signed by key [0-9a-f]{16}\.\.\., not by the trusted key/,
      );
    });

    it('rejects keys that are not Ed25519 with BAD_KEY', () => {
      const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      expect(errorOf(() => writeContainer(content(), { signKey: rsa }))).toBe('BAD_KEY: the private key is rsa, not an Ed25519 key');
      expect(errorOf(() => writeContainer(content(), { signKey: 'not a key' }))).toMatch(/^BAD_KEY: cannot read the private key/);
      expect(errorOf(() => writeContainer(content(), { signKey: pubA }))).toMatch(/^BAD_KEY/);
    });
  });
});
