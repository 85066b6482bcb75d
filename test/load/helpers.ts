import { expect } from 'vitest';
import { InputError, type InputProblem } from '../../src/model/errors.js';

export const FIXTURES = new URL('../fixtures/load/', import.meta.url).pathname;

/** 1-based line of the nth occurrence of `needle` in `text` (independent of the code under test). */
export function lineOf(text: string, needle: string, nth = 0): number {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`needle ${needle} #${nth} not in text`);
  }
  return text.slice(0, at).split('\n').length;
}

/** 1-based column of the nth occurrence of `needle`. */
export function columnOf(text: string, needle: string, nth = 0): number {
  let at = -1;
  for (let i = 0; i <= nth; i++) at = text.indexOf(needle, at + 1);
  return at - text.lastIndexOf('\n', at - 1);
}

export function problemsOf(fn: () => unknown): InputProblem[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e.problems;
    throw e;
  }
  throw new Error('expected an InputError');
}

export async function problemsOfAsync(fn: () => Promise<unknown>): Promise<InputProblem[]> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof InputError) return e.problems;
    throw e;
  }
  throw new Error('expected an InputError');
}

export function expectOne(problems: InputProblem[], code: string): InputProblem {
  const hits = problems.filter((p) => p.code === code);
  expect(hits, `problems: ${JSON.stringify(problems, null, 1)}`).toHaveLength(1);
  return hits[0]!;
}
