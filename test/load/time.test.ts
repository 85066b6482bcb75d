import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTimestamp } from '../../src/load/time.js';

// Dates are checked by arithmetic (days per month, leap years), not by a Date object per timestamp.

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

describe('parseTimestamp', () => {
  it('accepts exactly the calendar dates a Date round-trips, leap years included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2500 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 }), (year, month, day) => {
        const text = `${pad(year, 4)}-${pad(month)}-${pad(day)}T12:00:00Z`;
        const date = new Date(0);
        date.setUTCFullYear(year, month - 1, day);
        date.setUTCHours(12);
        const real = date.getUTCDate() === day;
        const parsed = parseTimestamp(text);
        expect('ms' in parsed, text).toBe(real);
        if ('ms' in parsed) expect(parsed.ms).toBe(date.getTime());
      }),
    );
  });

  it('reads years 0 to 99 as themselves (not 1900 to 1999), leap day of year 0 included', () => {
    const at = (text: string) => (parseTimestamp(text) as { ms: number }).ms;
    expect(new Date(at('0000-02-29T00:00:00Z')).toISOString()).toBe('0000-02-29T00:00:00.000Z');
    expect(new Date(at('0050-06-01T12:30:00+01:00')).toISOString()).toBe('0050-06-01T11:30:00.000Z');
    expect('ms' in parseTimestamp('0100-02-29T00:00:00Z')).toBe(false);
  });

  it.each([
    ['2024-02-29T00:00:00Z', true],
    ['2023-02-29T00:00:00Z', false],
    ['2000-02-29T00:00:00Z', true],
    ['2100-02-29T00:00:00Z', false],
    ['2026-04-31T00:00:00+00:00', false],
    ['2026-12-31T23:59:59-05:30', true],
  ])('%s valid: %s', (text, valid) => {
    expect('ms' in parseTimestamp(text)).toBe(valid);
  });
});
