import { describe, expect, it } from 'vitest';
import { loadInputs } from '../../src/load/inputs.js';
import { prepareAnalysis } from '../../src/core/analysis.js';
import { Session } from '../../src/cli/interactive/session.js';
import { WeightedCache } from '../../src/cli/interactive/weighted-cache.js';

// The interactive session keeps analyses for reuse within a budget counted in images (an analysis of
// 100,000 images holds about 200 MB; a session that kept 64 ran out of memory after 16 edits), and
// every policy tried on a repository shares its content graph and image order.

describe('WeightedCache', () => {
  it('keeps the most recently used entries within the budget, evicting the least recently used first', () => {
    const c = new WeightedCache<string>(10);
    c.set('a', 'A', 4);
    c.set('b', 'B', 4);
    expect(c.get('a')).toBe('A'); // a is now the most recent
    c.set('c', 'C', 4); // 12 > 10: b goes
    expect(c.keys()).toEqual(['a', 'c']);
    expect(c.get('b')).toBeUndefined();
    expect(c.weight).toBe(8);
  });

  it('replacing a key counts its new weight only', () => {
    const c = new WeightedCache<string>(10);
    c.set('a', 'A', 6);
    c.set('a', 'A2', 3);
    c.set('b', 'B', 7);
    expect(c.keys()).toEqual(['a', 'b']);
    expect(c.weight).toBe(10);
    expect(c.get('a')).toBe('A2');
  });

  it('keeps the last `keepAtLeast` entries whatever they weigh', () => {
    const c = new WeightedCache<number>(5, 2);
    for (let i = 0; i < 5; i++) c.set(`k${i}`, i, 100);
    expect(c.keys()).toEqual(['k3', 'k4']);
    expect(c.weight).toBe(200);
    const one = new WeightedCache<number>(5);
    one.set('x', 1, 100);
    one.set('y', 2, 100);
    expect(one.keys()).toEqual(['y']);
  });
});

describe('interactive session cache', () => {
  const script = [
    'repos', 'use shop/api', 'set 1 count 3', 'show expired', 'use shop/web', 'repos', 'findings', 'at +30d', 'repos', 'set 1 count 2',
    'diff', 'undo', 'days 30', 'timeline', 'use shop/api', 'diff', 'remove 1', 'repos', 'undo', 'at now', 'show all', 'diff',
  ];

  async function transcript(cacheImageBudget?: number): Promise<string[]> {
    const now = Date.parse('2026-11-22T00:00:00Z');
    const inputs = await loadInputs({ snapshot: 'samples/registry' }, now);
    const setup = await prepareAnalysis(inputs, { now, days: 0, inUse: ['samples/in-use'] }, () => {});
    const session = new Session(inputs.repositories, setup, { colour: false, writeFile: async () => {} }, cacheImageBudget);
    const out: string[] = [];
    for (const line of script) out.push((await session.execute(line)).output);
    return out;
  }

  it('answers the same with a budget of 1 image (only the two analyses used last kept, the rest recomputed) as with the default', async () => {
    const kept = await transcript();
    const recomputed = await transcript(1);
    expect(recomputed).toEqual(kept);
    // The script really edits and compares: fates change, and the rows differ across the clock.
    expect(kept[2]).toMatch(/^rule 1: countNumber \d+ -> 3\ncompared with the previous version: [1-9]\d* images change fate/);
    expect(kept[9]).toMatch(/^rule 1: countNumber \d+ -> 2\ncompared with the previous version: [1-9]\d* images change fate/);
    expect(kept[5]).not.toBe(kept[8]);
  });
});
