import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTimestamp } from '../../src/load/time.js';

// Dates are checked by arithmetic (days per month, leap years), not by a Date object per timestamp.

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

describe('parseTimestamp', () => {
  it('accepts exactly the calendar dates a Date round-trips, leap years included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1970, max: 2500 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 }), (year, month, day) => {
        const text = `${year}-${pad(month)}-${pad(day)}T12:00:00Z`;
        const real = new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
        const parsed = parseTimestamp(text);
        expect('ms' in parsed, text).toBe(real);
        if ('ms' in parsed) expect(parsed.ms).toBe(Date.UTC(year, month - 1, day, 12));
      }),
    );
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
