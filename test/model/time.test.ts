import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTime } from '../../src/model/time.js';

const ROOT = join(import.meta.dirname, '..', '..');

// isoTime builds the string itself (the date part cached per day): it must be toISOString, exactly.

describe('isoTime', () => {
  it('equals Date.prototype.toISOString over the whole range a Date holds', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
        expect(isoTime(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 2000 },
    );
  });

  it('truncates fractions of a millisecond as a Date does', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e13, max: 1e13, noNaN: true }), (ms) => {
        expect(isoTime(ms)).toBe(new Date(ms).toISOString());
      }),
    );
  });

  it('equals toISOString around day boundaries, before 1970 and in ECR years', () => {
    const days = [-719_528, -1, 0, 1, 19_000, 20_600, 2_932_896];
    for (const d of days) {
      for (const offset of [-1, 0, 1, 999, 1000, 59_999, 86_399_999]) {
        const ms = d * 86_400_000 + offset;
        expect(isoTime(ms), String(ms)).toBe(new Date(ms).toISOString());
      }
    }
  });

  it('throws a RangeError for an invalid time, as toISOString does', () => {
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
    expect(() => isoTime(8.64e15 + 1)).toThrow(RangeError);
  });
});

describe('isoTime memory', () => {
  it('returns flat strings: 100,000 kept times take about 40 bytes each, not the ~300 of a rope', () => {
    // Measured in a child with --expose-gc (the built module, as the CLI runs it). Ropes measured 280 bytes.
    const script = `
      const { isoTime } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist/model/time.js')).href)});
      gc(); const before = process.memoryUsage().heapUsed;
      const kept = [];
      for (let i = 0; i < 100000; i++) kept.push(isoTime(1.7e12 + i * 7777777));
      gc(); console.log((process.memoryUsage().heapUsed - before) / kept.length);`;
    const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const bytesPerTime = Number(r.stdout);
    expect(bytesPerTime).toBeGreaterThan(24);
    expect(bytesPerTime).toBeLessThan(120);
  });
});
