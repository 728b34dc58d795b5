import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gzipSync } from 'fflate';
import { isNtmdError } from '../errors.js';
import { CallTable } from './call-table.js';
import { LINE_HEAD, LINE_TAIL, TraceReader, readTrace, readTraceSync } from './index.js';
import type { TraceRead } from './index.js';
import { synthTrace } from './synth.js';
import type { SynthOptions } from './synth.js';
import { readCut } from './test-helpers/read-cut.js';

const names = (r: TraceRead): string[] => Array.from(r.calls, (id) => r.table.nameOf(id));
const bytesOf = (text: string): Buffer => Buffer.from(text, 'utf8');

const synthOptions: fc.Arbitrary<SynthOptions> = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  calls: fc.integer({ min: 1, max: 120 }),
  time: fc.boolean(),
  delta: fc.boolean(),
  pid: fc.boolean(),
  tid: fc.boolean(),
  pre: fc.boolean(),
  stack: fc.boolean(),
  spelling: fc.constantFrom('v1.0' as const, 'v1.1' as const),
  crlf: fc.boolean(),
  output: fc.double({ min: 0, max: 0.5, noNaN: true }),
  embedded: fc.double({ min: 0, max: 0.3, noNaN: true }),
  events: fc.double({ min: 0, max: 0.3, noNaN: true }),
  processes: fc.integer({ min: 1, max: 3 }),
  threads: fc.integer({ min: 1, max: 3 }),
});

describe('raw NtTrace logs', () => {
  it("reads NtTrace 1.1's spelling: no space inside the parentheses, symbolic masks, prefixed events", () => {
    const log = [
      '12:00:01.250 +0.000: [ 272/ 276] Process 272 starting at 000000014000140C with command line: "hostname.exe" ',
      '\\??\\C:\\windows\\system32\\hostname.exe',
      '12:00:01.251 +0.001: [ 272/ 276] Loaded DLL at 000000017A000000 ntdll.dll',
      '12:00:01.252 +0.001: [ 272/ 276] Initial breakpoint',
      '12:00:01.260 +0.008: [ 272/ 276] NtOpenFile(FileHandle=0x7ffffe2ff538, DesiredAccess=FILE_EXECUTE|SYNCHRONIZE, ObjectAttributes="\\??\\C:\\x.dll") ...',
      '12:00:01.261 +0.001: [ 272/ 276] NtOpenFile(FileHandle=0x7ffffe2ff538 [0x24], DesiredAccess=FILE_EXECUTE|SYNCHRONIZE, ObjectAttributes="\\??\\C:\\x.dll") => 0',
      '12:00:01.262 +0.001: [ 272/ 276] NtFlushProcessWriteBuffers() => 0',
      '12:00:01.263 +0.001: [ 272/ 276] NtOpenKey(KeyHandle=0x7ffffe2ff0a0, DesiredAccess=KEY_READ, ObjectAttributes="\\Registry\\Machine\\x") => 0xc0000034 [2 \'File not found.\']',
      '12:00:01.264 +0.001: [ 272/ 276] Unload of DLL at 00006FFFFF500000 (\\??\\C:\\windows\\system32\\ws2_32.dll)',
      '12:00:01.265 +0.001: [ 272/ 276] NtClose(Handle=0x24) => 0',
      '12:00:01.266 +0.001: [ 272/ 276] Process 272 exit code: 0',
    ].join('\n');
    const r = readTraceSync(log, { split: 'process' });
    expect(names(r)).toEqual(['NtOpenFile', 'NtFlushProcessWriteBuffers', 'NtOpenKey', 'NtClose']);
    expect(r.stats).toEqual({
      lines: 11,
      calls: 4,
      preCalls: 1,
      embeddedCalls: 0,
      events: 6,
      programOutput: 0,
      unparseable: 0,
      cutCalls: 0,
      blank: 0,
    });
    expect(r.groups?.map((g) => g.key)).toEqual(['272']);
    // The same log without prefixes takes the fast path: the same calls.
    const plain = readTraceSync(log.replace(/^[^\]\n]*\] /gm, ''));
    expect(names(plain)).toEqual(names(r));
    expect(plain.stats).toEqual(r.stats);
  });

  it('reads a call cut by the end of the log, and says so; a cut line before the end is unparseable', () => {
    const head = 'NtClose( Handle=0x4 ) => 0\nNtOpenFile( FileHandle=0x19f538 [0x198]';
    const r = readTraceSync(head);
    expect(names(r)).toEqual(['NtClose', 'NtOpenFile']);
    expect(r.stats.cutCalls).toBe(1);
    expect(r.stats.calls).toBe(1);
    expect(r.firstUnparseable).toBeUndefined();
    // Chunked anywhere, the same.
    for (let cut = 1; cut < head.length; cut += 7) {
      const p = readCut(bytesOf(head), [cut], {});
      expect(names(p)).toEqual(['NtClose', 'NtOpenFile']);
      expect(p.stats).toEqual(r.stats);
    }
    // With a newline after it, the line is complete but unparseable: not a call.
    const mid = readTraceSync(`${head}\nNtClose(Handle=0x8) => 0\n`);
    expect(names(mid)).toEqual(['NtClose', 'NtClose']);
    expect(mid.stats).toMatchObject({ calls: 2, cutCalls: 0, unparseable: 1 });
    expect(mid.firstUnparseable).toEqual({ line: 2, text: 'NtOpenFile( FileHandle=0x19f538 [0x198]' });
    // A cut name (no "(" yet) is no call.
    expect(readTraceSync('NtClose(Handle=4) => 0\nNtOpenFi').stats).toMatchObject({ calls: 1, cutCalls: 0, programOutput: 1 });
  });

  it('reads a call whose string argument holds newlines as one call, in its own group; never the text inside', () => {
    const log = [
      '[ 10/ 11] NtClose(Handle=0x4) => 0',
      '[ 10/ 12] NtOpenKeyEx(KeyHandle=0x21fd58, ObjectAttributes=0x30:"Software\\x',
      'NtFake(Handle=4',
      "more\", OpenOptions=0) => 0xc0000034 [2 'File not found.']",
      '[ 10/ 11] NtClose(Handle=0x8) => 0',
    ].join('\n');
    const r = readTraceSync(log, { split: 'thread' });
    expect(names(r)).toEqual(['NtClose', 'NtOpenKeyEx', 'NtClose']);
    expect(r.stats).toMatchObject({ lines: 5, calls: 3, programOutput: 2, unparseable: 0, preCalls: 0 });
    expect(r.groups?.map((g) => [g.key, names({ ...r, calls: g.calls })])).toEqual([
      ['10/11', ['NtClose', 'NtClose']],
      ['10/12', ['NtOpenKeyEx']],
    ]);
    // In a prefixed log, NtTrace's next prefixed line ends the hold: the held line was no call.
    const broken = readTraceSync(
      ['[ 10/ 11] NtClose(Handle=0x4) => 0', '[ 10/ 12] NtOpenKey(ObjectAttributes="abc', '[ 10/ 11] NtClose(Handle=0x8) => 0'].join('\n'),
    );
    expect(names(broken)).toEqual(['NtClose', 'NtClose']);
    expect(broken.stats).toMatchObject({ calls: 2, unparseable: 1 });
    expect(broken.firstUnparseable).toEqual({ line: 2, text: '[ 10/ 12] NtOpenKey(ObjectAttributes="abc' });
    // Past 64 lines without the call's end, the held line was no call and reading goes on.
    const long = ['NtOpenKey(ObjectAttributes="abc', ...Array.from({ length: 65 }, (_, i) => `text ${i}`), 'NtClose(Handle=0x8) => 0'].join(
      '\n',
    );
    const lr = readTraceSync(long);
    expect(names(lr)).toEqual(['NtClose']);
    expect(lr.stats).toMatchObject({ calls: 1, unparseable: 1, programOutput: 65 });
    // A log that ends during a hold ends inside that call: a cut call.
    const cut = readTraceSync('NtClose(Handle=0x4) => 0\nNtOpenKey(ObjectAttributes="abc\ndef\n');
    expect(names(cut)).toEqual(['NtClose', 'NtOpenKey']);
    expect(cut.stats).toMatchObject({ calls: 1, cutCalls: 1, programOutput: 1 });
    // The same in any chunking.
    for (const size of [1, 5, 17]) {
      const cuts = Array.from({ length: Math.ceil(log.length / size) }, (_, i) => (i + 1) * size);
      const p = readCut(bytesOf(log), cuts, { split: 'thread' });
      expect(names(p)).toEqual(names(r));
      expect(p.stats).toEqual(r.stats);
    }
  });

  it("reads a child's command line that goes on over lines as the event's, fast path or not", () => {
    const log = [
      'NtClose(Handle=0x4) => 0',
      'Process 264 starting at 1 with command line: "a.exe',
      'NtClose(Handle=0x8) => 0',
      'b"',
      '\\??\\C:\\a.exe',
      'NtClose(Handle=0xc) => 0',
    ].join('\n');
    for (const split of ['none', 'process'] as const) {
      const r = readTraceSync(log, { split });
      expect(names(r)).toEqual(['NtClose', 'NtClose']);
      expect(r.stats).toMatchObject({ calls: 2, events: 4, programOutput: 0 });
    }
  });

  it('ends a call at the last ") => " that a status follows', () => {
    const r = readTraceSync(
      [
        'NtOpenKey(ObjectAttributes="a) => b") => 0xc0000034 [2 \'File not found.\']',
        'NtOpenKey(ObjectAttributes="a) => 0") => STATUS_OBJECT_NAME_NOT_FOUND',
        'NtQueryInformationThread(read error: 299',
        'NtClose(Handle=0x4) => -1',
        'NtClose(Handle=0x4) => b',
        'NtClose(Handle=0x4) => ',
        'NtClose(Handle=0x4) => (0)',
      ].join('\n') + '\n',
    );
    expect(names(r)).toEqual(['NtOpenKey', 'NtOpenKey', 'NtQueryInformationThread', 'NtClose']);
    expect(r.stats).toMatchObject({ calls: 4, unparseable: 3 });
  });

  it('names the first line of an unknown spelling when no call is read', () => {
    const log = 'Process 1 starting at 0\nNtClose[Handle=4] -> 0\nNtOpenKey(Handle=4) -> 0\nNtOpenKey(Handle=4) -> 0\nok\n';
    expect(() => readTraceSync(log, { source: 'x.log' })).toThrow(
      /x\.log holds no system call: .*2 lines start like a call but end in an unknown spelling; the first, line 3: "NtOpenKey\(Handle=4\) -> 0"/,
    );
  });

  it('reads a log with every option in the documented grammar', () => {
    const log = [
      '12:00:01.250 : [1000/1004] Process 1000 starting at 00401000 with command line: "app.exe"',
      'C:\\Windows\\SysWOW64\\app.exe',
      '12:00:01.251 +0.001: [1000/1004] Loaded DLL at 77DA0000 ntdll.dll',
      '12:00:01.260 +0.009: [1000/1004] NtOpenKey( KeyHandle=0x4e9f53c, DesiredAccess=0x9, ObjectAttributes="\\Registry" ) ...',
      '12:00:01.261 +0.001: [1000/1004] NtOpenKey( KeyHandle=0x4e9f53c [0x2c], DesiredAccess=0x9, ObjectAttributes="\\Registry" ) => 0',
      'NtClose is what I print',
      'NtClose( this line is program output',
      '12:00:01.262 +0.001: [1000/  20] NtGdiCreateCompatibleDC( hdc=0 ) => 0x1010',
      '\tNtWriteFile( FileHandle=0x24 ) => 0',
      "12:00:01.263 >999s: [1000/1004] NtUserGetDC( ) => 0xc0000034 [2 'The system cannot find the file specified.']",
      '<0: [1000/1004] Thread 20 exit code: 0',
      '',
      'Detached',
    ].join('\r\n');
    const r = readTraceSync(log, { split: 'thread' });
    expect(r.format).toBe('raw');
    expect(names(r)).toEqual(['NtOpenKey', 'NtGdiCreateCompatibleDC', 'NtUserGetDC']);
    expect(r.stats).toEqual({
      lines: 13,
      calls: 3,
      preCalls: 1,
      embeddedCalls: 1,
      events: 5,
      programOutput: 1,
      unparseable: 1,
      cutCalls: 0,
      blank: 1,
    });
    expect(r.groups?.map((g) => [g.key, names({ ...r, calls: g.calls })])).toEqual([
      ['1000/1004', ['NtOpenKey', 'NtUserGetDC']],
      ['1000/20', ['NtGdiCreateCompatibleDC']],
    ]);
    const rec = readTraceSync(log, { recoverEmbedded: true, split: 'process' });
    expect(names(rec)).toEqual(['NtOpenKey', 'NtGdiCreateCompatibleDC', 'NtWriteFile', 'NtUserGetDC']);
    expect(rec.groups?.map((g) => [g.key, g.calls.length])).toEqual([
      ['1000', 3],
      ['', 1],
    ]);
  });

  it('finds the calls of any synthetic log, whatever the options (property)', () => {
    fc.assert(
      fc.property(synthOptions, (opts) => {
        const t = synthTrace(opts);
        if (t.calls.length === 0) {
          // Every call came after program output: nothing to read without recoverEmbedded.
          expect(() => readTraceSync(bytesOf(t.text))).toThrow(expect.objectContaining({ code: 'NO_CALLS' }));
          return;
        }
        const r = readTraceSync(bytesOf(t.text), { split: 'thread' });
        expect(names(r)).toEqual(t.calls);
        expect(r.stats.calls).toBe(t.calls.length);
        expect(r.stats.embeddedCalls).toBe(t.embedded.length);
        expect(r.stats.preCalls).toBe(opts.pre ? t.withEmbedded.length : 0);
        if (opts.pid || opts.tid) {
          expect(r.groups?.map((g) => g.key)).toEqual([...t.byThread.keys()]);
          expect(r.groups?.map((g) => names({ ...r, calls: g.calls }))).toEqual([...t.byThread.values()]);
        }
        const rec = readTraceSync(bytesOf(t.text), { recoverEmbedded: true });
        expect(names(rec)).toEqual(t.withEmbedded);
      }),
      { numRuns: 150 },
    );
  });

  it('gives the same result however the input is cut into chunks (property)', () => {
    fc.assert(
      fc.property(synthOptions, fc.array(fc.nat(), { maxLength: 40 }), fc.boolean(), (opts, cuts, gz) => {
        const t = synthTrace(opts);
        let bytes: Uint8Array = bytesOf(t.text);
        if (gz) bytes = gzipSync(bytes);
        const whole = readTraceSync(bytes, { split: 'thread', recoverEmbedded: true });
        const parts = readCut(bytes, cuts, { split: 'thread', recoverEmbedded: true });
        expect(parts.stats).toEqual(whole.stats);
        expect(names(parts)).toEqual(names(whole));
        expect(parts.groups?.map((g) => [g.key, Array.from(g.calls)])).toEqual(whole.groups?.map((g) => [g.key, Array.from(g.calls)]));
      }),
      { numRuns: 150 },
    );
  });

  it('ignores garbage lines inserted between lines (property)', () => {
    const garbage = fc
      .oneof(
        fc.string({ maxLength: 60 }),
        fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b).toString('latin1')),
        fc.constantFrom('NtClose', 'Nt', 'NtOpenKey( x', '( ) => 0', '[1/2] ', '12:00:00.000: ', 'NtClose(', 'Nt(x) => 1'),
      )
      .map((s) => s.replace(/[\r\n]/g, ' '));
    fc.assert(
      fc.property(synthOptions, fc.array(fc.tuple(fc.nat(), garbage), { maxLength: 20 }), (opts, inserts) => {
        const t = synthTrace({ ...opts, embedded: 0 });
        const nl = opts.crlf ? '\r\n' : '\n';
        const lines = t.text.split(nl);
        for (const [at, g] of inserts) lines.splice(1 + (at % lines.length), 0, g);
        // (A newline after the last line: a log's last line cut inside a call is a call.)
        const r = readTraceSync(Buffer.from(lines.join(nl) + nl, 'latin1'));
        expect(names(r)).toEqual(t.calls);
      }),
      { numRuns: 150 },
    );
  });

  it('judges a very long line on its head and tail, identically when chunked', () => {
    const args = 'x'.repeat(LINE_HEAD + LINE_TAIL + 5000);
    const log = `NtReadFile( Buffer="${args}" ) => 0\nNtClose( Handle=4 ) => 0\nprogram ${args} NtClose( a ) => 0\nNtOpenKey( ${args}\n`;
    const bytes = Buffer.from(log);
    const whole = readTraceSync(bytes, { recoverEmbedded: true });
    // The third line's call is in its tail: an embedded call.
    expect(names(whole)).toEqual(['NtReadFile', 'NtClose', 'NtClose']);
    expect(whole.stats).toEqual({
      lines: 4,
      calls: 2,
      preCalls: 0,
      embeddedCalls: 1,
      events: 0,
      programOutput: 0,
      unparseable: 1,
      cutCalls: 0,
      blank: 0,
    });
    for (const size of [1, 7, 4096, 9000]) {
      const cuts = Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => i * size);
      const parts = readCut(bytes, cuts, { recoverEmbedded: true });
      expect(names(parts)).toEqual(names(whole));
      expect(parts.stats).toEqual(whole.stats);
    }
  });
});

describe('reduced traces', () => {
  it('reads one name per line, with CRLF, blanks, spaces and numbers (property)', () => {
    const name = fc.oneof(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,30}$/), fc.stringMatching(/^[0-9]{1,4}$/));
    fc.assert(
      fc.property(
        fc.array(name, { minLength: 1, maxLength: 300 }),
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 10 }),
        (list, crlf, lastNl, cuts) => {
          const nl = crlf ? '\r\n' : '\n';
          const text = list.join(nl) + (lastNl ? nl : '');
          const r = readCut(Buffer.from(text), cuts);
          expect(r.format).toBe('reduced');
          expect(names(r)).toEqual(list);
          expect(r.stats).toEqual({
            lines: list.length,
            calls: list.length,
            preCalls: 0,
            embeddedCalls: 0,
            events: 0,
            programOutput: 0,
            unparseable: 0,
            cutCalls: 0,
            blank: 0,
          });
          const forced = readTraceSync(` ${text.replace(/\n/g, '\n\n')}`, { format: 'reduced' });
          expect(names(forced)).toEqual(list);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('settles auto detection on content, not on the chunking', () => {
    const reduced = Array.from({ length: 100 }, (_, i) => (i % 2 ? 'NtClose' : 'NtOpenKey')).join('\n');
    // 100 bare names: reduced, even though a bad line comes late.
    const r = readTraceSync(`${reduced}\nnot a name\n`);
    expect(r.format).toBe('reduced');
    expect(r.stats.unparseable).toBe(1);
    // A few bare names, then a raw line: raw, and the names were program output.
    const raw = readTraceSync('hello\nNtClose\nNtClose( Handle=4 ) => 0\n');
    expect(raw.format).toBe('raw');
    expect(names(raw)).toEqual(['NtClose']);
    expect(raw.stats.programOutput).toBe(2);
    expect(() => readTraceSync('NtClose( Handle=4 ) => 0\n', { format: 'reduced' })).toThrow(
      expect.objectContaining({ code: 'NO_CALLS', stats: expect.objectContaining({ unparseable: 1 }) }),
    );
  });

  it('interns into a shared table across traces', () => {
    const table = new CallTable(['NtClose']);
    const a = readTraceSync('NtOpenKey\nNtClose\n', { table });
    const b = readTraceSync('NtClose( H=4 ) => 0\nNtReadFile( ) => 0\r\n', { table });
    expect(Array.from(a.calls)).toEqual([1, 0]);
    expect(Array.from(b.calls)).toEqual([0, 2]);
    expect(table.names()).toEqual(['NtClose', 'NtOpenKey', 'NtReadFile']);
  });
});

describe('bad input', () => {
  it('raises EmptyTraceError for nothing or only blank lines', () => {
    for (const input of ['', new Uint8Array(0), '\n\r\n  \n', gzipSync(new Uint8Array(0))]) {
      expect(() => readTraceSync(input, { source: 'x.log' })).toThrow(expect.objectContaining({ code: 'EMPTY_TRACE', source: 'x.log' }));
    }
  });

  it('raises NoCallsError naming the file and what was expected', () => {
    const exe = Buffer.concat([
      Buffer.from('MZ\x90\x00', 'latin1'),
      Buffer.alloc(200),
      Buffer.from('This program cannot be run in DOS mode.'),
    ]);
    expect(() => readTraceSync(exe, { source: 'app.exe' })).toThrow(
      /^app\.exe holds no system call: expected an NtTrace log .*"NtOpenKey\( KeyHandle=\.\.\., \.\.\. \) => 0".*like a Windows executable/,
    );
    expect(() => readTraceSync('Dear reader,\nthis is a letter.\n', { source: 'letter.txt' })).toThrow(
      expect.objectContaining({ code: 'NO_CALLS', format: 'raw', message: expect.stringContaining('letter.txt') }),
    );
    expect(() => readTraceSync('x\tNtClose( H=1 ) => 0\n')).toThrow(/try recoverEmbedded/);
    // A binary file that is not a program: the hint looks for NUL bytes near its start,
    // however the bytes are cut into chunks.
    const archive = Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(20), Buffer.from('data.txt\nmore\n')]);
    expect(() => readTraceSync(archive, { source: 'a.zip' })).toThrow(/^a\.zip .*holds NUL bytes, like a binary file/);
    expect(() => readCut(archive, [1, 2, 3, 7])).toThrow(/holds NUL bytes/);
  });

  it('throws nothing but typed errors on arbitrary bytes (property)', () => {
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 400 }),
      fc.uint8Array({ maxLength: 400 }).map((b) => Uint8Array.from([0x1f, 0x8b, ...b])),
      fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => gzipSync(b).subarray(0, Math.max(1, b.length % 30))),
    );
    fc.assert(
      fc.property(input, fc.array(fc.nat(), { maxLength: 5 }), (bytes, cuts) => {
        for (const run of [() => readTraceSync(bytes), () => readCut(bytes, cuts)]) {
          try {
            const r = run();
            expect(r.calls.length).toBeGreaterThan(0);
          } catch (e) {
            expect(isNtmdError(e)).toBe(true);
            expect(['EMPTY_TRACE', 'NO_CALLS', 'CORRUPT_GZIP']).toContain((e as { code: string }).code);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('rejects bad options and use after end()', () => {
    expect(() => new TraceReader({ format: 'xml' as never })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(() => new TraceReader({ split: 'cpu' as never })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    const r = new TraceReader();
    r.push('NtClose\n');
    r.end();
    expect(() => r.push('NtClose\n')).toThrow(expect.objectContaining({ code: 'READER_ENDED' }));
    expect(() => r.end()).toThrow(expect.objectContaining({ code: 'READER_ENDED' }));
  });
});

describe('streaming', () => {
  it('reads multi-member gzip, Node streams, async iterables and string chunks', async () => {
    const a = synthTrace({ seed: 3, calls: 50, crlf: true });
    const b = synthTrace({ seed: 4, calls: 60, pid: true });
    const gz = Buffer.concat([gzipSync(bytesOf(a.text)), gzipSync(bytesOf(b.text))]);
    expect(names(readTraceSync(gz))).toEqual([...a.calls, ...b.calls]);
    const { Readable } = await import('node:stream');
    const fromStream = await readTrace(Readable.from([gz.subarray(0, 100), gz.subarray(100)]));
    expect(names(fromStream)).toEqual([...a.calls, ...b.calls]);
    // eslint-disable-next-line @typescript-eslint/require-await -- readTrace's async-iterable input is under test
    async function* strings() {
      yield a.text.slice(0, 333);
      yield a.text.slice(333);
    }
    expect(names(await readTrace(strings()))).toEqual(a.calls);
  });

  it('gives every read its own result while the readers hand their buffers on (property)', () => {
    // Reads in a row reuse one reader's call list, carried-line buffer and onCalls batch in
    // the next; a read started inside another's onCalls, readers left unfinished, failed
    // reads and reads cut into chunks must all still see only their own calls.
    const job = fc.record({
      seed: fc.integer({ min: 1, max: 100_000 }),
      calls: fc.integer({ min: 1, max: 600 }),
      cuts: fc.array(fc.nat(), { maxLength: 6 }),
      stream: fc.boolean(),
      nested: fc.boolean(),
      abandon: fc.boolean(),
      empty: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(job, { minLength: 1, maxLength: 6 }), (jobs) => {
        const kept: [TraceRead, string[]][] = [];
        for (const j of jobs) {
          const t = synthTrace({ seed: j.seed, calls: j.calls, output: 0.1, events: 0.1 });
          const bytes = bytesOf(t.text);
          if (j.abandon) new TraceReader().push(bytes.subarray(0, bytes.length >> 1));
          if (j.empty) expect(() => readTraceSync('')).toThrow();
          const inner = synthTrace({ seed: j.seed + 1, calls: 50 });
          const streamed: number[] = [];
          const r = readCut(bytes, j.cuts, {
            keepCalls: !j.stream,
            onCalls: (ids, n) => {
              for (let i = 0; i < n; i++) streamed.push(ids[i]);
              if (j.nested) expect(names(readTraceSync(bytesOf(inner.text)))).toEqual(inner.calls);
            },
          });
          if (j.stream) expect(streamed.map((id) => r.table.nameOf(id))).toEqual(t.calls);
          else kept.push([r, t.calls]);
        }
        // Results handed out earlier are untouched by the reads that followed.
        for (const [r, want] of kept) expect(names(r)).toEqual(want);
      }),
      { numRuns: 100 },
    );
  });

  it('with keepCalls: false hands every call to onCalls in order, after each push', () => {
    const t = synthTrace({ seed: 9, calls: 10_000, tid: true, threads: 2 });
    const seen: number[] = [];
    let batches = 0;
    const reader = new TraceReader({
      keepCalls: false,
      split: 'thread',
      onCalls: (ids, n) => {
        batches++;
        for (let i = 0; i < n; i++) seen.push(ids[i]);
      },
    });
    const bytes = bytesOf(t.text);
    reader.push(bytes.subarray(0, 200));
    expect(seen.length).toBe(reader.calls);
    reader.push(bytes.subarray(200));
    const r = reader.end();
    expect(r.calls.length).toBe(0);
    expect(r.groups?.every((g) => g.calls.length === 0)).toBe(true);
    expect(seen.map((id) => r.table.nameOf(id))).toEqual(t.calls);
    expect(batches).toBeGreaterThan(2);
  });
});
