import { describe, expect, it } from 'vitest';
import { readYamlDocuments, unlessTooDeep, yamlSyntaxProblem, YAML_TOO_DEEP } from '../../src/load/yaml-library.js';

describe('unlessTooDeep', () => {
  it('passes a result through', () => {
    expect(unlessTooDeep(() => 42)).toBe(42);
  });

  it('turns running out of stack into undefined', () => {
    const recurse = (n: number): number => recurse(n + 1) + 1;
    expect(unlessTooDeep(() => recurse(0))).toBeUndefined();
  });

  it('rethrows every other error, other RangeErrors included', () => {
    expect(() => unlessTooDeep(() => new Array(-1))).toThrow(RangeError);
    expect(() => unlessTooDeep(() => JSON.parse('{'))).toThrow(SyntaxError);
  });
});

describe('yamlSyntaxProblem', () => {
  it("words the parser's own out-of-stack error as too deep, and other errors by their first line", () => {
    expect(yamlSyntaxProblem({ message: 'Maximum call stack size exceeded' })).toEqual(YAML_TOO_DEEP);
    expect(yamlSyntaxProblem({ message: 'Nested mappings are not allowed in compact mappings at line 1, column 4:\n\na: b: c\n   ^' })).toEqual({
      code: 'yaml/syntax',
      message: 'invalid YAML: Nested mappings are not allowed in compact mappings at line 1, column 4:',
    });
  });
});

/** Seven levels of anchors, each holding ten aliases of the one before: 10^7 nodes from 380 bytes. */
export function aliasBomb(levels = 7, prefix = ''): string {
  const lines = [`${prefix}a0: &a0 [x,x,x,x,x,x,x,x,x,x]`];
  for (let k = 1; k <= levels; k++) lines.push(`${prefix}a${k}: &a${k} [${Array.from({ length: 10 }, () => `*a${k - 1}`).join(',')}]`);
  return `${lines.join('\n')}\n`;
}

describe('readYamlDocuments: alias budget', () => {
  it('refuses an alias bomb at the alias that passes the budget, without expanding it', () => {
    const text = aliasBomb();
    expect(text.length).toBeLessThan(400);
    const read = readYamlDocuments(text);
    expect('tooDeep' in read && read.tooDeep).toEqual({
      offset: expect.any(Number),
      code: 'yaml/alias-budget',
      message: 'the YAML\'s aliases stand for more than 100,000 nodes (an alias bomb?)',
      expected: 'aliases that expand to at most 100,000 nodes in all (ecr-lifeguard\'s limit)',
    });
    // Aliases to a_{k-1} produce size(a_{k-1}) = 1 + 10 * size(a_{k-2}) nodes each (size(a0) = 11): the
    // count (110, then 1,110, 11,110, 111,110 per level) passes 100,000 within level 4.
    const size = [11];
    for (let k = 1; k < 7; k++) size.push(1 + 10 * size[k - 1]!);
    let produced = 0;
    let passed = { level: 0, index: 0 };
    outer: for (let k = 1; k <= 7; k++) {
      for (let i = 0; i < 10; i++) {
        produced += size[k - 1]!;
        if (produced > 100_000) {
          passed = { level: k, index: i };
          break outer;
        }
      }
    }
    expect(passed).toEqual({ level: 4, index: 7 });
    const offset = 'tooDeep' in read ? read.tooDeep.offset : -1;
    expect(offset).toBe(text.indexOf('[', text.indexOf('a4:')) + 1 + 4 * passed.index);
    expect(text.slice(offset, offset + 3)).toBe('*a3');
  });

  it('reads files whose aliases stay within the budget, merge keys included', () => {
    const read = readYamlDocuments(`${aliasBomb(3)}b: &b {k: v}\nc: {<<: *b, d: 1}\n`, { merge: true });
    expect('documents' in read && read.documents[0]!.toJS({ maxAliasCount: -1 }).a3).toHaveLength(10);
  });

  it('counts aliases across the documents of a file', () => {
    const doc = aliasBomb(3); // 110 + 1,110 + 11,110 = 12,330 nodes each
    const read = readYamlDocuments(Array.from({ length: 10 }, () => doc).join('---\n'));
    expect('tooDeep' in read && read.tooDeep.code).toBe('yaml/alias-budget');
    expect('documents' in readYamlDocuments([doc, doc].join('---\n'))).toBe(true);
  });
});
