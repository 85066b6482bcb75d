import { describe, expect, it } from 'vitest';
import { parsePolicyText, validatePolicyObject } from '../../src/load/policy.js';
import { schemaErrors } from '../../src/load/schemas.js';
import { lineOf } from './helpers.js';

type Json = Record<string, unknown>;

const selection = (s: Json = {}): Json => ({ tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 10, ...s });
const rule = (r: Json = {}, s: Json = {}, a: Json = { type: 'expire' }): Json => ({
  rulePriority: 1,
  description: 'a rule long enough to make the policy text reach one hundred characters',
  selection: selection(s),
  action: a,
  ...r,
});
const text = (policy: unknown): string => JSON.stringify(policy, null, 2);
const archiveExpire = (priority: number, s: Json = {}): Json =>
  rule({ rulePriority: priority }, { storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 120, ...s });

interface Case {
  name: string;
  policy: unknown;
  code: string;
  pointer: string;
  /** Text whose (nth) line the problem must be reported on. */
  lineAt: [string, number?];
  /** False for cross-rule checks JSON Schema cannot express. */
  schemaRejects?: boolean;
}

const rejected: Case[] = [
  { name: 'unknown top-level property', policy: { rules: [rule()], version: 1 }, code: 'policy/unknown-property', pointer: '/version', lineAt: ['"version"'] },
  { name: 'unknown rule property', policy: { rules: [rule({ priority: 2 })] }, code: 'policy/unknown-property', pointer: '/rules/0/priority', lineAt: ['"priority"'] },
  { name: 'unknown selection property', policy: { rules: [rule({}, { tagPrefix: ['v'] })] }, code: 'policy/unknown-property', pointer: '/rules/0/selection/tagPrefix', lineAt: ['"tagPrefix"'] },
  { name: 'null value', policy: { rules: [rule({ description: null })] }, code: 'policy/null-value', pointer: '/rules/0/description', lineAt: ['"description"'] },
  { name: 'string rulePriority', policy: { rules: [rule({ rulePriority: '1' })] }, code: 'policy/wrong-type', pointer: '/rules/0/rulePriority', lineAt: ['"rulePriority"'] },
  { name: 'fractional rulePriority', policy: { rules: [rule({ rulePriority: 1.5 })] }, code: 'policy/wrong-type', pointer: '/rules/0/rulePriority', lineAt: ['"rulePriority"'] },
  { name: 'rulePriority 0', policy: { rules: [rule({ rulePriority: 0 })] }, code: 'policy/out-of-range', pointer: '/rules/0/rulePriority', lineAt: ['"rulePriority"'] },
  { name: 'missing rulePriority', policy: { rules: [{ selection: selection(), action: { type: 'expire' }, description: 'x'.repeat(80) }] }, code: 'policy/missing-property', pointer: '/rules/0', lineAt: ['{', 1] },
  { name: 'rules not a list', policy: { rules: { rulePriority: 1 }, padding: undefined, x: undefined }, code: 'policy/wrong-type', pointer: '/rules', lineAt: ['"rules"'] },
  { name: 'policy is not an object', policy: ['x'.repeat(120)], code: 'policy/wrong-type', pointer: '', lineAt: ['['] },
  { name: 'bad tagStatus', policy: { rules: [rule({}, { tagStatus: 'TAGGED' })] }, code: 'policy/not-allowed-value', pointer: '/rules/0/selection/tagStatus', lineAt: ['"tagStatus"'] },
  { name: 'bad countType', policy: { rules: [rule({}, { countType: 'imageCountMoreThen' })] }, code: 'policy/not-allowed-value', pointer: '/rules/0/selection/countType', lineAt: ['"countType"'] },
  { name: 'countNumber 0', policy: { rules: [rule({}, { countNumber: 0 })] }, code: 'policy/out-of-range', pointer: '/rules/0/selection/countNumber', lineAt: ['"countNumber"'] },
  { name: 'countNumber not integer', policy: { rules: [rule({}, { countNumber: 2.5 })] }, code: 'policy/wrong-type', pointer: '/rules/0/selection/countNumber', lineAt: ['"countNumber"'] },
  { name: 'bad countUnit', policy: { rules: [rule({}, { countType: 'sinceImagePushed', countUnit: 'hours' })] }, code: 'policy/not-allowed-value', pointer: '/rules/0/selection/countUnit', lineAt: ['"countUnit"'] },
  { name: 'bad storageClass', policy: { rules: [rule({}, { storageClass: 'glacier' })] }, code: 'policy/not-allowed-value', pointer: '/rules/0/selection/storageClass', lineAt: ['"storageClass"'] },
  { name: 'bad action type', policy: { rules: [rule({}, {}, { type: 'delete' })] }, code: 'policy/not-allowed-value', pointer: '/rules/0/action/type', lineAt: ['"type"'] },
  { name: 'bad targetStorageClass', policy: { rules: [rule({}, { countType: 'sinceImagePulled', countUnit: 'days' }, { type: 'transition', targetStorageClass: 'glacier' })] }, code: 'policy/not-allowed-value', pointer: '/rules/0/action/targetStorageClass', lineAt: ['"targetStorageClass"'] },
  { name: 'no rules', policy: { rules: [], description: 'x'.repeat(100) }, code: 'policy/too-few-items', pointer: '/rules', lineAt: ['"rules"'] },
  { name: '51 rules', policy: { rules: Array.from({ length: 51 }, (_, i) => rule({ rulePriority: i + 1 }, { tagStatus: 'tagged', tagPrefixList: [`p${i}`] })) }, code: 'policy/too-many-items', pointer: '/rules', lineAt: ['"rules"'] },
  { name: 'tagged without a list', policy: { rules: [rule({}, { tagStatus: 'tagged' })] }, code: 'policy/tag-list-missing', pointer: '/rules/0/selection', lineAt: ['"selection"'] },
  { name: 'tagged with both lists', policy: { rules: [rule({}, { tagStatus: 'tagged', tagPrefixList: ['v'], tagPatternList: ['v*'] })] }, code: 'policy/tag-lists-both', pointer: '/rules/0/selection/tagPatternList', lineAt: ['"tagPatternList"'] },
  { name: 'tagPrefixList with any', policy: { rules: [rule({}, { tagPrefixList: ['v'] })] }, code: 'policy/tag-list-not-allowed', pointer: '/rules/0/selection/tagPrefixList', lineAt: ['"tagPrefixList"'] },
  { name: 'tagPatternList with untagged', policy: { rules: [rule({}, { tagStatus: 'untagged', tagPatternList: ['v*'] })] }, code: 'policy/tag-list-not-allowed', pointer: '/rules/0/selection/tagPatternList', lineAt: ['"tagPatternList"'] },
  { name: 'empty tagPrefixList', policy: { rules: [rule({}, { tagStatus: 'tagged', tagPrefixList: [] })] }, code: 'policy/too-few-items', pointer: '/rules/0/selection/tagPrefixList', lineAt: ['"tagPrefixList"'] },
  { name: 'empty tagPrefixList entry', policy: { rules: [rule({}, { tagStatus: 'tagged', tagPrefixList: ['v', ''] })] }, code: 'policy/empty-string', pointer: '/rules/0/selection/tagPrefixList/1', lineAt: ['""'] },
  { name: 'non-string tagPatternList entry', policy: { rules: [rule({}, { tagStatus: 'tagged', tagPatternList: [7] })] }, code: 'policy/wrong-type', pointer: '/rules/0/selection/tagPatternList/0', lineAt: ['7'] },
  { name: 'five wildcards', policy: { rules: [rule({}, { tagStatus: 'tagged', tagPatternList: ['ok*', 'a*b*c*d*e*'] })] }, code: 'policy/bad-tag-pattern', pointer: '/rules/0/selection/tagPatternList/1', lineAt: ['"a*b*c*d*e*"'] },
  { name: 'archive with sinceImagePushed', policy: { rules: [rule({}, { storageClass: 'archive', countType: 'sinceImagePushed', countUnit: 'days' })] }, code: 'policy/archive-needs-since-transitioned', pointer: '/rules/0/selection/storageClass', lineAt: ['"storageClass"'] },
  { name: 'sinceImageTransitioned on standard', policy: { rules: [rule({}, { countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 100 })] }, code: 'policy/since-transitioned-needs-archive', pointer: '/rules/0/selection', lineAt: ['"selection"'] },
  { name: 'sinceImageTransitioned with storageClass standard', policy: { rules: [rule({}, { storageClass: 'standard', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 100 })] }, code: 'policy/since-transitioned-needs-archive', pointer: '/rules/0/selection/storageClass', lineAt: ['"storageClass"'] },
  { name: 'sinceImagePushed without countUnit', policy: { rules: [rule({}, { countType: 'sinceImagePushed' })] }, code: 'policy/count-unit-missing', pointer: '/rules/0/selection', lineAt: ['"selection"'] },
  { name: 'countUnit with imageCountMoreThan', policy: { rules: [rule({}, { countUnit: 'days' })] }, code: 'policy/count-unit-not-allowed', pointer: '/rules/0/selection/countUnit', lineAt: ['"countUnit"'] },
  { name: 'transition without target', policy: { rules: [rule({}, { countType: 'sinceImagePulled', countUnit: 'days' }, { type: 'transition' })] }, code: 'policy/target-storage-class-missing', pointer: '/rules/0/action', lineAt: ['"action"'] },
  { name: 'expire with target', policy: { rules: [rule({}, {}, { type: 'expire', targetStorageClass: 'archive' })] }, code: 'policy/target-storage-class-not-allowed', pointer: '/rules/0/action/targetStorageClass', lineAt: ['"targetStorageClass"'] },
  { name: 'sinceImagePulled with expire', policy: { rules: [rule({}, { countType: 'sinceImagePulled', countUnit: 'days' })] }, code: 'policy/since-pulled-needs-transition', pointer: '/rules/0/action/type', lineAt: ['"type"'] },
  { name: 'sinceImageTransitioned with transition', policy: { rules: [archiveExpire(1)].map((r) => ({ ...r, action: { type: 'transition', targetStorageClass: 'archive' } })) }, code: 'policy/since-transitioned-needs-expire', pointer: '/rules/0/action/type', lineAt: ['"type"'] },
  {
    name: 'duplicate rulePriority',
    policy: { rules: [rule({}, { tagStatus: 'tagged', tagPrefixList: ['a'] }), rule({}, { tagStatus: 'tagged', tagPrefixList: ['b'] })] },
    code: 'policy/duplicate-rule-priority', pointer: '/rules/1/rulePriority', lineAt: ['"rulePriority"', 1], schemaRejects: false,
  },
  {
    name: 'two untagged rules in standard',
    policy: { rules: [rule({}, { tagStatus: 'untagged' }), rule({ rulePriority: 2 }, { tagStatus: 'untagged', countNumber: 5 })] },
    code: 'policy/multiple-untagged-rules', pointer: '/rules/1/selection/tagStatus', lineAt: ['"tagStatus"', 1], schemaRejects: false,
  },
  {
    name: 'any rule not last',
    policy: { rules: [rule({ rulePriority: 1 }), rule({ rulePriority: 2 }, { tagStatus: 'tagged', tagPrefixList: ['v'] })] },
    code: 'policy/any-rule-not-last', pointer: '/rules/0/rulePriority', lineAt: ['"rulePriority"'], schemaRejects: false,
  },
  {
    name: 'same tagPrefixList set twice',
    policy: { rules: [rule({}, { tagStatus: 'tagged', tagPrefixList: ['prod', 'v'] }), rule({ rulePriority: 2 }, { tagStatus: 'tagged', tagPrefixList: ['v', 'prod'], countNumber: 3 })] },
    code: 'policy/duplicate-tag-prefix-list', pointer: '/rules/1/selection/tagPrefixList', lineAt: ['"tagPrefixList"', 1], schemaRejects: false,
  },
  {
    name: 'text longer than 30720 characters',
    policy: { rules: [rule({ description: 'd'.repeat(30_800) })] },
    code: 'policy/text-length', pointer: '', lineAt: ['{'], schemaRejects: false,
  },
];

const accepted: Array<{ name: string; policy: unknown }> = [
  { name: 'one any rule', policy: { rules: [rule()] } },
  { name: 'tagged prefix + untagged + any last', policy: { rules: [rule({ rulePriority: 1 }, { tagStatus: 'tagged', tagPrefixList: ['prod'] }), rule({ rulePriority: 2 }, { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 }), rule({ rulePriority: 10 })] } },
  { name: 'four wildcards', policy: { rules: [rule({}, { tagStatus: 'tagged', tagPatternList: ['*a*b*c*'] })] } },
  { name: 'transition by sinceImagePulled', policy: { rules: [rule({}, { countType: 'sinceImagePulled', countUnit: 'days', countNumber: 30 }, { type: 'transition', targetStorageClass: 'archive' })] } },
  { name: 'archive expiry', policy: { rules: [archiveExpire(1)] } },
  { name: 'untagged rule in each storage class', policy: { rules: [rule({}, { tagStatus: 'untagged' }), archiveExpire(2, { tagStatus: 'untagged' })] } },
  { name: 'same prefix set in different storage classes', policy: { rules: [rule({}, { tagStatus: 'tagged', tagPrefixList: ['v'] }), archiveExpire(2, { tagStatus: 'tagged', tagPrefixList: ['v'] })] } },
  { name: 'same prefixes as patterns', policy: { rules: [rule({}, { tagStatus: 'tagged', tagPrefixList: ['v'] }), rule({ rulePriority: 2 }, { tagStatus: 'tagged', tagPatternList: ['v'] })] } },
  { name: 'any rule last of standard while archive rules have higher priorities', policy: { rules: [rule({ rulePriority: 5 }), archiveExpire(9)] } },
];

describe('parsePolicyText: rejected forms', () => {
  for (const c of rejected) {
    it(c.name, () => {
      const t = text(c.policy);
      const r = parsePolicyText(t, { file: 'policy.json' });
      expect(r.policy).toBeUndefined();
      const hit = r.problems.find((p) => p.code === c.code);
      expect(hit, JSON.stringify(r.problems, null, 1)).toBeDefined();
      expect(hit!.location.pointer).toBe(c.pointer);
      expect(hit!.location.innerPointer).toBeUndefined();
      expect(hit!.location.file).toBe('policy.json');
      expect(hit!.location.line).toBe(lineOf(t, c.lineAt[0], c.lineAt[1]));
      expect(hit!.message).toMatch(/^ECR will reject this policy: /);
      // The published schema agrees for everything JSON Schema can express.
      if (c.schemaRejects !== false) expect(schemaErrors('lifecycle-policy', c.policy)).not.toEqual([]);
    });
  }
});

describe('parsePolicyText: accepted forms', () => {
  for (const c of accepted) {
    it(c.name, () => {
      const t = text(c.policy);
      const r = parsePolicyText(t, { file: 'policy.json' });
      expect(r.problems).toEqual([]);
      expect(r.policy).toEqual(c.policy);
      expect(schemaErrors('lifecycle-policy', c.policy)).toEqual([]);
    });
  }

  it('accepts exactly 30720 characters, rejects 30721', () => {
    const base = JSON.stringify({ rules: [rule()] });
    const padded = (n: number): string => base + ' '.repeat(n - base.length);
    expect(parsePolicyText(padded(30_720), { file: 'p' }).problems).toEqual([]);
    expect(parsePolicyText(padded(30_721), { file: 'p' }).problems.map((p) => [p.code, p.found])).toEqual([['policy/text-length', '30721 characters']]);
  });

  it('rejects 99 characters, not 100 (whitespace counts)', () => {
    const padded = (n: number): string => '{"rules":[]' + ' '.repeat(n - 12) + '}';
    expect(padded(100)).toHaveLength(100);
    expect(parsePolicyText(padded(99), { file: 'p' }).problems.map((p) => p.code)).toEqual(['policy/text-length', 'policy/too-few-items']);
    expect(parsePolicyText(padded(100), { file: 'p' }).problems.map((p) => p.code)).toEqual(['policy/too-few-items']);
  });

  it('accepts 50 rules', () => {
    const policy = { rules: Array.from({ length: 50 }, (_, i) => rule({ rulePriority: i + 1 }, { tagStatus: 'tagged', tagPrefixList: [`p${i}`] })) };
    expect(parsePolicyText(text(policy), { file: 'p' }).problems).toEqual([]);
  });
});

describe('parsePolicyText: messages and several problems', () => {
  it('words unknown properties with the allowed ones', () => {
    const r = parsePolicyText(text({ rules: [rule({}, { tagPrefix: ['v'] })] }), { file: 'p' });
    expect(r.problems[0]!.message).toBe(
      "ECR will reject this policy: unknown property 'tagPrefix'; allowed: countNumber, countType, countUnit, storageClass, tagPatternList, tagPrefixList, tagStatus",
    );
  });

  it('says found and expected for a range error', () => {
    const r = parsePolicyText(text({ rules: [rule({}, { countNumber: 0 })] }), { file: 'p' });
    expect(r.problems[0]).toMatchObject({ code: 'policy/out-of-range' });
    expect(r.problems[0]!.message).toBe("ECR will reject this policy: 'countNumber' out of range: expected integer >= 1, found 0");
  });

  it('says null is not accepted', () => {
    const r = parsePolicyText(text({ rules: [rule({}, { countUnit: null, countType: 'sinceImagePushed' })] }), { file: 'p' });
    expect(r.problems.map((p) => p.code)).toEqual(['policy/null-value']);
    expect(r.problems[0]!.message).toContain('null is not accepted');
  });

  it('collects every problem of a policy, sorted by line', () => {
    const policy = {
      rules: [
        rule({ rulePriority: 0 }, { tagStatus: 'tagged' }),
        rule({ rulePriority: 2 }, { countType: 'sinceImagePulled', countUnit: 'days' }),
        rule({ rulePriority: 2, extra: true }, { tagStatus: 'untagged' }),
      ],
    };
    const t = text(policy);
    const r = parsePolicyText(t, { file: 'p' });
    expect(r.problems.map((p) => [p.code, p.location.pointer])).toEqual([
      ['policy/out-of-range', '/rules/0/rulePriority'],
      ['policy/tag-list-missing', '/rules/0/selection'],
      ['policy/since-pulled-needs-transition', '/rules/1/action/type'],
      ['policy/duplicate-rule-priority', '/rules/2/rulePriority'],
      ['policy/unknown-property', '/rules/2/extra'],
    ].sort((a, b) => lineFor(t, a[1]!) - lineFor(t, b[1]!)));
    const lines = r.problems.map((p) => p.location.line!);
    expect([...lines].sort((a, b) => a - b)).toEqual(lines);
  });

  it('does not repeat a combination error as a schema error', () => {
    const r = parsePolicyText(text({ rules: [rule({}, { countType: 'sinceImagePushed' })] }), { file: 'p' });
    expect(r.problems.map((p) => p.code)).toEqual(['policy/count-unit-missing']);
  });
});

// Lines of the three rules' fields above, found independently by walking the pretty-printed text.
function lineFor(t: string, pointer: string): number {
  const [, , idx, ...rest] = pointer.split('/');
  const ruleStart = lineOf(t, '"rulePriority"', Number(idx));
  const lines = t.split('\n');
  const key = rest.length === 0 ? '"rulePriority"' : `"${rest[rest.length - 1]}"`;
  for (let l = ruleStart - 2; l < lines.length; l++) if (lines[l]!.includes(key)) return l + 1;
  return -1;
}

describe('parsePolicyText: JSON syntax', () => {
  it('rejects a trailing comma with its line', () => {
    const t = '{\n  "rules": [\n    {"rulePriority": 1},\n  ]\n}';
    const r = parsePolicyText(t, { file: 'p' });
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ code: 'json/syntax', location: { line: 3, column: 24 } });
    expect(r.problems[0]!.message).toBe('ECR will reject this policy: trailing comma is not allowed in JSON');
  });

  it('rejects comments', () => {
    const r = parsePolicyText('{\n  // keep 10\n  "rules": []\n}', { file: 'p' });
    expect(r.problems[0]).toMatchObject({ code: 'json/syntax', location: { line: 2, column: 3 } });
    expect(r.problems[0]!.message).toContain('comments are not allowed');
  });

  it('rejects truncated text', () => {
    const r = parsePolicyText('{\n  "rules": [\n', { file: 'p' });
    expect(r.problems[0]).toMatchObject({ code: 'json/truncated', location: { line: 3 } });
  });
});

describe('parsePolicyText: duplicate properties', () => {
  it('rejects a property given twice as ambiguous', () => {
    const t = JSON.stringify({ rules: [rule()] }, null, 2).replace('"countNumber": 10', '"countNumber": 10,\n        "countNumber": 100');
    const r = parsePolicyText(t, { file: 'p' });
    expect(r.policy).toBeUndefined();
    expect(r.problems.map((p) => [p.code, p.location.line, p.message])).toEqual([
      ['json/duplicate-key', lineOf(t, '"countNumber": 100'), "duplicate property 'countNumber': which of its values counts is ambiguous"],
    ]);
  });
});

describe('parsePolicyText: archive minimum warning', () => {
  it('accepts sinceImageTransitioned below 90 days with a warning', () => {
    const t = text({ rules: [archiveExpire(1, { countNumber: 30 })] });
    const r = parsePolicyText(t, { file: 'p' });
    expect(r.problems).toEqual([]);
    expect(r.policy).toBeDefined();
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatchObject({ code: 'policy/archive-minimum', location: { pointer: '/rules/0/selection/countNumber', line: lineOf(t, '"countNumber"') } });
    expect(r.warnings[0]!.message).not.toContain('reject');
  });

  it('has no warning at 90 days', () => {
    expect(parsePolicyText(text({ rules: [archiveExpire(1, { countNumber: 90 })] }), { file: 'p' }).warnings).toEqual([]);
  });
});

describe('parsePolicyText: embedded in another file', () => {
  it('puts the outer pointer first and maps offsets through mapOffset', () => {
    const t = text({ rules: [rule({}, { countNumber: 0 })] });
    const r = parsePolicyText(t, { file: 'main.tf', pointerPrefix: '/resource/0/policy', mapOffset: (o) => ({ line: 100, column: o + 1 }) });
    expect(r.problems[0]!.location).toMatchObject({
      file: 'main.tf',
      pointer: '/resource/0/policy',
      innerPointer: '/rules/0/selection/countNumber',
      line: 100,
      column: t.indexOf('0', t.indexOf('"countNumber"') + 14) + 1,
    });
    expect(r.locate('/rules/0')).toMatchObject({ pointer: '/resource/0/policy', innerPointer: '/rules/0', line: 100 });
  });
});

describe('validatePolicyObject', () => {
  it('validates an already parsed policy with pointers', () => {
    const r = validatePolicyObject({ rules: [rule({}, { countUnit: 'days' })] }, { file: '(editor)' });
    expect(r.policy).toBeUndefined();
    expect(r.problems.map((p) => [p.code, p.location])).toEqual([['policy/count-unit-not-allowed', { file: '(editor)', pointer: '/rules/0/selection/countUnit' }]]);
  });

  it('measures the length with JSON.stringify', () => {
    const valid = { rules: [rule()] };
    expect(validatePolicyObject(valid, { file: 'e' }).policy).toBe(valid);
    const r = validatePolicyObject({ rules: [] }, { file: 'e' });
    expect(r.problems.map((p) => [p.code, p.found])).toEqual([
      ['policy/text-length', '12 characters'],
      ['policy/too-few-items', '0'],
    ]);
  });
});
