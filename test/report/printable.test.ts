import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { printable, printableDeep, printableLines } from '../../src/report/printable.js';

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
/** Strings rich in what printable must neutralise. */
const hostile = fc.array(fc.oneof(fc.constantFrom('\u001b', '\u0007', '\n', '\r', '\t', '\u009b', '\u202e', '\u2028', '::', '##[', ' ', 'a', ':', '#', '['), fc.string()), { maxLength: 12 }).map((p) => p.join(''));

describe('printable', () => {
  it('escapes every control character and makes runner commands inert', () => {
    fc.assert(fc.property(hostile, (s) => {
      const out = printable(s);
      expect(CONTROL.test(out)).toBe(false);
      expect(/^\s*::/.test(out)).toBe(false);
      expect(out.includes('##[')).toBe(false);
      expect(printable(out)).toBe(out);
    }));
  });

  it('leaves ordinary text as it is (output stays byte-identical)', () => {
    for (const s of ['shop/api', 'release-1.8', 'Fn::Sub', 'rule 1 keeps it: rank 1 of 10', 'Deployment/shop/web: spec.containers[0].image', '']) expect(printable(s)).toBe(s);
    fc.assert(fc.property(fc.string().filter((s) => !CONTROL.test(s) && !s.includes('##[') && !/^\s*::/.test(s)), (s) => {
      expect(printable(s)).toBe(s);
    }));
  });

  it('names what it escaped', () => {
    expect(printable('a\u001b]52;c;eA==\u0007b')).toBe('a\\x1b]52;c;eA==\\x07b');
    expect(printable('x\n::error::y')).toBe('x\\n::error::y');
    expect(printable('  ::warning::y')).toBe('  \\x3a:warning::y');
    expect(printable('tok ##[stop-commands]z')).toBe('tok ##\\x5bstop-commands]z');
    expect(printable('\u202eevil')).toBe('\\u202eevil');
  });

  it('lines: the line breaks stay, no line is a command, the progress prefix is kept', () => {
    fc.assert(fc.property(hostile, (s) => {
      const out = printableLines(s);
      for (const line of out.split('\n')) {
        expect(CONTROL.test(line)).toBe(false);
        expect(/^\s*::/.test(line)).toBe(false);
        expect(line.includes('##[')).toBe(false);
      }
    }));
    expect(printableLines('\r\u001b[2Krepositories 1/2', '\r\u001b[2K')).toBe('\r\u001b[2Krepositories 1/2');
    expect(printableLines('a\n::error::b\n')).toBe('a\n\\x3a:error::b\n');
  });

  it('deep: copies only what changes', () => {
    const clean = { a: ['x', { b: 'y' }], n: 1 };
    expect(printableDeep(clean)).toBe(clean);
    const dirty = { a: ['x', { b: 'y\u001b' }], n: 1 };
    const out = printableDeep(dirty);
    expect(out).toEqual({ a: ['x', { b: 'y\\x1b' }], n: 1 });
    expect(dirty.a[1]).toEqual({ b: 'y\u001b' });
  });
});
