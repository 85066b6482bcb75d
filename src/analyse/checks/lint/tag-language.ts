import type { LifecycleRule } from '../../../model/policy.js';
import { globMatchesPositions, globOfPattern, globOfPrefix, STAR, type Glob } from '../../../simulate/glob.js';

// Tag selection entries as languages, so lint can decide questions about every possible tag:
// does one entry imply another, can an entry match a signature tag. Globs and their matcher are the
// simulation's own (simulate/glob.ts): lint and the simulation agree on what an entry matches.

export { globOfPattern, globOfPrefix, STAR, type Glob, type Token } from '../../../simulate/glob.js';

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
