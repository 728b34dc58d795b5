/**
 * The `.ntmd` container: magic bytes, a format version, a payload (a JSON header and typed
 * binary sections), a SHA-256 over everything before it, and an optional Ed25519 signature.
 * Reading validates every length and value before using it and never executes anything;
 * each way a file can be wrong has its own typed error.
 *
 * ```
 * offset      size  field
 * 0           8     magic 89 4E 54 4D 44 0D 0A 1A  ("\x89NTMD\r\n\x1a")
 * 8           2     format version, u16 LE (2; version 1 is still read)
 * 10          2     flags, u16 LE: bit 0 = signed; other bits must be 0
 * 12          4     payload length P, u32 LE
 * 16          P     payload: version 2, the body itself; version 1, gzip of the body
 * 16+P        32    SHA-256 of bytes [0, 16+P)
 * 48+P        32    (signed only) Ed25519 public key, raw
 * 80+P        64    (signed only) Ed25519 signature of bytes [0, 48+P)
 * ```
 * The body: u32 LE header length H, H bytes of UTF-8 JSON, zero padding to a multiple of 8,
 * then the sections back to back, each padded with zeros to a multiple of 8. The header's
 * `sections` lists each one's name, element type, element count, offset and byte length.
 * Arrays are little-endian. In version 2 the body starts at file offset 16, so every section
 * starts at a multiple of 8 in the file: read from a buffer that is itself 8-aligned, each
 * section is a typed-array view of the file's bytes, no copy. In version 1 (gzip), `f64`
 * sections are byte-shuffled (all first bytes, then all second bytes, ...), which let gzip
 * compress the sign/exponent bytes of similar floats.
 *
 * The whole format is documented in docs/model-format.md.
 */
import { createHash, createPrivateKey, createPublicKey, sign as edSign, verify as edVerify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import {
  BadSignatureError,
  ForeignModelError,
  InvalidModelError,
  KeyError,
  NewerModelVersionError,
  TamperedModelError,
  TruncatedModelError,
  UntrustedModelError,
} from './errors.js';

/** The eight magic bytes every model file starts with. */
export const MAGIC = Uint8Array.of(0x89, 0x4e, 0x54, 0x4d, 0x44, 0x0d, 0x0a, 0x1a);
/** The container version this library writes and the newest it reads (it reads every earlier one). */
export const FORMAT_VERSION = 2;
const PREFIX = 16;
const SHA_LEN = 32;
const SIG_BLOCK = 32 + 64;
const FLAG_SIGNED = 1;
/** Largest body accepted after decompression (a guard against decompression bombs). */
const MAX_BODY = 1 << 30;
/** Largest body length taken from the gzip trailer as the size of the inflate buffer. */
const MAX_HINT = 1 << 26;

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('ntmaldetect model files need a little-endian platform');
}

/** Element types of binary sections. */
export type SectionType = 'u8' | 'u16' | 'i32' | 'f64';
/** The array type of each section type. */
export type SectionArray = Uint8Array | Uint16Array | Int32Array | Float64Array;

const SIZE: Record<SectionType, number> = { u8: 1, u16: 2, i32: 4, f64: 8 };

function typeOf(a: SectionArray): SectionType {
  if (a instanceof Uint8Array) return 'u8';
  if (a instanceof Uint16Array) return 'u16';
  if (a instanceof Int32Array) return 'i32';
  return 'f64';
}

/** A section's entry in the header. */
export interface SectionEntry {
  readonly name: string;
  readonly type: SectionType;
  readonly length: number;
  readonly offset: number;
  readonly byteLength: number;
}

/** What a container holds: a JSON header object and named arrays. */
export interface ContainerContent {
  /** Any JSON object; the writer adds `sections`. */
  readonly header: Record<string, unknown>;
  readonly sections: ReadonlyMap<string, SectionArray>;
}

/** A file that was read: the content plus what the envelope said. */
export interface ReadContainer extends ContainerContent {
  readonly version: number;
  /** SHA-256 of the content, hex. */
  readonly sha256: string;
  /** The signer's raw Ed25519 public key (hex), when signed. */
  readonly signer: string | null;
}

const pad8 = (n: number) => (n + 7) & ~7;

function unshuffle(src: Uint8Array, n: number): Float64Array {
  // Gathers each value's eight bytes from the eight planes as two little-endian words:
  // two writes per value rather than eight.
  const out = new Float64Array(n);
  const w = new Uint32Array(out.buffer);
  const n2 = 2 * n;
  const n3 = 3 * n;
  const n4 = 4 * n;
  const n5 = 5 * n;
  const n6 = 6 * n;
  const n7 = 7 * n;
  for (let i = 0; i < n; i++) {
    w[2 * i] = (src[i] | (src[n + i] << 8) | (src[n2 + i] << 16) | (src[n3 + i] << 24)) >>> 0;
    w[2 * i + 1] = (src[n4 + i] | (src[n5 + i] << 8) | (src[n6 + i] << 16) | (src[n7 + i] << 24)) >>> 0;
  }
  return out;
}

/** Reads an Ed25519 key given as PEM text, DER bytes, or a KeyObject. */
function asKey(key: string | Uint8Array | KeyObject, kind: 'private' | 'public'): KeyObject {
  let k: KeyObject;
  try {
    if (typeof key === 'object' && !(key instanceof Uint8Array)) k = key;
    else if (kind === 'private')
      k = createPrivateKey(typeof key === 'string' ? key : { key: Buffer.from(key), format: 'der', type: 'pkcs8' });
    else {
      // A private key also names its public half, so either may be given as the trusted key.
      const text = typeof key === 'string' ? key : undefined;
      k =
        text !== undefined && text.includes('PRIVATE KEY')
          ? createPublicKey(createPrivateKey(text))
          : createPublicKey(typeof key === 'string' ? key : { key: Buffer.from(key), format: 'der', type: 'spki' });
    }
  } catch (e) {
    throw new KeyError(`cannot read the ${kind} key: ${(e as Error).message.split('\n')[0]}`);
  }
  if (k.type === 'private' && kind === 'public') k = createPublicKey(k);
  if (k.asymmetricKeyType !== 'ed25519')
    throw new KeyError(`the ${kind} key is ${k.asymmetricKeyType ?? 'a secret key'}, not an Ed25519 key`);
  if (kind === 'private' && k.type !== 'private') throw new KeyError('the signing key must be an Ed25519 private key');
  return k;
}

function rawPublicKey(k: KeyObject): Uint8Array {
  const der = (k.type === 'public' ? k : createPublicKey(k)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - 32));
}

function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  // SPKI prefix of an Ed25519 public key (RFC 8410), followed by the 32 raw bytes.
  const prefix = Buffer.from('302a300506032b6570032100', 'hex');
  return createPublicKey({ key: Buffer.concat([prefix, raw]), format: 'der', type: 'spki' });
}

/** Options of {@link writeContainer}. */
export interface WriteOptions {
  /** Ed25519 private key (PEM text, PKCS#8 DER bytes or a KeyObject) to sign with. */
  readonly signKey?: string | Uint8Array | KeyObject;
}

/**
 * The body of a model file: header length, JSON header (with `sections` added), then the
 * sections, each padded with zeros to a multiple of 8. `f64` sections are byte-shuffled when
 * `shuffleF64` (version 1, for gzip); version 2 stores them as they are.
 *
 * @internal Exported for tests that build version-1 files.
 */
export function encodeBody(content: ContainerContent, shuffleF64 = false): Uint8Array {
  const entries: SectionEntry[] = [];
  let offset = 0;
  for (const [name, arr] of content.sections) {
    entries.push({ name, type: typeOf(arr), length: arr.length, offset, byteLength: arr.byteLength });
    offset += pad8(arr.byteLength);
  }
  const headerBytes = new TextEncoder().encode(JSON.stringify({ ...content.header, sections: entries }));
  const start = pad8(4 + headerBytes.length);
  const body = new Uint8Array(start + offset);
  new DataView(body.buffer).setUint32(0, headerBytes.length, true);
  body.set(headerBytes, 4);
  let i = 0;
  for (const arr of content.sections.values()) {
    const at = start + entries[i++].offset;
    if (shuffleF64 && arr instanceof Float64Array) shuffleInto(arr, body, at);
    else body.set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength), at);
  }
  return body;
}

/** Writes the bytes of `a` to `out` at `at` byte-shuffled: all first bytes, then all second bytes, ... */
function shuffleInto(a: Float64Array, out: Uint8Array, at: number): void {
  const src = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const n = a.length;
  for (let b = 0; b < 8; b++) {
    const base = at + b * n;
    for (let i = 0; i < n; i++) out[base + i] = src[i * 8 + b];
  }
}

/**
 * Serialises a header and sections into a model file of the current version (2: the body
 * uncompressed). Deterministic: the same content gives the same bytes (the header's key
 * order is the caller's insertion order).
 */
export function writeContainer(content: ContainerContent, options: WriteOptions = {}): Uint8Array {
  const signKey = options.signKey === undefined ? undefined : asKey(options.signKey, 'private');
  const body = encodeBody(content);
  return seal(FORMAT_VERSION, body, signKey);
}

/**
 * The file around a payload: prefix, payload, SHA-256 and (with `signKey`) the signature.
 *
 * @internal Exported for tests that build version-1 files.
 */
export function seal(version: number, payload: Uint8Array, signKey?: KeyObject): Uint8Array {
  const total = PREFIX + payload.length + SHA_LEN + (signKey ? SIG_BLOCK : 0);
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  const dv = new DataView(out.buffer);
  dv.setUint16(8, version, true);
  dv.setUint16(10, signKey ? FLAG_SIGNED : 0, true);
  dv.setUint32(12, payload.length, true);
  out.set(payload, PREFIX);
  const shaEnd = PREFIX + payload.length;
  out.set(createHash('sha256').update(out.subarray(0, shaEnd)).digest(), shaEnd);
  if (signKey) {
    const signedEnd = shaEnd + SHA_LEN;
    out.set(rawPublicKey(signKey), signedEnd);
    out.set(edSign(null, out.subarray(0, signedEnd), signKey), signedEnd + 32);
  }
  return out;
}

function describeForeign(b: Uint8Array): string {
  if (b[0] === 0x1f && b[1] === 0x8b) return 'it is a gzip file';
  if (b[0] === 0x80 && b[1] >= 2 && b[1] <= 5) return 'it looks like a Python pickle, which ntmaldetect never loads';
  if (b[0] === 0x7b || b[0] === 0x5b) return 'it looks like JSON';
  if (b[0] === 0x50 && b[1] === 0x4b) return 'it is a zip file';
  const hex = Array.from(b.subarray(0, 8), (x) => x.toString(16).padStart(2, '0')).join(' ');
  return `it starts with ${hex || 'nothing'}`;
}

/** Options of {@link readContainer}. */
export interface ReadOptions {
  /** Refuse the file unless it is signed by this Ed25519 key (public or private; PEM, DER or KeyObject). */
  readonly trustKey?: string | Uint8Array | KeyObject;
}

/**
 * Reads and checks a model file (any version up to {@link FORMAT_VERSION}): envelope,
 * checksum, signature, decompression (version 1), header and section table. Throws a
 * {@link ModelFileError} subclass naming `source` and what is wrong.
 *
 * The sections of a version-2 file are typed-array views of the file's bytes wherever
 * their alignment allows (copies elsewhere). With `owned` the caller hands `bytes` over
 * (e.g. a buffer just read from disk, never modified afterwards) and the views are views
 * of it; otherwise the file is copied first, so that later changes to `bytes` cannot reach
 * content that was checked.
 */
export function readContainer(bytes: Uint8Array, source: string, options: ReadOptions = {}, owned = false): ReadContainer {
  const trusted = options.trustKey === undefined ? undefined : asKey(options.trustKey, 'public');
  // One native copy (a fraction of a millisecond per MB) unless the caller hands the bytes
  // over. (Not Buffer#slice: on a Buffer that is a view, not a copy.)
  if (!owned) bytes = new Uint8Array(bytes);
  const n = bytes.length;
  const magicPart = Math.min(n, MAGIC.length);
  for (let i = 0; i < magicPart; i++) {
    if (bytes[i] !== MAGIC[i]) throw new ForeignModelError(source, describeForeign(bytes));
  }
  if (n < PREFIX) throw new TruncatedModelError(source, `${n} bytes, shorter than the ${PREFIX}-byte file prefix`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint16(8, true);
  if (version > FORMAT_VERSION) throw new NewerModelVersionError(source, version, FORMAT_VERSION);
  if (version === 0) throw new InvalidModelError(source, 'format version 0 does not exist');
  const flags = dv.getUint16(10, true);
  if ((flags & ~FLAG_SIGNED) !== 0) throw new InvalidModelError(source, `unknown flags 0x${flags.toString(16)} in the file prefix`);
  const signed = (flags & FLAG_SIGNED) !== 0;
  const payloadLength = dv.getUint32(12, true);
  const shaEnd = PREFIX + payloadLength;
  const expected = shaEnd + SHA_LEN + (signed ? SIG_BLOCK : 0);
  if (n < expected) throw new TruncatedModelError(source, `${n} bytes, but its prefix declares ${expected}`);
  if (n > expected)
    throw new InvalidModelError(source, `${n - expected} unexpected bytes after the end declared by the prefix (${expected} bytes)`);
  const digest = createHash('sha256').update(bytes.subarray(0, shaEnd)).digest();
  const stored = bytes.subarray(shaEnd, shaEnd + SHA_LEN);
  if (!digest.equals(stored)) {
    throw new TamperedModelError(
      source,
      `SHA-256 of the content is ${digest.toString('hex').slice(0, 16)}..., the file says ${Buffer.from(stored).toString('hex').slice(0, 16)}...`,
    );
  }
  let signer: string | null = null;
  if (signed) {
    const rawKey = bytes.subarray(shaEnd + SHA_LEN, shaEnd + SHA_LEN + 32);
    let ok = false;
    try {
      ok = edVerify(null, bytes.subarray(0, shaEnd + SHA_LEN), publicKeyFromRaw(rawKey), bytes.subarray(shaEnd + SHA_LEN + 32));
    } catch {
      ok = false;
    }
    if (!ok) throw new BadSignatureError(source, 'the Ed25519 signature does not match the content and the public key stored with it');
    signer = Buffer.from(rawKey).toString('hex');
  }
  if (trusted) {
    const want = Buffer.from(rawPublicKey(trusted)).toString('hex');
    if (signer === null) throw new UntrustedModelError(source, 'the model is not signed');
    if (signer !== want)
      throw new UntrustedModelError(source, `signed by key ${signer.slice(0, 16)}..., not by the trusted key ${want.slice(0, 16)}...`);
  }
  if (version >= 2) {
    const { header, sections } = parseBody(bytes.subarray(PREFIX, shaEnd), source, version);
    return { header, sections, version, sha256: digest.toString('hex'), signer };
  }
  let body: Buffer;
  try {
    // gzip's trailer gives the body's length (mod 2^32): as the output chunk size it lets
    // zlib inflate into one buffer instead of 16 KiB chunks joined by a copy (less CPU, and
    // half the transient memory). Only a hint, capped so that a crafted trailer cannot make
    // us reserve much; the real limit is maxOutputLength.
    const isize = payloadLength >= 18 ? dv.getUint32(shaEnd - 4, true) : 0;
    const chunkSize = isize >= 64 && isize < MAX_HINT ? isize + 1 : undefined;
    body = gunzipSync(bytes.subarray(PREFIX, shaEnd), { maxOutputLength: MAX_BODY, chunkSize });
  } catch (e) {
    throw new InvalidModelError(source, `the payload is not valid gzip data (${(e as Error).message})`);
  }
  const { header, sections } = parseBody(body, source, version);
  return { header, sections, version, sha256: digest.toString('hex'), signer };
}

/**
 * The header and sections of a body. Version 2: f64 sections as stored, and every padding
 * byte must be zero (one file per content); version 1: f64 sections byte-shuffled.
 */
function parseBody(body: Uint8Array, source: string, version: number): ContainerContent {
  const bad = (detail: string): never => {
    throw new InvalidModelError(source, detail);
  };
  if (body.length < 4) bad(`the body has ${body.length} bytes, fewer than its 4-byte header length`);
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const hlen = dv.getUint32(0, true);
  if (hlen > body.length - 4) bad(`the header length ${hlen} runs past the end of the body (${body.length} bytes)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body.subarray(4, 4 + hlen)));
  } catch (e) {
    return bad(`the header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return bad('the header is not a JSON object');
  const h = header as Record<string, unknown>;
  const list = h.sections;
  if (!Array.isArray(list)) return bad('the header has no "sections" array');
  const start = pad8(4 + hlen);
  const zeros = (from: number, to: number, what: string) => {
    for (let p = from; p < to && p < body.length; p++) if (body[p] !== 0) bad(`byte ${p} of the body, padding after ${what}, is not zero`);
  };
  if (version >= 2) zeros(4 + hlen, start, 'the header');
  const sections = new Map<string, SectionArray>();
  let expectOffset = 0;
  list.forEach((raw: unknown, i: number) => {
    const e = raw as Partial<SectionEntry>;
    const where = `sections[${i}]`;
    if (typeof e !== 'object' || e === null) bad(`${where} is not an object`);
    if (typeof e.name !== 'string' || e.name === '' || sections.has(e.name)) bad(`${where}.name is missing or repeated`);
    if (typeof e.type !== 'string' || !(e.type in SIZE)) bad(`${where}.type ${JSON.stringify(e.type)} is not one of u8, u16, i32, f64`);
    const size = SIZE[e.type as SectionType];
    if (!Number.isSafeInteger(e.length) || (e.length as number) < 0) bad(`${where}.length is not a count`);
    if (e.offset !== expectOffset) bad(`${where}.offset is ${String(e.offset)}, expected ${expectOffset}`);
    if (e.byteLength !== (e.length as number) * size)
      bad(`${where}.byteLength is ${String(e.byteLength)}, expected ${(e.length as number) * size}`);
    const at = start + expectOffset;
    if (at + (e.byteLength as number) > body.length)
      bad(`section ${e.name} (${e.byteLength} bytes at ${at}) runs past the end of the body (${body.length} bytes)`);
    const blob = body.subarray(at, at + (e.byteLength as number));
    sections.set(e.name as string, view(e.type as SectionType, blob, e.length as number, version));
    if (version >= 2) zeros(at + (e.byteLength as number), at + pad8(e.byteLength as number), `section ${e.name}`);
    expectOffset += pad8(e.byteLength as number);
  });
  if (start + expectOffset !== body.length) {
    bad(`the body has ${body.length} bytes, its sections end at ${start + expectOffset}`);
  }
  delete h.sections;
  return { header: h, sections };
}

/**
 * The typed array of a section: a view of `blob` when its offset in the buffer suits the
 * element size, else a copy (version 1: `f64` un-shuffled into a new array).
 */
function view(type: SectionType, blob: Uint8Array, length: number, version: number): SectionArray {
  if (type === 'f64' && version < 2) return unshuffle(blob, length);
  if (type === 'u8') return new Uint8Array(blob.buffer, blob.byteOffset, length);
  // Not Buffer#slice (a view): a copy, whose offset is 0.
  const aligned = blob.byteOffset % SIZE[type] === 0 ? blob : new Uint8Array(blob);
  const { buffer, byteOffset } = aligned;
  if (type === 'u16') return new Uint16Array(buffer, byteOffset, length);
  if (type === 'i32') return new Int32Array(buffer, byteOffset, length);
  return new Float64Array(buffer, byteOffset, length);
}
