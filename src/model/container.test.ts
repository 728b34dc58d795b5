import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gzipSync } from 'fflate';
import { FORMAT_VERSION, MAGIC, readContainer, writeContainer } from './container.js';
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

function withPayload(body: Uint8Array): Uint8Array {
  const payload = gzipSync(body, { mtime: 0 });
  const out = new Uint8Array(16 + payload.length + 32);
  out.set(MAGIC);
  const dv = new DataView(out.buffer);
  dv.setUint16(8, FORMAT_VERSION, true);
  dv.setUint32(12, payload.length, true);
  out.set(payload, 16);
  return reseal(out);
}

describe('model container', () => {
  it('round-trips the header and every section type exactly', () => {
    const bytes = writeContainer(content());
    expect(Array.from(bytes.subarray(0, 8))).toEqual(Array.from(MAGIC));
    const r = readContainer(bytes, 'm.ntmd');
    expect(r.header).toEqual({ format: 'test', n: 3, nested: { x: [1, 2] } });
    expect(r.version).toBe(1);
    expect(r.signer).toBeNull();
    expect(r.sha256).toBe(
      createHash('sha256')
        .update(bytes.subarray(0, bytes.length - 32))
        .digest('hex'),
    );
    for (const [k, v] of content().sections) {
      const got = r.sections.get(k)!;
      expect(got.constructor).toBe(v.constructor);
      expect(Array.from(got)).toEqual(Array.from(v));
    }
    expect(Object.is(r.sections.get('a')![1], -0)).toBe(true);
  });

  it('is deterministic: the same content gives the same bytes', () => {
    expect(Buffer.from(writeContainer(content())).equals(Buffer.from(writeContainer(content())))).toBe(true);
  });

  it('round-trips arbitrary float64 arrays bit for bit (byte shuffling)', () => {
    fc.assert(
      fc.property(fc.array(fc.double(), { maxLength: 50 }), (xs) => {
        const a = Float64Array.from(xs);
        const r = readContainer(writeContainer({ header: {}, sections: new Map([['x', a]]) }), 'x');
        const b = r.sections.get('x') as Float64Array;
        return Buffer.from(a.buffer).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
      }),
    );
  });

  it('rejects a file truncated at any of several offsets with MODEL_TRUNCATED', () => {
    const bytes = writeContainer(content());
    for (const n of [0, 3, 8, 12, 15, 16, 40, bytes.length - 33, bytes.length - 1]) {
      expect(errorOf(() => readContainer(bytes.subarray(0, n), 'cut.ntmd'))).toMatch(
        /^MODEL_TRUNCATED: cut\.ntmd: model file is truncated: \d+ bytes/,
      );
    }
  });

  it('rejects one flipped byte anywhere in the payload or checksum with MODEL_TAMPERED', () => {
    const bytes = writeContainer(content());
    for (const at of [16, 20, Math.floor(bytes.length / 2), bytes.length - 40, bytes.length - 1]) {
      const bad = bytes.slice();
      bad[at] ^= 0x01;
      expect(errorOf(() => readContainer(bad, 'flip.ntmd'))).toMatch(/^MODEL_TAMPERED: flip\.ntmd: model file checksum mismatch/);
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

  it('rejects trailing bytes, unknown flags and a sealed payload of valid gzip junk with MODEL_INVALID', () => {
    const bytes = writeContainer(content());
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    expect(errorOf(() => readContainer(longer, 'm'))).toMatch(/^MODEL_INVALID: m: invalid model content: 3 unexpected bytes after the end/);
    const flags = bytes.slice();
    new DataView(flags.buffer).setUint16(10, 4, true);
    expect(errorOf(() => readContainer(flags, 'm'))).toBe('MODEL_INVALID: m: invalid model content: unknown flags 0x4 in the file prefix');
    expect(errorOf(() => readContainer(withPayload(new TextEncoder().encode('junk junk junk junk')), 'j'))).toMatch(
      /^MODEL_INVALID: j: invalid model content: the header length \d+ runs past the end of the body/,
    );
    const notGzip = withPayload(new Uint8Array(0));
    notGzip[16] = 0; // break the gzip magic, then reseal the checksum
    expect(errorOf(() => readContainer(reseal(notGzip), 'g'))).toMatch(
      /^MODEL_INVALID: g: invalid model content: the payload is not valid gzip data/,
    );
  });

  it('rejects a body whose section table lies about offsets or lengths', () => {
    const head = new TextEncoder().encode(JSON.stringify({ sections: [{ name: 's', type: 'f64', length: 4, offset: 0, byteLength: 32 }] }));
    const body = new Uint8Array(((4 + head.length + 7) & ~7) + 16);
    new DataView(body.buffer).setUint32(0, head.length, true);
    body.set(head, 4);
    expect(errorOf(() => readContainer(withPayload(body), 'b'))).toMatch(/section s \(32 bytes at \d+\) runs past the end of the body/);
    const head2 = new TextEncoder().encode(JSON.stringify({ sections: [{ name: 's', type: 'f32', length: 1, offset: 0, byteLength: 4 }] }));
    const body2 = new Uint8Array(((4 + head2.length + 7) & ~7) + 8);
    new DataView(body2.buffer).setUint32(0, head2.length, true);
    body2.set(head2, 4);
    expect(errorOf(() => readContainer(withPayload(body2), 'b'))).toMatch(/sections\[0\]\.type "f32" is not one of u8, u16, i32, f64/);
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
