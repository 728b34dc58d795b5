import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CallTable } from './call-table.js';
import { ByteInterner, hashName, scanHash, scanName } from './interner.js';

const NAME = 'ABCNtabcz_09'.split('');
/** Bytes biased towards the ones the fast paths test for. */
const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...Buffer.from("Nt()=> _09azAZ\r\n'[]:@", 'latin1')));

function viewOf(u8: Uint8Array): DataView {
  return new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
}

describe('scanName: the four-bytes-at-a-time name scan', () => {
  it('stops at the first byte below 0x30 and leaves the name hash of hashName', () => {
    fc.assert(
      fc.property(fc.array(byte, { minLength: 0, maxLength: 40 }), fc.nat(3), (bytes, pad) => {
        // Unaligned on purpose: the name starts `pad` bytes into the buffer.
        const u8 = new Uint8Array(pad + bytes.length);
        u8.set(bytes, pad);
        const q = scanName(viewOf(u8), pad, u8.length);
        let stop = pad;
        while (stop < u8.length && u8[stop] >= 0x30) stop++;
        // The stop byte is found only in a whole word read before the end of the buffer.
        const reachable = stop < u8.length && pad + Math.floor((stop - pad) / 4) * 4 + 4 <= u8.length;
        if (stop === pad || !reachable) {
          expect(q).toBe(-1);
        } else {
          expect(q).toBe(stop);
          expect(scanHash[0]).toBe(hashName(u8, pad, stop));
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('ByteInterner', () => {
  it('lookupWords, lookup and match agree with a Map of the interned names', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: fc.constantFrom(...NAME), minLength: 1, maxLength: 24 }), { minLength: 1, maxLength: 60 }),
        fc.array(fc.string({ unit: fc.constantFrom(...NAME), minLength: 1, maxLength: 24 }), { maxLength: 30 }),
        (names, probes) => {
          const table = new CallTable();
          const it = new ByteInterner(table);
          const ref = new Map<string, number>();
          for (const n of names) {
            const b = Buffer.from(n, 'latin1');
            const id = it.intern(b, 0, b.length);
            if (!ref.has(n)) ref.set(n, id);
            expect(id).toBe(ref.get(n));
            expect(table.nameOf(id)).toBe(n);
          }
          for (const p of [...names, ...probes]) {
            // "x" + name + "(": the name at offset 1, as in a line.
            const b = Buffer.from(`x${p}(`, 'latin1');
            const want = ref.get(p) ?? -1;
            expect(it.lookup(b, 1, 1 + p.length, hashName(b, 1, 1 + p.length))).toBe(want);
            expect(it.lookupWords(b, viewOf(b), 1, 1 + p.length, hashName(b, 1, 1 + p.length))).toBe(want);
            expect(it.match(b, 1, b.length)).toBe(want);
            expect(it.matchEnd).toBe(1 + p.length);
          }
          expect(it.size).toBe(ref.size);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a byte that cannot be part of a call name', () => {
    const it = new ByteInterner(new CallTable());
    expect(() => it.intern(Buffer.from('Nt Close'), 0, 8)).toThrow(RangeError);
  });
});
