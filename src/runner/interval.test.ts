import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatInterval, MAX_INTERVAL_MS, parseInterval } from './interval.js';
import { InvalidOptionError } from '../errors.js';

describe('parseInterval', () => {
  it('reads ms, s, m, h and bare seconds', () => {
    expect(parseInterval('500ms')).toBe(500);
    expect(parseInterval('10s')).toBe(10_000);
    expect(parseInterval('2m')).toBe(120_000);
    expect(parseInterval('1h')).toBe(3_600_000);
    expect(parseInterval('1.5s')).toBe(1500);
    expect(parseInterval('.25s')).toBe(250);
    expect(parseInterval('10')).toBe(10_000);
    expect(parseInterval(' 3 S ')).toBe(3000);
    expect(parseInterval(750)).toBe(750);
  });

  it('rejects what is not a duration, with the option named', () => {
    for (const bad of ['', 'fast', '-1s', '10x', '1e3', 's', '0', '0ms', '0.4ms', '25h', 'NaN', 'Infinity']) {
      expect(() => parseInterval(bad, 'interval')).toThrow(InvalidOptionError);
    }
    expect(() => parseInterval(Number.NaN)).toThrow(/between 1ms and 24h/);
    expect(() => parseInterval('soon', '--interval')).toThrow(/--interval/);
  });

  it('reads back what formatInterval writes (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_INTERVAL_MS }), (ms) => {
        expect(parseInterval(formatInterval(ms))).toBe(ms);
      }),
    );
  });

  it('scales a number by its unit (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.constantFrom(['ms', 1], ['s', 1000], ['m', 60_000], ['', 1000]), (n, [unit, k]) => {
        const ms = n * (k as number);
        if (ms > MAX_INTERVAL_MS) return;
        expect(parseInterval(`${n}${unit}`)).toBe(ms);
      }),
    );
  });
});
