import type { LifecycleRule } from '../../../model/policy.js';

// Tag selection entries as languages, so lint can decide questions about every possible tag:
// does one entry imply another, can an entry match a signature tag. A pattern is a token list
// (one literal character per token, `STAR` for `*`); a prefix p is the pattern `p*` (its own
// characters stay literal: a `*` in a prefix is not a wildcard).

export const STAR = null;
export type Token = string | typeof STAR;
export type Glob = readonly Token[];

export function globOfPattern(pattern: string): Glob {
  return [...pattern].map((c) => (c === '*' ? STAR : c));
}

export function globOfPrefix(prefix: string): Glob {
  return [...prefix, STAR];
}

/** The entries of a tagged rule as globs, in list order; empty for untagged/any rules. */
export function ruleEntryGlobs(rule: LifecycleRule): Glob[] {
  const s = rule.selection;
  if (s.tagPatternList) return s.tagPatternList.map(globOfPattern);
  if (s.tagPrefixList) return s.tagPrefixList.map(globOfPrefix);
  return [];
}

/** Which list the rule uses, for messages and pointers. */
export function ruleListName(rule: LifecycleRule): 'tagPatternList' | 'tagPrefixList' | undefined {
  if (rule.selection.tagPatternList) return 'tagPatternList';
  if (rule.selection.tagPrefixList) return 'tagPrefixList';
  return undefined;
}

export function ruleListEntries(rule: LifecycleRule): string[] {
  return rule.selection.tagPatternList ?? rule.selection.tagPrefixList ?? [];
}

/** Matches every tag: only stars. */
export function isUniversal(glob: Glob): boolean {
  return glob.every((t) => t === STAR);
}

/**
 * L(inner) ⊆ L(outer). Read `inner` as a word in which each `*` is a fresh letter no pattern uses:
 * inclusion holds iff `outer` matches that word with its literals matching only identical literals
 * and its stars matching any run (including the fresh letters). If outer matches it, replacing each
 * fresh letter by any string keeps the match (the star covering it absorbs the string); if not, the
 * word with the fresh letter itself is in L(inner) but not L(outer). Exact whenever the alphabet has
 * a character neither pattern uses (tags allow 65 characters). O(|inner| x |outer|).
 */
export function globIncludes(outer: Glob, inner: Glob): boolean {
  return globMatchesPositions(outer, inner.length, (j, c) => inner[j] === c);
}

/**
 * Whether the glob matches a word of `n` positions where position j admits character c when
 * `admits(j, c)`: `can[j]` says the glob's prefix so far matches the first j positions. Every position
 * admits some character, so a star can stand for any run of positions.
 */
function globMatchesPositions(glob: Glob, n: number, admits: (position: number, c: string) => boolean): boolean {
  // Lint runs this for every pair of entries and every signature language, in a process that starts
  // for one file: two rows reused, and a stop as soon as no prefix of the word is matched any more.
  let can = new Uint8Array(n + 1);
  let next = new Uint8Array(n + 1);
  can[0] = 1;
  let from = 0; // the first j with can[j] set
  for (const t of glob) {
    let first = -1;
    if (t === STAR) {
      next.fill(0, 0, from);
      next.fill(1, from);
      first = from;
    } else {
      next.fill(0, 0, from + 1);
      for (let j = from + 1; j <= n; j++) {
        const v = can[j - 1] === 1 && admits(j - 1, t) ? 1 : 0;
        next[j] = v;
        if (v === 1 && first < 0) first = j;
      }
    }
    if (first < 0) return false;
    from = first;
    [can, next] = [next, can];
  }
  return can[n] === 1;
}

/** A character class of a fixed-shape language: the set of characters allowed at one position. */
export type CharClass = ReadonlySet<string>;

/** Whether the glob matches some word of the fixed-length language given as a class per position. */
export function globMatchesSomeOf(glob: Glob, classes: readonly CharClass[]): boolean {
  return globMatchesPositions(glob, classes.length, (j, c) => classes[j]!.has(c));
}

const HEX = new Set('0123456789abcdef');
const literal = (s: string): CharClass[] => [...s].map((c) => new Set([c]));

/** Tag-scheme artifact tags (cosign): `sha256-<64 hex>.sig`, `.att`, `.sbom`, one fixed-shape language per kind. */
export const SIGNATURE_TAG_KINDS = ['sig', 'att', 'sbom'] as const;
export const SIGNATURE_TAG_LANGUAGES: ReadonlyArray<{ kind: string; classes: CharClass[] }> = SIGNATURE_TAG_KINDS.map((kind) => ({
  kind,
  classes: [...literal('sha256-'), ...Array.from({ length: 64 }, () => HEX), ...literal(`.${kind}`)],
}));

/** The signature tag kinds (sig, att, sbom) some tag of which the glob matches. */
export function signatureKindsMatched(glob: Glob): string[] {
  return SIGNATURE_TAG_LANGUAGES.filter((l) => globMatchesSomeOf(glob, l.classes)).map((l) => l.kind);
}

export function renderList(entries: readonly string[]): string {
  return `[${entries.map((e) => JSON.stringify(e)).join(', ')}]`;
}
