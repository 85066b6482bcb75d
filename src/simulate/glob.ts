// Tag patterns as globs: one matcher for the simulation (does this pattern select this tag) and for
// lint (does one entry include another, can an entry match a signature tag). A glob is a token list:
// one literal character per token (code points), `STAR` for `*`; a prefix p is the glob `p*` with its
// own characters literal (a `*` in a prefix is not a wildcard).
//
// Matching is a dynamic programme over the word's positions, O(|glob| x |word|) steps whatever the
// input: a backtracking regular expression (which `*` compiled to before) takes exponential time on
// patterns such as `*-*-*-*-prod` against long tags, and a signal handler cannot run while it does.

export const STAR = null;
export type Token = string | typeof STAR;
export type Glob = readonly Token[];

export function globOfPattern(pattern: string): Glob {
  return [...pattern].map((c) => (c === '*' ? STAR : c));
}

export function globOfPrefix(prefix: string): Glob {
  return [...prefix, STAR];
}

// Two rows reused by every call (matching is synchronous): lint runs this for every pair of entries,
// the simulation for every tag of every image a rule with a pattern looks at.
let rowA = new Uint8Array(256);
let rowB = new Uint8Array(256);

/**
 * Whether the glob matches a word of `n` positions where position j admits character c when
 * `admits(j, c)`: `can[j]` says the glob's prefix so far matches the first j positions. Every position
 * must admit some character, so that a star can stand for any run of positions. Stops as soon as no
 * prefix of the word is matched any more. At most |glob| x (n + 1) calls of `admits`.
 */
export function globMatchesPositions(glob: Glob, n: number, admits: (position: number, c: string) => boolean): boolean {
  if (rowA.length < n + 1) {
    rowA = new Uint8Array(Math.max(n + 1, rowA.length * 2));
    rowB = new Uint8Array(rowA.length);
  }
  let can = rowA;
  let next = rowB;
  can.fill(0, 0, n + 1);
  can[0] = 1;
  let from = 0; // the first j with can[j] set
  for (const t of glob) {
    let first = -1;
    if (t === STAR) {
      next.fill(0, 0, from);
      next.fill(1, from, n + 1);
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

const SURROGATE = /[\uD800-\uDFFF]/;

/** Whether the glob matches the whole word (characters compared by code point). */
export function globMatchesWord(glob: Glob, word: string): boolean {
  if (SURROGATE.test(word)) {
    const chars = [...word];
    return globMatchesPositions(glob, chars.length, (j, c) => chars[j] === c);
  }
  return globMatchesPositions(glob, word.length, (j, c) => word[j] === c);
}
