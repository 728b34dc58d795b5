import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CallTable } from './call-table.js';
import { TraceReader } from './index.js';
import type { TraceRead } from './index.js';
import { endsWithStatusZero, hasCallEnd, hasPreEnd } from './syntax.js';

// Names that are prefixes of one another, of every length mod 4 (the fast paths compare
// four bytes at a time and guess the next name from the previous one).
const NAMES = ['NtA', 'NtAB', 'NtABC', 'NtABCD', 'NtABCDE', 'NtClose', 'NtCloseObjectAuditAlarm', 'NtQueryInformationProcess', 'Nt_9'];

function read(bytes: Uint8Array, cuts: number[], table?: CallTable): string[] {
  const reader = new TraceReader(table ? { table } : {});
  let prev = 0;
  for (const p of [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)) {
    reader.push(bytes.subarray(prev, p));
    prev = p;
  }
  reader.push(bytes.subarray(prev));
  const r: TraceRead = reader.end();
  return Array.from(r.calls, (id) => r.table.nameOf(id));
}

const seq = fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 300 });
const cuts = fc.array(fc.nat(), { maxLength: 8 });

describe('reader fast paths (word-wise name scan, next-name guess)', () => {
  it('read a reduced trace of prefix-sharing names exactly, however it is cut', () => {
    fc.assert(
      fc.property(seq, cuts, fc.boolean(), fc.boolean(), (names, cut, crlf, shared) => {
        const text = names.join(crlf ? '\r\n' : '\n') + (crlf ? '\r\n' : '\n');
        // A shared table carries names (and guesses) from one trace to the next.
        const table = shared ? new CallTable() : undefined;
        if (table) read(Buffer.from([...names].reverse().join('\n') + '\n'), [], table);
        expect(read(Buffer.from(text, 'latin1'), cut, table)).toEqual(names);
      }),
      { numRuns: 300 },
    );
  });

  it('read a raw log of prefix-sharing names exactly, with events and program output between calls', () => {
    const status = fc.constantFrom('0', '0x103', "0xc0000034 [2 'The system cannot find the file specified.']");
    const line = fc.oneof(
      { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...NAMES), status).map(([n, s]) => ({ call: n, text: `${n}( Handle=0x4, Name="a ) => b" ) => ${s}` })) },
      { weight: 1, arbitrary: fc.constantFrom('Loaded DLL at 77DA0000 ntdll.dll', 'NtAB is not a call', 'NtABC( unfinished', 'NtA( x ) ...').map((t) => ({ call: null, text: t })) },
    );
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 200 }), cuts, fc.boolean(), (lines, cut, crlf) => {
        const eol = crlf ? '\r\n' : '\n';
        const text = 'Process 1000 starting at 00401000\r\nC:\\app.exe' + eol + lines.map((l) => l.text).join(eol) + eol;
        const want = lines.flatMap((l) => (l.call === null ? [] : [l.call]));
        fc.pre(want.length > 0);
        expect(read(Buffer.from(text, 'latin1'), cut)).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it('take a line ending in " ) => 0" in constant time only when the full check would take it', () => {
    // Call texts from "(": random bytes from a small alphabet of the shapes' own bytes.
    const text = fc.array(fc.constantFrom(...' ()=>.0x1'.split('').map((c) => c.charCodeAt(0))), { maxLength: 24 });
    fc.assert(
      fc.property(text, fc.boolean(), (bytes, suffix) => {
        const b = Uint8Array.from([40, ...bytes, ...(suffix ? [32, 41, 32, 61, 62, 32, 48] : [])]);
        if (endsWithStatusZero(b, 0, b.length)) {
          expect(hasCallEnd(b, 0, b.length)).toBe(true);
          expect(hasPreEnd(b, 0, b.length)).toBe(false);
        }
        const full = Uint8Array.from([40, 32, ...bytes, 32, 41, 32, 61, 62, 32, 48]);
        expect(endsWithStatusZero(full, 0, full.length)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('give onCalls exact line counts when a fast path fills a batch', () => {
    const n = 10_000; // more than one batch of ids
    const text = Buffer.from(Array.from({ length: n }, (_, i) => `${NAMES[i % 3]}( x ) => 0\r\n`).join(''), 'latin1');
    const seen: number[] = [];
    let delivered = 0;
    const reader: TraceReader = new TraceReader({
      keepCalls: false,
      onCalls: (_ids, k) => {
        delivered += k;
        seen.push(reader.stats.calls - delivered, reader.calls - delivered);
      },
    });
    reader.push(text);
    const r = reader.end();
    expect(r.stats.calls).toBe(n);
    expect(delivered).toBe(n);
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.every((d) => d === 0)).toBe(true);
  });
});
