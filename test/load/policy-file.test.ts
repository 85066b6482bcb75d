import { readFileSync } from 'node:fs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicyFile } from '../../src/load/policy.js';
import { FIXTURES, columnOf, lineOf, problemsOfAsync } from './helpers.js';

const P = `${FIXTURES}policies/`;

describe('loadPolicyFile: raw policy', () => {
  it('loads a valid policy with its archive-minimum warning', async () => {
    const loaded = await loadPolicyFile(`${P}raw-valid.json`);
    const text = readFileSync(`${P}raw-valid.json`, 'utf8');
    expect(loaded.wrapped).toBe(false);
    expect(loaded.text).toBe(text);
    expect(loaded.policy.rules.map((r) => r.rulePriority)).toEqual([1, 2, 3, 4]);
    expect(loaded.repositoryName).toBeUndefined();
    expect(loaded.warnings.map((w) => [w.code, w.location.pointer, w.location.line])).toEqual([
      ['policy/archive-minimum', '/rules/3/selection/countNumber', lineOf(text, '"countNumber": 60')],
    ]);
    expect(loaded.locate('/rules/1/action')).toMatchObject({ file: `${P}raw-valid.json`, pointer: '/rules/1/action', line: lineOf(text, '"action"', 1) });
  });

  it('reports a syntax error with its line', async () => {
    const problems = await problemsOfAsync(() => loadPolicyFile(`${P}raw-syntax-error.json`));
    expect(problems).toEqual([expect.objectContaining({ code: 'json/syntax', message: 'trailing comma is not allowed in JSON', location: expect.objectContaining({ line: 6 }) })]);
  });
});

describe('loadPolicyFile: get-lifecycle-policy output', () => {
  it('unwraps lifecyclePolicyText and keeps repository and registry', async () => {
    const file = `${P}get-lifecycle-policy-valid.json`;
    const outer = readFileSync(file, 'utf8');
    const loaded = await loadPolicyFile(file);
    expect(loaded.wrapped).toBe(true);
    expect(loaded.repositoryName).toBe('team/api');
    expect(loaded.registryId).toBe('123456789012');
    expect(loaded.text).toBe((JSON.parse(outer) as { lifecyclePolicyText: string }).lifecyclePolicyText);
    expect(loaded.policy.rules).toHaveLength(4);
    // Locations inside the string map to the outer file, through the escaped quotes.
    const loc = loaded.locate('/rules/1/selection/countType');
    expect(loc).toMatchObject({ pointer: '/lifecyclePolicyText', innerPointer: '/rules/1/selection/countType', line: lineOf(outer, 'lifecyclePolicyText') });
    expect(loc.column).toBe(columnOf(outer, '\\"sinceImagePulled\\"'));
    expect(loaded.warnings[0]).toMatchObject({ code: 'policy/archive-minimum', location: { innerPointer: '/rules/3/selection/countNumber', column: columnOf(outer, '60}') } });
  });

  it('reports every problem inside lifecyclePolicyText at its outer line and column', async () => {
    const file = `${P}get-lifecycle-policy-invalid.json`;
    const outer = readFileSync(file, 'utf8');
    const problems = await problemsOfAsync(() => loadPolicyFile(file));
    const line = lineOf(outer, '"lifecyclePolicyText"');
    expect(problems.map((p) => [p.code, p.location.pointer, p.location.innerPointer, p.location.line, p.location.column])).toEqual([
      ['policy/not-allowed-value', '/lifecyclePolicyText', '/rules/0/selection/countType', line, columnOf(outer, '\\"imageCountMoreThen\\"')],
      ['policy/duplicate-rule-priority', '/lifecyclePolicyText', '/rules/1/rulePriority', line, columnOf(outer, '\\"rulePriority\\": 1', 1) + '\\"rulePriority\\": '.length],
      ['policy/out-of-range', '/lifecyclePolicyText', '/rules/1/selection/countNumber', line, columnOf(outer, '\\"countNumber\\": 0') + '\\"countNumber\\": '.length],
    ]);
    expect(problems.every((p) => p.message.startsWith('ECR will reject this policy: '))).toBe(true);
  });

  const tmp = mkdtempSync(join(tmpdir(), 'lifeguard-policy-'));
  const write = (name: string, content: string): string => {
    const path = join(tmp, name);
    writeFileSync(path, content);
    return path;
  };

  it('locates a syntax error inside lifecyclePolicyText in the outer file', async () => {
    const outer = '{\n  "repositoryName": "web",\n  "lifecyclePolicyText": "{\\"rules\\": [\\n  {\\"rulePriority\\": 1,}\\n]}"\n}\n';
    const problems = await problemsOfAsync(() => loadPolicyFile(write('syntax-inside.json', outer)));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      code: 'json/syntax',
      location: { pointer: '/lifecyclePolicyText', innerPointer: '', line: 3, column: columnOf(outer, ',}') },
    });
  });

  it('reports outer problems too: a non-string lifecyclePolicyText', async () => {
    const problems = await problemsOfAsync(() => loadPolicyFile(write('not-string.json', '{\n  "lifecyclePolicyText": {"rules": []}\n}')));
    expect(problems).toEqual([expect.objectContaining({ code: 'get-lifecycle-policy/wrong-type', location: expect.objectContaining({ pointer: '/lifecyclePolicyText', line: 2 }) })]);
  });

  it('reports outer and inner problems together', async () => {
    const inner = JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 0 }, action: { type: 'expire' } }] });
    const outer = JSON.stringify({ registryId: '12345', lifecyclePolicyText: inner }, null, 2);
    const problems = await problemsOfAsync(() => loadPolicyFile(write('both.json', outer)));
    expect(problems.map((p) => [p.code, p.location.line])).toEqual([
      ['get-lifecycle-policy/bad-registry-id', 2],
      ['policy/out-of-range', 3],
    ]);
  });
});

describe('loadPolicyFile: wrong kind of file', () => {
  it('says what the file looks like', async () => {
    const problems = await problemsOfAsync(() => loadPolicyFile(`${FIXTURES}snapshot/team/api/describe-images.json`));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.code).toBe('input/wrong-kind');
    expect(problems[0]!.message).toBe(
      'this looks like `aws ecr describe-images` output, but --policy expects a lifecycle policy ({"rules": [...]}) or `aws ecr get-lifecycle-policy` output',
    );
  });

  it('reports a missing file', async () => {
    const problems = await problemsOfAsync(() => loadPolicyFile(`${P}nope.json`));
    expect(problems[0]!.code).toBe('file/unreadable');
  });
});
