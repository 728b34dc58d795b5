import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { cronMatches, nextCronTime, parseCron, scheduleCron } from './cron.js';
import { CronSyntaxError } from './errors.js';

const utc = (s: string): Date => new Date(s + 'Z');
const next = (expr: string, after: string): string => nextCronTime(parseCron(expr, { utc: true }), utc(after)).toISOString();

describe('cron parser', () => {
  test('fields, ranges, steps, lists, names, Sunday as 7', () => {
    const s = parseCron('*/15 9-17/4 1,15 jan-mar mon-fri');
    expect([...s.minutes]).toEqual([0, 15, 30, 45]);
    expect([...s.hours]).toEqual([9, 13, 17]);
    expect([...s.daysOfMonth]).toEqual([1, 15]);
    expect([...s.months]).toEqual([1, 2, 3]);
    expect([...s.daysOfWeek]).toEqual([1, 2, 3, 4, 5]);
    expect([...parseCron('0 0 * * 7').daysOfWeek]).toEqual([0]);
    expect([...parseCron('5/20 * * * *').minutes]).toEqual([5, 25, 45]);
    expect(parseCron('@daily').minutes.has(0)).toBe(true);
  });

  test('next firing times', () => {
    expect(next('0 3 * * *', '2026-11-26T05:43:00')).toBe('2026-11-27T03:00:00.000Z');
    expect(next('*/10 * * * *', '2026-11-26T05:43:10')).toBe('2026-11-26T05:50:00.000Z');
    expect(next('0 0 1 * *', '2026-12-15T00:00:00')).toBe('2027-01-01T00:00:00.000Z');
    expect(next('0 12 * * mon', '2026-11-26T00:00:00')).toBe('2026-11-30T12:00:00.000Z'); // a Thursday
    expect(next('0 0 29 2 *', '2026-03-01T00:00:00')).toBe('2028-02-29T00:00:00.000Z');
    // Both day fields restricted: either matches (the 13th, or a Friday).
    expect(next('0 0 13 * fri', '2026-11-26T00:00:00')).toBe('2026-11-27T00:00:00.000Z');
    expect(next('@hourly', '2026-11-26T05:00:00')).toBe('2026-11-26T06:00:00.000Z');
  });

  test('errors name the field', () => {
    expect(() => parseCron('61 * * * *')).toThrow(/minute field: 61 is outside 0-59/);
    expect(() => parseCron('* * * *')).toThrow(/expected 5 fields/);
    expect(() => parseCron('* * * foo *')).toThrow(/month field/);
    expect(() => parseCron('*/0 * * * *')).toThrow(/step/);
    expect(() => parseCron('5-1 * * * *')).toThrow(/backwards/);
    expect(() => parseCron('@sometimes')).toThrow(CronSyntaxError);
    expect(() => nextCronTime(parseCron('0 0 30 2 *', { utc: true }), utc('2026-01-01T00:00:00'))).toThrow(/never fires/);
  });

  test('property: the next time matches, is after, and no earlier minute matches', () => {
    const field = (min: number, max: number) =>
      fc.oneof(
        fc.constant('*'),
        fc.integer({ min, max }).map(String),
        fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
        fc.integer({ min: 1, max: 7 }).map((n) => `*/${n}`),
      );
    fc.assert(
      fc.property(
        field(0, 59),
        field(0, 23),
        fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }),
        (m, h, after) => {
          const s = parseCron(`${m} ${h} * * *`, { utc: true });
          const n = nextCronTime(s, after);
          expect(n.getTime()).toBeGreaterThan(after.getTime());
          expect(cronMatches(s, n)).toBe(true);
          expect(n.getUTCSeconds()).toBe(0);
          // Brute force: no minute strictly between matches (at most one day away here).
          const start = Math.floor(after.getTime() / 60000) + 1;
          for (let t = start; t < n.getTime() / 60000; t++) expect(cronMatches(s, new Date(t * 60000))).toBe(false);
        },
      ),
      { numRuns: 60 },
    );
  });

  test('scheduleCron exposes the next firing and stops', () => {
    const timer = scheduleCron(parseCron('* * * * *'), () => Promise.resolve());
    const now = Date.now();
    expect(timer.next.getTime()).toBeGreaterThan(now);
    expect(timer.next.getTime() - now).toBeLessThanOrEqual(60_000);
    timer.stop();
  });
});
