import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { discoverPolicySources } from '../../../src/load/sources/index.js';
import { FIXTURES } from './helpers.js';

// A repository-like tree built in a temporary directory: `.git` cannot be a committed fixture.

let root: string;

async function put(path: string, text: string): Promise<void> {
  await mkdir(join(root, path, '..'), { recursive: true });
  await writeFile(join(root, path), text);
}

const POLICY = '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lifeguard-sources-'));
  await cp(`${FIXTURES}/cdk.out`, join(root, 'infra/cdk.out'), { recursive: true });
  await cp(`${FIXTURES}/cloudformation/ecr-stack.yaml`, join(root, 'infra/stack.yaml'));
  await cp(`${FIXTURES}/terraform/plan.json`, join(root, 'terraform/plan.json'));
  await cp(`${FIXTURES}/policies/policy.json`, join(root, 'policy.json'));
  // A JSON template with the .template extension.
  await put('legacy/repos.template', JSON.stringify({ Resources: { R: { Type: 'AWS::ECR::Repository', Properties: { LifecyclePolicy: { LifecyclePolicyText: POLICY } } } } }));
  // Broken and ECR-related: reported.
  await put('infra/broken-stack.yml', 'Resources:\n  Repo:\n    Type: AWS::ECR::Repository\n    Properties:\n      RepositoryName: shop/broken\n     LifecyclePolicy: {}\n');
  // Broken but unrelated, and parseable things that are something else: silent.
  await put('docs/notes.yaml', 'title: [unclosed\n');
  await put('k8s/deployment.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n---\napiVersion: v1\nkind: Service\n');
  await put('package.json', '{"name": "shop", "version": "1.0.0"}');
  await put('tsconfig.json', '{\n  // comments: JSONC\n  "compilerOptions": {"strict": true,},\n}');
  await put('web/.eslintrc.json', '{"rules": {"no-unused-vars": "error"}}');
  await put('README.md', POLICY);
  // Skipped directories, even though they hold policies.
  await put('node_modules/some-lib/policy.json', POLICY);
  await put('.git/policy.json', POLICY);
  await put('.terraform/modules/ecr/policy.json', POLICY);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('discoverPolicySources', () => {
  test('walks a tree: finds every format, skips vendored and tool directories, sorts by file then position', async () => {
    const { sources } = await discoverPolicySources([root]);
    const files = [...new Set(sources.map((s) => s.file.slice(root.length + 1)))];
    expect(files).toEqual(['infra/cdk.out/ShopStack.template.json', 'infra/stack.yaml', 'legacy/repos.template', 'policy.json', 'terraform/plan.json']);
    const keys = sources.map((s) => [s.file, s.location.line!, s.location.column!] as const);
    const sorted = [...keys].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1] || a[2] - b[2]));
    expect(keys).toEqual(sorted);
    expect(sources.filter((s) => s.file.endsWith('stack.yaml'))).toHaveLength(8);
    expect(sources.filter((s) => s.file.endsWith('plan.json')).map((s) => s.name)).toEqual([
      'aws_ecr_lifecycle_policy.api',
      'module.ecr.aws_ecr_lifecycle_policy.this["web"]',
      'module.ecr.aws_ecr_lifecycle_policy.this["worker"]',
      'module.ecr.module.mirror[0].aws_ecr_lifecycle_policy.this',
    ]);
    expect(sources.find((s) => s.file.endsWith('.template'))!.format).toBe('cloudformation');
    expect(sources.filter((s) => s.file.includes('cdk.out')).every((s) => s.format === 'cdk')).toBe(true);
  });

  test('reports only unparseable files that look ECR-related, with line and column', async () => {
    const { problems } = await discoverPolicySources([root]);
    expect(problems).toEqual([
      expect.objectContaining({ code: 'yaml/syntax', location: expect.objectContaining({ file: join(root, 'infra/broken-stack.yml'), line: 6 }) }),
    ]);
  });

  test('explicit files must be sources; missing paths are problems; a file listed twice is read once', async () => {
    const { sources, problems } = await discoverPolicySources([join(root, 'package.json'), join(root, 'policy.json'), join(root, 'missing.json'), root]);
    expect(sources.filter((s) => s.file === join(root, 'policy.json'))).toHaveLength(1);
    expect(problems.map((p) => [p.code, p.location.file.slice(root.length + 1)])).toEqual([
      ['yaml/syntax', 'infra/broken-stack.yml'],
      ['source/not-found', 'missing.json'],
      ['source/unrecognised', 'package.json'],
    ]);
  });

  test('an unrelated broken file given explicitly is reported', async () => {
    const { problems } = await discoverPolicySources([join(root, 'docs/notes.yaml')]);
    expect(problems.map((p) => p.code)).toEqual(['yaml/syntax']);
  });
});
