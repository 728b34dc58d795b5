import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CallTable } from './call-table.js';

describe('CallTable', () => {
  it('assigns ids in first-seen order and maps back', () => {
    const t = new CallTable(['NtOpenKey', 'NtClose']);
    expect(t.intern('NtClose')).toBe(1);
    expect(t.intern('NtReadFile')).toBe(2);
    expect(t.idOf('NtMissing')).toBe(-1);
    expect(t.nameOf(2)).toBe('NtReadFile');
    expect(t.names()).toEqual(['NtOpenKey', 'NtClose', 'NtReadFile']);
    expect(() => t.nameOf(3)).toThrow(RangeError);
  });

  it('round-trips any list of names (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string()), (names) => {
        const t = new CallTable();
        const ids = names.map((n) => t.intern(n));
        expect(ids.map((i) => t.nameOf(i))).toEqual(names);
        expect(t.size).toBe(new Set(names).size);
      }),
    );
  });
});
