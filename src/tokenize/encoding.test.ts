/**
 * Every common text encoding of a trace is read like its UTF-8 twin: UTF-16 LE and BE with and
 * without byte-order mark (what Windows PowerShell's `>` writes), UTF-8 with mark, CRLF line
 * ends, and gzip of each; whole and in chunks that split code units and marks anywhere.
 * The twins are made here from the UTF-8 bytes of real NtTrace logs (fixtures/nttrace), corpus
 * traces (../shared/corpus) and synthetic logs.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gunzipSync, gzipSync } from 'fflate';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { corpusDir, projectRoot, requireShared } from '../../test/shared.js';
import { scratchDir } from '../../test/tmp.js';
import { isNtmdError } from '../errors.js';
import { SNIFF_BYTES, TextFront, decodeText, sniffEncoding } from './encoding.js';
import { TraceReader, readTrace, readTraceFileSync, readTraceSync } from './index.js';
import type { TraceEncoding, TraceRead } from './index.js';
import { mulberry32, synthTrace } from './synth.js';
import { readCut } from './test-helpers/read-cut.js';

/** The twins of a text: name, bytes, and the encoding the reader must report. */
type Twin = { name: string; bytes: Buffer; encoding: TraceEncoding };

const BOM8 = Buffer.from([0xef, 0xbb, 0xbf]);
const BOM_LE = Buffer.from([0xff, 0xfe]);
const BOM_BE = Buffer.from([0xfe, 0xff]);

function utf16be(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16();
}

/** Bare LFs made CRLF (lines that end in CRLF already stay). */
function crlf(text: string): string {
  return text.replace(/(?<!\r)\n/g, '\r\n');
}

/** The twins of `text` (whose UTF-8 bytes are the reference). BOM-less UTF-16 only when `bare`. */
function twinsOf(text: string, bare = true): Twin[] {
  const twins: Twin[] = [
    { name: 'utf-16le-bom', bytes: Buffer.concat([BOM_LE, Buffer.from(text, 'utf16le')]), encoding: 'utf-16le' },
    { name: 'utf-16be-bom', bytes: Buffer.concat([BOM_BE, utf16be(text)]), encoding: 'utf-16be' },
    { name: 'utf-8-bom', bytes: Buffer.concat([BOM8, Buffer.from(text, 'utf8')]), encoding: 'utf-8-bom' },
    { name: 'crlf', bytes: Buffer.from(crlf(text), 'utf8'), encoding: 'utf-8' },
    { name: 'utf-16le-bom-crlf', bytes: Buffer.concat([BOM_LE, Buffer.from(crlf(text), 'utf16le')]), encoding: 'utf-16le' },
  ];
  if (bare) {
    twins.push(
      { name: 'utf-16le', bytes: Buffer.from(text, 'utf16le'), encoding: 'utf-16le' },
      { name: 'utf-16be', bytes: utf16be(text), encoding: 'utf-16be' },
    );
  }
  return twins;
}

/** What must be the same between twins (the call ids are compared by name: each read has its own table). */
function essence(r: TraceRead): unknown {
  return {
    calls: Array.from(r.calls, (id) => r.table.nameOf(id)),
    stats: r.stats,
    format: r.format,
    firstUnparseable: r.firstUnparseable,
    groups: r.groups?.map((g) => [g.key, Array.from(g.calls, (id) => r.table.nameOf(id))]),
  };
}

/**
 * A read's essence, or its error's code, format and line counts (not the message: a UTF-16
 * input that holds lone surrogates, which its UTF-8 twin cannot hold, may get the binary-file
 * hint; the messages of true twins are compared in the tests below).
 */
function outcome(read: () => TraceRead): unknown {
  try {
    return essence(read());
  } catch (e) {
    if (!isNtmdError(e)) throw e;
    const { format, stats } = e as { format?: unknown; stats?: unknown };
    return { code: e.code, format, stats };
  }
}

/** Pushes `bytes` in chunks of `size` bytes. */
function readInChunks(bytes: Uint8Array, size: number): TraceRead {
  const reader = new TraceReader();
  for (let i = 0; i < bytes.length; i += size) reader.push(bytes.subarray(i, i + size));
  return reader.end();
}

const nttraceDir = join(projectRoot, 'fixtures', 'nttrace');
const logs = readdirSync(nttraceDir)
  .filter((f) => /\.log(\.gz)?$/.test(f))
  .sort();
/** A fixture log's text (the larger logs are stored gzip'd). */
function logText(log: string): string {
  const bytes = readFileSync(join(nttraceDir, log));
  return Buffer.from(log.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}
const CHUNKS = [1, 2, 3, 7];
/** Characters of a log read in 1- and 2-byte chunks (see the chunk test). */
const PREFIX_CHARS = 1500;

describe('the encoding sniff (sniffEncoding)', () => {
  it('takes a byte-order mark, or ASCII with every other byte 0, and nothing else', () => {
    const s = (bytes: number[], final = false) => sniffEncoding(Uint8Array.from(bytes), final);
    expect(s([0xef, 0xbb, 0xbf, 0x41])).toEqual({ encoding: 'utf-8-bom', bom: 3 });
    expect(s([0xff, 0xfe])).toEqual({ encoding: 'utf-16le', bom: 2 });
    expect(s([0xfe, 0xff])).toEqual({ encoding: 'utf-16be', bom: 2 });
    // UTF-8 is decided on its first two bytes: nothing is held back.
    expect(s([0x4e, 0x74])).toEqual({ encoding: 'utf-8', bom: 0 });
    expect(s([0xef, 0x41])).toEqual({ encoding: 'utf-8', bom: 0 });
    // Half a mark, or a NUL in the first two bytes: more bytes are needed, up to the window.
    expect(s([0xef])).toBeUndefined();
    expect(s([0xef, 0xbb])).toBeUndefined();
    expect(s([0xef, 0xbb], true)).toEqual({ encoding: 'utf-8', bom: 0 });
    expect(s([0x4e, 0x00, 0x74, 0x00])).toBeUndefined();
    expect(s([0x4e, 0x00, 0x74, 0x00], true)).toEqual({ encoding: 'utf-16le', bom: 0 });
    expect(s([0x00, 0x4e, 0x00, 0x74], true)).toEqual({ encoding: 'utf-16be', bom: 0 });
    const le = Buffer.from('NtClose( Handle=0x4 ) => 0\nNtClose( Handle=0x8 ) => 0\n', 'utf16le');
    expect(le.length).toBeGreaterThan(SNIFF_BYTES);
    expect(sniffEncoding(le.subarray(0, SNIFF_BYTES), false)?.encoding).toBe('utf-16le');
    expect(sniffEncoding(le.subarray(0, SNIFF_BYTES - 1), false)).toBeUndefined();
    // One character of the window that is not ASCII (or a NUL character): not UTF-16.
    const nonAscii = Buffer.from('Nt\u00e9Close( Handle=0x4 ) => 0\nNtClose( Handle=0x8 ) => 0', 'utf16le');
    expect(sniffEncoding(nonAscii, true)?.encoding).toBe('utf-8');
    expect(sniffEncoding(Buffer.from('Nt\u0000Close( Handle=0x4 ) => 0\n', 'utf16le'), true)?.encoding).toBe('utf-8');
    // ...but past the window it may be anything.
    const late = Buffer.from('NtClose( Handle=0x4 ) => 0\nNtClose( Handle=0x8 ) => \u00e9\u4e2d', 'utf16le');
    expect(sniffEncoding(late, true)?.encoding).toBe('utf-16le');
    // Real binaries: a program, an archive, random bytes.
    expect(s([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00], true)?.encoding).toBe('utf-8');
    expect(s([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00], true)?.encoding).toBe('utf-8');
    const rnd = mulberry32(7);
    for (let k = 0; k < 2000; k++) {
      const b = Uint8Array.from({ length: 80 }, () => (rnd() < 0.5 ? 0 : Math.floor(rnd() * 256)));
      const d = sniffEncoding(b, true);
      expect(d === undefined || d.encoding === 'utf-8' || d.bom === 2).toBe(true);
    }
  });
});

describe('real NtTrace logs (fixtures/nttrace) in every encoding', () => {
  it('has the logs', () => {
    expect(logs.length).toBeGreaterThanOrEqual(40);
  });

  it.each(logs)("%s: every twin reads as the UTF-8 log, whole and gzip'd", (log) => {
    const text = logText(log);
    const ref = readTraceSync(Buffer.from(text, 'utf8'));
    expect(ref.encoding).toBe('utf-8');
    const want = essence(ref);
    for (const twin of twinsOf(text)) {
      const r = readTraceSync(twin.bytes);
      expect(r.encoding, twin.name).toBe(twin.encoding);
      expect(essence(r), twin.name).toEqual(want);
      const z = readTraceSync(gzipSync(twin.bytes));
      expect(z.encoding, `${twin.name}.gz`).toBe(twin.encoding);
      expect(essence(z), `${twin.name}.gz`).toEqual(want);
    }
  });

  it.each(logs.map((log, i) => [log, i] as const))(
    "%s: the twins read the same in chunks of 1, 2, 3 and 7 bytes, plain and gzip'd",
    (log, i) => {
      // A byte a push costs about 1 µs, so not every twin of every log is pushed a byte at a
      // time (that took minutes): each log's first PREFIX_CHARS characters (cut at a line end)
      // go in chunks of 1, 2, 3 and 7 bytes in every twin (the marks and the code units of the
      // start split at every offset), and the whole log in 7-byte chunks in one twin, and
      // gzip'd in another, the twins taken in turn from log to log.
      const text = logText(log);
      const cut = text.indexOf('\n', PREFIX_CHARS);
      const prefix = cut < 0 ? text : text.slice(0, cut + 1);
      const wantPrefix = essence(readTraceSync(Buffer.from(prefix, 'utf8')));
      for (const twin of twinsOf(prefix)) {
        for (const size of CHUNKS) expect(essence(readInChunks(twin.bytes, size)), `${twin.name} prefix /${size}`).toEqual(wantPrefix);
      }
      const want = essence(readTraceSync(Buffer.from(text, 'utf8')));
      const twins = twinsOf(text);
      const a = twins[i % twins.length];
      expect(essence(readInChunks(a.bytes, 7)), `${a.name} /7`).toEqual(want);
      const b = twins[(i + 3) % twins.length];
      expect(essence(readInChunks(gzipSync(b.bytes), 7)), `${b.name}.gz /7`).toEqual(want);
    },
  );

  it('reads a UTF-16 file through readTraceFileSync and readTrace (path, stream, async iterable)', async () => {
    const dir = scratchDir();
    const log = 'hostname.time-pid-tid.master.log';
    const text = logText(log);
    const want = essence(readTraceSync(text));
    for (const twin of twinsOf(text)) {
      const path = join(dir, `${twin.name}.log`);
      writeFileSync(path, twin.bytes);
      const sync = readTraceFileSync(path);
      expect(sync.encoding).toBe(twin.encoding);
      expect(essence(sync)).toEqual(want);
      expect(essence(await readTrace(path))).toEqual(want);
      // A stream of odd-sized chunks: every code unit split somewhere.
      const pieces: Buffer[] = [];
      for (let k = 0; k < twin.bytes.length; k += 4097) pieces.push(twin.bytes.subarray(k, k + 4097));
      expect(essence(await readTrace(Readable.from(pieces)))).toEqual(want);
      // eslint-disable-next-line @typescript-eslint/require-await -- readTrace's async-iterable input is under test
      async function* bytesOneByOne(): AsyncGenerator<Uint8Array> {
        for (let k = 0; k < 300; k++) yield twin.bytes.subarray(k, k + 1);
        yield twin.bytes.subarray(300);
      }
      expect(essence(await readTrace(bytesOneByOne()))).toEqual(want);
    }
  });
});

describe('corpus traces (../shared/corpus) in every encoding', () => {
  it('reads reduced traces and raw logs of the corpus identically in every twin, whole and chunked', () => {
    requireShared();
    // The first files by name of 10-100 kB (a reduced trace of that size has 1-6 thousand calls).
    const pick = (dir: string, n: number): string[] =>
      readdirSync(join(corpusDir, dir))
        .filter((f) => f.endsWith('.txt'))
        .sort()
        .map((f) => join(corpusDir, dir, f))
        .filter((f) => statSync(f).size >= 10_000 && statSync(f).size <= 100_000)
        .slice(0, n);
    const files = [...pick('sysBEN', 2), ...pick('sysMAL', 1), ...pick('raw/benign', 1), ...pick('raw/malicious', 1)];
    expect(files.length).toBe(5);
    const formats = new Set<string>();
    files.forEach((file, i) => {
      const text = readFileSync(file).toString('utf8');
      const ref = readTraceSync(Buffer.from(text, 'utf8'));
      formats.add(ref.format);
      const want = essence(ref);
      twinsOf(text).forEach((twin, j) => {
        expect(essence(readTraceSync(twin.bytes)), `${file} ${twin.name}`).toEqual(want);
        expect(essence(readTraceSync(gzipSync(twin.bytes))), `${file} ${twin.name}.gz`).toEqual(want);
        expect(essence(readInChunks(twin.bytes, CHUNKS[2 + ((i + j) % 2)])), `${file} ${twin.name} chunked`).toEqual(want);
      });
    });
    expect([...formats].sort()).toEqual(['raw', 'reduced']);
  });
});

describe('twins of generated traces (property)', () => {
  it('read identically in every encoding, however cut, with any characters in the text', () => {
    // Any text between lines and inside string arguments: CJK, U+0A00 (whose UTF-16 units
    // hold a 0x0A byte), surrogate pairs, lone surrogates, NULs.
    const insert = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.constantFrom('\u0a00', '\u0d0a', '\u000a\u0a0d', '\ud83d\ude00', '"\u4e2d\u6587"', '\ud800', '\r', '\ufeff'),
    );
    const reduced = fc.array(fc.constantFrom('NtClose', 'NtOpenKey', 'NtQueryValueKey', '6', '195'), { minLength: 1, maxLength: 80 });
    const source = fc.oneof(
      fc
        .record({
          seed: fc.integer({ min: 1, max: 1_000_000 }),
          calls: fc.integer({ min: 1, max: 60 }),
          pid: fc.boolean(),
          tid: fc.boolean(),
          pre: fc.boolean(),
          crlf: fc.boolean(),
          spelling: fc.constantFrom('v1.0' as const, 'v1.1' as const),
        })
        .map((o) => synthTrace({ ...o, output: 0.2, events: 0.1 }).text),
      reduced.map((l) => `${l.join('\n')}\n`),
    );
    fc.assert(
      fc.property(
        source,
        fc.array(fc.tuple(fc.nat(), insert), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        fc.nat(),
        fc.boolean(),
        (base, inserts, cuts, pick, gz) => {
          let text = base;
          // (Never at the very start: the twins' own mark goes there.)
          for (const [at, s] of inserts) {
            const p = 1 + (at % text.length);
            text = text.slice(0, p) + s + text.slice(p);
          }
          // UTF-16 without mark is recognised by an ASCII start (sniffEncoding's rule).
          const asciiStart = /^[\x01-\x7f]*$/.test(text.slice(0, SNIFF_BYTES / 2));
          const twins = twinsOf(text, asciiStart);
          const twin = twins[pick % twins.length];
          const want = outcome(() => readTraceSync(Buffer.from(text, 'utf8'), { split: 'thread' }));
          const bytes = gz ? gzipSync(twin.bytes) : twin.bytes;
          expect(
            outcome(() => readCut(bytes, cuts, { split: 'thread' })),
            twin.name,
          ).toEqual(want);
          expect(
            outcome(() => readTraceSync(bytes, { split: 'thread' })),
            twin.name,
          ).toEqual(want);
        },
      ),
      { numRuns: 200, interruptAfterTimeLimit: 30_000, markInterruptAsFailure: true },
    );
  });
});

describe('TextFront: the bytes the parser gets', () => {
  /** What the front-end gives for `bytes` pushed in pieces cut at `cuts`. */
  function through(bytes: Uint8Array, cuts: number[]): { out: Buffer; front: TextFront } {
    const parts: Buffer[] = [];
    const front = new TextFront((u8) => parts.push(Buffer.from(u8)));
    let prev = 0;
    for (const c of [...cuts, bytes.length]) {
      front.push(bytes.subarray(prev, c));
      prev = c;
    }
    front.end();
    return { out: Buffer.concat(parts), front };
  }

  it("gives a twin's UTF-8 bytes however it is cut: pairs, marks and units split at every byte", () => {
    // Surrogate pairs, U+0A00 and U+0D0A (UTF-16 bytes 0A/0D that are no line end), lone surrogates.
    // (The first line is 32 ASCII characters or more: the mark-less twins are recognised.)
    const text = 'NtClose( Handle=0x1234 ) => 0x00000000\n\ud83d\ude00\u0a00\u0d0a"\u4e2d"\ud800x\udc00\n\ud83d\ude00';
    const want = Buffer.from(text, 'utf8');
    for (const twin of twinsOf(text)) {
      if (twin.name.includes('crlf')) continue;
      expect(through(twin.bytes, []).out.equals(want), twin.name).toBe(true);
      for (let c = 0; c <= twin.bytes.length; c++) {
        expect(through(twin.bytes, [c]).out.equals(want), `${twin.name} cut at ${c}`).toBe(true);
        expect(
          through(twin.bytes, [c, Math.min(twin.bytes.length, c + 1), Math.min(twin.bytes.length, c + 3)]).out.equals(want),
          `${twin.name} cut at ${c}, +1, +3`,
        ).toBe(true);
      }
    }
    // A cut last unit, a last lone half of a pair: U+FFFD each, whole or cut.
    for (const tail of [[0x41], [0x3d, 0xd8], [0x3d, 0xd8, 0x41]]) {
      const bytes = Buffer.concat([BOM_LE, Buffer.from('Nt', 'utf16le'), Buffer.from(tail)]);
      const want2 = Buffer.from(tail.length === 3 ? 'Nt\ufffd\ufffd' : 'Nt\ufffd', 'utf8');
      for (let c = 0; c <= bytes.length; c++) expect(through(bytes, [c]).out.equals(want2), `${tail.join(',')} cut at ${c}`).toBe(true);
    }
  });

  it('passes UTF-8 through untouched (the same bytes, no copy of the chunk)', () => {
    const chunk = Buffer.from('NtClose( H=1 ) => 0\n');
    let got: Uint8Array | undefined;
    const front = new TextFront((u8) => (got = u8));
    front.push(chunk);
    expect(front.passThrough).toBe(true);
    expect(front.encoding).toBe('utf-8');
    expect(got?.buffer).toBe(chunk.buffer);
    expect(got?.byteOffset).toBe(chunk.byteOffset);
  });
});

describe('decodeText: a whole trace as text, as the reader decodes it', () => {
  it('gives the text of every twin, and the encoding', () => {
    const text = 'NtClose( Handle=0x4 ) => 0\nout: \u4e2d\u0a00 \ud83d\ude00\n';
    for (const twin of twinsOf(text)) {
      const d = decodeText(twin.bytes);
      expect(d.encoding, twin.name).toBe(twin.encoding);
      expect(d.text, twin.name).toBe(twin.name.includes('crlf') ? crlf(text) : text);
    }
    // A cut last unit is U+FFFD, as the reader reads it.
    expect(decodeText(Buffer.concat([BOM_BE, utf16be('Nt'), Buffer.from([0x00])])).text).toBe('Nt\ufffd');
    expect(decodeText(Buffer.concat([BOM_LE, Buffer.from('Nt', 'utf16le'), Buffer.from([0x41])])).text).toBe('Nt\ufffd');
  });
});

describe('binaries are still refused with the binary-file hint', () => {
  it('refuses a program, an archive and random bytes, whatever their first bytes', () => {
    const exe = Buffer.concat([
      Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'),
      Buffer.alloc(200),
      Buffer.from('This program cannot be run in DOS mode.'),
    ]);
    expect(() => readTraceSync(exe, { source: 'app.exe' })).toThrow(/^app\.exe holds no system call.*like a Windows executable/);
    expect(() => readInChunks(exe, 1)).toThrow(/like a Windows executable/);
    const rnd = mulberry32(11);
    const random = Uint8Array.from({ length: 8192 }, () => Math.floor(rnd() * 256));
    random[0] = 0x37; // (not a gzip or a UTF-16 mark)
    random[1] = 0x00;
    expect(() => readTraceSync(random, { source: 'r.bin' })).toThrow(/^r\.bin holds no system call.*holds NUL bytes, like a binary file/);
    // Random bytes after a UTF-16 mark decode, but hold no call, and are told apart from text.
    for (const [mark, name] of [
      [BOM_LE, 'LE'],
      [BOM_BE, 'BE'],
    ] as const) {
      const fake = Buffer.concat([mark, Buffer.from(random.subarray(2))]);
      expect(() => readTraceSync(fake, { source: 'f.bin' })).toThrow(
        new RegExp(`^f\\.bin holds no system call.*(NUL bytes|UTF-16 ${name} text but its first characters hold).*like a binary file`),
      );
      expect(() => readInChunks(fake, 3)).toThrow(/like a binary file/);
      expect(() => readTraceSync(gzipSync(fake))).toThrow(/like a binary file/);
    }
    // A UTF-16 text that is not a trace: no call, and no binary hint (it is text).
    const letter = Buffer.concat([BOM_LE, Buffer.from('Dear reader,\r\nthis is a letter.\r\n', 'utf16le')]);
    let message = '';
    try {
      readTraceSync(letter, { source: 'letter.txt' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^letter\.txt holds no system call.*2 lines read as raw: 2 program output/);
    expect(message).not.toMatch(/binary/);
  });
});
