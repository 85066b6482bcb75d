import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LifecycleRule } from '../../src/model/policy.js';
import { compilePattern, makeTagSelector } from '../../src/simulate/match.js';
import { ruleCovers } from '../../src/analyse/checks/lint/shadowed-rule.js';
import {
  globIncludes, globMatchesSomeOf, globOfPattern, globOfPrefix, isUniversal, signatureKindsMatched, STAR, type CharClass, type Glob,
} from '../../src/analyse/checks/lint/tag-language.js';

// The inclusion test is checked against brute force: patterns over {a, b}, words over {a, b, c}
// ('c' is the letter no pattern uses). A counterexample, when there is one, is the inner pattern
// with every star replaced by 'c', so words up to the inner pattern's length decide it.

function words(alphabet: string, maxLength: number): string[] {
  const out = [''];
  let layer = [''];
  for (let n = 1; n <= maxLength; n++) {
    layer = layer.flatMap((w) => [...alphabet].map((c) => w + c));
    out.push(...layer);
  }
  return out;
}

const WORDS = words('abc', 7);

function bruteIncludes(outer: string, inner: string): boolean {
  const o = compilePattern(outer);
  const i = compilePattern(inner);
  return WORDS.filter((w) => w.length <= inner.length).every((w) => !i(w) || o(w));
}

const pattern = fc.array(fc.constantFrom('a', 'b', '*'), { maxLength: 7 }).map((cs) => cs.join(''));

describe('globIncludes', () => {
  it('agrees with brute force on a small alphabet', () => {
    fc.assert(
      fc.property(pattern, pattern, (outer, inner) => {
        expect(globIncludes(globOfPattern(outer), globOfPattern(inner))).toBe(bruteIncludes(outer, inner));
      }),
      { numRuns: 3000 },
    );
  });

  it('is sound on longer words: whatever the inner pattern matches, the outer matches too', () => {
    fc.assert(
      fc.property(pattern, pattern, fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 10 }).map((c) => c.join('')), (outer, inner, word) => {
        if (globIncludes(globOfPattern(outer), globOfPattern(inner)) && compilePattern(inner)(word)) expect(compilePattern(outer)(word)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('treats a prefix as the pattern prefix* with literal characters', () => {
    expect(globIncludes(globOfPrefix('prod'), globOfPrefix('prod-eu'))).toBe(true);
    expect(globIncludes(globOfPrefix('prod-eu'), globOfPrefix('prod'))).toBe(false);
    expect(globIncludes(globOfPattern('release-*'), globOfPattern('release-1.*'))).toBe(true);
    expect(globIncludes(globOfPrefix('v'), globOfPattern('v*-rc'))).toBe(true);
    expect(globIncludes(globOfPattern('v*-rc'), globOfPrefix('v'))).toBe(false);
    // A '*' in a prefix is a literal, not a wildcard: "a*" (prefix) does not include "ab".
    expect(globIncludes(globOfPrefix('a*'), globOfPattern('ab'))).toBe(false);
    expect(globOfPrefix('a*')).toEqual(['a', '*', STAR]);
  });

  it('knows universal globs', () => {
    expect(isUniversal(globOfPattern('*'))).toBe(true);
    expect(isUniversal(globOfPattern('**'))).toBe(true);
    expect(isUniversal(globOfPrefix(''))).toBe(true);
    expect(isUniversal(globOfPattern('*a'))).toBe(false);
  });
});

describe('globMatchesSomeOf (intersection with a fixed-shape language)', () => {
  const classSets = fc.array(fc.subarray(['a', 'b', 'c'], { minLength: 1 }), { maxLength: 5 }).map((cs) => cs.map((c) => new Set(c) as CharClass));

  it('agrees with brute force', () => {
    fc.assert(
      fc.property(pattern, classSets, (p, classes) => {
        const expand = (i: number): string[] => (i === classes.length ? [''] : [...classes[i]!].flatMap((c) => expand(i + 1).map((rest) => c + rest)));
        expect(globMatchesSomeOf(globOfPattern(p), classes)).toBe(expand(0).some(compilePattern(p)));
      }),
      { numRuns: 2000 },
    );
  });

  it('recognises which entries can match cosign signature, attestation and SBOM tags', () => {
    const hex = 'ab'.repeat(32);
    const cases: Array<[Glob, string[]]> = [
      [globOfPrefix('sha256-'), ['sig', 'att', 'sbom']],
      [globOfPrefix('sha'), ['sig', 'att', 'sbom']],
      [globOfPattern('*.sig'), ['sig']],
      [globOfPattern('*'), ['sig', 'att', 'sbom']],
      [globOfPattern('sha256-*.s*'), ['sig', 'sbom']],
      [globOfPattern(`sha256-${hex}.att`), ['att']],
      [globOfPattern('sha256-*.attestation'), []],
      [globOfPattern('sha256-*-*.sig'), []],
      [globOfPrefix('v'), []],
      [globOfPattern('*G*'), []],
    ];
    for (const [glob, kinds] of cases) expect(signatureKindsMatched(glob), JSON.stringify(glob)).toEqual(kinds);
  });
});

describe('shadowed-rule coverage (ruleCovers)', () => {
  const entry = fc.array(fc.constantFrom('a', 'b', '*'), { minLength: 1, maxLength: 4 }).map((cs) => cs.join(''));
  const rule = fc.record({
    kind: fc.constantFrom('tagPatternList', 'tagPrefixList'),
    entries: fc.array(entry, { minLength: 1, maxLength: 3 }),
  }).map(({ kind, entries }): LifecycleRule => ({
    rulePriority: 1,
    selection: { tagStatus: 'tagged', [kind]: kind === 'tagPrefixList' ? entries.map((e) => e.replace(/\*/g, '')).map((e) => e || 'a') : entries, countType: 'imageCountMoreThan', countNumber: 1 },
    action: { type: 'expire' },
  }));
  const tags = fc.array(fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 5 }).map((c) => c.join('')), { minLength: 1, maxLength: 3 });

  it('is sound: when a higher rule covers a lower one, it selects every image the lower one selects', () => {
    fc.assert(
      fc.property(rule, rule, tags, (higher, lower, imageTags) => {
        if (ruleCovers(higher, lower) && makeTagSelector(lower)(imageTags)) expect(makeTagSelector(higher)(imageTags)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
});
