import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { PolicySource } from '../../../src/load/sources/index.js';

// Positions computed independently of the code under test: by searching the file's own text.

export const FIXTURES = 'test/fixtures/sources';

export function fixture(path: string): { file: string; text: string } {
  const file = `${FIXTURES}/${path}`;
  return { file, text: readFileSync(file, 'utf8') };
}

export function lineColumnAt(text: string, index: number): { line: number; column: number } {
  const before = text.slice(0, index).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

export function offsetAt(text: string, pos: { line: number; column: number }): number {
  const lines = text.split('\n');
  let offset = 0;
  for (let i = 0; i < pos.line - 1; i++) offset += lines[i]!.length + 1;
  return offset + pos.column - 1;
}

/** Index of the `n`th (1-based) occurrence of `needle`; fails the test when there is none. */
export function nthIndexOf(text: string, needle: string, n = 1): number {
  let at = -1;
  for (let k = 0; k < n; k++) {
    at = text.indexOf(needle, at + 1);
    expect(at, `occurrence ${k + 1} of ${needle}`).toBeGreaterThanOrEqual(0);
  }
  return at;
}

export function positionOf(text: string, needle: string, n = 1): { line: number; column: number } {
  return lineColumnAt(text, nthIndexOf(text, needle, n));
}

export function byName(sources: PolicySource[], name: string): PolicySource {
  const s = sources.find((x) => x.name === name);
  expect(s, `source ${name}`).toBeDefined();
  return s!;
}

/**
 * Every non-whitespace character of the policy text maps to a file character that produced it:
 * the same character, or the backslash opening the escape that encodes it.
 */
export function expectEveryCharacterMapped(fileText: string, source: PolicySource): void {
  const text = source.policyText!;
  const wrong: string[] = [];
  let previous = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (/\s/.test(c)) continue;
    const at = offsetAt(fileText, source.mapOffset(i));
    const f = fileText[at];
    if (f !== c && f !== '\\') wrong.push(`#${i} ${JSON.stringify(c)} -> ${JSON.stringify(f)}`);
    // The text is written in file order, so positions only move forward.
    if (at <= previous) wrong.push(`#${i} ${JSON.stringify(c)} maps back to ${at}`);
    previous = at;
  }
  expect(wrong.slice(0, 5)).toEqual([]);
}
