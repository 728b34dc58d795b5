import fc from 'fast-check';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CallTable } from '../tokenize/call-table.js';
import { decodeInto, decodeSequence, encodeSequence, isCanonical, renderReduced } from './codec.js';
import { resolveFilter, whereClause } from './filter.js';

/** A sequence over `n` distinct names (first-seen order) of `len` calls. */
const sequences = fc
  .record({
    names: fc.uniqueArray(
      fc.string({ minLength: 1, maxLength: 24, unit: 'grapheme' }).filter((s) => !s.includes('\n')),
      { minLength: 1, maxLength: 300 },
    ),
    picks: fc.array(fc.nat(), { minLength: 0, maxLength: 2000 }),
  })
  .map(({ names, picks }) => ({ names, ids: Int32Array.from(picks, (p) => p % names.length) }));

describe('sequence codec', () => {
  it('decodes what it encodes, for 1-byte and 2-byte ids and any UTF-8 names', () => {
    fc.assert(
      fc.property(sequences, (seq) => {
        const back = decodeSequence(encodeSequence(seq));
        expect(back.names).toEqual(seq.names);
        expect(Array.from(back.ids)).toEqual(Array.from(seq.ids));
      }),
      { numRuns: 200 },
    );
  });

  it('uses 4-byte ids beyond 65,536 names', () => {
    const names = Array.from({ length: 70_000 }, (_, i) => `Nt${i}`);
    const ids = Int32Array.from({ length: 1000 }, (_, i) => (i * 7919) % names.length);
    const back = decodeSequence(encodeSequence({ names, ids }));
    expect(Array.from(back.ids)).toEqual(Array.from(ids));
  });

  it('maps ids into a shared table in first-seen order', () => {
    const table = new CallTable(['NtClose']);
    const calls = decodeInto(encodeSequence({ names: ['NtOpenKey', 'NtClose'], ids: Int32Array.of(0, 1, 1, 0) }), table);
    expect(table.names()).toEqual(['NtClose', 'NtOpenKey']);
    expect(Array.from(calls)).toEqual([1, 0, 0, 1]);
  });

  it('renders the canonical reduced text: each name and a newline', () => {
    fc.assert(
      fc.property(sequences, (seq) => {
        const text = new TextDecoder().decode(renderReduced(seq));
        expect(text).toBe(Array.from(seq.ids, (i) => seq.names[i] + '\n').join(''));
      }),
      { numRuns: 100 },
    );
  });

  it('recognises the canonical text of a sequence, and nothing that differs by one byte', () => {
    fc.assert(
      fc.property(
        sequences.filter((s) => s.ids.length > 0),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (seq, at, delta) => {
          const text = renderReduced(seq);
          expect(isCanonical(seq, text)).toBe(true);
          const changed = text.slice();
          changed[at % changed.length] = (changed[at % changed.length] + delta) & 0xff;
          expect(isCanonical(seq, changed)).toBe(false);
          expect(isCanonical(seq, text.subarray(0, text.length - 1))).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects corrupt blobs with a typed error naming the trace', () => {
    const good = encodeSequence({ names: ['NtClose', 'NtOpenKey'], ids: Int32Array.of(0, 1, 0) });
    expect(() => decodeSequence(good.subarray(0, 3), 'trace X')).toThrow(expect.objectContaining({ code: 'TRACE_ENCODING' }));
    expect(() => decodeSequence(Uint8Array.of(1, 2, 3), 'trace X')).toThrow(/trace X/);
    // Valid DEFLATE, but an id beyond the name table.
    const bad = deflateRawSync(Uint8Array.of(1, 7, ...new TextEncoder().encode('NtClose'), 2, 1, 0, 5));
    expect(() => decodeSequence(bad, 'trace Y')).toThrow(/call 1 has id 5 outside its 1 names/);
    // Unknown id width.
    const width = deflateRawSync(Uint8Array.of(1, 1, 65, 1, 3, 0));
    expect(() => decodeSequence(width)).toThrow(/unknown id width 3/);
    // Trailing bytes.
    const trailing = deflateRawSync(Uint8Array.of(1, 1, 65, 1, 1, 0, 9));
    expect(() => decodeSequence(trailing)).toThrow(/1 unexpected bytes/);
  });
});

describe('corpus filter', () => {
  it('normalises labels and builds parameterised SQL, never caller text', () => {
    const f = resolveFilter({ labels: ['malicious', 0, 1], sources: ["x'; DROP TABLE ntmd_traces; --"], since: '2026-01-01T00:00:00Z' });
    expect(f.labels).toEqual([1, 0]);
    const w = whereClause(f, 3);
    expect(w.sql).toBe(
      'WHERE coalesce(cl.label, s.label) = ANY($3::smallint[]) AND s.source = ANY($4::text[]) AND s.submitted_at >= $5::timestamptz',
    );
    expect(w.params).toEqual([[1, 0], ["x'; DROP TABLE ntmd_traces; --"], '2026-01-01T00:00:00.000Z']);
    expect(whereClause(resolveFilter(undefined)).sql).toBe('');
  });

  it('rejects unknown keys, bad values and a snapshot mixed with other selections', () => {
    expect(() => resolveFilter({ sql: 'true' } as never)).toThrow(/filter\.sql/);
    expect(() => resolveFilter({ labels: ['evil'] } as never)).toThrow(/filter\.labels\[0\]/);
    expect(() => resolveFilter({ since: 'yesterday' })).toThrow(/filter\.since/);
    expect(() => resolveFilter({ snapshot: 'XYZ' })).toThrow(/filter\.snapshot/);
    expect(() => resolveFilter({ snapshot: 'abcdef12', labels: [0] })).toThrow(/alongside a snapshot/);
    expect(resolveFilter({ snapshot: 'abcdef12', unique: true })).toEqual({ snapshot: 'abcdef12', unique: true });
  });
});
