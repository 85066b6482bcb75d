import type { LifecycleRule } from '../model/policy.js';
import { globMatchesWord, globOfPattern } from './glob.js';

// Tag selection. Each entry of tagPrefixList / tagPatternList must match at least one of the
// image's tags (AND across entries); one tag may satisfy several entries.

export type TagMatcher = (tag: string) => boolean;

/**
 * A pattern matches the whole tag; `*` matches any run of characters (including none); all else is
 * literal and case-sensitive. Linear in the tag for a fixed pattern (glob.ts); the common shapes
 * (no star, one star) are a comparison.
 */
export function compilePattern(pattern: string): TagMatcher {
  const star = pattern.indexOf('*');
  if (star < 0) return (tag) => tag === pattern;
  if (pattern.indexOf('*', star + 1) < 0) {
    const head = pattern.slice(0, star);
    const tail = pattern.slice(star + 1);
    return (tag) => tag.length >= head.length + tail.length && tag.startsWith(head) && tag.endsWith(tail);
  }
  const glob = globOfPattern(pattern);
  return (tag) => globMatchesWord(glob, tag);
}

export function compilePrefix(prefix: string): TagMatcher {
  return (tag) => tag.startsWith(prefix);
}

/** The entries of a tagged rule as matchers, one per list entry. */
export function entryMatchers(rule: LifecycleRule): TagMatcher[] {
  const s = rule.selection;
  if (s.tagPatternList) return s.tagPatternList.map(compilePattern);
  if (s.tagPrefixList) return s.tagPrefixList.map(compilePrefix);
  return [];
}

/** Whether a rule's tagStatus and lists select an image with these tags (storage class aside). */
export function makeTagSelector(rule: LifecycleRule): (tags: readonly string[]) => boolean {
  switch (rule.selection.tagStatus) {
    case 'any':
      return () => true;
    case 'untagged':
      return (tags) => tags.length === 0;
    case 'tagged': {
      const entries = entryMatchers(rule);
      return (tags) => tags.length > 0 && entries.every((m) => tags.some(m));
    }
  }
}

/** For explanations: the first list entry that matches none of the tags, if any. */
export function firstUnmatchedEntry(rule: LifecycleRule, tags: readonly string[]): string | undefined {
  const list = rule.selection.tagPatternList ?? rule.selection.tagPrefixList ?? [];
  const matchers = entryMatchers(rule);
  const i = matchers.findIndex((m) => !tags.some(m));
  return i < 0 ? undefined : list[i];
}
