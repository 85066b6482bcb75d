import { describe, expect, test } from 'vitest';
import { extractPolicySources } from '../../../src/load/sources/index.js';
import { byName, expectEveryCharacterMapped, fixture, positionOf } from './helpers.js';

describe('CDK synth template', () => {
  const cdk = fixture('cdk.out/ShopStack.template.json');
  const { sources, problems } = extractPolicySources(cdk.file, cdk.text);

  test('format cdk, named by aws:cdk:path', () => {
    expect(problems).toEqual([]);
    expect(sources.map((s) => [s.name, s.format, s.repositoryName])).toEqual([
      ['ShopStack/ApiRepo/Resource', 'cdk', 'shop/api'],
      ['ShopStack/WorkerRepo/Resource', 'cdk', undefined],
    ]);
    expect(sources[0]!.pointerPrefix).toBe('/Resources/ApiRepoB2E6B9A0/Properties/LifecyclePolicy/LifecyclePolicyText');
  });

  test("positions of a rule's countNumber", () => {
    const api = byName(sources, 'ShopStack/ApiRepo/Resource');
    const at = api.policyText!.indexOf('"countNumber":50');
    expect(api.mapOffset(at)).toEqual(positionOf(cdk.text, '\\"countNumber\\":50'));
    expectEveryCharacterMapped(cdk.text, api);
  });

  test('detected by metadata outside cdk.out, and by the cdk.out directory without metadata', () => {
    expect(extractPolicySources('synth/stack.json', cdk.text).sources[0]!.format).toBe('cdk');
    const bare = cdk.text.replace(/"aws:cdk:path"/g, '"note"');
    expect(extractPolicySources('synth/stack.json', bare).sources[0]!.format).toBe('cloudformation');
    expect(extractPolicySources('app/cdk.out/stack.template.json', bare).sources[0]).toMatchObject({ format: 'cdk', name: 'ApiRepoB2E6B9A0' });
  });
});

describe('aws ecr get-lifecycle-policy output', () => {
  const out = fixture('aws/get-lifecycle-policy.json');

  test('lifecyclePolicyText with its repository, positions through the escapes', () => {
    const { sources, problems } = extractPolicySources(out.file, out.text);
    expect(problems).toEqual([]);
    expect(sources).toHaveLength(1);
    const s = sources[0]!;
    expect(s).toMatchObject({ format: 'get-lifecycle-policy', name: 'get-lifecycle-policy.json', repositoryName: 'shop/api', pointerPrefix: '/lifecyclePolicyText' });
    expect(s.location).toMatchObject({ line: 4, column: 28 });
    const at = s.policyText!.indexOf('"countNumber":1}');
    expect(s.mapOffset(at)).toEqual(positionOf(out.text, '\\"countNumber\\":1}'));
    expectEveryCharacterMapped(out.text, s);
  });

  test('lifecyclePolicyText that is not a string is a located problem', () => {
    const { sources, problems } = extractPolicySources('out.json', '{\n  "lifecyclePolicyText": {"rules": []}\n}');
    expect(sources).toEqual([]);
    expect(problems).toEqual([
      expect.objectContaining({ code: 'source/policy-not-string', found: 'an object', location: { file: 'out.json', pointer: '/lifecyclePolicyText', line: 2, column: 26 } }),
    ]);
  });

  test('--output yaml works too', () => {
    const text = "lastEvaluatedAt: '2026-11-21T03:12:44.512000+00:00'\nlifecyclePolicyText: '{\"rules\":[]}'\nregistryId: '123456789012'\nrepositoryName: shop/api\n";
    const [s] = extractPolicySources('policy.yaml', text).sources;
    expect(s).toMatchObject({ format: 'get-lifecycle-policy', repositoryName: 'shop/api', policyText: '{"rules":[]}' });
    expect(s!.mapOffset(1)).toEqual(positionOf(text, '"rules"'));
  });
});

describe('plain policy JSON', () => {
  const policy = fixture('policies/policy.json');

  test('the file is the policy: identity mapping', () => {
    const { sources, problems } = extractPolicySources(policy.file, policy.text);
    expect(problems).toEqual([]);
    expect(sources).toHaveLength(1);
    const s = sources[0]!;
    expect(s).toMatchObject({ format: 'policy-json', name: 'policy.json', pointerPrefix: '', policyText: policy.text });
    expect(s.location).toMatchObject({ line: 1, column: 1, pointer: '' });
    const at = policy.text.indexOf('"countNumber"');
    expect(s.mapOffset(at)).toEqual({ line: 9, column: 9 });
    expect(s.mapOffset(policy.text.length + 100)).toEqual(s.mapOffset(policy.text.length));
    expectEveryCharacterMapped(policy.text, s);
  });

  test('a byte order mark is not a column', () => {
    const { sources } = extractPolicySources('bom.json', '\uFEFF{"rules": []}');
    expect(sources[0]!.policyText).toBe('{"rules": []}');
    expect(sources[0]!.mapOffset(1)).toEqual({ line: 1, column: 2 });
  });
});

describe('files that are not policy sources', () => {
  test('an unrecognised file given explicitly is a problem naming what was expected', () => {
    const { sources, problems } = extractPolicySources('package.json', '{"name": "x", "version": "1.0.0"}');
    expect(sources).toEqual([]);
    expect(problems).toEqual([
      expect.objectContaining({ code: 'source/unrecognised', location: { file: 'package.json' }, expected: expect.stringMatching(/get-lifecycle-policy.*terraform show -json.*CloudFormation/) }),
    ]);
  });

  test('a Kubernetes manifest, a JSON array and a scalar are unrecognised too', () => {
    for (const [file, text] of [['deploy.yaml', 'apiVersion: apps/v1\nkind: Deployment\n'], ['list.json', '[1, 2]'], ['s.yaml', 'hello']]) {
      expect(extractPolicySources(file!, text!).problems.map((p) => p.code)).toEqual(['source/unrecognised']);
    }
  });

  test('invalid JSON is a located syntax problem', () => {
    const { sources, problems } = extractPolicySources('policy.json', '{\n  "rules": [\n    {"rulePriority": 1,}\n  ]\n}');
    expect(sources).toEqual([]);
    expect(problems[0]).toMatchObject({ code: 'json/syntax', message: 'trailing comma is not allowed in JSON', location: { file: 'policy.json', line: 3, column: 23 } });
  });

  test('a truncated file gets one problem saying so, not one per unclosed bracket', () => {
    const { problems } = extractPolicySources('plan.json', '{"format_version":"1.2","planned_values":{"root_module":{"resources":[{"type":"aws_ecr_lifecycle_policy"');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'json/truncated', found: 'end of input' });
    expect(problems[0]!.message).toMatch(/^the JSON ends early \(truncated file\?\)/);
  });

  test('JSON nested deeper than the limit is one located problem, not a crash; the limit itself is read', () => {
    const deep = (n: number) => `{"format_version":"1.2","planned_values":{"root_module":{"x":${'['.repeat(n)}${']'.repeat(n)}}}}`;
    const { sources, problems } = extractPolicySources('plan.json', deep(5000));
    expect(sources).toEqual([]);
    expect(problems).toEqual([expect.objectContaining({ code: 'json/too-deep', location: expect.objectContaining({ file: 'plan.json', line: 1, column: 61 + 510 }) })]);
    expect(extractPolicySources('plan.json', deep(509)).problems).toEqual([]);
  });

  test('YAML block sequences too deep for the parser (it may throw in this shape) are that problem too', () => {
    const text = `AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  R:\n    Type: AWS::ECR::Repository\n    Metadata:\n      - ${'- '.repeat(20_000)}x\n`;
    const { sources, problems } = extractPolicySources('template.yaml', text);
    expect(sources).toEqual([]);
    // Measured before the (recursive) reader runs: the document's mapping, Resources, R and Metadata's
    // sequence are levels 1 to 4, then one per `- `: the 509th (column 9 + 2 x 508) is level 513.
    expect(problems).toEqual([expect.objectContaining({ code: 'yaml/too-deep', message: 'the YAML nests more than 512 levels deep', location: expect.objectContaining({ file: 'template.yaml', line: 6, column: 9 + 2 * 508 }) })]);
  });

  test('malformed JSON whose parse nests too deep for the stack is one problem at the start, not a crash', () => {
    const { sources, problems } = extractPolicySources('plan.json', `${'['.repeat(500)}${'}'.repeat(500)},`.repeat(40));
    expect(sources).toEqual([]);
    expect(problems).toEqual([expect.objectContaining({ code: 'json/syntax', location: expect.objectContaining({ file: 'plan.json', line: 1, column: 1 }) })]);
  });

  test('YAML too deep for its parser is one located problem saying so', () => {
    const text = `Resources:\n  R:\n    Type: AWS::ECR::Repository\n    Properties:\n      X: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`;
    const { sources, problems } = extractPolicySources('template.yaml', text);
    expect(sources).toEqual([]);
    // The document's mapping, Resources, R and Properties are levels 1 to 4: the 509th bracket after
    // `X: ` is level 513.
    expect(problems).toEqual([expect.objectContaining({ code: 'yaml/too-deep', message: 'the YAML nests more than 512 levels deep', location: expect.objectContaining({ file: 'template.yaml', line: 5, column: 9 + 509 }) })]);
  });

  test('YAML exactly as deep as the limit is read', () => {
    const template = (value: string) => `Resources:\n  R:\n    Type: AWS::ECR::Repository\n    Properties:\n      X: ${value}\n`;
    expect(extractPolicySources('template.yaml', template(`${'['.repeat(508)}1${']'.repeat(508)}`)).problems).toEqual([]);
    expect(extractPolicySources('template.yaml', template(`${'['.repeat(509)}1${']'.repeat(509)}`)).problems.map((p) => p.code)).toEqual(['yaml/too-deep']);
    // `[a: b]` is a sequence holding a mapping: two levels per bracket. 4 + 2 x 254 = 512.
    expect(extractPolicySources('template.yaml', template(`${'[a: '.repeat(254)}1${']'.repeat(254)}`)).problems).toEqual([]);
    const pairs = extractPolicySources('template.yaml', template(`${'[a: '.repeat(255)}1${']'.repeat(255)}`)).problems;
    // The 255th bracket (column 10 + 4 x 254) opens level 513.
    expect(pairs).toEqual([expect.objectContaining({ code: 'yaml/too-deep', location: expect.objectContaining({ line: 5, column: 10 + 4 * 254 }) })]);
  });

  test('a Terraform plan without ECR policies is recognised and has no sources', () => {
    expect(extractPolicySources('plan.json', '{"format_version":"1.2","planned_values":{"root_module":{}}}')).toEqual({ sources: [], problems: [] });
  });
});
