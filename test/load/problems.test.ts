import { describe, expect, it } from 'vitest';
import type { InputProblem } from '../../src/model/errors.js';
import { ProblemTally } from '../../src/load/problems.js';

const problem = (file: string, line: number, code = 'images/time-after-now'): InputProblem => ({ location: { file, line }, code, message: `m${line}` });

describe('ProblemTally', () => {
  it('keeps the first three of each code, then says how many more, in how many files', () => {
    const tally = new ProblemTally();
    tally.add([1, 2, 3, 4, 5].map((l) => problem('a.json', l)));
    tally.add([problem('b.json', 1), problem('b.json', 2, 'images/pull-before-push')]);
    tally.addMore(new Map([['images/time-after-now', 1000]]), 'c.json');
    expect(tally.summary()).toEqual([
      problem('a.json', 1),
      problem('a.json', 2),
      problem('a.json', 3),
      { location: { file: 'a.json' }, code: 'images/time-after-now', message: 'and 1,003 more like this here and in 2 other files (images/time-after-now)' },
      problem('b.json', 2, 'images/pull-before-push'),
    ]);
  });

  it('says nothing more when nothing is left out', () => {
    const tally = new ProblemTally(2);
    tally.add([problem('a.json', 1), problem('a.json', 2)]);
    tally.addMore(new Map(), 'a.json');
    expect(tally.summary()).toEqual([problem('a.json', 1), problem('a.json', 2)]);
    const one = new ProblemTally(2);
    one.add([1, 2, 3].map((l) => problem('a.json', l)));
    expect(one.summary().at(-1)!.message).toBe('and 1 more like this (images/time-after-now)');
  });
});
