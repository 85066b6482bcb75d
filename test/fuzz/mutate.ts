import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import fc from 'fast-check';

// Seeds and mutations shared by the fuzz suites. Seeds are every fixture and sample of a kind (a
// folder walked whole), so a reader or a format added later with its fixtures is fuzzed without
// touching this suite. Mutations are the ways hostile or broken inputs differ from good ones.

export const ROOT = join(import.meta.dirname, '..', '..');

export interface Seed {
  /** Relative to ROOT. */
  path: string;
  /** The file's own name (readers recognise some formats by name: Dockerfile). */
  name: string;
  text: string;
}

/** Every regular file under these folders (relative to ROOT), sorted; files over 1 MiB are left out. */
export function seedsUnder(...folders: string[]): Seed[] {
  const out: Seed[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else if (st.isFile() && st.size <= 1 << 20) out.push({ path: relative(ROOT, path), name, text: readFileSync(path, 'utf8') });
    }
  };
  for (const f of folders) walk(join(ROOT, f));
  return out;
}

/** Seven levels of anchors, ten aliases each (10^7 nodes from about 380 bytes). */
export const ALIAS_BOMB = ['a0: &a0 [x,x,x,x,x,x,x,x,x,x]', ...Array.from({ length: 7 }, (_, k) => `a${k + 1}: &a${k + 1} [${Array.from({ length: 10 }, () => `*a${k}`).join(',')}]`)].join('\n') + '\n';

export type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'control'; at: number; code: number }
  | { kind: 'nest'; at: number; depth: number; open: string; close: string }
  | { kind: 'long'; at: number; length: number; char: string }
  | { kind: 'alias'; at: number }
  | { kind: 'splice'; at: number; text: string }
  | { kind: 'repeat'; from: number; to: number; times: number };

// Control characters a terminal acts on: NUL, BEL, BS, ESC (CSI, OSC), DEL, the C1 CSI, and line breaks.
const CONTROL_CODES = [0x00, 0x07, 0x08, 0x0a, 0x0d, 0x1b, 0x7f, 0x9b, 0x85, 0x2028];
const NESTINGS = [
  ['[', ']'],
  ['{"a":', '}'],
  ['- ', ''],
  ['a:\n ', ''],
  ['{a: ', '}'],
] as const;

const at = fc.nat({ max: 1 << 20 });

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at }),
  fc.record({ kind: fc.constant('flip' as const), at, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('control' as const), at, code: fc.constantFrom(...CONTROL_CODES) }),
  fc.record({
    kind: fc.constant('nest' as const),
    at,
    depth: fc.integer({ min: 1, max: 5000 }),
    pair: fc.constantFrom(...NESTINGS),
  }).map(({ kind, at: a, depth, pair }) => ({ kind, at: a, depth, open: pair[0], close: pair[1] })),
  fc.record({ kind: fc.constant('long' as const), at, length: fc.integer({ min: 300, max: 200_000 }), char: fc.constantFrom('a', '-', '*', '"', '\\', ' ', '\u00e9', '$') }),
  fc.record({ kind: fc.constant('alias' as const), at }),
  fc.record({ kind: fc.constant('splice' as const), at, text: fc.string({ maxLength: 40, unit: 'binary' }) }),
  fc.record({ kind: fc.constant('repeat' as const), from: at, to: at, times: fc.integer({ min: 2, max: 50 }) }),
);

/** Applies the mutations in order; positions are taken modulo the text's length at that step. */
export function mutate(text: string, mutations: readonly Mutation[]): string {
  let t = text;
  for (const m of mutations) {
    const pos = (n: number): number => (t.length === 0 ? 0 : n % (t.length + 1));
    switch (m.kind) {
      case 'truncate':
        t = t.slice(0, pos(m.at));
        break;
      case 'flip': {
        // On the UTF-8 bytes, decoded again (an invalid sequence becomes U+FFFD, as a reader sees it).
        const bytes = Buffer.from(t, 'utf8');
        if (bytes.length === 0) break;
        const i = m.at % bytes.length;
        bytes[i] = bytes[i]! ^ (1 << m.bit);
        t = bytes.toString('utf8');
        break;
      }
      case 'control': {
        const p = pos(m.at);
        t = t.slice(0, p) + String.fromCharCode(m.code) + t.slice(p);
        break;
      }
      case 'nest': {
        const p = pos(m.at);
        t = t.slice(0, p) + m.open.repeat(m.depth) + m.close.repeat(m.depth) + t.slice(p);
        break;
      }
      case 'long': {
        const p = pos(m.at);
        t = t.slice(0, p) + m.char.repeat(m.length) + t.slice(p);
        break;
      }
      case 'alias': {
        // At a line start, so that it is YAML of its own when the file is.
        const p = t.lastIndexOf('\n', pos(m.at)) + 1;
        t = t.slice(0, p) + ALIAS_BOMB + t.slice(p);
        break;
      }
      case 'splice': {
        const p = pos(m.at);
        t = t.slice(0, p) + m.text + t.slice(p);
        break;
      }
      case 'repeat': {
        const [a, b] = [pos(m.from), pos(m.to)].sort((x, y) => x - y) as [number, number];
        const piece = t.slice(a, Math.min(b, a + 4096));
        t = t.slice(0, b) + piece.repeat(m.times) + t.slice(b);
        break;
      }
    }
  }
  return t;
}

/** A seed and one to four mutations of it, or (one time in ten) random text. */
export function mutatedInput(seeds: readonly Seed[]): fc.Arbitrary<{ seed: Seed; text: string }> {
  return fc.oneof(
    { weight: 9, arbitrary: fc.tuple(fc.nat({ max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([i, ms]) => ({ seed: seeds[i]!, text: mutate(seeds[i]!.text, ms) })) },
    { weight: 1, arbitrary: fc.tuple(fc.nat({ max: seeds.length - 1 }), fc.string({ maxLength: 300, unit: 'binary' })).map(([i, text]) => ({ seed: seeds[i]!, text })) },
  );
}

/** Where a file of this seed goes when written out: its own name, in a folder per run. */
export function fileNameOf(seed: Seed): string {
  return basename(seed.path);
}

/**
 * Characters from the input that must never reach a terminal raw: the C0 controls but tab and newline
 * (ESC starts every terminal escape sequence), DEL, the C1 controls (U+009B is a one-character CSI) and
 * the line and paragraph separators. Every human output and standard error escapes them (report/printable).
 */
export const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/;
