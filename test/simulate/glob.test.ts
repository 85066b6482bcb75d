import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { globMatchesPositions, globMatchesWord, globOfPattern, globOfPrefix } from '../../src/simulate/glob.js';
import { compilePattern } from '../../src/simulate/match.js';

// One glob matcher for the simulation and lint, in linear time for a fixed pattern.

/** Brute force: the pattern's first token either matches the word's first character, or a star takes 0..n characters. */
function reference(pattern: readonly (string | null)[], word: readonly string[]): boolean {
  if (pattern.length === 0) return word.length === 0;
  const [t, ...rest] = pattern;
  if (t === null) {
    for (let k = 0; k <= word.length; k++) if (reference(rest, word.slice(k))) return true;
    return false;
  }
  return word.length > 0 && word[0] === t && reference(rest, word.slice(1));
}

const chars = fc.constantFrom('a', 'b', '-', '.', '\\', '$', '😀');
const word = fc.array(chars, { maxLength: 9 }).map((a) => a.join(''));
const pattern = fc.array(fc.oneof({ arbitrary: chars, weight: 3 }, { arbitrary: fc.constant('*'), weight: 2 }), { maxLength: 8 }).map((a) => a.join(''));

describe('glob matching', () => {
  afterEach(() => vi.restoreAllMocks());

  it('agrees with brute force, for patterns (compilePattern and the glob) and prefixes', () => {
    fc.assert(
      fc.property(pattern, word, (p, w) => {
        const expected = reference(globOfPattern(p), [...w]);
        expect(globMatchesWord(globOfPattern(p), w)).toBe(expected);
        expect(compilePattern(p)(w)).toBe(expected);
        expect(globMatchesWord(globOfPrefix(p), w)).toBe(reference(globOfPrefix(p), [...w]));
      }),
      { numRuns: 3000 },
    );
  });

  it('takes at most |glob| x (n + 1) steps on the pathological pattern against long tags (a backtracking expression takes about n^4 / 24)', () => {
    const glob = globOfPattern('*-*-*-*-prod');
    for (const tag of ['-'.repeat(290), `${'-'.repeat(289)}x`, `${'a-'.repeat(143)}prod`, `${'-'.repeat(285)}-prod`]) {
      let steps = 0;
      const matched = globMatchesPositions(glob, tag.length, (j, c) => {
        steps++;
        return tag[j] === c;
      });
      expect(steps).toBeLessThanOrEqual(glob.length * (tag.length + 1));
      expect(matched).toBe(reference(glob, [...tag.slice(-12)]) && tag.endsWith('-prod') && (tag.match(/-/g)?.length ?? 0) >= 4);
      expect(compilePattern('*-*-*-*-prod')(tag)).toBe(matched);
    }
  });

  it('compiles no regular expression (a backtracking one was the slow path)', () => {
    const spy = vi.spyOn(globalThis, 'RegExp');
    for (const p of ['*-*-*-*-prod', 'v*', '*', 'release-*-rc*', 'exact']) compilePattern(p)('-'.repeat(290));
    expect(spy).not.toHaveBeenCalled();
  });
});
