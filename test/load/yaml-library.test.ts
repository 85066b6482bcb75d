import { describe, expect, it } from 'vitest';
import { unlessTooDeep, yamlSyntaxProblem, YAML_TOO_DEEP } from '../../src/load/yaml-library.js';

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
