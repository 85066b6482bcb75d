import { describe, expect, test } from 'vitest';
import { extractPolicySources } from '../../../src/load/sources/index.js';
import { byName, expectEveryCharacterMapped, fixture, lineColumnAt, nthIndexOf, positionOf } from './helpers.js';

describe('CloudFormation YAML template', () => {
  const yaml = fixture('cloudformation/ecr-stack.yaml');
  const { sources, problems } = extractPolicySources(yaml.file, yaml.text);

  test('parses every short-form intrinsic and lists each ECR policy, resolved or not, in file order', () => {
    expect(problems).toEqual([]);
    expect(sources.map((s) => [s.name, s.format, s.policyText !== undefined])).toEqual([
      // BatchRepository's text is the SharedPolicy parameter's Default, near the top.
      ['BatchRepository', 'cloudformation', true],
      ['ApiRepository', 'cloudformation', true],
      ['WebRepository', 'cloudformation', false],
      ['WorkerRepository', 'cloudformation', true],
      ['JobsRepository', 'cloudformation', true],
      ['ConditionalRepository', 'cloudformation', false],
      ['ImportedRepository', 'cloudformation', false],
      ['CacheTemplate', 'cloudformation', true],
    ]);
  });

  test('block literal: countNumber of the second rule at its exact line and column', () => {
    const api = byName(sources, 'ApiRepository');
    expect(api.repositoryName).toBe('shop/api');
    const at = api.policyText!.indexOf('"countNumber": 14');
    expect(api.mapOffset(at)).toEqual({ line: 54, column: 19 });
    expect(api.mapOffset(at)).toEqual(positionOf(yaml.text, '"countNumber": 14'));
    expect(api.policyText!.startsWith('{\n  "rules": [\n')).toBe(true);
    expectEveryCharacterMapped(yaml.text, api);
    // The indentation the block strips is not part of the text; more-indented spaces are, exactly.
    const rules = api.policyText!.indexOf('  "rules"');
    expect(api.mapOffset(rules)).toEqual({ line: 35, column: 11 });
  });

  test('folded block scalar in a RepositoryCreationTemplate', () => {
    const cache = byName(sources, 'CacheTemplate');
    expect(cache.repositoryPrefix).toBe('cache');
    expect(cache.repositoryName).toBeUndefined();
    expect(JSON.parse(cache.policyText!).rules[0].selection.countNumber).toBe(60);
    const at = cache.policyText!.indexOf('"countNumber": 60');
    expect(cache.mapOffset(at)).toEqual(positionOf(yaml.text, '"countNumber": 60'));
    expectEveryCharacterMapped(yaml.text, cache);
  });

  test("!Sub without variables in a single-quoted scalar: ${!Literal} and '' are decoded, positions follow", () => {
    const worker = byName(sources, 'WorkerRepository');
    expect(worker.policyText).toContain('"description":"drop ${Stage} builds, it\'s fine"');
    const stage = worker.policyText!.indexOf('Stage}');
    expect(worker.mapOffset(stage)).toEqual(positionOf(yaml.text, 'Stage} builds'));
    const quote = worker.policyText!.indexOf("'s fine");
    expect(worker.mapOffset(quote)).toEqual(positionOf(yaml.text, "''s fine"));
    expect(worker.mapOffset(quote + 1)).toEqual(positionOf(yaml.text, "s fine"));
    const at = worker.policyText!.indexOf('"countNumber":3');
    expect(worker.mapOffset(at)).toEqual(positionOf(yaml.text, '"countNumber":3'));
    expectEveryCharacterMapped(yaml.text, worker);
  });

  test('!Join of literal strings maps each piece to its own line', () => {
    const jobs = byName(sources, 'JobsRepository');
    expect(JSON.parse(jobs.policyText!).rules[0].selection.countNumber).toBe(2);
    const at = jobs.policyText!.indexOf('"countNumber":2');
    expect(jobs.mapOffset(at)).toEqual(positionOf(yaml.text, '"countNumber":2'));
    expect(jobs.mapOffset(at).line).toBe(87);
    expect(jobs.mapOffset(jobs.policyText!.indexOf('"action"'))).toEqual({ line: 88, column: 16 });
    expect(yaml.text.split('\n')[87]!.slice(15, 23)).toBe('"action"');
    expectEveryCharacterMapped(yaml.text, jobs);
  });

  test('!Ref to a parameter resolves to its Default, and says so', () => {
    const batch = byName(sources, 'BatchRepository');
    expect(batch.resolvedFrom).toBe('parameter-default');
    expect(batch.pointerPrefix).toBe('/Parameters/SharedPolicy/Default');
    expect(batch.repositoryName).toBe('shop/batch');
    const at = batch.policyText!.indexOf('"countNumber":5');
    expect(batch.mapOffset(at)).toEqual(positionOf(yaml.text, '"countNumber":5'));
    expectEveryCharacterMapped(yaml.text, batch);
  });

  test('unresolvable intrinsics are sources with a reason naming the intrinsic, located at the value', () => {
    const web = byName(sources, 'WebRepository');
    expect(web.unresolvedReason).toBe('!Sub substitutes ${RetentionDays}, known only at deploy time');
    // Its RepositoryName is itself an intrinsic: left unknown.
    expect(web.repositoryName).toBeUndefined();
    expect(web.location).toMatchObject({ line: 67, column: 35, pointer: '/Resources/WebRepository/Properties/LifecyclePolicy/LifecyclePolicyText' });
    expect(web.mapOffset(5)).toEqual({ line: 67, column: 35 });
    expect(byName(sources, 'ConditionalRepository').unresolvedReason).toMatch(/^!If /);
    expect(byName(sources, 'ConditionalRepository').repositoryName).toBeUndefined();
    expect(byName(sources, 'ImportedRepository').unresolvedReason).toMatch(/^!ImportValue /);
  });
});

describe('CloudFormation YAML with CRLF line endings', () => {
  test('maps every character of every policy to the same line and column as with LF', () => {
    const yaml = fixture('cloudformation/ecr-stack.yaml');
    const lf = extractPolicySources(yaml.file, yaml.text).sources;
    const crlf = extractPolicySources(yaml.file, yaml.text.replace(/\n/g, '\r\n')).sources;
    expect(crlf.map((s) => s.policyText?.replace(/\r/g, ''))).toEqual(lf.map((s) => s.policyText));
    for (const [k, source] of lf.entries()) {
      if (source.policyText === undefined) continue;
      const other = crlf[k]!;
      // Character k of the LF text is character k of the CRLF text once CRs the policy keeps are skipped.
      let j = 0;
      for (let i = 0; i <= source.policyText.length; i++, j++) {
        while (other.policyText![j] === '\r') j++;
        expect(other.mapOffset(j), `${source.name} character ${i}`).toEqual(source.mapOffset(i));
      }
    }
  });
});

describe('CloudFormation JSON template', () => {
  const json = fixture('cloudformation/ecr-stack.json');
  const { sources, problems } = extractPolicySources(json.file, json.text);

  test('string escapes (\\n, \\", \\\\, \\u0041) are decoded and positions go through them', () => {
    const api = byName(sources, 'ApiRepository');
    expect(api.format).toBe('cloudformation');
    expect(JSON.parse(api.policyText!).rules[0].description).toBe('Keep "stable" API images');
    const at = api.policyText!.indexOf('"countNumber": 8');
    expect(api.mapOffset(at)).toEqual(positionOf(json.text, '\\"countNumber\\": 8'));
    expect(api.mapOffset(at + 1)).toEqual(positionOf(json.text, 'countNumber\\": 8'));
    const a = api.policyText!.indexOf('API');
    expect(api.mapOffset(a)).toEqual(positionOf(json.text, '\\u0041PI'));
    expect(api.mapOffset(a + 1)).toEqual(positionOf(json.text, 'PI images'));
    expectEveryCharacterMapped(json.text, api);
  });

  test('Fn::Sub with ${!Literal} and Fn::Join resolve; their RepositoryName intrinsic is left unknown', () => {
    const sub = byName(sources, 'SubRepository');
    expect(sub.repositoryName).toBeUndefined();
    expect(JSON.parse(sub.policyText!).rules[0].description).toBe('${Stage} images');
    expectEveryCharacterMapped(json.text, sub);
    const join = byName(sources, 'JoinRepository');
    expect(JSON.parse(join.policyText!).rules[0].selection.countNumber).toBe(9);
    const at = join.policyText!.indexOf('"countNumber":9');
    expect(join.mapOffset(at)).toEqual(positionOf(json.text, '\\"countNumber\\":9'));
    // The delimiter between pieces maps to the delimiter string.
    const comma = join.policyText!.indexOf(',"selection"');
    expect(join.mapOffset(comma)).toEqual(lineColumnAt(json.text, nthIndexOf(json.text, '[",", [') + 2));
  });

  test('Fn::Sub of a pseudo parameter is unresolved; a policy written as an object is a problem', () => {
    expect(byName(sources, 'RegionalRepository').unresolvedReason).toBe('Fn::Sub substitutes ${AWS::Region}, known only at deploy time');
    expect(sources.find((s) => s.name === 'ObjectPolicyRepository')).toBeUndefined();
    expect(problems).toEqual([
      expect.objectContaining({
        code: 'source/policy-not-string',
        found: 'an object',
        location: expect.objectContaining({ pointer: '/Resources/ObjectPolicyRepository/Properties/LifecyclePolicy/LifecyclePolicyText', line: 55, column: 34 }),
      }),
    ]);
    expect(sources.map((s) => s.name)).toEqual(['ApiRepository', 'SubRepository', 'JoinRepository', 'RegionalRepository']);
  });
});

describe('YAML details', () => {
  const template = (policyYaml: string) => `Resources:\n  Repo:\n    Type: AWS::ECR::Repository\n    Properties:\n      LifecyclePolicy:\n        LifecyclePolicyText: ${policyYaml}\n`;
  const withParameters = (parameters: string, policyYaml: string) => `Parameters:\n${parameters}\n${template(policyYaml)}`;
  const RULE = (count: string, prefixes: string) =>
    `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"tagged","tagPrefixList":[${prefixes}],"countType":"imageCountMoreThan","countNumber":${count}},"action":{"type":"expire"}}]}`;

  test('${Param} in a !Sub is Ref Param: a parameter Default is used (and said), as with !Ref', () => {
    const text = withParameters('  Prefix:\n    Type: String\n    Default: release-', `!Sub '${RULE('5', '"${Prefix}","staging"')}'`);
    const [s] = extractPolicySources('t.yaml', text).sources;
    expect(s!.unresolvedReason).toBeUndefined();
    expect(JSON.parse(s!.policyText!).rules[0].selection.tagPrefixList).toEqual(['release-', 'staging']);
    expect(s!.resolvedFrom).toBe('parameter-default');
    expect(s!.mapOffset(s!.policyText!.indexOf('release-'))).toEqual(positionOf(text, 'release-'));
  });

  test('numbers where strings are expected use their text: a Number parameter Default, a Sub variable', () => {
    const viaRef = withParameters('  Keep:\n    Type: Number\n    Default: 3', `!Join ['', ['${RULE('', '"v"').replace(/"countNumber":/, '"countNumber":\', !Ref Keep, \'')}']]`);
    const [r] = extractPolicySources('r.yaml', viaRef).sources;
    expect(r!.unresolvedReason).toBeUndefined();
    expect(JSON.parse(r!.policyText!).rules[0].selection.countNumber).toBe(3);
    expect(r!.mapOffset(r!.policyText!.indexOf('3}'))).toEqual(positionOf(viaRef, '3\n'));
    const viaSub = template(`!Sub\n          - '${RULE('${N}', '"v"')}'\n          - N: 2`);
    const [v] = extractPolicySources('v.yaml', viaSub).sources;
    expect(v!.unresolvedReason).toBeUndefined();
    expect(JSON.parse(v!.policyText!).rules[0].selection.countNumber).toBe(2);
  });

  test('a span whose text comes from several places ends where its first piece ends, not in unrelated text', () => {
    const text = withParameters('  Keep:\n    Type: Number\n    Default: 3', "!Join\n          - ''\n          - - '{\"rules\":[{\"rulePriority\":1,\"selection\":{\"tagStatus\":\"any\",\"countType\":\"imageCountMoreThan\",\"countNumber\":'\n            - !Ref Keep\n            - '},\"action\":{\"type\":\"expire\"}}]}'");
    const [s] = extractPolicySources('span.yaml', text).sources;
    const three = s!.policyText!.indexOf(':3}') + 1;
    // The value 3 is the parameter's Default: its span starts and ends there.
    expect(s!.mapOffset(three)).toEqual(positionOf(text, '3\n'));
    expect(s!.mapSpanEnd(three, three + 1)).toEqual({ ...positionOf(text, '3\n'), column: positionOf(text, '3\n').column + 1 });
    // The selection object runs through all three pieces: it ends with the first one, on its own line.
    const selection = s!.policyText!.indexOf('{"tagStatus"');
    const end = s!.mapSpanEnd(selection, s!.policyText!.indexOf('},"action"') + 1);
    expect(end.line).toBe(s!.mapOffset(selection).line);
    expect(end).toEqual({ ...positionOf(text, "'\n            - !Ref"), column: positionOf(text, "'\n            - !Ref").column });
    // Within one piece the span end is the plain mapping.
    expect(s!.mapSpanEnd(1, 8)).toEqual(s!.mapOffset(8));
  });

  test('${Param} without a Default, and ${Resource.Attribute}, stay unresolved with the reason', () => {
    const noDefault = withParameters('  Prefix:\n    Type: String', `!Sub '${RULE('5', '"${Prefix}"')}'`);
    expect(extractPolicySources('a.yaml', noDefault).sources[0]!.unresolvedReason).toBe('!Sub substitutes ${Prefix}, known only at deploy time');
    const attribute = template(`!Sub '${RULE('5', '"${Bucket.Arn}"')}'`);
    expect(extractPolicySources('b.yaml', attribute).sources[0]!.unresolvedReason).toBe('!Sub substitutes ${Bucket.Arn}, known only at deploy time');
  });

  test('!Sub over a block literal without variables resolves with exact positions', () => {
    const text = template('!Sub |\n          {"rules": [\n            {"countNumber": 3, "x": "${!Keep}"}]}\n');
    const [s] = extractPolicySources('t.yaml', text).sources;
    expect(s!.policyText).toBe('{"rules": [\n  {"countNumber": 3, "x": "${Keep}"}]}\n');
    expect(s!.mapOffset(s!.policyText!.indexOf('"countNumber"'))).toEqual({ line: 8, column: 14 });
    expect(s!.mapOffset(s!.policyText!.indexOf('Keep'))).toEqual(positionOf(text, 'Keep'));
    expectEveryCharacterMapped(text, s!);
  });

  test('double-quoted YAML with escapes and a folded line break', () => {
    const text = template('"{\\"rules\\":\n          [\\u0041, \\x42]}"');
    const [s] = extractPolicySources('t.yaml', text).sources;
    expect(s!.policyText).toBe('{"rules": [A, B]}');
    expect(s!.mapOffset(s!.policyText!.indexOf('['))).toEqual(positionOf(text, '['));
    expect(s!.mapOffset(s!.policyText!.indexOf('A'))).toEqual(positionOf(text, '\\u0041'));
    expect(s!.mapOffset(s!.policyText!.indexOf('B'))).toEqual(positionOf(text, '\\x42'));
    expectEveryCharacterMapped(text, s!);
  });

  test('block literal with an indentation indicator and strip chomping keeps extra indentation exact', () => {
    const text = template('|2-\n            {"rules":\n          []}\n');
    const [s] = extractPolicySources('t.yaml', text).sources;
    expect(s!.policyText).toBe('  {"rules":\n[]}');
    expect(s!.mapOffset(0)).toEqual({ line: 7, column: 11 });
    expect(s!.mapOffset(2)).toEqual(positionOf(text, '{"rules"'));
    expect(s!.mapOffset(s!.policyText!.indexOf('[]'))).toEqual(positionOf(text, '[]'));
  });

  test('an alias resolves to its anchor, positions included', () => {
    const text = `Parameters: {}\nShared: &policy '{"rules":[]}'\n` + template('*policy');
    const [s] = extractPolicySources('t.yaml', text).sources;
    expect(s!.policyText).toBe('{"rules":[]}');
    expect(s!.mapOffset(1)).toEqual(positionOf(text, '"rules"'));
  });

  test('CRLF line endings count one line per break', () => {
    const text = template('|\n          {"rules": [\n            {"countNumber": 3}]}\n').replace(/\n/g, '\r\n');
    const [s] = extractPolicySources('t.yaml', text).sources;
    expect(s!.policyText).toBe('{"rules": [\n  {"countNumber": 3}]}\n');
    expect(s!.mapOffset(s!.policyText!.indexOf('"countNumber"'))).toEqual({ line: 8, column: 14 });
  });

  test('a YAML syntax error in a CloudFormation template is a located problem', () => {
    const text = 'Resources:\n  Repo:\n    Type: AWS::ECR::Repository\n    Properties:\n      LifecyclePolicy:\n        LifecyclePolicyText: "{\\"rules\\": [}\n      RepositoryName: x\n';
    const { sources, problems } = extractPolicySources('t.yaml', text);
    expect(sources).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'yaml/syntax', location: { file: 't.yaml', line: expect.any(Number), column: expect.any(Number) } });
    expect(problems[0]!.location.line).toBeGreaterThanOrEqual(6);
  });
});

describe('CloudFormation !Sub with a variable used twice', () => {
  test('names each unknown variable once', () => {
    const template = [
      'Resources:',
      '  Repo:',
      '    Type: AWS::ECR::Repository',
      '    Properties:',
      '      LifecyclePolicy:',
      '        LifecyclePolicyText: !Sub \'{"rules":[{"rulePriority":1,"description":"${Env} ${Env}","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":${Keep}}}]}\'',
    ].join('\n');
    const { sources } = extractPolicySources('t.yaml', template);
    expect(sources[0]!.unresolvedReason).toBe('!Sub substitutes ${Env}, ${Keep}, known only at deploy time');
  });
});

describe('bounded intrinsic expansion (issue 15: Fn::Sub of Fn::Sub)', () => {
  /** Fn::Sub nested `depth` levels, each substituting its variable `fanout` times (a 668-byte template at 8 x 10). */
  function subBomb(depth: number, fanout: number): string {
    let inner: unknown = 'x';
    for (let d = 0; d < depth; d++) inner = { 'Fn::Sub': ['${a}'.repeat(fanout), { a: inner }] };
    return JSON.stringify({
      AWSTemplateFormatVersion: '2010-09-09',
      Resources: { Repo: { Type: 'AWS::ECR::Repository', Properties: { RepositoryName: 'bomb', LifecyclePolicy: { LifecyclePolicyText: inner } } } },
    });
  }

  test('eight levels of ten references: a located rejection, within the work budget, never a crash', () => {
    const text = subBomb(8, 10);
    const { sources, problems } = extractPolicySources('bomb.json', text);
    expect(sources).toEqual([]);
    expect(problems.map((p) => [p.code, p.location.line, p.location.column])).toEqual([['source/policy-too-long', 1, text.indexOf('{"Fn::Sub"') + 1]]);
    expect(problems[0]!.message).toMatch(/Repo: the policy text is too long: .*30,720 characters ECR accepts/);
  });

  test('a Join whose text passes 30,720 characters is a rejection too', () => {
    const big = JSON.stringify({
      Resources: { Repo: { Type: 'AWS::ECR::Repository', Properties: { LifecyclePolicy: { LifecyclePolicyText: { 'Fn::Join': ['', Array.from({ length: 40 }, () => 'y'.repeat(1000))] } } } } },
    });
    expect(extractPolicySources('join.json', big).problems.map((p) => p.code)).toEqual(['source/policy-too-long']);
  });
});

describe('bounded YAML alias expansion (issue 15/16: alias bomb)', () => {
  test('anchors each referencing the previous ten times, seven levels: one located problem, nothing expanded', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
    lines.push('Resources: {R: {Type: AWS::ECR::Repository, Properties: {LifecyclePolicy: {LifecyclePolicyText: x}}}}');
    const { sources, problems } = extractPolicySources('bomb.yaml', lines.join('\n') + '\n');
    expect(sources).toEqual([]);
    expect(problems.map((p) => [p.code, p.location.line])).toEqual([['yaml/alias-budget', 4]]);
  });

  test('ordinary aliases (a shared policy text) are still read', () => {
    const text = [
      'Shared: &policy \'{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}\'',
      'Resources:',
      '  A: {Type: AWS::ECR::Repository, Properties: {LifecyclePolicy: {LifecyclePolicyText: *policy}}}',
      '  B: {Type: AWS::ECR::Repository, Properties: {LifecyclePolicy: {LifecyclePolicyText: *policy}}}',
    ].join('\n');
    expect(extractPolicySources('shared.yaml', text).sources.map((s) => s.name)).toEqual(['A', 'B']);
  });
});
